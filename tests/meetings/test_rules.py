"""Bad input and refused changes get a clear message and a 4xx, and change nothing: times in
the past, too far ahead or half given, fewer than two times, times and a booking link at once,
a booking link that is not a web address, a second open meeting, a stale move."""

from datetime import date, time

import pytest

from matcher.extensions import db
from matcher.meetings import services
from matcher.models import (
    Introduction,
    Meeting,
    MeetingStatus,
    OutboxMessage,
    OutboxStatus,
    User,
)
from tests.helpers import deliver, logged_in, outbox, post_form
from tests.helpers.meetings import Pair


def meetings(pair: Pair) -> int:
    with pair.app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Meeting))


@pytest.mark.parametrize(
    ("times", "fields", "message"),
    [
        ([("2026-09-03", "10:00", 45)], {}, "Offer 2 or 3 times"),
        ([], {}, "Offer 2 or 3 times"),
        ([("2026-08-31", "10:00", 45), ("2026-09-04", "10:00", 45)], {}, "has already passed"),
        ([("2025-08-31", "10:00", 45), ("2026-09-04", "10:00", 45)], {}, "has already passed"),
        ([("2026-09-01", "04:00", 45), ("2026-09-04", "10:00", 45)], {}, "has already passed"),
        ([("2031-09-01", "04:00", 45), ("2026-09-04", "10:00", 45)], {}, "within a year"),
        ([("9999-12-31", "23:59", 45), ("0001-01-01", "00:00", 45)], {}, "within a year"),
        ([("0001-01-01", "00:00", 45), ("2026-09-04", "10:00", 45)], {}, "has already passed"),
        ([("2026-09-03", "10:00", 45), ("2026-09-03", "10:00", 30)], {}, "different times"),
        ([("2026-09-03", "10:00", 45), ("2026-09-04", "10:00", 7)], {}, "Not a valid choice"),
        (
            [("2026-09-03", "10:00", 45), ("2026-09-04", "10:00", 45)],
            {"booking_url": "https://cal.example.com/x"},
            "either times or a booking link",
        ),
        ([], {"booking_url": "javascript:alert(1)"}, "starts with https://"),
        ([], {"booking_url": "cal.example.com/me"}, "starts with https://"),
        ([], {"video_url": "ftp://x.example.org", "booking_url": "https://a.b/c"}, "https://"),
        ([], {"place": "Room\n4", "booking_url": "https://a.b/c"}, "on one line"),
        ([], {"place": "x" * 201, "booking_url": "https://a.b/c"}, "longer than 200"),
    ],
)
def test_a_refused_proposal_says_why_and_saves_nothing(pair: Pair, times, fields, message):
    before = len(outbox(pair.app))
    response = pair.propose(*times, **fields)
    assert response.status_code == 400
    assert message.lower() in response.get_data(as_text=True).lower()
    assert meetings(pair) == 0
    assert len(outbox(pair.app)) == before


def test_a_date_without_a_time_is_refused_on_the_field(pair: Pair):
    path = f"{pair.page}/meetings/new"
    response = post_form(
        pair.mentor,
        path,
        {"day_1": "2026-09-03", "day_2": "2026-09-04", "time_2": "10:00"},
        page=path,
    )
    assert response.status_code == 400
    assert "Give both a date and a time" in response.get_data(as_text=True)


def test_one_meeting_is_arranged_at_a_time(pair: Pair):
    assert pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "10:00", 45)).status_code == 302
    second = pair.mentor.get(f"{pair.page}/meetings/new")
    assert second.status_code == 302
    assert "already being arranged" in pair.mentor.get(second.headers["Location"]).get_data(
        as_text=True
    )
    assert meetings(pair) == 1
    with pair.app.app_context():
        intro = db.session.get(Introduction, pair.intro_id)
        mentor = db.session.get(User, pair.world.mentor.id)
        with pytest.raises(services.MeetingError, match="already being arranged"):
            services.propose(
                intro,
                mentor,
                [],
                booking_url="https://cal.example.com/x",
            )


