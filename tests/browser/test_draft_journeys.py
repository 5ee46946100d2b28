"""The coordinator's draft in a real Chromium, at phone and desktop widths: pinning and barring
pairs shows them marked with their undo, undoing one returns to the same filtered draft, a
draft older than its pins and bars warns and will not publish unconfirmed, "Solve again" on the
draft page, the blocking pairs by name with each person's explanation, and round pages that
read true once the round is published, for the coordinator, a student and a mentor."""

import pytest
from sqlalchemy import select

from matcher.extensions import db
from matcher.models import Introduction, Round, RoundStatus, User
from matcher.rounds import taking_part
from tests.helpers.browser import build_world, log_in

pytestmark = pytest.mark.browser

WEIGHTS = {
    "specialty": 4,
    "focus": 2,
    "goals": 4,
    "stage": 1,
    "institution": 1,
    "student_preference": 0.1,
    "mentor_preference": 0.1,
    "waited": 1,
}


def row_of(tab, name: str):
    return tab.page.locator("table.pairs tbody tr").filter(has_text=name)


def test_coordinator_marks_undoes_solves_again_reads_blocking_pairs_and_publishes(site, journey):
    world = build_world(site)
    ava = world.student("Ava Chen", goals=("research",))
    ben = world.student("Ben Osei", goals=("research",))
    cleo = world.student("Cleo Marsh-Ravindranathan", goals=("research",))
    near = world.mentor("Nadia Near", offers=("letters",))
    far = world.mentor("Dr. Felix Far", offers=("research",), capacity=2)
    world.mentor("Dr. Maya Mid", offers=("research",), capacity=2)
    round_id = world.round(name="Winter faculty round", weights=WEIGHTS)
    world.enrol(round_id, ava, ben, cleo)
    with site.app.app_context():
        round_ = db.session.get(Round, round_id)
        taking_part.set_preferences(round_, db.session.get(User, ava.id), [near.id])
        taking_part.set_likes(round_, db.session.get(User, near.id), [ava.id])
        db.session.commit()

    tab = journey("coordinator")
    log_in(tab, "cora@westbrook.edu", "home")
    tab.goto(f"/rounds/{round_id}", "round-open")
    assert "Preferences stay open until the round is published." in tab.page.inner_text("main")
    tab.click(tab.button("Solve"), "draft-1")
    assert tab.page.url.endswith(f"/rounds/{round_id}/drafts/1")
    assert "Dr. Felix Far" in row_of(tab, "Ava Chen").inner_text()

    tab.goto(f"/rounds/{round_id}/drafts/1?outcome=matched", "draft-1-matched")
    filtered = tab.page.url
    tab.click(row_of(tab, "Ben Osei").get_by_role("button", name="Pin"), "ben-pinned")
    assert tab.page.url == filtered
    assert "Pinned. Solve again" in tab.page.inner_text(".flashes")
    assert "Pinned" in row_of(tab, "Ben Osei").inner_text()
    assert "Un-pin" in row_of(tab, "Ben Osei").inner_text()

    cleo_row = row_of(tab, "Cleo Marsh-Ravindranathan")
    cleo_mentor = "Dr. Maya Mid" if "Dr. Maya Mid" in cleo_row.inner_text() else "Dr. Felix Far"
    tab.click(cleo_row.get_by_role("button", name="Bar"), "cleo-barred")
    assert tab.page.url == filtered
    cleo_row = row_of(tab, "Cleo Marsh-Ravindranathan")
    assert "Barred" in cleo_row.inner_text()
    assert "Un-bar" in cleo_row.inner_text()
    assert "Unpin" not in cleo_row.inner_text()
    marked = tab.page.locator("#marked").inner_text()
    assert f"Barred: Cleo Marsh-Ravindranathan with {cleo_mentor}" in marked
    assert "Pinned: Ben Osei with" in marked

    tab.click(row_of(tab, "Ben Osei").get_by_role("button", name="Un-pin"), "ben-un-pinned")
    assert tab.page.url == filtered
    assert "Un-pinned. Solve again" in tab.page.inner_text(".flashes")
    assert "Pinned" not in row_of(tab, "Ben Osei").inner_text()

    warning = tab.page.locator("#publish").inner_text()
    assert "This draft is older than the round's latest changes." in warning
    assert f"Barred Cleo Marsh-Ravindranathan with {cleo_mentor}" in warning
    tab.click_refused(tab.button("Publish this draft"), "publish-refused")
    assert "Draft 1 was solved before the changes listed on its page." in tab.page.inner_text(
        "main"
    )
    with site.app.app_context():
        assert db.session.get(Round, round_id).status is RoundStatus.OPEN

    tab.click(tab.button("Solve again"), "draft-2")
    assert tab.page.url.endswith(f"/rounds/{round_id}/drafts/2")
    assert "older than the round's latest changes" not in tab.page.inner_text("main")
    assert cleo_mentor not in row_of(tab, "Cleo Marsh-Ravindranathan").inner_text()

    tab.click(tab.page.get_by_role("link", name="List the blocking pairs"), "blocking-pairs")
    listing = tab.page.locator("table tbody tr").filter(has_text="Ava Chen").inner_text()
    assert "Nadia Near" in listing
    assert "Dr. Felix Far" in listing
    tab.click(tab.page.locator("main table").get_by_role("link", name="Ava Chen"), "ava-explained")
    assert "Blocking pairs with Ava Chen" in tab.page.inner_text("main")
    tab.page.go_back()
    tab.arrived("blocking-pairs-again")
    tab.click(
        tab.page.locator("main table").get_by_role("link", name="Nadia Near"), "near-explained"
    )
    near_page = tab.page.inner_text("main")
    assert "Ava Chen: choice 1, not placed with them" in near_page
    assert "would rather have Nadia Near than Dr. Felix Far" in near_page

    tab.goto(f"/rounds/{round_id}/drafts/2", "draft-2-again")
    tab.click(tab.button("Publish this draft"), "published")
    assert "published" in tab.page.inner_text(".flashes").lower()
    page = tab.page.inner_text("main")
    assert "Published" in page
    assert "stay open" not in page
    assert "preferences are closed and the round is locked" in page
    assert (
        f"Barred: Cleo Marsh-Ravindranathan with {cleo_mentor} (never made in this round)" in page
    )
    assert "Un-bar" not in page
    tab.goto(f"/rounds/{round_id}/drafts/2", "draft-2-published")
    assert "Solve again" not in tab.page.inner_text("main")
    assert "Publish this draft" not in tab.page.inner_text("main")
    tab.finish()

    with site.app.app_context():
        made = dict(
            db.session.execute(select(Introduction.student_id, Introduction.mentor_id)).all()
        )
    assert made[ava.id] == far.id
    assert len(made) == 3

    student = journey("student")
    log_in(student, ava.email, "student-home")
    student.goto(f"/rounds/{round_id}", "student-round-published")
    said = student.page.inner_text("main")
    assert "The round was published" in said
    assert "stay open" not in said
    student.finish()

    mentor = journey("mentor")
    log_in(mentor, near.email, "mentor-home")
    mentor.goto(f"/rounds/{round_id}", "mentor-round-published")
    said = mentor.page.inner_text("main")
    assert "The round has been published" in said
    assert "Preferences close" not in said
    assert "Mark students" not in said
    mentor.finish()


def test_new_round_form_starts_with_the_seats_the_group_uses(site, journey):
    world = build_world(site)
    world.student("Dara Quinn", wanted=("faculty", "resident"))
    tab = journey("coordinator")
    log_in(tab, "cora@westbrook.edu", "home")
    tab.goto(f"/groups/{world.group_id}/rounds/new", "new-round")
    assert tab.page.get_by_label("Faculty mentor").is_checked()
    assert tab.page.get_by_label("Resident or fellow").is_checked()
    assert not tab.page.get_by_label("Peer mentor 1–2 years ahead").is_checked()
    tab.page.get_by_label("Resident or fellow").uncheck()
    tab.page.get_by_label("Peer mentor 1–2 years ahead").check()
    tab.click_refused(tab.button("Save round"), "refused-without-a-name")
    assert "This field is required." in tab.page.inner_text("main")
    assert tab.page.get_by_label("Faculty mentor").is_checked()
    assert not tab.page.get_by_label("Resident or fellow").is_checked()
    assert tab.page.get_by_label("Peer mentor 1–2 years ahead").is_checked()
    tab.finish()
