"""Explanations, pinned pairs, board of advisors, quality report and ``match``."""

import numpy as np
import pytest
from matching_reference import (
    blocking_pairs_by_definition,
    check_valid,
    milp_optimum,
    random_features,
    random_instance,
)
from scipy import sparse

from matcher.matching import (
    ALL_FULL,
    CRITERIA,
    FREE_PLACE_UNUSED,
    MATCHED,
    NO_ALLOWED_MENTOR,
    PIN_NO_PLACE,
    PIN_NOT_ALLOWED,
    PIN_PLACED,
    Rules,
    Weights,
    assign,
    assign_pinned,
    blocking_pairs,
    explain,
    match,
    quality_report,
)


def test_unmatched_reasons_and_holders():
    score = np.array([[5.0, 1.0], [4.0, 0.0], [3.0, 0.0], [9.0, 9.0]])
    allowed = np.array([[True, False], [True, False], [True, False], [False, False]])
    students, mentors = assign(score, [2, 1], allowed)
    why = explain(score, [2, 1], students, mentors, allowed)
    assert students.tolist() == [0, 1]
    assert why.reason.tolist() == [MATCHED, MATCHED, ALL_FULL, NO_ALLOWED_MENTOR]
    assert why.unmatched.tolist() == [2, 3]
    assert why.holders_of(0).tolist() == [0, 1]
    assert "holds students 0, 1" in why.message(2)
    assert "no allowed mentor" in why.message(3)


def test_zero_capacity_mentor_counts_as_not_allowed():
    why = explain(np.ones((1, 1)), [0], np.zeros(0, int), np.zeros(0, int))
    assert why.reason.tolist() == [NO_ALLOWED_MENTOR]


def test_displaced_student_names_who_took_the_place():
    score = np.array([[5.0, 4.0], [5.0, 0.0]])
    allowed = np.array([[True, True], [True, False]])
    students, mentors = assign(score, [1, 1], allowed)
    why = explain(score, [1, 1], students, mentors, allowed)
    assert mentors.tolist() == [1, 0]
    assert why.displaced.tolist() == [0]
    assert why.best[0] == 0
    assert why.took_place(0).tolist() == [1]
    assert "places went to students 1" in why.message(0)
    assert "highest-scoring mentor 0" in why.message(1)


def test_free_place_unused_flags_a_bad_answer():
    why = explain(np.ones((2, 1)), [2], np.array([0]), np.array([0]))
    assert why.reason[1] == FREE_PLACE_UNUSED
    assert "not maximal" in why.message(1)


@pytest.mark.parametrize("seed", range(10))
def test_explanations_hold_on_optimal_answers(seed):
    """Unmatched: every allowed mentor is full, and its holders score at least as much."""
    rng = np.random.default_rng(300 + seed)
    score, capacity, allowed = random_instance(rng, 40, 8)
    students, mentors = assign(score, capacity, allowed)
    why = explain(score, capacity, students, mentors, allowed)
    load = np.bincount(mentors, minlength=8)
    assert FREE_PLACE_UNUSED not in why.reason
    for s in why.unmatched:
        options = np.flatnonzero(allowed[s] & (capacity > 0))
        if options.size == 0:
            assert why.reason[s] == NO_ALLOWED_MENTOR
            continue
        assert why.reason[s] == ALL_FULL
        assert np.array_equal(np.sort(why.mentors_of(s)), options)
        for m in options:
            assert load[m] == capacity[m]
            holders = why.holders_of(m)
            assert (score[holders, m] >= score[s, m]).all()
    for s in why.displaced:
        best = why.best[s]
        assert score[s, best] > score[s, why.mate[s]]
        assert load[best] == capacity[best]
        assert np.array_equal(why.took_place(s), np.sort(students[mentors == best]))


