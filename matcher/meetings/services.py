"""The meeting rules: the mentor proposes two or three times (or a booking link), the student
picks one (or records the time booked), either side moves or cancels it, and "met" is recorded
once it has begun; each change that reaches calendars mails both an invitation.

Functions change the session and leave committing to the caller, so a change and the mail it
causes share one transaction. Each change is a compare-and-set ``UPDATE`` on the status (and,
for a move, the SEQUENCE the person saw), so two requests changing one meeting change it once.
Times are entered as wall-clock times in the zone of the person entering them (the side's
person, not the viewer's role) and stored as UTC instants; each email and each ``.ics`` states
them in its recipient's zone.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select, update

from matcher import clock, timezones
from matcher.extensions import db
from matcher.introductions import services as introductions
from matcher.mail import external_url, queue_mail
from matcher.meetings import calendar
from matcher.models import (
    COMMITTED_STATUSES,
    OPEN_MEETING_STATUSES,
    Introduction,
    IntroStatus,
    Meeting,
    MeetingOption,
    MeetingStatus,
    User,
)

MIN_OPTIONS = 2
MAX_OPTIONS = 3
LENGTHS = (15, 30, 45, 60, 90, 120)
"""The lengths a meeting may have, in minutes."""
FURTHEST_DAYS = 365
"""How far ahead a meeting may be set."""
PAIR = ("student", "mentor")


class MeetingError(ValueError):
    """A change the meeting rules refuse; the message is safe to show."""

    status_code = 409


class MeetingInputError(MeetingError):
    """A time that cannot be used (passed, too far ahead, given twice)."""

    status_code = 400


@dataclass(frozen=True)
class Slot:
    """A wall-clock time as a person entered it, in their own zone."""

    day: date
    at: time
    minutes: int


def person_of(intro: Introduction, side: str) -> User:
    """The student or the mentor of the introduction."""
    if side not in PAIR:
        raise MeetingError("Only the student and the mentor arrange their meetings.")
    return intro.student if side == "student" else intro.mentor


def zone_of(person: User) -> str:
    return timezones.zone_or_default(getattr(person, "time_zone", None))


def meetings_of(intro: Introduction) -> list[Meeting]:
    """The introduction's meetings, the newest first."""
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.introduction_id == intro.id)
            .order_by(Meeting.created_at.desc(), Meeting.id.desc())
        )
    )


def open_meeting(intro: Introduction) -> Meeting | None:
    """The meeting still to happen (being arranged or scheduled), if any."""
    return db.session.scalar(
        select(Meeting).where(
            Meeting.introduction_id == intro.id, Meeting.status.in_(OPEN_MEETING_STATUSES)
        )
    )


def can_arrange(intro: Introduction) -> bool:
    """Meetings are arranged while the mentorship runs: once accepted, until it ends."""
    return intro.status in COMMITTED_STATUSES


def _running(intro: Introduction) -> None:
    if not can_arrange(intro):
        raise MeetingError(
            "Meetings are arranged once the mentor has accepted, while the introduction runs; "
            f"this one is {intro.status.label.lower()}."
        )


def instant(slot: Slot, zone: str) -> datetime:
    """The UTC instant of ``slot`` entered in ``zone``; refused if passed or too far ahead."""
    now = clock.now()
    if slot.minutes not in LENGTHS:
        raise MeetingInputError("Choose one of the offered lengths.")
    today = timezones.to_local(now, zone).date()
    if slot.day > today + timedelta(days=FURTHEST_DAYS):
        raise MeetingInputError(
            f"Choose a day within a year from today ({slot.day:%d %b %Y} is further ahead)."
        )
    if slot.day < today - timedelta(days=1):
        raise MeetingInputError(f"{slot.day:%d %b %Y} has already passed. Choose a later time.")
    moment = timezones.from_local(datetime.combine(slot.day, slot.at), zone)
    if moment <= now:
        raise MeetingInputError(
            f"{timezones.format_when(moment, zone)} has already passed. Choose a later time."
        )
    return moment


