"""Issue #25's phone pages in a real Chromium at 390 and 1280 px: charts whose long labels and
values are all shown, a confirmation page for a very long email, a roster of long emails, and
an imported mentor's expired invitation asking for a fresh link that then works. Every page is
checked to fit the window (no sideways scrolling, nothing cut) at both widths."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from matcher import clock
from matcher.auth import services as accounts
from matcher.extensions import db
from matcher.models import InterestGroup, Introduction, Membership, Role, Round, User
from matcher.rounds import publishing
from tests.helpers import PASSWORD
from tests.helpers.browser import PHONE, build_world, log_in

pytestmark = pytest.mark.browser

LONG = "Physical Medicine and Rehabilitation"
LONGER = "Thoracic Surgery (Integrated)"
LONG_NAME = "Maximiliana Featherstonehaugh-Worthington Ravensdale-Okonkwo"
VERY_LONG_EMAIL = (
    "maximiliana.featherstonehaugh-worthington.ravensdale-okonkwo"
    "@students.westbrook-university-school-of-medicine.example.edu"
)


def in_view(tab, selector: str) -> None:
    """Every element matching ``selector`` lies inside the window at its current width."""
    boxes = tab.page.eval_on_selector_all(
        selector,
        """els => els.map(e => { const r = e.getBoundingClientRect();
            const view = document.documentElement.clientWidth;
            return [e.textContent.trim(), r.left, r.right, view]; })""",
    )
    assert boxes, f"nothing matches {selector}"
    for text, left, right, width in boxes:
        assert left >= 0, f"{text!r} starts at {left}px"
        assert right <= width + 1, f"{text!r} ends at {right}px of {width}px"


def test_charts_with_long_labels_show_every_label_and_value_on_a_phone(site, journey):
    world = build_world(site)
    for k in range(11):
        world.student(f"Student {k}", specialties=(LONG,))
    for k in range(3):
        world.student(f"Surgeon {k}", specialties=(LONGER,))
    world.mentor("Dr. Ines Okafor", specialty=LONG, capacity=7)
    world.mentor("Dr. Tomas Berg", specialty=LONGER, capacity=2)

    tab = journey("coordinator")
    log_in(tab, "cora@westbrook.edu", "coordinator-home")
    tab.goto(f"/groups/{world.group_id}/dashboard", "dashboard-charts")
    chart = tab.page.locator("#specialty-chart-title").locator("xpath=..")
    text = chart.inner_text()
    assert LONG in text
    assert LONGER in text
    assert "11 wanted" in text
    assert "7 free places" in text
    tab.page.set_viewport_size(PHONE)
    in_view(tab, ".chart-label")
    in_view(tab, ".chart-value")
    funnel = tab.page.locator("#funnel-chart-title").locator("xpath=..").inner_text()
    assert "of the step before" in funnel
    tab.finish()


def test_a_very_long_email_fits_the_confirmation_page(site, journey):
    tab = journey("student")
    tab.goto("/signup", "sign-up")
    tab.page.get_by_label("Full name").fill(LONG_NAME)
    tab.page.get_by_label("Email").fill(VERY_LONG_EMAIL)
    tab.page.get_by_label("A student looking for mentors").check()
    tab.click(tab.button("Email me a link to continue"), "check-your-email")
    tab.goto(site.link_in_mail(VERY_LONG_EMAIL, "/signup/confirm/"), "confirm-long-email")
    assert VERY_LONG_EMAIL in tab.page.inner_text("main")
    tab.page.set_viewport_size(PHONE)
    in_view(tab, "main strong")
    tab.page.get_by_label("Choose a password").fill(PASSWORD)
    tab.page.get_by_label("Repeat the password").fill(PASSWORD)
    tab.click(tab.button("Create my account"), "account-ready")
    tab.goto("/account/password", "account-long-email")
    in_view(tab, "main strong")
    tab.finish()


def test_a_roster_of_long_emails_wraps_them_on_a_phone(site, journey):
    world = build_world(site)
    mentors = [
        world.mentor(
            f"{LONG_NAME} {k}", specialty=LONG, institution="Westbrook University Hospital"
        )
        for k in range(3)
    ]
    students = [world.student(f"{LONG_NAME} Student {k}") for k in range(2)]

    tab = journey("coordinator")
    log_in(tab, "cora@westbrook.edu", "coordinator-home")
    tab.goto(f"/groups/{world.group_id}/roster/mentors", "mentor-roster")
    page = tab.page.inner_text("main")
    assert all(m.email in page for m in mentors)
    tab.page.set_viewport_size(PHONE)
    in_view(tab, "main td")
    tab.goto(f"/groups/{world.group_id}/roster/students", "student-roster")
    assert all(s.email in tab.page.inner_text("main") for s in students)
    tab.page.set_viewport_size(PHONE)
    in_view(tab, "main td")
    tab.finish()


def test_an_expired_invitation_asks_for_a_fresh_link_that_works(site, journey):
    world = build_world(site)
    with site.app.app_context():
        group = db.session.get(InterestGroup, world.group_id)
        [invited] = accounts.invite_users(
            [(VERY_LONG_EMAIL, LONG_NAME, Role.MENTOR)], template="groups/invitation", group=group
        )
        db.session.add(Membership(group_id=group.id, user_id=invited.id))
        db.session.commit()
        days = site.app.config["INVITATION_MAX_AGE"] // 86400
    first = site.mail_to(VERY_LONG_EMAIL)[-1].get_body(preferencelist=("plain",)).get_content()
    assert f"It works once, for {days} days" in first
    assert "next hour" not in first
    old_link = site.link_in_mail(VERY_LONG_EMAIL, "/welcome/")

    clock.set_now(clock.now() + timedelta(days=days, hours=1))
    try:
        tab = journey("mentor")
        tab.refused(old_link, "invitation-expired")
        assert "This invitation has expired" in tab.page.inner_text("main")
        tab.click(tab.button("Email me a new link"), "new-link-sent")
        assert "Check your email" in tab.page.inner_text("main")

        new_link = site.link_in_mail(VERY_LONG_EMAIL, "/welcome/")
        assert new_link != old_link
        tab.goto(new_link, "choose-password")
        assert VERY_LONG_EMAIL in tab.page.inner_text("main")
        tab.page.get_by_label("Choose a password").fill(PASSWORD)
        tab.page.get_by_label("Repeat the password").fill(PASSWORD)
        tab.click(tab.button("Set my password"), "mentor-home")
        assert "Your password is set" in tab.page.inner_text(".flashes")

        tab.refused(new_link, "invitation-used")
        assert "already been used" in tab.page.inner_text("main")
        tab.finish()
    finally:
        clock.set_now(None)

    with site.app.app_context():
        mentor = db.session.scalar(select(User).where(User.email == VERY_LONG_EMAIL))
        assert accounts.has_password(mentor)


def test_a_cut_off_invitation_link_asks_for_the_email_and_sends_a_fresh_link(site, journey):
    world = build_world(site)
    with site.app.app_context():
        group = db.session.get(InterestGroup, world.group_id)
        accounts.invite_users(
            [(VERY_LONG_EMAIL, LONG_NAME, Role.MENTOR)], template="groups/invitation", group=group
        )
        db.session.commit()
    link = site.link_in_mail(VERY_LONG_EMAIL, "/welcome/")

    tab = journey("mentor")
    tab.refused(link[:-6], "invitation-cut-off")
    assert "not valid" in tab.page.inner_text("main")
    tab.page.get_by_label("Email").fill(VERY_LONG_EMAIL)
    tab.click(tab.button("Email me a link"), "asked-by-email")
    assert "a link to choose a password is on its way" in tab.page.inner_text(".flashes")
    fresh = site.link_in_mail(VERY_LONG_EMAIL, "/welcome/")
    assert fresh != link
    tab.goto(fresh, "choose-password")
    tab.page.get_by_label("Choose a password").fill(PASSWORD)
    tab.page.get_by_label("Repeat the password").fill(PASSWORD)
    tab.click(tab.button("Set my password"), "mentor-home")
    assert "Your password is set" in tab.page.inner_text(".flashes")
    tab.finish()


def test_long_emails_fit_the_answer_and_introduction_pages(site, journey):
    world = build_world(site)
    student = world.student(f"{LONG_NAME} Junior")
    mentor = world.mentor(LONG_NAME, capacity=2)
    round_id = world.round(slots=("faculty",))
    world.enrol(round_id, student)
    number = world.solve(round_id)
    with site.app.app_context():
        round_ = db.session.get(Round, round_id)
        publishing.publish(round_, number, db.session.get(User, world.coordinator.id))
        db.session.commit()
        intro_id = db.session.scalar(select(Introduction.id))
    body = site.mail_to(mentor.email)[-1].get_body(preferencelist=("plain",)).get_content()
    assert "opens a page where you confirm your answer with one more click" in " ".join(
        body.split()
    )

    tab = journey("mentor")
    tab.goto(site.link_in_mail(mentor.email, "/introductions/answer/"), "answer-link")
    tab.click(tab.button("Accept this student"), "accepted")
    tab.finish()

    reader = journey("student")
    log_in(reader, student.email, "student-home")
    reader.goto(f"/introductions/{intro_id}", "introduction-long-email")
    assert mentor.email in reader.page.inner_text("main")
    reader.page.set_viewport_size(PHONE)
    in_view(reader, f"main a[href='mailto:{mentor.email}']")
    reader.finish()
