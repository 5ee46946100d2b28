"""Meeting helpers: the world of an accepted introduction whose mentor lives in New York and
whose student lives in London, proposing and choosing times through the site, and reading the
``.ics`` invitations back with ``icalendar``."""

from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar, Event

from matcher.extensions import db
from matcher.models import Meeting, OutboxMessage, Role, Round, RoundStatus, User
from tests.helpers import give_mentor_profile, logged_in, make_group, make_user, post_form
from tests.helpers.introductions import World, give_student_profile

MENTOR_ZONE = "America/New_York"
STUDENT_ZONE = "Europe/London"


def set_zone(app: Flask, user: User, zone: str) -> None:
    with app.app_context():
        db.session.get(User, user.id).time_zone = zone
        db.session.commit()


def meeting_world(app: Flask) -> World:
    """A group with a coordinator, two students and three mentors in a published round; the
    first mentor in New York, the first student in London."""
    coordinator = make_user(app, Role.COORDINATOR, "coord@example.edu", "Cora Coordinator")
    students = [
        make_user(app, Role.STUDENT, "sam@example.edu", "Sam Student"),
        make_user(app, Role.STUDENT, "tess@example.edu", "Tess Student"),
    ]
    mentors = [
        make_user(app, Role.MENTOR, "mina@example.org", "Dr. Mina Mentor"),
        make_user(app, Role.MENTOR, "omar@example.org", "Dr. Omar Other"),
    ]
    for mentor in mentors:
        give_mentor_profile(app, mentor, capacity=2)
    for student in students:
        give_student_profile(app, student)
    set_zone(app, mentors[0], MENTOR_ZONE)
    set_zone(app, students[0], STUDENT_ZONE)
    group_id = make_group(app, coordinators=(coordinator,), members=(*students, *mentors))
    with app.app_context():
        round_ = Round(
            group_id=group_id,
            name="Autumn round",
            slots=["faculty", "resident"],
            status=RoundStatus.PUBLISHED,
        )
        db.session.add(round_)
        db.session.commit()
        round_id = round_.id
    return World(app, group_id, round_id, coordinator, students, mentors)


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
