"""The meeting's life on the site: the mentor proposes times in their zone, the student picks
one in theirs, either side moves or cancels it, and "met" is recorded from it."""

import json
from datetime import UTC, date, datetime

from matcher import timezones
from matcher.extensions import db
from matcher.models import Introduction, IntroStatus, MeetingStatus
from tests.helpers import outbox
from tests.helpers.meetings import Pair


def test_the_mentor_proposes_times_entered_in_the_mentors_zone(pair: Pair):
    response = pair.propose(
        ("2026-09-03", "10:00", 45), ("2026-09-04", "16:30", 30), place="Room 4, Clinic B"
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{pair.page}#meeting")
    meeting = pair.meeting()
    assert meeting.status is MeetingStatus.PROPOSED
    assert [(o.starts_at, o.minutes) for o in meeting.options] == [
        (datetime(2026, 9, 3, 14, 0, tzinfo=UTC), 45),
        (datetime(2026, 9, 4, 20, 30, tzinfo=UTC), 30),
    ]
    [mail] = outbox(pair.app, "sam@example.edu")[-1:]
    assert "suggests times" in mail.subject
    assert "03 Sep 2026, 15:00 BST (Europe/London), 45 minutes" in mail.body_text
    assert "04 Sep 2026, 21:30 BST (Europe/London), 30 minutes" in mail.body_text
    assert mail.calendar == ""
    page = pair.student.get(pair.page).get_data(as_text=True)
    assert "03 Sep 2026, 15:00 BST (Europe/London), 45 minutes" in page
    mentor_page = pair.mentor.get(pair.page).get_data(as_text=True)
    assert "03 Sep 2026, 10:00 EDT (America/New_York), 45 minutes" in mentor_page
    assert "Waiting for the student to choose." in mentor_page


def test_the_student_picks_a_time_and_both_are_invited(pair: Pair):
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "16:30", 30))
    response = pair.pick(1)
    assert response.status_code == 302
    meeting = pair.meeting()
    assert meeting.status is MeetingStatus.SCHEDULED
    assert meeting.starts_at == datetime(2026, 9, 4, 20, 30, tzinfo=UTC)
    assert meeting.minutes == 30
    assert meeting.sequence == 0
    student_mail = outbox(pair.app, "sam@example.edu")[-1]
    mentor_mail = outbox(pair.app, "mina@example.org")[-1]
    assert "04 Sep 2026, 21:30 BST (Europe/London), for 30 minutes" in student_mail.body_text
    assert "04 Sep 2026, 16:30 EDT (America/New_York), for 30 minutes" in mentor_mail.body_text
    assert "BEGIN:VCALENDAR" in student_mail.calendar
    assert "BEGIN:VCALENDAR" in mentor_mail.calendar
    student_page = pair.student.get(pair.page).get_data(as_text=True)
    assert "04 Sep 2026, 21:30 BST (Europe/London)" in student_page
    assert f"/meetings/{meeting.id}/invite.ics" in student_page


def test_either_side_moves_the_meeting_in_their_own_zone(pair: Pair, frozen_clock):
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "16:30", 30))
    pair.pick(0)
    response = pair.post(
        pair.student, "move", {"day": "2026-09-05", "at": "09:00", "minutes": "60"}
    )
    assert response.status_code == 302
    meeting = pair.meeting()
    assert meeting.starts_at == datetime(2026, 9, 5, 8, 0, tzinfo=UTC)
    assert (meeting.minutes, meeting.sequence) == (60, 1)
    response = pair.post(pair.mentor, "move", {"day": "2026-09-05", "at": "09:00", "minutes": "60"})
    assert response.status_code == 302
    meeting = pair.meeting()
    assert meeting.starts_at == datetime(2026, 9, 5, 13, 0, tzinfo=UTC)
    assert meeting.sequence == 2
    mail = outbox(pair.app, "sam@example.edu")[-1]
    assert "Dr. Mina Mentor moved your meeting" in mail.body_text
    assert "05 Sep 2026, 14:00 BST (Europe/London)" in mail.body_text