def test_explain_rejects_bad_pairs():
    with pytest.raises(ValueError, match="more than one pair"):
        explain(np.ones((2, 2)), [1, 1], np.array([0, 0]), np.array([0, 1]))
    with pytest.raises(ValueError, match="outside the score matrix"):
        explain(np.ones((2, 2)), [1, 1], np.array([5]), np.array([0]))


def test_pinned_pairs():
    score = np.array([[1.0, 9.0], [9.0, 1.0], [5.0, 5.0], [2.0, 2.0]])
    allowed = np.ones((4, 2), bool)
    allowed[3, 1] = False
    pins = np.array([[0, 0], [1, 0], [3, 1], [2, 0]])
    students, mentors, status = assign_pinned(score, [2, 2], pins, allowed)
    assert status.tolist() == [PIN_PLACED, PIN_PLACED, PIN_NOT_ALLOWED, PIN_NO_PLACE]
    mate = dict(zip(students.tolist(), mentors.tolist(), strict=True))
    assert mate[0] == 0
    assert mate[1] == 0
    assert mate[2] == 1
    assert 3 not in mate


def test_pinned_answer_is_optimal_for_the_rest():
    rng = np.random.default_rng(41)
    score, capacity, allowed = random_instance(rng, 20, 6)
    capacity = capacity + 1
    pins = np.array([[0, 0], [5, 1], [7, 2]])
    allowed[pins[:, 0], pins[:, 1]] = True
    students, mentors, status = assign_pinned(score, capacity, pins, allowed)
    assert (status == PIN_PLACED).all()
    check_valid(score, capacity, allowed, students, mentors)
    rest = np.ones(20, bool)
    rest[pins[:, 0]] = False
    left = capacity - np.bincount(pins[:, 1], minlength=6)
    sub_allowed = allowed & rest[:, None]
    pairs, best = milp_optimum(score, left, sub_allowed)
    others = rest[students]
    assert others.sum() == pairs
    assert score[students[others], mentors[others]].sum() == pytest.approx(best)


def test_pinned_validation():
    with pytest.raises(ValueError, match="same student more than once"):
        assign_pinned(np.ones((2, 2)), [1, 1], np.array([[0, 0], [0, 1]]))
    with pytest.raises(ValueError, match="does not exist"):
        assign_pinned(np.ones((2, 2)), [1, 1], np.array([[0, 2]]))
    with pytest.raises(ValueError, match=r"\(n, 2\) integer array"):
        assign_pinned(np.ones((2, 2)), [1, 1], np.array([0.0, 1.0]))


@pytest.mark.parametrize("seed", range(8))
def test_blocking_pairs_against_direct_count(seed):
    rng = np.random.default_rng(600 + seed)
    n_s, n_m = 25, 7
    score, capacity, allowed = random_instance(rng, n_s, n_m)
    prefs = np.full((n_s, 4), -1)
    for s in range(n_s):
        k = rng.integers(0, 5)
        prefs[s, :k] = rng.choice(n_m, k, replace=False)
    likes = rng.random((n_m, n_s)) < 0.3
    students, mentors = assign(score, capacity, allowed)
    expected = len(
        blocking_pairs_by_definition(score, capacity, allowed, students, mentors, prefs, likes)
    )
    got = blocking_pairs(score, capacity, students, mentors, prefs, likes, allowed)
    assert got == expected
    got_sparse = blocking_pairs(
        score, capacity, students, mentors, prefs, sparse.csr_array(likes), allowed
    )
    assert got_sparse == expected


def test_blocking_pairs_when_nothing_is_allowed():
    """Stated preferences over a round with no allowed pair block nothing."""
    prefs = np.array([[0, 1], [1, -1], [0, -1]])
    likes = np.ones((2, 3), bool)
    none = np.zeros(0, dtype=int)
    allowed = np.zeros((3, 2), bool)
    assert blocking_pairs(np.ones((3, 2)), [1, 1], none, none, prefs, likes, allowed) == 0
    report = quality_report(
        np.ones((3, 2)), [1, 1], none, none, allowed, preferences=prefs, mentor_likes=likes
    )
    assert (report.n_matched, report.blocking_pairs) == (0, 0)


