"""Time-driven work: reminders, expiry, re-matching, check-ins, early ratings, thank-you
reminders, closing, and the reminder the day before each scheduled meeting.

``tick`` is run by the worker every ``INTRODUCTIONS_TICK_SECONDS`` (and by hand with
``flask --app wsgi introductions tick``). Each step claims one introduction with a
compare-and-set ``UPDATE`` (the column that records the step goes from empty to now, or the
status moves) and queues its mail in the same transaction, committed per introduction;
reminders are committed per mentor, so each mentor gets one email listing every request the
tick reminds them of. Running it again sends nothing twice, and two ticks running at once each
claim different introductions (the loser's ``UPDATE`` matches no row).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import timedelta

from sqlalchemy import select, update

from matcher import clock, timezones
from matcher.extensions import db
from matcher.introductions import emails, services, waiting
from matcher.mail import external_url, queue_mail
from matcher.models import (
    COMMITTED_STATUSES,
    InterestGroup,
    Introduction,
    IntroStatus,
    Meeting,
    MeetingStatus,
)


@dataclass
class TickReport:
    reminded: int = 0
    expired: int = 0
    rematched: int = 0
    checked_in: int = 0
    early_rating_asked: int = 0
    thanked: int = 0
    closed: int = 0
    meetings_reminded: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        counts = [f for f in fields(self) if f.name != "errors"]
        return ", ".join(f"{f.name.replace('_', ' ')} {getattr(self, f.name)}" for f in counts)


def _days(n: int) -> timedelta:
    return timedelta(days=n)


def _candidates(*conditions) -> list[int]:
    return list(
        db.session.scalars(select(Introduction.id).where(*conditions).order_by(Introduction.id))
    )


def _claim(intro_id: int, column: str, *conditions) -> Introduction | None:
    """Set ``column`` to now where it is still empty; the introduction if this call won."""
    claimed = db.session.execute(
        update(Introduction)
        .where(Introduction.id == intro_id, getattr(Introduction, column).is_(None), *conditions)
        .values({column: clock.now()})
    )
    return db.session.get(Introduction, intro_id) if claimed.rowcount == 1 else None


def _each(ids: Iterable[int], step: Callable[[int], bool]) -> int:
    done = 0
    for intro_id in ids:
        try:
            if step(intro_id):
                done += 1
            db.session.commit()
        except services.IntroductionError:
            db.session.rollback()
        db.session.expire_all()
    return done


def _nudge(
    intro_id: int,
    due: Callable[[Introduction], bool],
    column: str,
    status: IntroStatus,
    note: str,
    send: Callable[[Introduction], None],
) -> bool:
    """Once ``due``, claim ``column`` while the introduction is in ``status``, then note and send.

    The claim is a conditional update, so two ticks never send the same message twice.
    """
    intro = db.session.get(Introduction, intro_id)
    if intro is None or not due(intro):
        return False
    intro = _claim(intro_id, column, Introduction.status == status)
    if intro is None:
        return False
    services.note_event(intro, note)
    send(intro)
    return True


def _remind(intro_ids: list[int]) -> int:
    """Claim every due reminder of one mentor, then send them one email listing them all;
    how many were claimed."""
    reminded = []
    for intro_id in intro_ids:
        intro = db.session.get(Introduction, intro_id)
        if intro is None or clock.now() < intro.asked_at + _days(intro.group.response_days):
            continue
        intro = _claim(intro_id, "reminded_at", Introduction.status == IntroStatus.PROPOSED)
        if intro is not None:
            services.note_event(intro, "Reminder sent to the mentor")
            reminded.append(intro)
    if reminded:
        services.ask(reminded, reminder=True)
    return len(reminded)


def _remind_each_mentor(*conditions) -> int:
    """Due reminders, one email per mentor, each mentor's claims and mail committed together."""
    by_mentor: dict[int, list[int]] = {}
    for intro_id, mentor_id in db.session.execute(
        select(Introduction.id, Introduction.mentor_id).where(*conditions).order_by(Introduction.id)
    ):
        by_mentor.setdefault(mentor_id, []).append(intro_id)
    done = 0
    for intro_ids in by_mentor.values():
        try:
            done += _remind(intro_ids)
            db.session.commit()
        except services.IntroductionError:
            db.session.rollback()
        db.session.expire_all()
    return done


def _expire(intro_id: int) -> bool:
    intro = db.session.get(Introduction, intro_id)
    if intro is None or clock.now() < intro.reminded_at + _days(intro.group.response_days):
        return False
    services.expire(intro)
    return True


