"""A meeting ends with its introduction: withdrawn, completed at the end of the cycle, ended
because an account was switched off or deleted, the meeting being arranged or scheduled is
called off, both people are told (a scheduled one with METHOD:CANCEL for their calendars), the
panel offers nothing more to do and the day-before reminder never goes."""

from icalendar import Calendar
from sqlalchemy import select

from matcher.extensions import db
from matcher.introductions import services as introductions
from matcher.models import Meeting, MeetingStatus, User
from tests.helpers import PASSWORD, logged_in, outbox, post_form
from tests.helpers.meetings import Pair, event_of

STUDENT, MENTOR = "sam@example.edu", "mina@example.org"


def called_off(pair: Pair, address: str):
    return [m for m in outbox(pair.app, address) if "called off" in m.subject]


def scheduled(pair: Pair) -> Meeting:
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "16:30", 30))
    assert pair.pick(0).status_code == 302
    return pair.meeting()


def assert_cancelled_in_both_calendars(pair: Pair, reason: str) -> None:
    meeting = pair.meeting()
    assert meeting.status is MeetingStatus.CANCELLED
    assert meeting.sequence == 1
    for address, local in (
        (STUDENT, "03 Sep 2026, 15:00 BST (Europe/London)"),
        (MENTOR, "03 Sep 2026, 10:00 EDT (America/New_York)"),
    ):
        [message] = called_off(pair, address)
        assert f"on {local} is cancelled: {reason}." in message.body_text
        cal = Calendar.from_ical(message.calendar)
        assert cal["method"] == "CANCEL"
        event = event_of(cal)
        assert event["uid"] == meeting.uid
        assert event["sequence"] == 1
        assert event["status"] == "CANCELLED"


def test_withdrawing_the_introduction_cancels_its_scheduled_meeting(pair: Pair, frozen_clock):
    scheduled(pair)
    assert post_form(pair.student, f"{pair.page}/withdraw", {}, page=pair.page).status_code == 302

    assert_cancelled_in_both_calendars(pair, "the introduction was withdrawn")
    page = pair.mentor.get(pair.page).get_data(as_text=True)
    assert "Cancelled" in page
    assert "Cancel the meeting" not in page
    assert "Move the meeting" not in page
    assert "Meeting called off: the introduction was withdrawn" in page
    frozen_clock.advance(hours=30)
    assert pair.world.tick().meetings_reminded == 0
    assert not [m for m in outbox(pair.app, STUDENT) if m.subject.startswith("Reminder: meeting")]


def test_a_proposal_is_called_off_with_a_note_to_both(pair: Pair):
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "16:30", 30))
    coordinator = logged_in(pair.app, pair.world.coordinator)
    assert post_form(coordinator, f"{pair.page}/withdraw", {}, page=pair.page).status_code == 302

    assert pair.meeting().status is MeetingStatus.CANCELLED
    for address, other in ((STUDENT, "Dr. Mina Mentor"), (MENTOR, "Sam Student")):
        [message] = called_off(pair, address)
        assert message.subject == f"Meeting with {other} called off: the introduction has ended"
        assert "were arranging is called off: the introduction was withdrawn." in (
            message.body_text
        )
        assert "The times offered no longer stand." in message.body_text
        assert message.calendar == ""
    page = pair.student.get(pair.page).get_data(as_text=True)
    assert "Choose this time" not in page
    assert 'name="option"' not in page


def test_the_end_of_the_cycle_cancels_a_meeting_still_to_come(pair: Pair, frozen_clock):
    pair.world.set_group(cycle_days=3)
    pair.propose(("2026-09-20", "10:00", 45), ("2026-09-21", "16:30", 30))
    pair.pick(0)
    frozen_clock.advance(days=4)
    report = pair.world.tick()
    assert report.closed == 1
    assert report.meetings_reminded == 0

    meeting = pair.meeting()
    assert meeting.status is MeetingStatus.CANCELLED
    [message] = called_off(pair, STUDENT)
    assert "is cancelled: the mentorship cycle has ended." in message.body_text
    assert "METHOD:CANCEL" in message.calendar
    assert called_off(pair, MENTOR)


def test_a_switched_off_mentor_s_meeting_is_cancelled_for_the_student(pair: Pair):
    scheduled(pair)
    with pair.app.app_context():
        assert introductions.release(db.session.get(User, pair.world.mentor.id), None) == 1
        db.session.commit()

    assert_cancelled_in_both_calendars(pair, "the introduction was withdrawn")


def test_a_mentor_who_deletes_the_account_leaves_the_student_a_cancellation(pair: Pair):
    meeting = scheduled(pair)
    response = post_form(pair.mentor, "/profile/delete", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302

    with pair.app.app_context():
        assert db.session.scalar(select(Meeting).where(Meeting.id == meeting.id)) is None
    [message] = called_off(pair, STUDENT)
    assert "Your meeting with Dr. Mina Mentor on 03 Sep 2026, 15:00 BST" in message.body_text
    cal = Calendar.from_ical(message.calendar)
    assert cal["method"] == "CANCEL"
    assert event_of(cal)["uid"] == meeting.uid
    assert called_off(pair, MENTOR) == []


def test_the_reminder_skips_a_meeting_whose_introduction_is_over(pair: Pair, frozen_clock):
    """A meeting left scheduled after its introduction ended (as before meetings were called
    off with it) is not reminded."""
    meeting = scheduled(pair)
    with pair.app.app_context():
        intro = db.session.get(Meeting, meeting.id).introduction
        introductions.withdraw(intro, db.session.get(User, pair.world.student.id))
        db.session.execute(
            db.update(Meeting)
            .where(Meeting.id == meeting.id)
            .values(status=MeetingStatus.SCHEDULED)
        )
        db.session.commit()
    frozen_clock.advance(hours=30)
    assert pair.world.tick().meetings_reminded == 0
    assert not [m for m in outbox(pair.app, MENTOR) if m.subject.startswith("Reminder: meeting")]


def test_an_ended_introduction_leaves_held_and_cancelled_meetings_alone(pair: Pair, frozen_clock):
    scheduled(pair)
    frozen_clock.advance(hours=55)
    assert pair.post(pair.student, "held").status_code == 302
    assert post_form(pair.student, f"{pair.page}/withdraw", {}, page=pair.page).status_code == 302
    assert pair.meeting().status is MeetingStatus.HELD
    assert called_off(pair, STUDENT) == []
    assert logged_in(pair.app, pair.world.mentor).get(pair.page).status_code == 200
