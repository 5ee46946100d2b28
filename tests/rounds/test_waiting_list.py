"""Nobody stranded: one joint solve of the board, seats a round leaves empty wait on the list
from publishing, and only mentors who can fill a seat are offered for it."""

from sqlalchemy import select

from matcher.extensions import db
from matcher.introductions import services, waiting
from matcher.introductions.tick import tick
from matcher.models import (
    InterestGroup,
    Introduction,
    IntroStatus,
    RematchPolicy,
    Round,
    User,
    WaitingSeat,
)
from matcher.rounds import publishing
from matcher.solving.rematch import eligible_mentors
from tests.helpers import logged_in, post_form

NEUTRAL = {"same_institution": "neutral"}


def publish(world, round_id: int, number: int) -> None:
    with world.app.app_context():
        publishing.publish(
            db.session.get(Round, round_id), number, db.session.get(User, world.coordinator.id)
        )
        db.session.commit()


def open_seats(world) -> list[tuple[int, str]]:
    with world.app.app_context():
        return [
            (s.student_id, s.slot)
            for s in db.session.scalars(
                select(WaitingSeat).where(WaitingSeat.closed_at.is_(None)).order_by(WaitingSeat.id)
            )
        ]


def test_the_joint_solve_fills_the_external_seat_a_faculty_first_solve_would_leave_empty(world):
    """Faculty-first gives the better-scoring outside faculty member to Ana's faculty seat and
    leaves Ben's external seat with nobody; one joint solve fills both."""
    ana = world.student("Ana", school="Alpha School of Medicine", goals=("research", "letters"))
    ben = world.student("Ben", school="Alpha School of Medicine", wanted=("external",))
    home = world.mentor("Dr Home", institution="Alpha School of Medicine", offers=("research",))
    away = world.mentor("Dr Away", institution="Gamma Hospital", offers=("research", "letters"))

    faculty_only = world.round(slots=("faculty",), name="Faculty seat alone", **NEUTRAL)
    world.enrol(faculty_only, ana)
    assert world.pairs(faculty_only, world.solve(faculty_only))[(ana.id, "faculty")] == away.id

    joint = world.round(slots=("faculty", "external"), name="Whole board", **NEUTRAL)
    world.enrol(joint, ana, ben)
    number = world.solve(joint)
    assert world.pairs(joint, number) == {
        (ana.id, "faculty"): home.id,
        (ben.id, "external"): away.id,
    }
    assert world.stats(joint, number)["per_slot"] == {
        "faculty": {"needs": 1, "matched": 1, "places": 2},
        "external": {"needs": 1, "matched": 1, "places": 2},
    }


def test_an_outside_faculty_member_fills_the_external_seat_never_the_home_one_twice(world):
    eve = world.student("Eve", wanted=("faculty", "external"))
    away = world.mentor("Dr Away", institution="Harbor University", capacity=3)
    round_id = world.round(slots=("faculty", "external"))
    world.enrol(round_id, eve)
    pairs = world.pairs(round_id, world.solve(round_id))
    assert pairs == {(eve.id, "faculty"): None, (eve.id, "external"): away.id}


def test_seats_a_round_leaves_empty_wait_on_the_list_from_publishing(world, app):
    ana = world.student("Ana", wanted=("faculty", "resident"))
    ben = world.student("Ben", wanted=("faculty",))
    faculty = world.mentor("Dr Fay", institution="Westbrook School of Medicine", capacity=1)
    round_id = world.round(slots=("faculty", "resident"))
    world.enrol(round_id, ana, ben)
    number = world.solve(round_id)
    pairs = world.pairs(round_id, number)
    matched = next(s for (s, _), m in pairs.items() if m == faculty.id)
    left = ben.id if matched == ana.id else ana.id
    publish(world, round_id, number)

    seats = open_seats(world)
    assert sorted(seats) == sorted([(left, "faculty"), (ana.id, "resident")])
    with app.app_context():
        group = db.session.get(InterestGroup, world.group_id)
        entries = waiting.waiting_list(group)
        assert {(e.student.id, e.slot) for e in entries} == set(seats)
        faculty_entry = next(e for e in entries if e.slot == "faculty")
        assert [c.mentor_id for c in faculty_entry.candidates] == [faculty.id]
        assert faculty_entry.offerable == []
        assert waiting.waiting_count(group) == 2

    coordinator = logged_in(app, world.coordinator)
    page = coordinator.get(f"/groups/{world.group_id}/introductions").get_data(as_text=True)
    assert "Waiting list (2)" in page
    assert "Dr Fay" in page.split('id="stalled"')[0]
    assert "every mentor who can fill this seat is full" in page
    assert "No mentor in the group can fill this seat" in page