def _check_in(intro_id: int) -> bool:
    return _nudge(
        intro_id,
        lambda intro: clock.now() >= intro.responded_at + _days(intro.group.checkin_days),
        "checkin_sent_at",
        IntroStatus.ACCEPTED,
        "Check-in sent to the student",
        lambda intro: emails.send("checkin", intro, intro.student),
    )


def _cycle_over(intro: Introduction) -> bool:
    return clock.now() >= intro.responded_at + _days(intro.group.cycle_days)


def _ask_early_rating(intro_id: int) -> bool:
    """Once the first meeting is recorded (and the cycle still runs), ask each side who has not
    rated it yet for the early rating."""
    intro = db.session.get(Introduction, intro_id)
    if intro is None or _cycle_over(intro):
        return False
    intro = _claim(intro_id, "early_rating_sent_at", Introduction.status == IntroStatus.MET)
    if intro is None:
        return False
    asked = services.ask_early_rating(intro)
    if asked:
        services.note_event(
            intro, "Early rating asked of " + " and ".join(person.name for person in asked)
        )
    return bool(asked)


def _thank(intro_id: int) -> bool:
    return _nudge(
        intro_id,
        lambda intro: clock.now().date() > intro.met_at.date(),
        "thanks_sent_at",
        IntroStatus.MET,
        "Thank-you reminder sent to the student",
        lambda intro: emails.send("thanks", intro, intro.student),
    )


def _close(intro_id: int) -> bool:
    intro = db.session.get(Introduction, intro_id)
    if intro is None or not _cycle_over(intro):
        return False
    services.close(intro)
    return True


def _rematch(group_id: int, report: TickReport) -> None:
    """One group's re-match; a failure is reported and leaves the other groups' work alone."""
    group = db.session.get(InterestGroup, group_id)
    try:
        result = waiting.rematch(group, None)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        report.errors.append(f"re-match of group {group_id} failed: {exc!r}")
        return
    report.rematched += len(result.proposed)


MEETING_REMINDER_BEFORE = timedelta(days=1)


def _meeting_due() -> tuple:
    now = clock.now()
    return (
        Meeting.status == MeetingStatus.SCHEDULED,
        Meeting.reminded_at.is_(None),
        Meeting.starts_at > now,
        Meeting.starts_at <= now + MEETING_REMINDER_BEFORE,
        Meeting.introduction_id.in_(
            select(Introduction.id).where(Introduction.status.in_(COMMITTED_STATUSES))
        ),
    )


def _remind_meeting(meeting_id: int) -> bool:
    """The day before a scheduled meeting, remind both sides once, each in their own zone (a
    moved meeting is reminded again before its new time)."""
    claimed = db.session.execute(
        update(Meeting)
        .where(Meeting.id == meeting_id, *_meeting_due())
        .values(reminded_at=clock.now())
    )
    if claimed.rowcount != 1:
        return False
    meeting = db.session.get(Meeting, meeting_id)
    intro = meeting.introduction
    link = external_url("introductions.show", intro_id=intro.id) + "#meeting"
    for person, other in ((intro.student, intro.mentor), (intro.mentor, intro.student)):
        queue_mail(
            person,
            "meetings/reminder",
            zone=timezones.zone_or_default(person.time_zone),
            recipient=person,
            other=other,
            meeting=meeting,
            intro=intro,
            link=link,
        )
    services.note_event(intro, "Meeting reminder sent to both")
    return True


def tick() -> TickReport:
    """Do every piece of time-driven work that is due, once."""
    report = TickReport()
    proposed = Introduction.status == IntroStatus.PROPOSED
    report.reminded = _remind_each_mentor(proposed, Introduction.reminded_at.is_(None))
    report.expired = _each(_candidates(proposed, Introduction.reminded_at.is_not(None)), _expire)
    auto_groups = waiting.auto_groups()
    db.session.commit()
    for group_id in auto_groups:
        _rematch(group_id, report)
    report.checked_in = _each(
        _candidates(
            Introduction.status == IntroStatus.ACCEPTED, Introduction.checkin_sent_at.is_(None)
        ),
        _check_in,
    )
    report.early_rating_asked = _each(
        _candidates(
            Introduction.status == IntroStatus.MET, Introduction.early_rating_sent_at.is_(None)
        ),
        _ask_early_rating,
    )
    report.thanked = _each(
        _candidates(Introduction.status == IntroStatus.MET, Introduction.thanks_sent_at.is_(None)),
        _thank,
    )
    report.closed = _each(
        _candidates(
            Introduction.status.in_(COMMITTED_STATUSES),
            Introduction.closing_sent_at.is_(None),
        ),
        _close,
    )
    report.meetings_reminded = _each(
        db.session.scalars(select(Meeting.id).where(*_meeting_due()).order_by(Meeting.id)).all(),
        _remind_meeting,
    )
    return report
