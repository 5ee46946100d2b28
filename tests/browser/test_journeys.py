"""The four journeys of issue #7 in a real Chromium: a student from sign-up to ranking (by
keyboard only), a coordinator from roster import to a published round, a mentor accepting from
the emailed link, and the student marking the first meeting."""

import pytest
from sqlalchemy import func, select

from matcher.extensions import db
from matcher.introductions import services as introductions
from matcher.models import (
    DraftOutcome,
    InterestGroup,
    Introduction,
    IntroStatus,
    MentorProfile,
    Round,
    RoundPreference,
    RoundStatus,
    StudentProfile,
    User,
)
from matcher.rounds import publishing, taking_part
from tests.helpers import PASSWORD
from tests.helpers.browser import GROUP, build_world, log_in
from tests.helpers.rounds import World

pytestmark = pytest.mark.browser


def test_student_signs_up_completes_profile_joins_and_ranks(site, journey):
    world = build_world(site)
    mentors = [
        world.mentor("Dr. Ines Okafor", capacity=2),
        world.mentor("Dr. Tomas Berg", capacity=1),
        world.mentor("Dr. Rana Haddad", specialty="Plastic Surgery", capacity=1),
    ]
    round_id = world.round(slots=("faculty",), name="Spring faculty round")
    with site.app.app_context():
        code = db.session.get(InterestGroup, world.group_id).invite_code

    tab = journey("student")
    keys = tab.page.keyboard
    tab.goto("/", "landing")
    tab.tab_to("main a[href='/signup']")
    with tab.page.expect_navigation():
        keys.press("Enter")
    tab.arrived("sign-up")
    tab.tab_to("#name")
    keys.type("Lena Park")
    tab.tab_to("#email")
    keys.type("lena.park@students.westbrook.edu")
    tab.tab_to("#role-0")
    keys.press("Space")
    tab.tab_to("#submit")
    with tab.page.expect_navigation():
        keys.press("Enter")
    tab.arrived("check-your-email")
    assert "Check your email" in tab.page.inner_text("main")

    tab.goto(site.link_in_mail("lena.park@students.westbrook.edu", "/signup/confirm/"), "confirm")
    tab.tab_to("#password")
    keys.type(PASSWORD)
    tab.tab_to("#confirm")
    keys.type(PASSWORD)
    with tab.page.expect_navigation():
        keys.press("Enter")
    tab.arrived("profile-to-complete")
    assert tab.page.url.endswith("/profile/edit")

    tab.tab_to("#school")
    keys.type("Westbrook School of Medicine")
    tab.tab_to("#stage")
    keys.type("MS3")
    tab.tab_to("#interest_1")
    keys.type("Dermatology")
    tab.tab_to("#interest_2")
    keys.type("Plastic")
    tab.tab_to("#home_has_department-0")
    keys.press("Space")
    tab.tab_to("#goals-0")
    keys.press("Space")
    tab.tab_to("#wanted_types-0")
    keys.press("Space")
    tab.tab_to("#statement")
    keys.type("Dermatology since my first clinic; I want research and honest advice.")
    tab.tab_to("#submit")
    with tab.page.expect_navigation():
        keys.press("Enter")
    tab.arrived("profile-saved")
    assert "complete" in tab.page.inner_text("main").lower()

    tab.goto(f"/join/{code}", "invite-link")
    tab.tab_to("main button[type=submit]")
    with tab.page.expect_navigation():
        keys.press("Enter")
    tab.arrived("joined")
    assert "You are a member" in tab.page.inner_text("main")

    tab.goto(f"/rounds/{round_id}", "round")
    tab.tab_to("main form button[type=submit]")
    with tab.page.expect_navigation():
        keys.press("Enter")
    tab.arrived("rank-mentors")
    assert "You are taking part" in tab.page.inner_text(".flashes")
    tab.tab_to("#choice_1")
    keys.type("Dr. Tomas")
    tab.tab_to("#choice_2")
    keys.type("Dr. Ines")
    tab.tab_to("main form #submit")
    with tab.page.expect_navigation():
        keys.press("Enter")
    tab.arrived("ranked")
    assert "Dr. Tomas Berg" in tab.page.inner_text("main")
    tab.finish()

    with site.app.app_context():
        lena = db.session.scalar(select(User).where(User.email.startswith("lena.park")))
        assert lena.student_profile is not None
        assert lena.student_profile.missing() == []
        ranked = db.session.scalars(
            select(RoundPreference.mentor_id)
            .where(RoundPreference.round_id == round_id, RoundPreference.student_id == lena.id)
            .order_by(RoundPreference.rank)
        ).all()
    assert ranked == [mentors[1].id, mentors[0].id]


ROSTER = (
    "email,name,role,institution,specialties,mentor_type,pgy,capacity,offers,accepting\r\n"
    "ines.okafor@westbrook.org,Dr. Ines Okafor,mentor,Westbrook University Hospital,"
    "Dermatology,faculty,,2,research; letters,yes\r\n"
    "tomas.berg@westbrook.org,Dr. Tomas Berg,mentor,Westbrook University Hospital,"
    "Dermatology,faculty,,1,research; mock_interviews,yes\r\n"
    "rana.haddad@eastlake.org,Dr. Rana Haddad,mentor,Eastlake Medical Center,"
    "Dermatology,faculty,,1,letters,yes\r\n"
)


