"""Solving rounds from the database: optimal answers, explanations, slots, rules, pins."""

import itertools
import random

import pytest

from matcher.extensions import db
from matcher.models import ConstraintKind, Round, User
from matcher.rounds import drafts, pins, rules, taking_part
from matcher.solving.settings import SettingsError, parse

SPECIALTY_ONLY = {
    "weights": {
        "specialty": 1,
        "focus": 0,
        "goals": 0,
        "stage": 0,
        "institution": 0,
        "student_preference": 0,
        "mentor_preference": 0,
        "waited": 0,
    }
}
CHOICES = ("Dermatology", "Plastic Surgery (Integrated)", "Orthopaedic Surgery")


def brute_force(students, mentors):
    """Most pairs, then the largest total, by trying every assignment.

    ``students``: list of specialty lists; ``mentors``: list of (specialty, capacity).
    The score of a pair is (K - k) / K for the mentor's specialty at position k of K.
    """
    options = []
    for wanted in students:
        row = [None]
        for m, (spec, _) in enumerate(mentors):
            if spec in wanted:
                row.append((m, (len(wanted) - wanted.index(spec)) / len(wanted)))
        options.append(row)
    best = (0, 0.0)
    for choice in itertools.product(*options):
        used = [0] * len(mentors)
        for pick in choice:
            if pick is not None:
                used[pick[0]] += 1
        if any(u > cap for u, (_, cap) in zip(used, mentors, strict=True)):
            continue
        picked = [p for p in choice if p is not None]
        value = (len(picked), round(sum(p[1] for p in picked), 9))
        best = max(best, value)
    return best


@pytest.mark.parametrize("seed", range(4))
def test_a_solved_round_is_optimal_by_brute_force(world, seed):
    rng = random.Random(seed)
    students = [rng.sample(CHOICES, rng.randint(1, 3)) for _ in range(6)]
    mentors = [(rng.choice(CHOICES), rng.randint(1, 2)) for _ in range(3)]
    people = [world.student(f"S{k}", specialties=tuple(s)) for k, s in enumerate(students)]
    for k, (spec, cap) in enumerate(mentors):
        world.mentor(f"M{k}", specialty=spec, capacity=cap)
    round_id = world.round(**SPECIALTY_ONLY)
    world.enrol(round_id, *people)

    outcomes = world.outcomes(round_id, world.solve(round_id))

    matched = [o for o in outcomes.values() if o.mentor_id is not None]
    total = round(sum(o.score for o in matched), 9)
    assert (len(matched), total) == brute_force(students, mentors)
    assert len(outcomes) == len(people)


def test_every_pair_has_a_breakdown_that_adds_up_to_its_score(world):
    people = [world.student(f"S{k}", goals=("research", "letters")) for k in range(3)]
    for k in range(2):
        world.mentor(f"M{k}", capacity=2, offers=("research",))
    round_id = world.round()
    world.enrol(round_id, *people)
    for o in world.outcomes(round_id, world.solve(round_id)).values():
        assert o.mentor_id is not None
        assert sum(o.breakdown) == pytest.approx(o.score)
        assert o.breakdown[2] == pytest.approx(2.0 * 0.5)


def test_unmatched_students_get_the_reason(world):
    plastics = world.student("Pat Plastics", specialties=("Plastic Surgery (Integrated)",))
    first = world.student("Dana Derm", specialties=("Dermatology",), goals=("research",))
    second = world.student("Lee Later", specialties=("Dermatology",), goals=("letters",))
    only = world.mentor("Dr Only", capacity=1, offers=("research",))
    round_id = world.round()
    world.enrol(round_id, plastics, first, second)

    number = world.solve(round_id)
    out = world.outcomes(round_id, number)

    assert out[(plastics.id, "faculty")].reason == "no_allowed"
    assert out[(first.id, "faculty")].mentor_id == only.id
    full = out[(second.id, "faculty")]
    assert full.reason == "all_full"
    assert full.best_mentor_id == only.id
    assert full.took_place == [first.id]
    assert world.stats(round_id, number)["unmatched_reasons"] == {"no_allowed": 1, "all_full": 1}


