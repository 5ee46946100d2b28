"""Dates with their zone fit a phone (390 px) on the round pages: a student in Tokyo reads the
preference deadline and a coordinator in New York the time each draft was solved, each with the
local date and time kept whole on one line and the zone's name whole on its own line beneath,
never broken inside a word."""

from datetime import UTC, datetime

import pytest

from matcher.extensions import db
from matcher.models import Round, User
from tests.helpers.browser import PHONE, build_world, log_in

pytestmark = pytest.mark.browser

LAYOUT = """() => [...document.querySelectorAll("main time.local-time")].map((time) => {
  const at = time.querySelector(".at");
  const zone = time.querySelector(".zone");
  const box = (el) => el.getBoundingClientRect();
  return {
    text: time.textContent,
    atLines: at.getClientRects().length,
    zoneLines: zone.getClientRects().length,
    zoneHeight: box(zone).height,
    lineHeight: parseFloat(getComputedStyle(zone).lineHeight) || 20,
    below: box(zone).top >= box(at).bottom - 1,
    inside: box(zone).right <= box(time.parentElement).right + 1,
  };
})"""


def laid_out(tab) -> list[dict]:
    tab.page.set_viewport_size(PHONE)
    return tab.page.evaluate(LAYOUT)


def assert_fits(times: list[dict], expected: str) -> None:
    assert [t["text"] for t in times] == [expected]
    for t in times:
        assert t["atLines"] == 1, t
        assert t["zoneLines"] == 1, t
        assert t["zoneHeight"] < 1.5 * t["lineHeight"], t
        assert t["below"], t
        assert t["inside"], t


def set_zone(app, user: User, zone: str) -> None:
    with app.app_context():
        db.session.get(User, user.id).time_zone = zone
        db.session.commit()


def test_round_dates_with_their_zone_fit_a_phone(site, journey, frozen_clock):
    world = build_world(site)
    student = world.student("Haruto Sato")
    world.mentor("Dr. Ines Okafor", capacity=2)
    round_id = world.round(slots=("faculty",), name="Autumn faculty round")
    with site.app.app_context():
        db.session.get(Round, round_id).preference_deadline = datetime(2026, 9, 10, 21, tzinfo=UTC)
        db.session.commit()
    world.enrol(round_id, student)
    world.solve(round_id)
    set_zone(site.app, student, "Asia/Tokyo")
    set_zone(site.app, world.coordinator, "America/New_York")

    tab = journey("student", timezone_id="Asia/Tokyo")
    log_in(tab, student.email, "student-home")
    tab.goto(f"/rounds/{round_id}", "round")
    assert_fits(laid_out(tab), "11 Sep 2026, 06:00 JST (Asia/Tokyo)")
    facts = tab.page.locator("dl.facts").inner_text()
    assert "Preference deadline\n11 Sep 2026, 06:00\nJST (Asia/Tokyo)" in facts
    tab.finish()

    coordinator = journey("coordinator", timezone_id="America/New_York")
    log_in(coordinator, "cora@westbrook.edu", "coordinator-home")
    coordinator.goto(f"/rounds/{round_id}", "round")
    assert_fits(laid_out(coordinator), "01 Sep 05:00 EDT (America/New_York)")
    coordinator.finish()
