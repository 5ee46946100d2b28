"""The school picker in a real Chromium, by keyboard and without any script of ours: the field
suggests the list's names, a misspelt school is asked about (closest names as radio buttons,
a box to add it), and a name picked or added is saved; axe checks every page on the way."""

import pytest
from sqlalchemy import select

from matcher.extensions import db
from matcher.models import Institution, Role, StudentProfile
from tests.helpers import make_user
from tests.helpers.browser import build_world, log_in
from tests.helpers.places import WESTBROOK

pytestmark = pytest.mark.browser

NEW = "Harborview College of Osteopathy"


def save(tab, step: str) -> None:
    tab.tab_to("#submit")
    with tab.page.expect_navigation():
        tab.page.keyboard.press("Enter")
    tab.arrived(step)


def test_student_picks_a_suggested_school_and_adds_a_new_one(site, journey):
    build_world(site)
    student = make_user(site.app, Role.STUDENT, "lena.park@westbrook.edu", "Lena Park")
    tab = journey("student")
    keys = tab.page.keyboard
    log_in(tab, student.email, "home")
    tab.goto("/profile/edit", "profile")
    school = tab.page.locator("#school")
    assert school.get_attribute("list") == "school-names"
    options = tab.page.locator("#school-names option")
    assert WESTBROOK in [options.nth(k).get_attribute("value") for k in range(options.count())]

    tab.tab_to("#school")
    keys.type("Westbrok School of Medicin")
    tab.tab_to("#stage")
    keys.type("MS2")
    save(tab, "asked")
    main = tab.page.inner_text("main")
    assert f"We don’t know “Westbrok School of Medicin” yet. Did you mean: {WESTBROOK}" in main
    assert school.input_value() == "Westbrok School of Medicin"
    assert tab.page.locator("#stage").input_value() == "ms2"
    tab.tab_to("#school_suggestion-0")
    keys.press("Space")
    save(tab, "picked")
    assert WESTBROOK in tab.page.inner_text("main")

    tab.goto("/profile/edit", "edit-again")
    tab.tab_to("#school")
    keys.press("Control+a")
    keys.type(NEW)
    save(tab, "asked-new")
    assert f"We don’t know “{NEW}” yet." in tab.page.inner_text("main")
    assert tab.page.locator("#school_suggestion-0").count() == 0
    tab.tab_to("#add_school")
    keys.press("Space")
    save(tab, "added")
    assert "Waiting for review" in tab.page.inner_text("main")
    tab.finish()

    with site.app.app_context():
        profile = db.session.get(StudentProfile, student.id)
        added = db.session.scalar(select(Institution).where(Institution.name == NEW))
        assert (profile.school, profile.institution_id, added.confirmed) == (NEW, added.id, False)
        assert profile.stage.value == "ms2"
