"""The request journey of issue #26 in a real Chromium: a coordinator lets students ask
mentors between rounds; a student asks two mentors for the same seat from the directory and
a mentor's profile; one accepts from the emailed link; the other request is withdrawn, and
that mentor is told and sees it withdrawn."""

import pytest
from sqlalchemy import select

from matcher.extensions import db
from matcher.models import Introduction, IntroStatus
from tests.helpers.browser import GROUP, build_world, log_in

pytestmark = pytest.mark.browser


def ask(tab, mentor: str, note: str, step: str) -> None:
    """From the request page: choose the faculty seat, write the note and send."""
    assert f"Ask {mentor} to mentor you" in tab.page.inner_text("main h1")
    tab.page.get_by_label("Seat on your board").select_option(label="Faculty mentor")
    tab.page.get_by_label("A short note to the mentor").fill(note)
    tab.click(tab.button("Send the request"), step)
    assert f"Request sent: {mentor} has an email" in tab.page.inner_text(".flashes")


def test_a_request_accepted_and_a_competing_one_withdrawn(site, journey):
    world = build_world(site)
    ava = world.student("Ava Chen", wanted=("faculty",))
    ines = world.mentor("Dr Ines Okafor", capacity=2)
    omar = world.mentor("Dr Omar Haddad", capacity=2)

    coordinator = journey("coordinator")
    log_in(coordinator, world.coordinator.email, "home")
    coordinator.goto(f"/groups/{world.group_id}/introductions", "introductions")
    assert "requests are off" in coordinator.page.inner_text("#requests-setting")
    coordinator.click(coordinator.page.get_by_role("link", name="Settings"), "settings")
    coordinator.page.get_by_label("Students may ask mentors directly between rounds").check()
    coordinator.page.get_by_label("Most open requests per student").fill("2")
    coordinator.click(coordinator.button("Save settings"), "requests-on")
    setting = coordinator.page.inner_text("#requests-setting")
    assert "with at most 2 open requests each" in setting

    student = journey("student")
    log_in(student, ava.email, "home")
    student.click(student.page.get_by_role("link", name="Mentors", exact=True), "directory")
    student.click(
        student.page.get_by_role("link", name="Ask Dr Ines Okafor to mentor you"), "ask-ines"
    )
    ask(student, "Dr Ines Okafor", "Your research clinic is why I chose dermatology.", "asked")
    assert "Your open requests (1)" in student.page.inner_text("#requests")

    student.goto("/mentors", "directory-again")
    student.click(
        student.page.get_by_role("link", name="Dr Omar Haddad", exact=True), "omar-profile"
    )
    student.click(
        student.page.get_by_role("link", name="Ask Dr Omar Haddad to mentor you"), "ask-omar"
    )
    ask(student, "Dr Omar Haddad", "I would love to hear how you built your practice.", "both")
    open_requests = student.page.inner_text("#requests")
    assert "Your open requests (2)" in open_requests
    assert "Dr Ines Okafor · Faculty mentor · " + GROUP in open_requests
    assert "Dr Omar Haddad · Faculty mentor · " + GROUP in open_requests

    [ines_mail] = site.mail_to(ines.email)
    assert ines_mail["Subject"] == f"Ava Chen asks you to be their Faculty mentor ({GROUP})"
    assert "Your research clinic is why I chose dermatology." in (
        ines_mail.get_body(preferencelist=("plain",)).get_content()
    )
    mentor = journey("accepting-mentor")
    mentor.goto(site.link_in_mail(ines.email, "/introductions/answer/"), "accept-link")
    assert "Accept Ava Chen?" in mentor.page.inner_text("main")
    mentor.click(mentor.button("Accept this student"), "accepted")
    assert "Thank you for mentoring Ava Chen" in mentor.page.inner_text("main")

    _ask_mail, withdrawn = site.mail_to(omar.email)
    assert withdrawn["Subject"] == "Request withdrawn: Ava Chen has found a Faculty mentor"
    other = journey("withdrawn-mentor")
    other.refused(site.link_in_mail(omar.email, "/introductions/answer/"), "old-link", 410)
    assert "already been used: the introduction is withdrawn" in other.page.inner_text("main")
    log_in(other, omar.email, "home")
    other.goto("/introductions", "introductions")
    assert "Withdrawn" in other.page.inner_text("main")
    assert "Ava Chen" in other.page.inner_text("main")
    other.goto(site.link_in_mail(omar.email, "/introductions/"), "withdrawn-request")
    shown = other.page.inner_text("main")
    assert "Withdrawn" in shown
    assert "Dr Ines Okafor accepted Ava Chen for this seat first" in shown

    student.goto("/board", "board-filled")
    assert "Your open requests (0)" in student.page.inner_text("#requests")
    seat = student.page.locator("li.seat").inner_text()
    assert "Filled" in seat
    assert "Dr Ines Okafor" in seat

    coordinator.goto(f"/groups/{world.group_id}/introductions?origin=request", "requests-only")
    rows = coordinator.page.locator("main table tbody tr")
    assert rows.count() == 2
    for tab in (coordinator, student, mentor, other):
        tab.finish()

    with site.app.app_context():
        rows = db.session.execute(select(Introduction.mentor_id, Introduction.status)).all()
        statuses = dict(rows)
    assert statuses == {ines.id: IntroStatus.ACCEPTED, omar.id: IntroStatus.WITHDRAWN}