def test_coordinator_imports_solves_explains_pins_and_publishes(site, journey, tmp_path):
    world = build_world(site)
    students = [
        world.student("Ava Chen", goals=("research",)),
        world.student("Ben Osei", goals=("letters",), stage="ms2"),
        world.student("Cleo Marsh", home=False, stage="ms4"),
    ]
    roster = tmp_path / "westbrook-mentors.csv"
    roster.write_text(ROSTER, encoding="utf-8")

    tab = journey("coordinator")
    log_in(tab, "cora@westbrook.edu", "coordinator-home")
    tab.click(tab.page.locator("main").get_by_role("link", name=GROUP).first, "group")
    tab.click(tab.page.locator("main").get_by_role("link", name="Import a CSV"), "import")
    tab.page.set_input_files("#file", str(roster))
    tab.click(tab.page.locator("main form").get_by_role("button", name="Import"), "imported")
    assert "3 new" in tab.page.inner_text(".flashes")

    tab.goto(f"/groups/{world.group_id}/rounds/new", "new-round")
    tab.page.get_by_label("Name").fill("Autumn faculty round")
    tab.page.get_by_label("Faculty mentor").check()
    tab.click(tab.button("Save round"), "round-created")
    round_id = int(tab.page.url.rstrip("/").split("/")[-1])
    tab.click(tab.button("Add all eligible students"), "students-added")

    with site.app.app_context():
        tomas = db.session.scalar(select(User.id).where(User.name == "Dr. Tomas Berg"))
        round_ = db.session.get(Round, round_id)
        for student in students[:2]:
            taking_part.set_preferences(round_, db.session.get(User, student.id), [tomas])
        db.session.commit()

    tab.click(tab.button("Solve"), "draft-1")
    assert f"/rounds/{round_id}/drafts/1" in tab.page.url
    assert "3 of 3" in tab.page.inner_text("main")
    with site.app.app_context():
        winner = db.session.scalar(
            select(DraftOutcome.student_id).where(DraftOutcome.mentor_id == tomas)
        )
    loser = next(s for s in students[:2] if s.id != winner)

    tab.click(
        tab.page.locator(f"main a[href$='/drafts/1/students/{loser.id}']").first, "explanation"
    )
    explanation = tab.page.inner_text("main")
    assert loser.name in explanation
    assert "Dr. Tomas Berg (ranked 1" in explanation
    tab.click(tab.button(f"Pin {loser.name} with Dr. Tomas Berg"), "pinned")
    tab.goto(f"/rounds/{round_id}", "round-with-pin")
    assert f"Pinned: {loser.name} with Dr. Tomas Berg" in tab.page.inner_text("main")
    tab.click(tab.button("Solve again"), "draft-2")
    assert f"/rounds/{round_id}/drafts/2" in tab.page.url
    row = tab.page.locator("table.pairs tr").filter(has_text=loser.name)
    assert "Dr. Tomas Berg" in row.inner_text()
    assert "Pinned" in row.inner_text()

    tab.click(tab.button("Publish this draft"), "published")
    assert "published" in tab.page.inner_text(".flashes").lower()
    tab.finish()

    with site.app.app_context():
        assert db.session.get(Round, round_id).status is RoundStatus.PUBLISHED
        rows = db.session.execute(select(Introduction.student_id, Introduction.mentor_id))
        pairs = dict(rows.all())
        imported = db.session.scalar(select(func.count()).select_from(MentorProfile))
    assert pairs[loser.id] == tomas
    assert len(pairs) == 3
    assert imported == 3


def published_introduction(site) -> tuple[World, User, User, int]:
    """A published round with one proposed introduction and its email sent to the mentor."""
    world = build_world(site)
    student = world.student("Ava Chen")
    mentor = world.mentor("Dr. Ines Okafor", capacity=2)
    round_id = world.round(slots=("faculty",))
    world.enrol(round_id, student)
    number = world.solve(round_id)
    with site.app.app_context():
        round_ = db.session.get(Round, round_id)
        publishing.publish(round_, number, db.session.get(User, world.coordinator.id))
        db.session.commit()
        intro_id = db.session.scalar(select(Introduction.id))
    return world, student, mentor, intro_id


def test_mentor_accepts_from_the_emailed_link(site, journey):
    _world, student, mentor, intro_id = published_introduction(site)
    link = site.link_in_mail(mentor.email, "/introductions/answer/")

    tab = journey("mentor")
    tab.goto(link, "answer-link")
    assert "Ava Chen" in tab.page.inner_text("main")
    tab.click(tab.button("Accept this student"), "accepted")
    assert "Thank you for mentoring Ava Chen" in tab.page.inner_text("main")
    tab.finish()

    with site.app.app_context():
        assert db.session.get(Introduction, intro_id).status is IntroStatus.ACCEPTED
    subjects = [m["Subject"] for m in site.mail_to(student.email)]
    assert "Meet your mentor, Dr. Ines Okafor" in subjects


def test_student_sees_the_accepted_introduction_and_marks_the_meeting(site, journey):
    _world, student, mentor, intro_id = published_introduction(site)
    with site.app.app_context():
        introductions.accept(
            db.session.get(Introduction, intro_id), db.session.get(User, mentor.id)
        )
        db.session.commit()

    tab = journey("student")
    log_in(tab, student.email, "student-home")
    home = tab.page.inner_text("main")
    assert "Dr. Ines Okafor" in home
    assert "Accepted" in home
    tab.click(tab.page.locator(f"main a[href='/introductions/{intro_id}']").first, "introduction")
    tab.click(tab.button("We met"), "met")
    assert "met" in tab.page.inner_text(".flashes").lower()
    tab.finish()

    with site.app.app_context():
        intro = db.session.get(Introduction, intro_id)
        assert intro.status is IntroStatus.MET
        assert intro.met_at is not None
        assert db.session.get(StudentProfile, student.id) is not None