def _lock(intro: Introduction) -> None:
    """Serialize arranging on one introduction (PostgreSQL: its row locked; SQLite writes are
    serialized by ``BEGIN IMMEDIATE``)."""
    db.session.execute(select(Introduction.id).where(Introduction.id == intro.id).with_for_update())


def propose(
    intro: Introduction,
    actor: User,
    slots: list[Slot],
    *,
    place: str = "",
    video_url: str = "",
    booking_url: str = "",
    note: str = "",
) -> Meeting:
    """The mentor offers two or three times, or a booking link, for the next meeting; the
    student is emailed to choose."""
    _running(intro)
    _lock(intro)
    if open_meeting(intro) is not None:
        raise MeetingError(
            "A meeting is already being arranged. Move or cancel it before proposing another."
        )
    booking_url = booking_url.strip()
    if booking_url and slots:
        raise MeetingInputError("Give either times or a booking link, not both.")
    if not booking_url and not MIN_OPTIONS <= len(slots) <= MAX_OPTIONS:
        raise MeetingInputError(
            f"Offer {MIN_OPTIONS} or {MAX_OPTIONS} times, or give a booking link instead."
        )
    zone = zone_of(intro.mentor)
    options = [MeetingOption(starts_at=instant(s, zone), minutes=s.minutes) for s in slots]
    if len({o.starts_at for o in options}) != len(options):
        raise MeetingInputError("Each time is offered once: give different times.")
    meeting = Meeting(
        introduction_id=intro.id,
        booking_url=booking_url,
        place=place.strip(),
        video_url=video_url.strip(),
        note=note.strip(),
        options=sorted(options, key=lambda o: o.starts_at),
    )
    db.session.add(meeting)
    db.session.flush()
    introductions.note_event(
        intro,
        "Booking link sent for a meeting"
        if booking_url
        else f"{len(options)} meeting times proposed",
        actor,
    )
    _mail(
        meeting,
        intro.student,
        "meetings/booking" if booking_url else "meetings/proposed",
    )
    return meeting


def _option(meeting: Meeting, option_id: int | None) -> MeetingOption:
    for option in meeting.options:
        if option.id == option_id:
            return option
    raise MeetingInputError("Choose one of the offered times.")


