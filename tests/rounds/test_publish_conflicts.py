"""Publishing a stale draft: two open rounds of a group solved over the same places, published
one after the other. The second is refused with its conflicts, publishes nothing, and
publishes cleanly once solved again."""

import re

import pytest
from sqlalchemy import func, select

from matcher.extensions import db
from matcher.models import Introduction, Membership, Round, RoundStatus, User
from matcher.models.introduction import ACTIVE_STATUSES
from matcher.rounds import publishing
from tests.helpers import logged_in, make_group, post_form
from tests.helpers.rounds import World


def publish(client, round_id: int, number: int):
    return post_form(
        client, f"/rounds/{round_id}/publish", {"draft": str(number)}, page=f"/rounds/{round_id}"
    )


def held(app, mentor: User) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).where(
                Introduction.mentor_id == mentor.id, Introduction.status.in_(ACTIVE_STATUSES)
            )
        )


def seats(app, student: User, slot: str = "faculty") -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Introduction.mentor_id).where(
                    Introduction.student_id == student.id, Introduction.slot == slot
                )
            )
        )


def count_intros(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Introduction))


def status(app, round_id: int) -> RoundStatus:
    with app.app_context():
        return db.session.get(Round, round_id).status


@pytest.fixture
def two_rounds(world):
    """Ada in both rounds, Ben in the second; two capacity-1 faculty mentors; both solved."""
    ada = world.student("Ada Student")
    ben = world.student("Ben Student")
    mentors = [world.mentor(f"Dr Cap {k}", capacity=1) for k in range(2)]
    first = world.round(name="Autumn round")
    second = world.round(name="Winter round")
    world.enrol(first, ada)
    world.enrol(second, ada, ben)
    world.solve(first)
    world.solve(second)
    return ada, ben, mentors, first, second


def test_the_second_of_two_rounds_is_refused_then_publishes_after_solving_again(
    app, world, two_rounds
):
    ada, ben, mentors, first, second = two_rounds
    [taken] = world.pairs(first, 1).values()
    assert set(world.pairs(second, 1).values()) == {m.id for m in mentors}
    client = logged_in(app, world.coordinator)

    assert publish(client, first, 1).status_code == 303
    assert count_intros(app) == 1

    refused = publish(client, second, 1)
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    full = next(m for m in mentors if m.id == taken)
    assert "Draft 1 can no longer be published" in page
    assert "Nothing was published and nobody was emailed" in page
    assert re.search(rf"{full.name}</strong>: capacity 1, already holds 1;.*1 over", page, re.S)
    assert "Ada Student</strong> already holds the Faculty mentor seat" in page
    assert f'action="/rounds/{second}/solve"' in page
    assert "Solve again" in page
    assert status(app, second) is RoundStatus.OPEN
    assert count_intros(app) == 1
    assert [held(app, m) for m in mentors].count(1) == 1
    assert seats(app, ada) == [taken]

    solved = post_form(client, f"/rounds/{second}/solve", page=f"/rounds/{second}")
    assert solved.headers["Location"].endswith(f"/rounds/{second}/drafts/2")
    free = next(m for m in mentors if m.id != taken)
    assert world.pairs(second, 2) == {(ben.id, "faculty"): free.id}
    assert publish(client, second, 2).status_code == 303
    assert status(app, second) is RoundStatus.PUBLISHED
    assert [held(app, m) for m in mentors] == [1, 1]
    assert seats(app, ada) == [taken]
    assert seats(app, ben) == [free.id]


def test_the_refusal_lists_each_conflict(app, world, two_rounds):
    ada, _, _, first, second = two_rounds
    [taken] = world.pairs(first, 1).values()
    drafted = world.pairs(second, 1)
    with app.app_context():
        coordinator = db.session.get(User, world.coordinator.id)
        publishing.publish(db.session.get(Round, first), 1, coordinator)
        db.session.commit()
        with pytest.raises(publishing.StaleDraftError) as refused:
            publishing.publish(db.session.get(Round, second), 1, coordinator)
        db.session.rollback()
    conflict = refused.value
    assert [(c.mentor_id, c.capacity, c.held, c.asked, c.over) for c in conflict.mentors] == [
        (taken, 1, 1, 1, 1)
    ]
    assert [(s.student_id, s.slot, s.mentor_id, s.holder_id) for s in conflict.seats] == [
        (ada.id, "faculty", drafted[(ada.id, "faculty")], taken)
    ]
    assert "solve" in str(conflict).lower()
    assert count_intros(app) == 1


def test_a_student_with_a_faculty_mentor_gets_no_second_one(app, world):
    ada = world.student("Ada Student")
    roomy = [world.mentor(f"Dr Roomy {k}", capacity=3) for k in range(2)]
    first = world.round(name="Autumn round")
    second = world.round(name="Winter round")
    world.enrol(first, ada)
    world.enrol(second, ada)
    world.solve(first)
    world.solve(second)
    client = logged_in(app, world.coordinator)
    assert publish(client, first, 1).status_code == 303
    [mentor_id] = seats(app, ada)

    refused = publish(client, second, 1)
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Ada Student</strong> already holds the Faculty mentor seat" in page
    assert "over capacity" not in page
    assert seats(app, ada) == [mentor_id]

    post_form(client, f"/rounds/{second}/solve", page=f"/rounds/{second}")
    assert world.pairs(second, 2) == {}
    assert publish(client, second, 2).status_code == 303
    assert seats(app, ada) == [mentor_id]
    assert sum(held(app, m) for m in roomy) == 1


def test_places_held_in_another_group_count_too(app, world, coordinator):
    ada = world.student("Ada Student")
    mentor = world.mentor("Dr Shared", capacity=1)
    mine = world.round(name="Autumn round")
    world.enrol(mine, ada)
    world.solve(mine)
    other_group = make_group(
        app, "Elsewhere", coordinators=(coordinator,), specialty_names=("Dermatology",)
    )
    elsewhere = World(app, other_group, coordinator, world.counter)
    bea = elsewhere.student("Bea Student")
    with app.app_context():
        db.session.add(Membership(group_id=other_group, user_id=mentor.id))
        db.session.commit()
    theirs = elsewhere.round(name="Elsewhere round")
    elsewhere.enrol(theirs, bea)
    elsewhere.solve(theirs)
    client = logged_in(app, coordinator)
    assert publish(client, theirs, 1).status_code == 303
    refused = publish(client, mine, 1)
    assert refused.status_code == 409
    assert "Dr Shared</strong>: capacity 1, already holds 1" in refused.get_data(as_text=True)
    assert held(app, mentor) == 1
