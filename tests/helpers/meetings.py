"""Meeting helpers: the world of an accepted introduction whose mentor lives in New York and
whose student lives in London, proposing and choosing times through the site, and reading the
``.ics`` invitations back with ``icalendar``."""

from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar, Event

from matcher.extensions import db
from matcher.models import Meeting, OutboxMessage, User
from tests.helpers import logged_in, post_form
from tests.helpers.introductions import World, published_round_world

MENTOR_ZONE = "America/New_York"
STUDENT_ZONE = "Europe/London"


def set_zone(app: Flask, user: User, zone: str) -> None:
    with app.app_context():
        db.session.get(User, user.id).time_zone = zone
        db.session.commit()


def meeting_world(app: Flask) -> World:
    """The introductions' world with two mentors; the first mentor in New York, the first
    student in London."""
    world = published_round_world(app, mentors=2)
    set_zone(app, world.mentors[0], MENTOR_ZONE)
    set_zone(app, world.students[0], STUDENT_ZONE)
    return world


@dataclass
class Pair:
    """An accepted introduction and a logged-in client for each side."""

    world: World
    intro_id: int
    student: FlaskClient
    mentor: FlaskClient

    @property
    def app(self) -> Flask:
        return self.world.app

    @property
    def page(self) -> str:
        return f"/introductions/{self.intro_id}"

    def propose(self, *times: tuple[str, str, int], **fields):
        """The mentor offers ``(date, time, minutes)`` times (in the mentor's zone)."""
        data = dict(fields)
        for n, (day, at, minutes) in enumerate(times, start=1):
            data.update({f"day_{n}": day, f"time_{n}": at, f"minutes_{n}": str(minutes)})
        path = f"{self.page}/meetings/new"
        return post_form(self.mentor, path, data, page=path)

    def meeting(self) -> Meeting:
        """The introduction's newest meeting, with its options, detached."""
        with self.app.app_context():
            found = db.session.scalar(
                db.select(Meeting)
                .where(Meeting.introduction_id == self.intro_id)
                .order_by(Meeting.id.desc())
            )
            found.options  # noqa: B018 (load before the session closes)
            db.session.expunge_all()
            return found

    def pick(self, index: int = 0):
        meeting = self.meeting()
        option = meeting.options[index]
        return post_form(
            self.student, f"/meetings/{meeting.id}/pick", {"option": option.id}, page=self.page
        )

    def post(self, client: FlaskClient, action: str, data: dict | None = None):
        meeting = self.meeting()
        return post_form(client, f"/meetings/{meeting.id}/{action}", data or {}, page=self.page)


def accepted_pair(world: World) -> Pair:
    intro_id = world.accepted()
    return Pair(
        world,
        intro_id,
        logged_in(world.app, world.student),
        logged_in(world.app, world.mentor),
    )


def calendars(app: Flask, to_addr: str) -> list[Calendar]:
    """The invitations in the outbox to ``to_addr``, oldest first, parsed back."""
    with app.app_context():
        texts = db.session.scalars(
            db.select(OutboxMessage.calendar)
            .where(OutboxMessage.to_addr == to_addr, OutboxMessage.calendar != "")
            .order_by(OutboxMessage.id)
        ).all()
    return [Calendar.from_ical(text) for text in texts]


def event_of(calendar: Calendar) -> Event:
    [event] = calendar.walk("VEVENT")
    return event


def start_of(calendar: Calendar) -> datetime:
    return event_of(calendar).decoded("dtstart")