def test_a_student_who_missed_their_first_choice_is_told_who_took_it(world, app):
    keen = world.student("Kim Keen", goals=("research",))
    other = world.student("Ola Other", goals=("letters",))
    star = world.mentor("Dr Star", offers=("research",))
    world.mentor("Dr Backup", offers=("letters",))
    round_id = world.round()
    world.enrol(round_id, keen, other)
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        taking_part.set_preferences(round_, db.session.get(User, other.id), [star.id])
        db.session.commit()

    out = world.outcomes(round_id, world.solve(round_id))

    missed = out[(other.id, "faculty")]
    assert missed.mentor_id != star.id
    assert missed.detail["choice"] == star.id
    assert missed.detail["why"] == "full"
    assert missed.detail["holders"] == [keen.id]
    assert out[(keen.id, "faculty")].mentor_id == star.id


def test_a_board_gives_one_mentor_of_each_kind_and_never_two_of_one(world):
    both = world.student("Bo Both", wanted=("faculty", "resident"))
    faculty_only = world.student("Fay Faculty", wanted=("faculty",))
    f1 = world.mentor("Dr F1", capacity=3)
    world.mentor("Dr F2", capacity=3)
    r1 = world.mentor("Dr R1", kind="resident", capacity=3)
    round_id = world.round(slots=("faculty", "resident"))
    world.enrol(round_id, both, faculty_only)

    pairs = world.pairs(round_id, world.solve(round_id))

    assert set(pairs) == {(both.id, "faculty"), (both.id, "resident"), (faculty_only.id, "faculty")}
    assert pairs[(both.id, "resident")] == r1.id
    assert pairs[(both.id, "faculty")] in {f1.id, f1.id + 1}


def test_faculty_and_external_slots_share_places_and_external_means_another_institution(world):
    student = world.student("Eve External", wanted=("faculty", "external"))
    home = world.mentor("Dr Home", institution="Westbrook School of Medicine", capacity=1)
    away = world.mentor("Dr Away", institution="Harbor University", capacity=1)
    round_id = world.round(slots=("faculty", "external"), same_institution="preferred")
    world.enrol(round_id, student)

    pairs = world.pairs(round_id, world.solve(round_id))

    assert pairs[(student.id, "faculty")] == home.id
    assert pairs[(student.id, "external")] == away.id


def test_peer_mentors_must_be_within_the_allowed_years_ahead(world):
    ms1 = world.student("Mo First", stage="ms1", wanted=("peer",))
    ms4 = world.mentor("Pia Peer", kind="peer", peer_stage="ms4")
    strict = world.round(slots=("peer",))
    world.enrol(strict, ms1)
    assert world.pairs(strict, world.solve(strict))[(ms1.id, "peer")] is None

    loose = world.round(slots=("peer",), name="Loose", peer_min=1, peer_max=3)
    world.enrol(loose, ms1)
    assert world.pairs(loose, world.solve(loose))[(ms1.id, "peer")] == ms4.id


def test_pins_and_bars_change_the_next_draft(world, app):
    a = world.student("Ann A", goals=("research",))
    b = world.student("Ben B", goals=("letters",))
    research = world.mentor("Dr Research", offers=("research",))
    letters = world.mentor("Dr Letters", offers=("letters",))
    round_id = world.round()
    world.enrol(round_id, a, b)
    first = world.pairs(round_id, world.solve(round_id))
    assert first[(a.id, "faculty")] == research.id

    with app.app_context():
        round_ = db.session.get(Round, round_id)
        actor = db.session.get(User, world.coordinator.id)
        pins.add_constraint(round_, actor, a.id, letters.id, ConstraintKind.PIN)
        db.session.commit()
    second_number = world.solve(round_id)
    second = world.outcomes(round_id, second_number)
    assert second[(a.id, "faculty")].mentor_id == letters.id
    assert second[(a.id, "faculty")].pinned
    assert second[(b.id, "faculty")].mentor_id == research.id

    with app.app_context():
        round_ = db.session.get(Round, round_id)
        actor = db.session.get(User, world.coordinator.id)
        pins.remove_constraint(round_, actor, a.id, letters.id)
        pins.add_constraint(round_, actor, a.id, research.id, ConstraintKind.BAR)
        db.session.commit()
        changes = drafts.compare(drafts.draft(round_, 1), drafts.draft(round_, 2))
    assert {(c.student_id, c.before, c.after) for c in changes} == {
        (a.id, research.id, letters.id),
        (b.id, letters.id, research.id),
    }
    third = world.pairs(round_id, world.solve(round_id))
    assert third[(a.id, "faculty")] == letters.id


