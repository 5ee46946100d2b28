"""One person, several roles (issue #26, part 1) in a real Chromium: a student becomes a peer
mentor too, fills the mentor profile, sees both sides on the home page and the profile page,
answers a mentee and switches introductions between sides; and a student leader, made a
coordinator by the group's coordinator, runs the group's dashboard and keeps their own board.
Every page is checked with axe and must fit a 390 px phone."""

import pytest
from sqlalchemy import select

from matcher.extensions import db
from matcher.models import Introduction, IntroStatus, MentorType, Role, User
from tests.helpers.browser import GROUP, build_world, log_in
from tests.helpers.roles import introduce

pytestmark = pytest.mark.browser


def test_a_peer_mentor_who_is_also_a_mentee(site, journey):
    world = build_world(site)
    kira = world.student("Kira Quintero", stage="ms3", wanted=("faculty", "peer"))
    fay = world.mentor("Dr Fay Faculty", capacity=2)
    mo = world.student("Mo Mentee", stage="ms1", wanted=("peer",))

    tab = journey("peer")
    log_in(tab, kira.email, "home")
    assert "Requests waiting for your answer" not in tab.page.inner_text("main")
    tab.click(tab.page.get_by_role("link", name="Profile", exact=True), "profile")
    assert "Mentor other students too" in tab.page.inner_text("main")
    tab.click(tab.button("Add a mentor profile"), "mentor-side-added")
    assert "You are a mentor too now." in tab.page.inner_text(".flashes")
    assert tab.page.inner_text("main h1") == "Your mentor profile"

    page = tab.page
    page.get_by_label("I mentor as").select_option("peer")
    page.get_by_label("Your own stage (peer mentors)").select_option("ms3")
    page.get_by_label("Specialty", exact=True).select_option(label="Dermatology")
    page.get_by_label("Institution", exact=True).fill("Westbrook School of Medicine")
    page.locator('input[name="offers"][value="research"]').check()
    page.locator('input[name="offers"][value="wellbeing"]').check()
    page.get_by_label("How many mentees can you take at once?").fill("2")
    page.get_by_label("A short bio").fill("MS3 at Westbrook; happy to help first-years.")
    tab.click(tab.button("Save profile"), "mentor-profile-saved")
    with site.app.app_context():
        user = db.session.get(User, kira.id)
        assert user.roles == {Role.STUDENT, Role.MENTOR}
        assert user.mentor_profile.mentor_type is MentorType.PEER
        assert user.mentor_profile.missing() == []
        assert user.student_profile.missing() == []

    tab.goto(f"/people/{kira.id}", "both-sides")
    main = tab.page.inner_text("main")
    assert "As a student" in main
    assert "As a mentor" in main
    assert "Your student profile is complete." in main
    assert "Your mentor profile is complete." in main

    round_id = world.round(slots=("faculty", "peer"), name="Spring round")
    introduce(site.app, round_id, kira, fay, "faculty")
    introduce(site.app, round_id, mo, kira, "peer")

    tab.goto("/", "home-both-sides")
    for heading in (
        "Your board of advisors",
        "Your mentors",
        "Requests waiting for your answer",
        "Current mentees",
    ):
        assert tab.page.get_by_role("heading", name=heading, exact=True).count() == 1, heading
    waiting = tab.page.locator("section", has=tab.page.get_by_role("heading", name="Requests"))
    assert "Mo Mentee" in waiting.inner_text()
    assert "Dr Fay Faculty" in tab.page.inner_text("main")
    tab.click(waiting.get_by_role("button", name="Accept"), "accepted-mentee")

    tab.click(tab.page.get_by_role("link", name="My introductions"), "as-student")
    tabs = tab.page.get_by_role("navigation", name="Your introductions")
    assert tabs.get_by_role("link", name="Your mentors").get_attribute("aria-current") == "page"
    assert "Dr Fay Faculty" in tab.page.inner_text("main")
    assert "Mo Mentee" not in tab.page.inner_text("main")
    tab.click(tabs.get_by_role("link", name="Your mentees"), "as-mentor")
    assert tab.page.url.endswith("/introductions/as-mentor")
    assert "Mo Mentee" in tab.page.inner_text("main")
    assert "Dr Fay Faculty" not in tab.page.inner_text("main")
    tab.click(tab.page.get_by_role("link", name="Mo Mentee").first, "mentee-introduction")
    tab.click(tab.page.get_by_role("link", name="← Your introductions"), "back-to-mentees")
    assert tab.page.url.endswith("/introductions/as-mentor")

    mentee = journey("mentee")
    log_in(mentee, mo.email, "mentee-home")
    mentee.goto(f"/people/{kira.id}", "peer-mentor-profile")
    shown = mentee.page.inner_text("main")
    assert "Peer mentor" in shown
    assert "Specialty interests" not in shown
    assert "As a student" not in shown
    for each in (tab, mentee):
        each.finish()

    with site.app.app_context():
        rows = db.session.execute(
            select(Introduction.student_id, Introduction.mentor_id, Introduction.status)
        ).all()
    assert set(rows) == {
        (kira.id, fay.id, IntroStatus.PROPOSED),
        (mo.id, kira.id, IntroStatus.ACCEPTED),
    }


def test_a_student_leader_coordinating(site, journey):
    world = build_world(site)
    lee = world.student("Lee Leader", stage="ms2", wanted=("faculty", "peer"))
    world.mentor("Dr Ines Okafor", capacity=2)
    outsider = world.student("Oli Outside", member=False)
    group = f"/groups/{world.group_id}"

    coordinator = journey("coordinator")
    log_in(coordinator, world.coordinator.email, "home")
    coordinator.goto(group, "group")
    email = coordinator.page.get_by_label("Email of a member or coordinator")
    email.fill(outsider.email)
    coordinator.click_refused(coordinator.button("Add coordinator"), "not-a-member")
    assert "No member of this group has that email." in coordinator.page.inner_text("main")
    email.fill(lee.email)
    coordinator.click(coordinator.button("Add coordinator"), "leader-added")
    assert f"Lee Leader now coordinates {GROUP}." in coordinator.page.inner_text(".flashes")

    leader = journey("leader")
    log_in(leader, lee.email, "home")
    assert leader.page.get_by_role("heading", name="Your board of advisors").count() == 1
    runs = leader.page.get_by_role("heading", name="Groups you coordinate")
    assert runs.count() == 1
    assert "Create a group" not in leader.page.inner_text("main")
    leader.click(leader.page.get_by_role("link", name="Dashboard"), "dashboard")
    assert leader.page.url.endswith(f"{group}/dashboard")
    assert GROUP in leader.page.inner_text("main")
    leader.goto(f"{group}/rounds", "rounds")
    leader.goto(f"{group}/roster/students", "roster")
    assert "Lee Leader" in leader.page.inner_text("main")
    leader.click(leader.page.get_by_role("link", name="My board"), "own-board")
    assert GROUP in leader.page.inner_text("main")
    assert "Faculty mentor" in leader.page.inner_text("main")
    for each in (coordinator, leader):
        each.finish()
