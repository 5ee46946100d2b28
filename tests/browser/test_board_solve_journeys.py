"""The joint board solve and nobody stranded, in a real Chromium: an external faculty mentor for
a student whose school has no department in their specialty, "same institution: barred" holding
for a school and its teaching hospital, a round whose faculty-first solve would leave the external
seat empty, and a decline that leads to the waiting list and a new mentor."""

import pytest
from sqlalchemy import select

from matcher.extensions import db
from matcher.models import DraftOutcome, Introduction, IntroStatus, RematchPolicy, Round, User
from matcher.rounds import taking_part
from tests.helpers.board import intro_between, set_group, solve_and_publish
from tests.helpers.browser import build_world, log_in
from tests.helpers.places import LAKESIDE, WESTBROOK, WESTBROOK_HOSPITAL

pytestmark = pytest.mark.browser


def seat(tab, label: str):
    heading = tab.page.get_by_role("heading", name=label, exact=True)
    return tab.page.locator("li.seat").filter(has=heading)


def solve_in_browser(tab, round_id: int, step: str) -> int:
    tab.goto(f"/rounds/{round_id}", f"{step}-round")
    tab.click(tab.button("Solve"), step)
    assert f"/rounds/{round_id}/drafts/" in tab.page.url
    return int(tab.page.url.rstrip("/").split("/")[-1])


def outcome(site, round_id: int, number: int, student: User, slot: str) -> int | None:
    with site.app.app_context():
        round_ = db.session.get(Round, round_id)
        draft = next(d for d in round_.drafts if d.number == number)
        return db.session.scalar(
            select(DraftOutcome.mentor_id).where(
                DraftOutcome.draft_id == draft.id,
                DraftOutcome.student_id == student.id,
                DraftOutcome.slot == slot,
            )
        )


def test_a_student_whose_school_has_no_dermatology_department_gets_an_external_mentor(
    site, journey
):
    world = build_world(site)
    lena = world.student("Lena Park", school=WESTBROOK, wanted=("faculty", "external"))
    okafor = world.mentor("Dr. Ines Okafor", institution=LAKESIDE, capacity=2)
    round_id = world.round(slots=("faculty", "external"), name="Winter board round")
    world.enrol(round_id, lena)

    student = journey("student")
    log_in(student, lena.email, "home")
    student.goto("/profile", "profile")
    assert "Westbrook School of Medicine has no dermatology department" in student.page.inner_text(
        "main"
    )

    coordinator = journey("coordinator")
    log_in(coordinator, "cora@westbrook.edu", "coordinator-home")
    number = solve_in_browser(coordinator, round_id, "draft")
    row = coordinator.page.locator("table.pairs tr").filter(has_text="Lena Park")
    assert "Dr. Ines Okafor" in row.filter(has_text="External faculty").inner_text()
    assert outcome(site, round_id, number, lena, "external") == okafor.id
    assert outcome(site, round_id, number, lena, "faculty") is None
    coordinator.click(coordinator.button("Publish this draft"), "published")
    coordinator.finish()

    student.goto("/board", "board")
    external = seat(student, "External faculty (another institution)").inner_text()
    assert "Dr. Ines Okafor" in external
    assert "Lakeside Medical Center" in external
    student.finish()


def test_same_institution_barred_holds_for_a_school_and_its_teaching_hospital(site, journey):
    world = build_world(site)
    ava = world.student("Ava Chen", school=WESTBROOK, wanted=("resident",), goals=("letters",))
    rui = world.mentor(
        "Dr. Rui Santos", kind="resident", institution=WESTBROOK_HOSPITAL, offers=("letters",)
    )
    sam = world.mentor("Dr. Sam Reyes", kind="resident", institution=LAKESIDE)
    round_id = world.round(slots=("resident",), name="Resident round")
    world.enrol(round_id, ava)
    with site.app.app_context():
        taking_part.set_preferences(
            db.session.get(Round, round_id), db.session.get(User, ava.id), [rui.id]
        )
        db.session.commit()

    tab = journey("coordinator")
    log_in(tab, "cora@westbrook.edu", "home")
    tab.goto(f"/rounds/{round_id}/settings", "settings")
    tab.page.get_by_label("Only mentors at another institution").check()
    tab.click(tab.button("Save"), "saved")
    number = solve_in_browser(tab, round_id, "draft")
    assert outcome(site, round_id, number, ava, "resident") == sam.id
    tab.click(
        tab.page.locator(f"main a[href$='/drafts/{number}/students/{ava.id}']").first,
        "explanation",
    )
    shown = tab.page.inner_text("main")
    assert "Dr. Rui Santos" in shown
    assert "at the student's own home (school and its hospitals)" in shown
    tab.finish()


