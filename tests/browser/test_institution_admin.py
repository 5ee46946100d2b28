"""The admin's institution list in a real Chromium: review a name someone typed, settle a
look-alike pair, add an institution with its home and departments; axe checks every page."""

import pytest
from sqlalchemy import select

from matcher import vocabulary
from matcher.extensions import db
from matcher.institutions import services
from matcher.models import Institution, InstitutionKind, Role
from tests.helpers import make_user
from tests.helpers.browser import log_in

pytestmark = pytest.mark.browser


def test_admin_reviews_merges_and_adds_institutions(site, journey):
    with site.app.app_context():
        vocabulary.ensure_seeded()
        school = services.create(
            services.Details("Westbrook School of Medicine", InstitutionKind.MEDICAL_SCHOOL),
            None,
        )
        services.create(
            services.Details(
                "Westbrook University Hospital", InstitutionKind.HOSPITAL, home_id=school.id
            ),
            None,
        )
        services.create(
            services.Details("Harborview Medical Center", InstitutionKind.HOSPITAL), None
        )
        services.choose("Harbour View Medical Centre", None)
        services.choose("Eastgate School of Medicine", None)
        db.session.commit()
        school_id = school.id
    admin = make_user(site.app, Role.ADMIN, "ada@example.org", "Ada Admin")
    tab = journey("admin")
    log_in(tab, admin.email, "home")
    tab.click(tab.page.get_by_role("link", name="Institutions"), "list")
    main = tab.page.locator("main")
    assert "2 waiting for review" in main.inner_text()

    tab.click(main.get_by_role("link", name="Eastgate School of Medicine").first, "pending")
    tab.click(tab.button("Confirm Eastgate School of Medicine"), "confirmed")
    assert "Eastgate School of Medicine confirmed." in tab.page.inner_text("main")

    tab.click(tab.page.get_by_role("link", name="← Institutions"), "list-again")
    tab.click(tab.button("Keep Harborview Medical Center"), "merged")
    assert "Harbour View Medical Centre merged into Harborview Medical Center" in (
        tab.page.inner_text("main")
    )

    tab.click(tab.page.get_by_role("link", name="Add an institution"), "new")
    tab.page.get_by_label("Name", exact=True).fill("Westbrook Children's Hospital")
    tab.page.get_by_label("Kind").select_option("hospital")
    tab.page.get_by_label("Other names (aliases)").fill("WCH\nWestbrook Kids")
    tab.page.get_by_label("Home").select_option(label="Westbrook School of Medicine")
    tab.page.get_by_label("Pediatrics").check()
    tab.click(tab.button("Add institution"), "added")
    assert "Westbrook Children's Hospital added." in tab.page.inner_text("main")
    tab.finish()
    with site.app.app_context():
        made = db.session.scalar(
            select(Institution).where(Institution.name == "Westbrook Children's Hospital")
        )
        assert made.home_id == school_id
        assert made.aliases == ["WCH", "Westbrook Kids"]
        assert [s.name for s in made.departments] == ["Pediatrics"]
