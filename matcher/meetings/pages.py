"""What the meeting panel shows, ready for the templates: the meeting being arranged or the
last one, its times in the viewer's zone, and which actions the viewer's side may take."""

from dataclasses import dataclass, field
from datetime import datetime

from flask import url_for
from wtforms import SelectChoice

from matcher import clock, timezones
from matcher.meetings import services
from matcher.meetings.forms import CancelMeetingForm, HeldForm, PickForm
from matcher.models import Introduction, Meeting, MeetingStatus, User


@dataclass(frozen=True)
class Earlier:
    """A meeting that is over: held or cancelled."""

    when: str
    status: str
    ics_url: str


@dataclass
class Panel:
    """The meeting panel of an introduction for one viewer."""

    intro: Introduction
    side: str
    zone_label: str
    visible: bool = False
    meeting: Meeting | None = None
    when: str = ""
    ends: str = ""
    status: str = ""
    options: list[str] = field(default_factory=list)
    arranging: bool = False
    propose_url: str = ""
    pick_form: PickForm | None = None
    pick_url: str = ""
    booked_url: str = ""
    move_url: str = ""
    cancel_form: CancelMeetingForm | None = None
    cancel_url: str = ""
    held_form: HeldForm | None = None
    held_url: str = ""
    ics_url: str = ""
    page_url: str = ""
    waiting_for: str = ""
    earlier: list[Earlier] = field(default_factory=list)


def viewer_zone(intro: Introduction, side: str, viewer: User) -> str:
    """The zone times are shown in: the side's person for the pair, else the viewer's own."""
    person = services.person_of(intro, side) if side in services.PAIR else viewer
    return services.zone_of(person)


def option_choices(meeting: Meeting, zone: str) -> list[SelectChoice]:
    return [
        SelectChoice(option.id, span(option.starts_at, option.minutes, zone))
        for option in meeting.options
    ]


def span(starts_at: datetime, minutes: int, zone: str) -> str:
    """ "12 Sep 2026, 10:00 EDT (America/New_York), 45 minutes"."""
    return f"{timezones.format_when(starts_at, zone)}, {minutes} minutes"


def pick_form(meeting: Meeting, zone: str, form: PickForm | None = None) -> PickForm:
    form = form or PickForm()
    form.option.choices = option_choices(meeting, zone)
    return form


def panel(intro: Introduction, side: str, viewer: User, *, pick: PickForm | None = None) -> Panel:
    zone = viewer_zone(intro, side, viewer)
    meetings = services.meetings_of(intro)
    current = next((m for m in meetings if m.is_open), None)
    shown = current or (meetings[0] if meetings else None)
    in_pair = side in services.PAIR
    result = Panel(
        intro=intro,
        side=side,
        zone_label=timezones.zone_label(zone, clock.now()),
        visible=bool(meetings) or services.can_arrange(intro),
    )
    result.earlier = [
        Earlier(
            when=span(m.starts_at, m.minutes, zone) if m.starts_at else "Before a time was set",
            status=m.status.label,
            ics_url=url_for("meetings.invite", meeting_id=m.id) if m.starts_at else "",
        )
        for m in meetings
        if m is not shown
    ]
    if in_pair and side == "mentor" and current is None and services.can_arrange(intro):
        result.propose_url = url_for("meetings.propose", intro_id=intro.id)
    if shown is None:
        return result
    result.meeting = shown
    result.status = shown.status.label
    result.page_url = url_for("meetings.show", meeting_id=shown.id)
    result.arranging = shown.status is MeetingStatus.PROPOSED
    if shown.starts_at is not None:
        result.when = timezones.format_when(shown.starts_at, zone)
        result.ends = timezones.to_local(shown.ends_at, zone).strftime("%H:%M")
        result.ics_url = url_for("meetings.invite", meeting_id=shown.id)
    if result.arranging:
        result.options = [choice.label for choice in option_choices(shown, zone)]
        result.waiting_for = "" if side == "student" else "Waiting for the student to choose."
    running = services.can_arrange(intro)
    if not (in_pair and running) and not (in_pair and shown.is_open):
        return result
    if side == "student" and result.arranging and running:
        if shown.booking_url:
            result.booked_url = url_for("meetings.booked", meeting_id=shown.id)
        else:
            result.pick_form = pick_form(shown, zone, pick)
            result.pick_url = url_for("meetings.pick", meeting_id=shown.id)
            result.options = []
    if shown.status is MeetingStatus.SCHEDULED and running:
        result.move_url = url_for("meetings.move", meeting_id=shown.id)
    if shown.is_open:
        result.cancel_form = CancelMeetingForm()
        result.cancel_url = url_for("meetings.cancel", meeting_id=shown.id)
    if services.can_record_met(shown) and running:
        result.held_form = HeldForm()
        result.held_url = url_for("meetings.held", meeting_id=shown.id)
    return result


@dataclass(frozen=True)
class TimePage:
    """The page of a form that sets a meeting's time: whose zone it is entered in."""

    intro: Introduction
    meeting: Meeting | None
    zone_label: str
    current: str


def time_page(intro: Introduction, side: str, meeting: Meeting | None = None) -> TimePage:
    zone = services.zone_of(services.person_of(intro, side))
    current = ""
    if meeting is not None and meeting.starts_at is not None:
        current = span(meeting.starts_at, meeting.minutes, zone)
    return TimePage(intro, meeting, timezones.zone_label(zone, clock.now()), current)


def time_defaults(intro: Introduction, side: str, meeting: Meeting) -> dict:
    """A time form's first values: the meeting's time in the side's zone, if it has one."""
    if meeting.starts_at is None:
        return {"minutes": meeting.options[0].minutes if meeting.options else 30}
    local = timezones.to_local(meeting.starts_at, services.zone_of(services.person_of(intro, side)))
    return {
        "day": local.date(),
        "at": local.time().replace(tzinfo=None),
        "minutes": meeting.minutes,
    }