def test_the_joint_solve_fills_the_external_seat_a_faculty_first_solve_leaves_empty(site, journey):
    world = build_world(site)
    ana = world.student("Ana Ruiz", school=LAKESIDE, goals=("research", "letters"))
    ben = world.student("Ben Osei", school=LAKESIDE, wanted=("external",))
    home = world.mentor("Dr. Hana Home", institution=LAKESIDE, offers=("research",))
    away = world.mentor(
        "Dr. Abe Away", institution=WESTBROOK_HOSPITAL, offers=("research", "letters")
    )
    alone = world.round(slots=("faculty",), name="Faculty seat alone", same_institution="neutral")
    world.enrol(alone, ana)
    assert world.pairs(alone, world.solve(alone))[(ana.id, "faculty")] == away.id

    round_id = world.round(
        slots=("faculty", "external"), name="Whole board round", same_institution="neutral"
    )
    world.enrol(round_id, ana, ben)
    tab = journey("coordinator")
    log_in(tab, "cora@westbrook.edu", "home")
    number = solve_in_browser(tab, round_id, "draft")
    assert "2 of 2" in tab.page.inner_text("main")
    assert outcome(site, round_id, number, ana, "faculty") == home.id
    assert outcome(site, round_id, number, ben, "external") == away.id
    tab.finish()


def test_a_decline_puts_the_seat_on_the_waiting_list_and_a_coordinator_offers_another(
    site, journey
):
    world = build_world(site)
    set_group(world, rematch_policy=RematchPolicy.COORDINATOR)
    ava = world.student("Ava Chen", school=LAKESIDE)
    ines = world.mentor("Ines Okafor", institution=LAKESIDE, capacity=1)
    tomas = world.mentor("Tomas Berg", institution=WESTBROOK_HOSPITAL, capacity=1)
    world.mentor("Pat Peer", kind="peer", peer_stage="ms4", institution=LAKESIDE, capacity=3)
    round_id = world.round(slots=("faculty",), name="Autumn faculty round")
    world.enrol(round_id, ava)
    solve_and_publish(world, round_id)
    first = ines if intro_between(world, ava, ines) else tomas
    second = tomas if first is ines else ines
    intro_id = intro_between(world, ava, first)

    mentor = journey("mentor")
    log_in(mentor, first.email, "mentor-home")
    mentor.goto(f"/introductions/{intro_id}/decline", "decline")
    mentor.page.get_by_label("Reason").fill("On leave this term.")
    mentor.click(mentor.page.locator("main form").get_by_role("button", name="Decline"), "declined")
    assert "You declined Ava Chen" in mentor.page.inner_text(".flashes")
    mentor.finish()

    student = journey("student")
    log_in(student, ava.email, "home")
    student.goto("/board", "board-searching")
    assert "Searching" in seat(student, "Faculty mentor").inner_text()

    coordinator = journey("coordinator")
    log_in(coordinator, "cora@westbrook.edu", "home")
    coordinator.goto(f"/groups/{world.group_id}/introductions", "waiting-list")
    entry = coordinator.page.locator("li.waiting-entry").filter(has_text="Ava Chen")
    shown = entry.inner_text()
    assert "Faculty mentor" in shown
    assert "On leave this term." in shown
    assert second.name in shown
    assert "Pat Peer" not in shown
    entry.get_by_role("combobox").select_option(index=0)
    coordinator.click(entry.get_by_role("button", name="Offer"), "offered")
    assert f"{second.name} has been asked to mentor Ava Chen" in coordinator.page.inner_text(
        ".flashes"
    )
    assert "Nobody is waiting." in coordinator.page.inner_text("#rematch")
    coordinator.finish()

    student.goto("/board", "board-proposed")
    assert second.name in seat(student, "Faculty mentor").inner_text()
    student.finish()
    with site.app.app_context():
        newest = db.session.scalars(select(Introduction).order_by(Introduction.id.desc())).first()
        assert (newest.mentor_id, newest.status) == (second.id, IntroStatus.PROPOSED)