def test_cancelling_tells_both_and_lets_the_mentor_propose_again(pair: Pair):
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "16:30", 30))
    pair.pick(0)
    response = pair.post(pair.student, "cancel")
    assert response.status_code == 302
    meeting = pair.meeting()
    assert (meeting.status, meeting.cancelled_by, meeting.sequence) == (
        MeetingStatus.CANCELLED,
        "student",
        1,
    )
    mentor_mail = outbox(pair.app, "mina@example.org")[-1]
    assert "Sam Student cancelled the meeting on 03 Sep 2026, 10:00 EDT" in mentor_mail.body_text
    assert "METHOD:CANCEL" in mentor_mail.calendar
    assert pair.propose(("2026-09-08", "10:00", 30), ("2026-09-09", "10:00", 30)).status_code == 302
    assert pair.meeting().id != meeting.id
    page = pair.mentor.get(pair.page).get_data(as_text=True)
    assert "Earlier meetings" in page
    assert "Cancelled" in page


def test_a_proposal_called_off_before_a_choice_tells_the_student_without_a_calendar(pair: Pair):
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "16:30", 30))
    assert pair.post(pair.mentor, "cancel").status_code == 302
    mail = outbox(pair.app, "sam@example.edu")[-1]
    assert "called off the meeting" in mail.subject
    assert mail.calendar == ""
    assert pair.meeting().sequence == 0


def test_met_is_recorded_from_the_meeting_once_it_has_begun(pair: Pair, frozen_clock):
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "16:30", 30))
    pair.pick(0)
    early = pair.post(pair.student, "held")
    assert early.status_code == 409
    assert "once its start time has come" in early.get_data(as_text=True)
    assert pair.world.status(pair.intro_id) is IntroStatus.ACCEPTED
    frozen_clock.advance(days=2, hours=5, minutes=30)
    assert "We met" in pair.student.get(pair.page).get_data(as_text=True)
    assert pair.post(pair.student, "held").status_code == 302
    assert pair.meeting().status is MeetingStatus.HELD
    intro = pair.world.intro(pair.intro_id)
    assert intro.status is IntroStatus.MET
    assert intro.met_at == datetime(2026, 9, 3, 14, 30, tzinfo=UTC)
    with pair.app.app_context():
        events = db.session.get(Introduction, pair.intro_id).events
        assert [e.status for e in events].count(IntroStatus.MET) == 1
    assert pair.world.tick().early_rating_asked == 1


def test_an_evening_meeting_is_met_on_the_day_of_the_one_who_records_it(pair: Pair, frozen_clock):
    """22:30 in New York is already the next day in UTC: the mentor in New York records it
    held on their own calendar day, not refused as a meeting in the future."""
    pair.propose(("2026-09-03", "22:30", 45), ("2026-09-04", "16:30", 30))
    pair.pick(0)
    frozen_clock.advance(days=2, hours=17, minutes=45)
    assert pair.post(pair.mentor, "held").status_code == 302
    intro = pair.world.intro(pair.intro_id)
    assert intro.status is IntroStatus.MET
    assert timezones.to_local(intro.met_at, "America/New_York").date() == date(2026, 9, 3)


def test_a_booking_link_lets_the_student_record_the_time_booked(pair: Pair):
    response = pair.propose(
        booking_url="https://calendly.example.com/dr-mina", video_url="https://meet.example.org/x"
    )
    assert response.status_code == 302
    meeting = pair.meeting()
    assert meeting.booking_url == "https://calendly.example.com/dr-mina"
    mail = outbox(pair.app, "sam@example.edu")[-1]
    assert "https://calendly.example.com/dr-mina" in mail.body_text
    page = f"/meetings/{meeting.id}/booked"
    assert pair.student.get(page).status_code == 200
    response = pair.post(
        pair.student, "booked", {"day": "2026-09-07", "at": "18:15", "minutes": "30"}
    )
    assert response.status_code == 302
    meeting = pair.meeting()
    assert meeting.status is MeetingStatus.SCHEDULED
    assert meeting.starts_at == datetime(2026, 9, 7, 17, 15, tzinfo=UTC)
    mentor_mail = outbox(pair.app, "mina@example.org")[-1]
    assert "07 Sep 2026, 13:15 EDT (America/New_York)" in mentor_mail.body_text
    assert "URL:https://meet.example.org/x" in mentor_mail.calendar.replace("\r\n ", "")


def test_the_personal_data_download_holds_the_meetings(pair: Pair):
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "16:30", 30), place="Room 4")
    pair.pick(1)
    for client in (pair.student, pair.mentor):
        data = json.loads(client.get("/profile/data.json").get_data(as_text=True))
        [intro] = data["introductions"]
        [meeting] = intro["meetings"]
        assert meeting["status"] == "scheduled"
        assert meeting["starts_at"].startswith("2026-09-04T20:30")
        assert meeting["place"] == "Room 4"
        assert len(meeting["times_offered"]) == 2
