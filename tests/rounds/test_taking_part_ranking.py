"""The ranking page: only the mentors the round can give the student (the solver's own rules),
best fit first, each with why; a ranked mentor the round can no longer give is named."""

import re

from matcher.extensions import db
from matcher.models import ConstraintKind, RoundConstraint
from matcher.rounds import taking_part
from tests.helpers import logged_in, post_form
from tests.helpers.board import solve_and_publish


def offered(page: str) -> list[str]:
    """The mentors' names in the list of mentors the page offers, in order."""
    listing = page.split('class="rank-options"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r"<strong>([^<]+)</strong>", listing)


def a_faculty_round(world):
    student = world.student("Sam Student", goals=("research", "letters"), wanted=("faculty",))
    best = world.mentor("Zoe Best", offers=("research", "letters"), capacity=2)
    good = world.mentor("Adam Good", offers=("letters",))
    peer = world.mentor("Pat Peer", kind="peer", peer_stage="ms4")
    resident = world.mentor("Rae Resident", kind="resident")
    other = world.mentor("Otto Ortho", specialty="Orthopaedic Surgery")
    barred = world.mentor("Bea Barred", offers=("research", "letters"))
    round_id = world.round(slots=("faculty",), name="Faculty round")
    world.enrol(round_id, student)
    with world.app.app_context():
        db.session.add(
            RoundConstraint(
                round_id=round_id,
                student_id=student.id,
                mentor_id=barred.id,
                kind=ConstraintKind.BAR,
            )
        )
        db.session.commit()
    mentors = {"best": best, "good": good, "peer": peer, "resident": resident}
    return student, round_id, {**mentors, "other": other, "barred": barred}


def test_the_page_offers_only_the_mentors_the_round_can_give_best_first(app, world):
    student, round_id, _ = a_faculty_round(world)
    client = logged_in(app, student)
    response = client.get(f"/rounds/{round_id}/preferences")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert offered(page) == ["Zoe Best", "Adam Good"]
    for name in ("Pat Peer", "Rae Resident", "Otto Ortho", "Bea Barred"):
        assert name not in page
    assert "For your faculty mentor seat" in page
    assert "Works in a specialty on your list" in page
    assert "offers what you are hoping for" in page
    assert "Faculty round looks for faculty mentors" in page
    choices = page.split('name="choice_1"', 1)[1].split("</select>", 1)[0]
    assert "Zoe Best" in choices
    assert "Pat Peer" not in choices


def test_a_mentor_the_round_cannot_give_cannot_be_ranked(app, world):
    student, round_id, mentors = a_faculty_round(world)
    client = logged_in(app, student)
    url = f"/rounds/{round_id}/preferences"
    for kind in ("peer", "resident", "other", "barred"):
        response = post_form(client, url, {"choice_1": str(mentors[kind].id)})
        assert response.status_code == 400
        assert "Not a valid choice" in response.get_data(as_text=True)
    ranking = {"choice_1": str(mentors["good"].id), "choice_2": str(mentors["best"].id)}
    assert post_form(client, url, ranking).status_code == 303
    with app.app_context():
        assert taking_part.preferences(round_id, student.id) == [
            mentors["good"].id,
            mentors["best"].id,
        ]


def test_a_ranked_mentor_the_round_can_no_longer_give_is_named(app, world):
    student, round_id, mentors = a_faculty_round(world)
    client = logged_in(app, student)
    url = f"/rounds/{round_id}/preferences"
    assert post_form(client, url, {"choice_1": str(mentors["good"].id)}).status_code == 303
    with app.app_context():
        db.session.add(
            RoundConstraint(
                round_id=round_id,
                student_id=student.id,
                mentor_id=mentors["good"].id,
                kind=ConstraintKind.BAR,
            )
        )
        db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "can no longer give you Adam Good" in page
    assert offered(page) == ["Zoe Best"]


def test_a_student_whose_seats_are_all_filled_is_told_why_the_list_is_empty(app, world):
    student, round_id, _ = a_faculty_round(world)
    solve_and_publish(world, round_id)
    follow_up = world.round(slots=("faculty",), name="Second round")
    world.enrol(follow_up, student)
    page = logged_in(app, student).get(f"/rounds/{follow_up}/preferences").get_data(as_text=True)
    assert 'class="rank-options"' not in page
    assert "No mentor in this round can fill a seat you are looking for" in page