def test_meetings_wait_for_the_mentors_acceptance(world):
    [intro_id] = world.propose((world.students[1], world.mentor))
    client = logged_in(world.app, world.mentor)
    path = f"/introductions/{intro_id}/meetings/new"
    response = client.get(path)
    assert response.status_code == 302
    assert "once you have accepted" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_choosing_a_time_that_was_not_offered_is_refused(pair: Pair):
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "10:00", 45))
    meeting = pair.meeting()
    for value in ("", "999999", "abc", "-1", "1.5"):
        response = post_form(
            pair.student, f"/meetings/{meeting.id}/pick", {"option": value}, page=pair.page
        )
        assert response.status_code == 400, value
    assert pair.meeting().status is MeetingStatus.PROPOSED


def test_an_offered_time_that_has_passed_cannot_be_chosen(pair: Pair, frozen_clock):
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "10:00", 45))
    frozen_clock.advance(days=2, hours=6)
    response = pair.pick(0)
    assert response.status_code == 400
    assert "That time has passed" in response.get_data(as_text=True)
    assert pair.pick(1).status_code == 302


def test_the_mentor_cannot_choose_and_the_student_cannot_propose(pair: Pair):
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "10:00", 45))
    meeting = pair.meeting()
    response = post_form(
        pair.mentor,
        f"/meetings/{meeting.id}/pick",
        {"option": meeting.options[0].id},
        page=pair.page,
    )
    assert response.status_code == 403
    path = f"{pair.page}/meetings/new"
    assert pair.student.get(path).status_code == 403


def test_a_move_made_from_a_stale_page_is_refused(pair: Pair):
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "10:00", 45))
    pair.pick(0)
    with pair.app.app_context():
        meeting = db.session.get(Meeting, pair.meeting().id)
        db.session.execute(
            db.update(Meeting)
            .where(Meeting.id == meeting.id)
            .values(sequence=Meeting.sequence + 1)
            .execution_options(synchronize_session=False)
        )
        slot = services.Slot(*_day_time("2026-09-05", "10:00"), 45)
        with pytest.raises(services.MeetingError, match="changed meanwhile"):
            services.move(meeting, db.session.get(User, pair.world.mentor.id), "mentor", slot)
        db.session.rollback()


def _day_time(day: str, at: str):
    return date.fromisoformat(day), time.fromisoformat(at)


def test_a_cancelled_meeting_cannot_be_moved_or_cancelled_again(pair: Pair):
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "10:00", 45))
    pair.pick(0)
    assert pair.post(pair.mentor, "cancel").status_code == 302
    assert pair.post(pair.student, "cancel").status_code == 409
    response = pair.post(
        pair.student, "move", {"day": "2026-09-05", "at": "10:00", "minutes": "45"}
    )
    assert response.status_code == 302
    assert "Only a scheduled meeting" in pair.student.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_the_longest_values_are_saved_whole_and_mailed(pair: Pair, smtp_server):
    place = ("Salle Ω é " * 30)[:199] + "x"
    video = "https://meet.example.org/" + "é" * (500 - len("https://meet.example.org/"))
    note = ("Bring your CV — Ω. " * 200)[:1999] + "x"
    response = pair.propose(
        ("2026-09-03", "10:00", 45),
        ("2026-09-04", "10:00", 45),
        ("2026-09-05", "10:00", 120),
        place=place,
        video_url=video,
        note=note,
    )
    assert response.status_code == 302
    pair.pick(2)
    meeting = pair.meeting()
    assert (meeting.place, meeting.video_url, meeting.note) == (place, video, note)
    deliver(pair.app)
    for address in ("sam@example.edu", "mina@example.org"):
        sent = smtp_server.inbox.to(address)
        assert sent
        assert all(len(m["Subject"]) <= 200 for m in sent)
    with pair.app.app_context():
        assert (
            db.session.scalar(
                db.select(db.func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status != OutboxStatus.SENT)
            )
            == 0
        )