def test_a_waiting_seat_is_filled_by_the_tick_when_a_place_frees(world, app):
    ana = world.student("Ana")
    ben = world.student("Ben", goals=("letters",))
    fay = world.mentor("Dr Fay", institution="Westbrook School of Medicine", capacity=1)
    round_id = world.round(slots=("faculty",))
    world.enrol(round_id, ana, ben)
    number = world.solve(round_id)
    publish(world, round_id, number)
    [(left, slot)] = open_seats(world)
    assert slot == "faculty"
    with app.app_context():
        db.session.get(InterestGroup, world.group_id).rematch_policy = RematchPolicy.AUTO
        intro = db.session.scalar(select(Introduction).where(Introduction.mentor_id == fay.id))
        services.decline(intro, db.session.get(User, fay.id))
        db.session.commit()
        declined_student = intro.student_id

    with app.app_context():
        report = tick()
        db.session.commit()
    assert report.rematched == 1
    with app.app_context():
        newest = db.session.scalars(select(Introduction).order_by(Introduction.id.desc())).first()
        assert (newest.student_id, newest.mentor_id, newest.status) == (
            left,
            fay.id,
            IntroStatus.PROPOSED,
        )
        closed = db.session.scalar(select(WaitingSeat).where(WaitingSeat.student_id == left))
        assert closed.closed_at is not None
        assert closed.closed_note == "Re-matched: offered to Dr Fay"
    assert open_seats(world) == []
    assert declined_student != left


def test_only_mentors_who_can_fill_the_seat_are_offered(world, app):
    dana = world.student("Dana", wanted=("resident",))
    world.mentor(
        "Pat ENT Peer", kind="peer", specialty="Otolaryngology", peer_stage="ms4", capacity=3
    )
    world.mentor("Dr Derm Faculty", capacity=3)
    rex = world.mentor("Dr Rex Resident", kind="resident", capacity=1)
    other = world.student("Olga", wanted=("resident",), goals=("letters",))
    round_id = world.round(slots=("resident",))
    world.enrol(round_id, dana, other)
    number = world.solve(round_id)
    publish(world, round_id, number)
    [(left, _)] = open_seats(world)

    with app.app_context():
        assert [c.mentor_id for c in eligible_mentors(world.group_id, left, "resident")] == [rex.id]
        seat = db.session.scalar(select(WaitingSeat).where(WaitingSeat.closed_at.is_(None)))
        seat_id = seat.id
        peer_id = db.session.scalar(select(User.id).where(User.name == "Pat ENT Peer"))

    coordinator = logged_in(app, world.coordinator)
    url = f"/groups/{world.group_id}/introductions"
    refused = post_form(
        coordinator,
        f"/groups/{world.group_id}/seats/{seat_id}/offer",
        {f"w{seat_id}-mentor": peer_id},
        page=url,
    )
    assert refused.status_code == 400
    _set_capacity(app, rex, 2)
    offered = post_form(
        coordinator,
        f"/groups/{world.group_id}/seats/{seat_id}/offer",
        {f"w{seat_id}-mentor": rex.id},
        page=url,
    )
    assert offered.status_code == 302
    assert open_seats(world) == []
    dismissed = post_form(
        coordinator, f"/groups/{world.group_id}/seats/{seat_id}/dismiss", page=url
    )
    assert dismissed.status_code == 409
    assert (
        post_form(
            coordinator, f"/groups/{world.group_id}/seats/99999/dismiss", page=url
        ).status_code
        == 404
    )


def _set_capacity(app, mentor: User, capacity: int) -> None:
    with app.app_context():
        db.session.get(User, mentor.id).mentor_profile.capacity = capacity
        db.session.commit()
