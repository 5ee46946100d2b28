"""The journeys of issue #23 in a real Chromium: a student follows their board of advisors from
an open round to a published one and gets the publish email; a mentor asked about two students
gets one email, answers both from its links, and after the first is shown the other."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from matcher import clock
from matcher.extensions import db
from matcher.models import Introduction, IntroStatus
from tests.helpers import link_in
from tests.helpers.board import flat, set_results_date, solve_and_publish
from tests.helpers.browser import GROUP, build_world, log_in

pytestmark = pytest.mark.browser


def seat(tab, label: str):
    """The seat of the board page named ``label``."""
    heading = tab.page.get_by_role("heading", name=label, exact=True)
    return tab.page.locator("li.seat").filter(has=heading)


def test_student_sees_their_board_and_gets_the_publish_email(site, journey):
    world = build_world(site)
    ava = world.student("Ava Chen", wanted=("faculty", "peer"), goals=("research",))
    world.mentor("Dr. Ines Okafor", capacity=2, offers=("research",))
    round_id = world.round(slots=("faculty",), name="Autumn faculty round")
    results = clock.now().date() + timedelta(days=21)
    set_results_date(world, round_id, results)
    expected = results.strftime("%d %b %Y")

    tab = journey("student")
    log_in(tab, ava.email, "home")
    board = tab.page.locator("main #board").inner_text()
    assert "Your board of advisors" in board
    assert "Not started" in board
    tab.click(
        tab.page.locator("main #board")
        .get_by_role("link", name="Take part in Autumn faculty round")
        .first,
        "round",
    )
    shown = tab.page.inner_text("main")
    assert "What this round means for you" in shown
    assert f"Results expected\n{expected}" in shown or f"Results expected {expected}" in shown
    assert "Peer mentor 1–2 years ahead" in shown
    tab.click(tab.button("Take part in this round"), "taking-part")
    assert "You are taking part" in tab.page.inner_text(".flashes")

    tab.click(tab.page.get_by_role("link", name="My board"), "board-in-round")
    faculty, peer = seat(tab, "Faculty mentor"), seat(tab, "Peer mentor 1–2 years ahead")
    assert "In a match round" in faculty.inner_text()
    assert f"Results are expected on {expected}." in faculty.inner_text()
    assert "Not offered by this round" in peer.inner_text()

    solve_and_publish(world, round_id)
    [mail] = site.mail_to(ava.email)
    assert mail["Subject"] == "Autumn faculty round: your board of advisors"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    text = flat(body)
    assert f"{GROUP} has published Autumn faculty round." in text
    assert "Faculty mentor Proposed: Dr. Ines Okafor" in text
    assert "What happens next: Dr. Ines Okafor answers by" in text
    assert "Peer mentor 1–2 years ahead Not in this round" in text

    tab.goto(site.link_in_mail(ava.email, "/board"), "board-published")
    faculty = seat(tab, "Faculty mentor").inner_text()
    assert "Proposed: waiting for the mentor's answer" in faculty
    assert "Dr. Ines Okafor" in faculty
    assert "Answers by" in faculty
    assert link_in(body, "/board") == "/board"
    tab.finish()


def test_mentor_gets_one_email_for_several_requests(site, journey):
    world = build_world(site)
    ava = world.student("Ava Chen")
    ben = world.student("Ben Osei", stage="ms2")
    mentor = world.mentor("Dr. Ines Okafor", capacity=3)
    round_id = world.round(slots=("faculty",))
    world.enrol(round_id, ava, ben)
    solve_and_publish(world, round_id)

    [mail] = site.mail_to(mentor.email)
    assert mail["Subject"] == f"2 students would like you as their mentor ({GROUP})"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert body.count("/introductions/answer/") == 4
    [ava_part] = [block for block in body.split("\n\n") if "Ava Chen —" in block]
    accept_ava = site.url + link_in(ava_part, "/introductions/answer/")

    tab = journey("mentor")
    tab.goto(accept_ava, "accept-ava")
    assert "Accept Ava Chen?" in tab.page.inner_text("main")
    tab.click(tab.button("Accept this student"), "accepted-ava")
    shown = tab.page.inner_text("main")
    assert "Thank you for mentoring Ava Chen" in shown
    assert "1 more request waiting for your answer" in shown
    assert "Ben Osei" in shown
    tab.click(tab.page.get_by_role("link", name="Accept Ben Osei…"), "accept-ben")
    assert "Accept Ben Osei?" in tab.page.inner_text("main")
    tab.click(tab.button("Accept this student"), "accepted-ben")
    shown = tab.page.inner_text("main")
    assert "Thank you for mentoring Ben Osei" in shown
    assert "waiting for your answer" not in shown
    tab.finish()

    with site.app.app_context():
        statuses = set(db.session.scalars(select(Introduction.status)))
    assert statuses == {IntroStatus.ACCEPTED}
    assert len(site.mail_to(mentor.email)) == 3
    for student in (ava, ben):
        subjects = [m["Subject"] for m in site.mail_to(student.email)]
        assert "Meet your mentor, Dr. Ines Okafor" in subjects