def test_a_student_can_be_pinned_once_per_kind_of_mentor(world, app):
    s = world.student()
    m1, m2 = world.mentor("Dr One"), world.mentor("Dr Two")
    round_id = world.round()
    world.enrol(round_id, s)
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        actor = db.session.get(User, world.coordinator.id)
        pins.add_constraint(round_, actor, s.id, m1.id, ConstraintKind.PIN)
        with pytest.raises(rules.RoundError, match="already pinned"):
            pins.add_constraint(round_, actor, s.id, m2.id, ConstraintKind.PIN)


def test_a_round_where_nobody_can_be_matched_is_a_draft_that_says_so(world):
    students = [
        world.student(f"P{k}", specialties=("Plastic Surgery (Integrated)",)) for k in range(3)
    ]
    world.mentor("Dr Derm")
    round_id = world.round()
    world.enrol(round_id, *students)
    number = world.solve(round_id)
    stats = world.stats(round_id, number)
    assert stats["pairs"] == 0
    assert stats["needs"] == 3
    assert stats["match_rate"] == 0
    assert stats["unmatched_reasons"]["no_allowed"] == 3


def test_stats_count_ranks_supply_and_blocking_pairs(world, app):
    s1 = world.student("S1", goals=("research",))
    s2 = world.student("S2", goals=("research",))
    m1 = world.mentor("Dr M1", offers=("research",))
    m2 = world.mentor("Dr M2", offers=("letters",))
    round_id = world.round()
    world.enrol(round_id, s1, s2)
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        taking_part.set_preferences(round_, db.session.get(User, s1.id), [m1.id, m2.id])
        taking_part.set_preferences(round_, db.session.get(User, s2.id), [m1.id])
        taking_part.set_likes(round_, db.session.get(User, m1.id), [s1.id, s2.id])
        db.session.commit()
    stats = world.stats(round_id, world.solve(round_id))
    assert stats["stated_preferences"] == 2
    assert sum(stats["ranks"]) == 2
    assert stats["ranks"][0] == 1
    assert stats["blocking_pairs"] == 0
    assert stats["per_slot"]["faculty"] == {"needs": 2, "matched": 2, "places": 2}
    assert stats["supply_demand"][0]["demand"] == 2
    assert stats["supply_demand"][0]["supply"] == 2


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"weights": {"specialty": -1}}, "non-negative"),
        ({"weights": {"specialty": float("nan")}}, "finite"),
        ({"min_score": 1000}, "nobody could be matched"),
        ({"min_score": -1}, "cannot be negative"),
        ({"peer_min": 3, "peer_max": 1}, "lower bound"),
        ({"same_institution": "sometimes"}, "institution rules"),
        ({"weights": dict.fromkeys(SPECIALTY_ONLY["weights"], 0)}, "above zero"),
    ],
)
def test_unusable_settings_are_refused_with_a_reason(settings, message):
    with pytest.raises(SettingsError, match=message):
        parse(settings)


def test_drafts_compare_seats_that_changed_mentor_or_left(world, app):
    a = world.student("Ann A", goals=("research",))
    b = world.student("Ben B", goals=("letters",))
    c = world.student("Cy C", goals=("letters",))
    research = world.mentor("Dr Research", offers=("research",))
    letters = world.mentor("Dr Letters", offers=("letters",))
    round_id = world.round()
    world.enrol(round_id, a, b, c)
    first = world.pairs(round_id, world.solve(round_id))
    assert first[(a.id, "faculty")] == research.id
    assert {first[(b.id, "faculty")], first[(c.id, "faculty")]} == {letters.id, None}
    held = b if first[(b.id, "faculty")] else c
    waiting = c if held is b else b

    with app.app_context():
        taking_part.opt_out(db.session.get(Round, round_id), db.session.get(User, held.id))
        db.session.commit()
    world.solve(round_id)
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        old, new = drafts.draft(round_, 1), drafts.draft(round_, 2)
        changes = drafts.compare(old, new)
        assert drafts.count_changes(old, new) == 2
        assert drafts.compare(old, new, limit=1) == changes[:1]
        assert drafts.compare(new, new) == []
    assert [(ch.student_id, ch.slot, ch.before, ch.after) for ch in changes] == sorted(
        [(held.id, "faculty", letters.id, None), (waiting.id, "faculty", None, letters.id)]
    )