def _change(meeting: Meeting, expected: tuple[MeetingStatus, ...], **values) -> None:
    """Compare-and-set the meeting (its status, and the SEQUENCE this change was made from);
    refuse when someone changed it first."""
    result = db.session.execute(
        update(Meeting)
        .where(
            Meeting.id == meeting.id,
            Meeting.status.in_(expected),
            Meeting.sequence == meeting.sequence,
        )
        .values(updated_at=clock.now(), **values)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        db.session.refresh(meeting)
        raise MeetingError(
            f"This meeting changed meanwhile (it is now {meeting.status.label.lower()}). "
            "Look at it again before changing it."
        )
    db.session.refresh(meeting)


def pick(meeting: Meeting, actor: User, option_id: int | None) -> Meeting:
    """The student chooses one of the offered times: both get the invitation."""
    intro = meeting.introduction
    _running(intro)
    if meeting.status is not MeetingStatus.PROPOSED or meeting.booking_url:
        raise MeetingError("This meeting has no times to choose from now.")
    option = _option(meeting, option_id)
    if option.starts_at <= clock.now():
        raise MeetingInputError("That time has passed. Choose another, or ask for new times.")
    _change(
        meeting,
        (MeetingStatus.PROPOSED,),
        status=MeetingStatus.SCHEDULED,
        starts_at=option.starts_at,
        minutes=option.minutes,
    )
    introductions.note_event(intro, "Meeting time chosen", actor)
    _invite(meeting, "meetings/invitation")
    return meeting


def record_booking(meeting: Meeting, actor: User, slot: Slot) -> Meeting:
    """The student says which time they booked with the mentor's booking link, in the
    student's own zone: both get the invitation."""
    intro = meeting.introduction
    _running(intro)
    if meeting.status is not MeetingStatus.PROPOSED or not meeting.booking_url:
        raise MeetingError("This meeting is not waiting for a booked time.")
    moment = instant(slot, zone_of(intro.student))
    _change(
        meeting,
        (MeetingStatus.PROPOSED,),
        status=MeetingStatus.SCHEDULED,
        starts_at=moment,
        minutes=slot.minutes,
    )
    introductions.note_event(intro, "Booked meeting time recorded", actor)
    _invite(meeting, "meetings/invitation")
    return meeting


def move(meeting: Meeting, actor: User, side: str, slot: Slot) -> Meeting:
    """Either side moves a scheduled meeting, entering the new time in their own zone: both get
    the updated invitation (same UID, next SEQUENCE) and a new reminder the day before."""
    intro = meeting.introduction
    _running(intro)
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise MeetingError("Only a scheduled meeting can be moved.")
    moment = instant(slot, zone_of(person_of(intro, side)))
    if moment == meeting.starts_at and slot.minutes == meeting.minutes:
        raise MeetingInputError("That is the meeting's time already. Choose another time.")
    _change(
        meeting,
        (MeetingStatus.SCHEDULED,),
        starts_at=moment,
        minutes=slot.minutes,
        sequence=meeting.sequence + 1,
        reminded_at=None,
    )
    introductions.note_event(intro, f"Meeting moved by the {side}", actor)
    _invite(meeting, "meetings/moved", mover=person_of(intro, side))
    return meeting


def cancel(meeting: Meeting, actor: User, side: str) -> Meeting:
    """Either side calls the meeting off: a scheduled one is cancelled in both calendars
    (METHOD:CANCEL, next SEQUENCE); a proposal is withdrawn with a note to the other side."""
    intro = meeting.introduction
    canceller = person_of(intro, side)
    was = meeting.status
    if not meeting.is_open:
        raise MeetingError(f"This meeting is {meeting.status.label.lower()} already.")
    scheduled = was is MeetingStatus.SCHEDULED
    _change(
        meeting,
        (was,),
        status=MeetingStatus.CANCELLED,
        cancelled_by=side,
        sequence=meeting.sequence + (1 if scheduled else 0),
    )
    introductions.note_event(intro, f"Meeting cancelled by the {side}", actor)
    if scheduled:
        _invite(meeting, "meetings/cancelled", method=calendar.CANCEL, canceller=canceller)
    else:
        other = intro.mentor if side == "student" else intro.student
        _mail(meeting, other, "meetings/proposal_cancelled", canceller=canceller)
    return meeting


ENDINGS = {
    IntroStatus.COMPLETED: "the mentorship cycle has ended",
    IntroStatus.DECLINED: "the mentor declined the introduction",
    IntroStatus.EXPIRED: "the introduction expired without an answer",
    IntroStatus.WITHDRAWN: "the introduction was withdrawn",
}
"""Why a meeting is called off, by the status its introduction ended in."""


def introduction_ended(intro: Introduction) -> list[Meeting]:
    """The introduction stopped running (the ``introductions.signals.ended`` receiver): each
    meeting still being arranged or scheduled is called off, and both people are told; a
    scheduled one comes with the cancellation for their calendars (METHOD:CANCEL, next
    SEQUENCE). The meetings called off."""
    called_off = []
    for meeting in db.session.scalars(
        select(Meeting)
        .where(Meeting.introduction_id == intro.id, Meeting.status.in_(OPEN_MEETING_STATUSES))
        .order_by(Meeting.id)
    ):
        scheduled = meeting.status is MeetingStatus.SCHEDULED
        _change(
            meeting,
            (meeting.status,),
            status=MeetingStatus.CANCELLED,
            sequence=meeting.sequence + (1 if scheduled else 0),
        )
        reason = ENDINGS.get(intro.status, "the introduction has ended")
        introductions.note_event(intro, "Meeting called off: " + reason)
        if scheduled:
            _invite(meeting, "meetings/called_off", method=calendar.CANCEL, reason=reason)
        else:
            for person in (intro.student, intro.mentor):
                _mail(meeting, person, "meetings/called_off", reason=reason)
        called_off.append(meeting)
    return called_off


def can_record_met(meeting: Meeting) -> bool:
    return (
        meeting.status is MeetingStatus.SCHEDULED
        and meeting.starts_at is not None
        and clock.now() >= meeting.starts_at
    )


def record_met(meeting: Meeting, actor: User) -> Meeting:
    """The meeting took place. The first one moves the introduction to "met" through the
    introductions' own step (its date, audit record and the early rating that follows)."""
    intro = meeting.introduction
    _running(intro)
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise MeetingError(f"This meeting is {meeting.status.label.lower()}.")
    if not can_record_met(meeting):
        raise MeetingError("A meeting can be recorded as held once its start time has come.")
    _change(meeting, (MeetingStatus.SCHEDULED,), status=MeetingStatus.HELD)
    if intro.status is IntroStatus.ACCEPTED:
        try:
            met_on = timezones.to_local(meeting.starts_at, actor.time_zone).date()
            introductions.mark_met(intro, actor, met_on)
        except introductions.IntroductionError as exc:
            raise MeetingError(str(exc)) from exc
    else:
        introductions.note_event(intro, "Another meeting held", actor)
    return meeting


# --- invitations and mail -------------------------------------------------------------------


def page_link(intro: Introduction) -> str:
    return external_url("introductions.show", intro_id=intro.id) + "#meeting"


def invitation(meeting: Meeting, zone: str, method: str | None = None) -> str:
    """The meeting's ``.ics`` written in ``zone``: REQUEST while it stands, CANCEL once
    cancelled."""
    intro = meeting.introduction
    if meeting.starts_at is None or meeting.minutes is None:
        raise MeetingError("This meeting has no time yet.")
    if method is None:
        method = calendar.CANCEL if meeting.status is MeetingStatus.CANCELLED else calendar.REQUEST
    student, mentor = intro.student, intro.mentor
    lines = [meeting.note] if meeting.note else []
    if meeting.video_url:
        lines.append(f"Video link: {meeting.video_url}")
    lines.append(f"The introduction on matcher: {page_link(intro)}")
    return calendar.build(
        calendar.Invitation(
            uid=meeting.uid,
            sequence=meeting.sequence,
            method=method,
            starts_at=meeting.starts_at,
            minutes=meeting.minutes,
            zone=zone,
            organizer_address=current_app.config["MAIL_DEFAULT_SENDER"],
            mentor=calendar.Person(mentor.name, mentor.email),
            student=calendar.Person(student.name, student.email),
            summary=f"Mentorship meeting: {student.name} and {mentor.name}",
            description="\n\n".join(lines),
            place=meeting.place,
            video_url=meeting.video_url,
            stamp=clock.now(),
        )
    )


def ics_filename(meeting: Meeting) -> str:
    return f"meeting-{meeting.id}.ics"


def _mail(meeting: Meeting, person: User, template: str, **context):
    intro = meeting.introduction
    other = intro.mentor if person.id == intro.student_id else intro.student
    return queue_mail(
        person,
        template,
        zone=zone_of(person),
        recipient=person,
        other=other,
        meeting=meeting,
        intro=intro,
        link=page_link(intro),
        **context,
    )


def _invite(meeting: Meeting, template: str, method: str = calendar.REQUEST, **context) -> None:
    """Mail the student and the mentor, each with the invitation in their own zone."""
    intro = meeting.introduction
    for person in (intro.student, intro.mentor):
        message = _mail(meeting, person, template, **context)
        if message is not None:
            message.calendar = invitation(meeting, zone_of(person), method)
