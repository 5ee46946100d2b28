"""Time zones in a real Chromium (issue #26): sign-up starts at the browser's own zone, a
coordinator in New York sets a preference deadline in New York time, and a student who signed
up in Tokyo reads it in Tokyo time with the zone's name."""

import pytest
from sqlalchemy import select

from matcher.extensions import db
from matcher.models import InterestGroup, Round, User
from tests.helpers import PASSWORD
from tests.helpers.browser import build_world, log_in

pytestmark = pytest.mark.browser

STUDENT = "haruto.sato@students.westbrook.edu"


def test_a_deadline_set_in_new_york_is_read_in_tokyo(site, journey, frozen_clock):
    world = build_world(site)
    with site.app.app_context():
        code = db.session.get(InterestGroup, world.group_id).invite_code

    student = journey("student", timezone_id="Asia/Tokyo")
    student.goto("/signup", "sign-up")
    assert student.page.get_by_label("Your time zone").input_value() == "Asia/Tokyo"
    student.page.get_by_label("Full name").fill("Haruto Sato")
    student.page.get_by_label("Email").fill(STUDENT)
    student.page.get_by_label("A student looking for mentors").check()
    student.click(student.button("Email me a link to continue"), "check-your-email")
    student.goto(site.link_in_mail(STUDENT, "/signup/confirm/"), "confirm")
    student.page.get_by_label("Choose a password").fill(PASSWORD)
    student.page.get_by_label("Repeat the password").fill(PASSWORD)
    student.click(student.button("Create my account"), "account-made")
    with site.app.app_context():
        assert db.session.scalar(select(User.time_zone).where(User.email == STUDENT)) == (
            "Asia/Tokyo"
        )
    student.goto(f"/join/{code}", "invite")
    student.click(student.page.locator("main").get_by_role("button").first, "joined")

    coordinator = journey("coordinator", timezone_id="America/New_York")
    log_in(coordinator, "cora@westbrook.edu", "coordinator-home")
    coordinator.click(coordinator.page.get_by_role("link", name="Account"), "account")
    assert "shown to you in UTC" in coordinator.page.inner_text("main")
    coordinator.page.get_by_label("Time zone").select_option("America/New_York")
    coordinator.click(coordinator.button("Save time zone"), "time-zone-saved")
    assert "Times are now shown in America/New_York." in coordinator.page.inner_text(".flashes")

    coordinator.goto(f"/groups/{world.group_id}/rounds/new", "new-round")
    deadline = coordinator.page.get_by_label(
        "Preference deadline, in your time zone (EDT (America/New_York))"
    )
    coordinator.page.get_by_label("Name").fill("Autumn faculty round")
    coordinator.page.get_by_label("Faculty mentor").check()
    deadline.fill("2026-09-10T17:00")
    coordinator.click(coordinator.button("Save round"), "round-created")
    shown = coordinator.page.inner_text("main")
    assert "Preferences close 10 Sep 2026, 17:00 EDT (America/New_York)." in shown
    with site.app.app_context():
        round_id, stored = db.session.execute(select(Round.id, Round.preference_deadline)).one()
    assert stored.isoformat() == "2026-09-10T21:00:00+00:00"

    student.goto("/", "home-with-round")
    assert "Preferences close 11 Sep 2026, 06:00 JST (Asia/Tokyo)." in student.page.inner_text(
        "main"
    )
    student.goto(f"/rounds/{round_id}", "round")
    page = student.page.inner_text("main")
    assert "11 Sep 2026, 06:00 JST (Asia/Tokyo)" in page
    assert "17:00" not in page
    for tab in (student, coordinator):
        tab.finish()
