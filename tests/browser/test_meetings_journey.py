"""Meetings on the calendar in a real Chromium (#26 part 3): a mentor in New York proposes two
times on the introduction's page, a student in London picks one from the emailed link, both
emails' ``.ics`` parsed back hold the same instant in each one's zone, each page shows the
right local time, and the mentor's move and the student's cancellation reach both calendars."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from icalendar import Calendar

from matcher.extensions import db
from matcher.introductions import services as introductions
from matcher.models import Round, User
from tests.helpers.browser import build_world, log_in
from tests.helpers.meetings import MENTOR_ZONE, STUDENT_ZONE, event_of, set_zone

pytestmark = pytest.mark.browser


def accepted(site, world, student: User, mentor: User) -> int:
    """A published pair the mentor has accepted; the introduction's id."""
    round_id = world.round(slots=("faculty",))
    with site.app.app_context():
        round_ = db.session.get(Round, round_id)
        [intro] = introductions.propose(
            round_,
            [introductions.ProposedPair(student.id, mentor.id, "faculty", 0.9)],
            db.session.get(User, world.coordinator.id),
        )
        introductions.accept(intro, db.session.get(User, mentor.id))
        db.session.commit()
        return intro.id


def invitations(site, address: str, subject_start: str) -> list[Calendar]:
    """The ``invite.ics`` of each delivered email to ``address`` whose subject starts so."""
    found = []
    for message in site.mail_to(address):
        if message["Subject"].startswith(subject_start):
            [part] = list(message.iter_attachments())
            assert part.get_content_type() == "text/calendar"
            assert part.get_filename() == "invite.ics"
            found.append(Calendar.from_ical(part.get_content()))
    return found


def test_a_meeting_proposed_in_new_york_picked_in_london(site, journey, frozen_clock):
    world = build_world(site)
    ava = world.student("Ava Chen")
    ines = world.mentor("Ines Okafor", capacity=2)
    set_zone(site.app, ava, STUDENT_ZONE)
    set_zone(site.app, ines, MENTOR_ZONE)
    intro_id = accepted(site, world, ava, ines)
    page = f"/introductions/{intro_id}"

    mentor = journey("mentor", timezone_id=MENTOR_ZONE)
    log_in(mentor, ines.email)
    mentor.goto(page, "introduction")
    mentor.click(mentor.page.get_by_role("link", name="Propose meeting times"), "propose")
    assert "EDT (America/New_York)" in mentor.page.inner_text("main")
    mentor.page.locator("#day_1").fill("2026-09-03")
    mentor.page.locator("#time_1").fill("10:00")
    mentor.page.locator("#minutes_1").select_option("45")
    mentor.page.locator("#day_2").fill("2026-09-04")
    mentor.page.locator("#time_2").fill("16:30")
    mentor.page.locator("#minutes_2").select_option("30")
    mentor.page.get_by_label("Place").fill("Dermatology clinic, room 4")
    mentor.page.get_by_label("Video link").fill("https://meet.example.org/ava-ines")
    mentor.click(mentor.button("Send to the student"), "proposed")
    assert "Ava Chen has your times to choose from." in mentor.page.inner_text(".flashes")
    panel = mentor.page.inner_text("#meeting")
    assert "03 Sep 2026, 10:00 EDT (America/New_York), 45 minutes" in panel
    assert "Waiting for the student to choose." in panel

    student = journey("student", timezone_id=STUDENT_ZONE)
    log_in(student, ava.email)
    student.goto(site.link_in_mail(ava.email, page), "proposal-from-email")
    panel = student.page.inner_text("#meeting")
    assert "03 Sep 2026, 15:00 BST (Europe/London), 45 minutes" in panel
    student.page.get_by_label("04 Sep 2026, 21:30 BST (Europe/London), 30 minutes").check()
    student.click(student.button("Choose this time"), "picked")
    assert "Your meeting is set." in student.page.inner_text(".flashes")
    assert "Scheduled: 04 Sep 2026, 21:30 BST (Europe/London) to 22:00" in student.page.inner_text(
        "#meeting"
    )

    instant = datetime(2026, 9, 4, 20, 30, tzinfo=UTC)
    [ava_invite] = invitations(site, ava.email, "Meeting with")
    [ines_invite] = invitations(site, ines.email, "Meeting with")
    for cal, zone, local in (
        (ava_invite, STUDENT_ZONE, (21, 30)),
        (ines_invite, MENTOR_ZONE, (16, 30)),
    ):
        assert cal["method"] == "REQUEST"
        event = event_of(cal)
        start = event.decoded("dtstart")
        assert start == instant
        assert (start.hour, start.minute) == local
        assert event["dtstart"].params["TZID"] == zone
        assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == [zone]
        assert event["sequence"] == 0
        assert event["location"] == "Dermatology clinic, room 4"
        assert str(event["url"]) == "https://meet.example.org/ava-ines"
    assert event_of(ava_invite)["uid"] == event_of(ines_invite)["uid"]

    mentor.goto(page, "scheduled")
    assert (
        "Scheduled: 04 Sep 2026, 16:30 EDT (America/New_York) to 17:00"
        in mentor.page.inner_text("#meeting")
    )
    with mentor.page.expect_download() as download:
        mentor.page.get_by_role("link", name="Add to your calendar (.ics)").click()
    downloaded = Calendar.from_ical(Path(download.value.path()).read_bytes())
    assert event_of(downloaded).decoded("dtstart") == instant
    assert event_of(downloaded)["uid"] == event_of(ines_invite)["uid"]

    mentor.click(mentor.page.get_by_role("link", name="Move the meeting"), "move")
    mentor.page.get_by_label("Time").fill("17:00")
    mentor.click(mentor.button("Save the time"), "moved")
    assert "17:00 EDT (America/New_York)" in mentor.page.inner_text("#meeting")
    [_, moved] = invitations(site, ava.email, "Meeting with")
    assert event_of(moved)["sequence"] == 1
    assert event_of(moved)["uid"] == event_of(ava_invite)["uid"]
    assert event_of(moved).decoded("dtstart") == datetime(2026, 9, 4, 21, 0, tzinfo=UTC)

    student.goto(page, "moved-for-student")
    assert "04 Sep 2026, 22:00 BST (Europe/London)" in student.page.inner_text("#meeting")
    student.click(student.button("Cancel the meeting"), "cancelled")
    assert "The meeting is cancelled." in student.page.inner_text(".flashes")
    [cancelled] = invitations(site, ines.email, "Meeting with Ava Chen cancelled")
    assert cancelled["method"] == "CANCEL"
    assert event_of(cancelled)["sequence"] == 2
    assert event_of(cancelled)["uid"] == event_of(ines_invite)["uid"]
    assert mentor.page.get_by_role("link", name="Propose meeting times").count() == 0
    mentor.goto(page, "after-cancel")
    assert mentor.page.get_by_role("link", name="Propose meeting times").count() == 1
    mentor.finish()
    student.finish()
