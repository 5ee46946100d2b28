"""The student's own pages of issue #25 in a real Chromium: the profile form shows the focus areas
of the chosen specialties only, as checkboxes that follow the choice live; saving says once what
is still missing; the ranking page offers only the mentors the round can give, best fit first
with why, the list above the choices on a phone; the data download holds the ranking and the
profile."""

import json
from pathlib import Path

import pytest

from tests.helpers.browser import DESKTOP, PHONE, Journey, axe_source, build_world, log_in

pytestmark = pytest.mark.browser


def shown_groups(tab) -> list[str]:
    """The focus-area groups the profile form shows."""
    return tab.page.locator("fieldset.choice-group:visible > legend").all_inner_texts()


def test_student_edits_profile_ranks_eligible_mentors_and_downloads_their_data(site, journey):
    world = build_world(site)
    student = world.student(
        "Sam Okafor", specialties=("Dermatology",), goals=("research",), wanted=("faculty",)
    )
    best = world.mentor("Dr. Zoe Whitfield", offers=("research", "letters"), capacity=2)
    good = world.mentor("Dr. Adam Hale", offers=("letters",))
    world.mentor("Priya Nair", kind="peer", peer_stage="ms4")
    world.mentor("Dr. Rae Lund", kind="resident")
    round_id = world.round(slots=("faculty",), name="Spring faculty round")
    world.enrol(round_id, student)

    tab = journey("student")
    log_in(tab, student.email)
    tab.goto("/profile/edit", "profile-form")
    assert shown_groups(tab) == ["Dermatology"]
    assert tab.page.locator("select[multiple]").count() == 0
    assert tab.button("Show the focus areas of the specialties chosen").count() == 0
    tab.page.get_by_label("Second choice (optional)").select_option(
        label="Plastic Surgery (Integrated)"
    )
    assert shown_groups(tab) == ["Dermatology", "Plastic Surgery (Integrated)"]
    tab.page.get_by_label("Mohs surgery").check()
    tab.page.get_by_label("Microsurgery").check()
    tab.page.get_by_label("Research involvement").uncheck()
    tab.arrived("focus-areas-of-two-specialties")
    tab.click(tab.button("Save profile"), "profile-saved-still-missing")
    main = tab.page.inner_text("main")
    flashes = tab.page.inner_text(".flashes")
    assert "Profile saved." in flashes
    assert (main + flashes).count("Still missing") == 1
    assert "Mohs surgery, Microsurgery" in main or "Microsurgery, Mohs surgery" in main

    tab.click(
        tab.page.locator("main").get_by_role("link", name="Complete it now"), "profile-form-again"
    )
    assert tab.page.get_by_label("Mohs surgery").is_checked()
    assert tab.page.get_by_label("Microsurgery").is_checked()
    tab.page.get_by_label("Research involvement").check()
    tab.page.get_by_label("Second choice (optional)").select_option(label="Not chosen")
    assert shown_groups(tab) == ["Dermatology"]
    tab.click(tab.button("Save profile"), "profile-complete")
    flashes = tab.page.inner_text(".flashes")
    assert "Microsurgery" in flashes
    assert "no longer chosen" in flashes
    main = tab.page.inner_text("main")
    assert main.count("Your profile is complete.") == 1
    assert "Still missing" not in main + flashes

    tab.goto(f"/rounds/{round_id}/preferences", "ranking")
    offered = tab.page.locator(".rank-options strong").all_inner_texts()
    assert offered == ["Dr. Zoe Whitfield", "Dr. Adam Hale"]
    text = tab.page.inner_text("main")
    assert "Priya Nair" not in text
    assert "Dr. Rae Lund" not in text
    assert "For your faculty mentor seat" in text
    assert "offers what you are hoping for" in text
    tab.page.set_viewport_size(PHONE)
    listed = tab.page.locator(".ranking-list").bounding_box()
    choices = tab.page.locator(".ranking-choices").bounding_box()
    assert listed["y"] < choices["y"]
    tab.page.set_viewport_size(DESKTOP)
    listed = tab.page.locator(".ranking-list").bounding_box()
    choices = tab.page.locator(".ranking-choices").bounding_box()
    assert listed["x"] > choices["x"]
    tab.page.get_by_label("First choice").select_option(value=str(best.id))
    tab.page.get_by_label("Second choice").select_option(value=str(good.id))
    tab.click(tab.button("Save my ranking"), "ranked")
    assert "Your ranking is saved" in tab.page.inner_text(".flashes")

    tab.goto(f"/people/{student.id}", "profile-with-data")
    with tab.page.expect_download() as download:
        tab.page.get_by_role("link", name="Download my data (JSON)").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["student_profile"]["focus_areas"] == ["Mohs surgery"]
    assert data["rounds_taken_part_in"][0]["round"] == "Spring faculty round"
    assert [r["mentor"] for r in data["rankings"]["you_ranked"]] == [
        "Dr. Zoe Whitfield",
        "Dr. Adam Hale",
    ]
    assert any(e["action"] == "round.preferences" for e in data["audit_log"])
    tab.finish()


def test_without_script_the_profile_form_shows_focus_areas_on_request(request, site, chromium):
    """The site's script is not run (an empty one is served in its place)."""
    world = build_world(site)
    student = world.student("Noor Haddad", specialties=("Dermatology",), wanted=("faculty",))
    context = chromium.new_context(viewport=DESKTOP, locale="en-US")
    context.route(
        "**/static/js/site.js",
        lambda route: route.fulfill(body="", content_type="text/javascript"),
    )
    try:
        name = f"{request.node.name.removeprefix('test_')}/student"
        tab = Journey(context.new_page(), site, name, axe_source())
        log_in(tab, student.email)
        tab.goto("/profile/edit", "profile-form")
        assert shown_groups(tab) == ["Dermatology"]
        tab.page.get_by_label("Second choice (optional)").select_option(
            label="Plastic Surgery (Integrated)"
        )
        assert shown_groups(tab) == ["Dermatology"]
        tab.click(tab.button("Show the focus areas of the specialties chosen"), "focus-areas-shown")
        assert shown_groups(tab) == ["Dermatology", "Plastic Surgery (Integrated)"]
        assert "Nothing is saved yet" in tab.page.inner_text(".flashes")
        tab.page.get_by_label("Microsurgery").check()
        tab.click(tab.button("Save profile"), "profile-saved")
        assert "Microsurgery" in tab.page.inner_text("main")
        assert tab.page.inner_text("main").count("Your profile is complete.") == 1
        tab.finish()
    finally:
        context.close()