def test_quality_report():
    score = np.array([[4.0, 1.0], [3.0, 2.0], [1.0, 1.0], [0.0, 0.0]])
    allowed = np.array([[True, True], [True, True], [True, True], [False, False]])
    students, mentors = assign(score, [1, 2], allowed)
    prefs = np.array([[1, 0], [1, -1], [-1, -1], [0, 1]])
    likes = np.zeros((2, 4), bool)
    report = quality_report(
        score, [1, 2], students, mentors, allowed, preferences=prefs, mentor_likes=likes
    )
    values = score[students, mentors]
    assert report.n_students == 4
    assert report.n_matched == 3
    assert report.match_rate == 0.75
    assert report.score_mean == pytest.approx(values.mean())
    assert report.score_median == np.median(values)
    assert (report.score_min, report.score_max) == (values.min(), values.max())
    assert report.score_q1 == np.quantile(values, 0.25)
    assert report.score_q3 == np.quantile(values, 0.75)
    assert report.preference_ranks.tolist() == [1, 1, 1, 1]
    mate = dict(zip(students.tolist(), mentors.tolist(), strict=True))
    expected = [
        -1 if s not in mate else (list(prefs[s]).index(mate[s]) + 1 if mate[s] in prefs[s] else 0)
        for s in range(4)
    ]
    assert report.student_ranks.tolist() == expected
    assert report.blocking_pairs == len(
        blocking_pairs_by_definition(
            score, np.array([1, 2]), allowed, students, mentors, prefs, likes
        )
    )
    plain = quality_report(score, [1, 2], students, mentors, allowed)
    assert plain.preference_ranks is None
    assert plain.student_ranks is None
    assert plain.blocking_pairs is None


def test_quality_report_of_empty_answer():
    report = quality_report(np.ones((2, 2)), [0, 0], np.zeros(0, int), np.zeros(0, int))
    assert report.match_rate == 0.0
    assert np.isnan(report.score_mean)
    with pytest.raises(ValueError, match="not allowed"):
        quality_report(np.ones((1, 1)), [1], [0], [0], np.zeros((1, 1), bool))


def test_match_end_to_end():
    rng = np.random.default_rng(71)
    students, mentors = random_features(rng, n_s=60, n_m=20)
    capacity = rng.integers(0, 4, 20)
    weights = Weights(goals=3.0)
    result = match(students, mentors, capacity, weights)
    scores = result.scores
    assert result.breakdown.shape == (result.students.size, len(CRITERIA))
    assert np.allclose(result.contributions.sum(axis=1), result.score)
    assert np.allclose(result.score, scores.score[result.students, result.mentors])
    assert scores.allowed[result.students, result.mentors].all()
    count, best = milp_optimum(scores.score, capacity, scores.allowed)
    assert result.students.size == count
    assert result.score.sum() == pytest.approx(best)
    assert (result.explanation.mate[result.students] == result.mentors).all()
    sparse_result = match(students, mentors, capacity, weights, dense=False)
    assert sparse_result.students.size == count
    assert sparse_result.score.sum() == pytest.approx(best)


def test_match_with_pins():
    rng = np.random.default_rng(72)
    students, mentors = random_features(rng, n_s=20, n_m=8)
    capacity = np.full(8, 3)
    free_rules = Rules(shared_specialty=False, peer_years_ahead=None)
    first = match(students, mentors, capacity, rules=free_rules)
    s0 = int(first.students[0])
    other = (int(first.mentors[0]) + 1) % 8
    rules = Rules(shared_specialty=False, peer_years_ahead=None, pinned=np.array([[s0, other]]))
    pinned = match(students, mentors, capacity, rules=rules)
    assert pinned.pin_status.tolist() == [PIN_PLACED]
    assert pinned.mentors[pinned.students == s0].tolist() == [other]
    assert pinned.score.sum() <= first.score.sum() + 1e-9
