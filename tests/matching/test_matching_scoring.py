"""Scoring criteria, weights and hard rules."""

import numpy as np
import pytest
from matching_reference import random_features
from scipy import sparse

from matcher.matching import (
    ALLOWED,
    CRITERIA,
    KIND_FACULTY,
    KIND_PEER,
    KIND_RESIDENT,
    MentorFeatures,
    Rules,
    StudentFeatures,
    Weights,
    candidate_pairs,
    criteria,
    refusals,
    score_matrix,
    score_pairs,
    scoring,
)

COL = {name: k for k, name in enumerate(CRITERIA)}


def one_student(**overrides):
    fields = {
        "specialties": [[2, 5, -1]],
        "focus": [[True, True, False, False]],
        "goals": [[True, False, True]],
        "year": [2],
        "institution": [7],
        "home_department": [True],
    }
    fields.update(overrides)
    return StudentFeatures(**{k: np.array(v) for k, v in fields.items()})


def mentors_of(n, **overrides):
    fields = {
        "specialty": [2] * n,
        "focus": [[False] * 4] * n,
        "offers": [[False] * 3] * n,
        "kind": [KIND_FACULTY] * n,
        "year": [0] * n,
        "institution": [7] * n,
    }
    fields.update(overrides)
    return MentorFeatures(**{k: np.array(v) for k, v in fields.items()})


def values_for(students, mentors, rules=None):
    i, m = np.divmod(np.arange(students.n * mentors.n), mentors.n)
    return criteria(students, mentors, i, m, rules)


def test_every_criterion_in_unit_interval():
    rng = np.random.default_rng(0)
    students, mentors = random_features(rng)
    values = values_for(students, mentors)
    assert values.shape == (students.n * mentors.n, len(CRITERIA))
    assert values.min() >= 0.0
    assert values.max() <= 1.0
    for name in CRITERIA:
        assert values[:, COL[name]].max() > 0, name


def test_specialty_rank():
    mentors = mentors_of(3, specialty=[2, 5, 9])
    values = values_for(one_student(), mentors)[:, COL["specialty"]]
    assert values.tolist() == pytest.approx([1.0, 2 / 3, 0.0])


def test_focus_and_goals_are_share_of_student_wishes():
    rng = np.random.default_rng(1)
    students, mentors = random_features(rng, n_s=10, n_m=6)
    values = values_for(students, mentors)
    for k in range(values.shape[0]):
        s, m = divmod(k, mentors.n)
        want = set(np.flatnonzero(students.focus[s]))
        have = set(np.flatnonzero(mentors.focus[m]))
        expected = len(want & have) / len(want) if want else 0.0
        assert values[k, COL["focus"]] == pytest.approx(expected)
        want = set(np.flatnonzero(students.goals[s]))
        have = set(np.flatnonzero(mentors.offers[m]))
        expected = len(want & have) / len(want) if want else 0.0
        assert values[k, COL["goals"]] == pytest.approx(expected)


def test_stage_fit():
    mentors = mentors_of(
        6,
        kind=[KIND_PEER, KIND_PEER, KIND_PEER, KIND_PEER, KIND_RESIDENT, KIND_FACULTY],
        year=[2, 3, 4, 5, 0, 0],
    )
    early = values_for(one_student(year=[2]), mentors)[:, COL["stage"]]
    assert early.tolist() == [0.0, 1.0, 1.0, 0.5, 1.0, 0.5]
    late = values_for(one_student(year=[4]), mentors)[:, COL["stage"]]
    assert late[4:].tolist() == [0.75, 1.0]


def test_peer_rule_bars_peers_not_one_or_two_years_ahead():
    mentors = mentors_of(4, kind=[KIND_PEER] * 3 + [KIND_FACULTY], year=[2, 3, 5, 0])
    allowed = score_matrix(one_student(year=[2]), mentors).allowed
    assert allowed.tolist() == [[False, True, False, True]]
    relaxed = score_matrix(one_student(year=[2]), mentors, rules=Rules(peer_years_ahead=None))
    assert relaxed.allowed.all()


def test_institution_policies():
    mentors = mentors_of(2, institution=[7, 8])
    student = one_student()
    col = COL["institution"]
    assert values_for(student, mentors)[:, col].tolist() == [1.0, 0.0]
    neutral = Rules(same_institution="neutral")
    assert values_for(student, mentors, neutral)[:, col].tolist() == [0.5, 0.5]
    barred = Rules(same_institution="barred")
    assert values_for(student, mentors, barred)[:, col].tolist() == [0.0, 1.0]
    assert score_matrix(student, mentors, rules=barred).allowed.tolist() == [[False, True]]


def test_external_mentors_first_for_students_without_home_department():
    mentors = mentors_of(2, institution=[7, 8])
    student = one_student(home_department=[False])
    col = COL["institution"]
    assert values_for(student, mentors)[:, col].tolist() == [0.0, 1.0]
    off = Rules(external_for_no_home=False)
    assert values_for(student, mentors, off)[:, col].tolist() == [1.0, 0.0]


def test_unknown_institution_is_never_same():
    mentors = mentors_of(1, institution=[-1])
    values = values_for(one_student(institution=[-1]), mentors)
    assert values[0, COL["institution"]] == 0.0


def test_stated_preferences_of_both_sides():
    mentors = mentors_of(3)
    student = one_student(preferences=[[2, 0, -1, -1, -1]])
    values = values_for(student, mentors)
    assert values[:, COL["student_preference"]].tolist() == [0.8, 0.0, 1.0]
    liked = MentorFeatures(
        **{k: getattr(mentors, k) for k in ("specialty", "focus", "offers", "kind", "year")},
        institution=mentors.institution,
        likes=np.array([[False], [True], [False]]),
    )
    assert values_for(student, liked)[:, COL["mentor_preference"]].tolist() == [0, 1, 0]


def test_sparse_likes_equal_dense_likes():
    rng = np.random.default_rng(2)
    students, mentors = random_features(rng)
    as_sparse = MentorFeatures(
        specialty=mentors.specialty,
        focus=mentors.focus,
        offers=mentors.offers,
        kind=mentors.kind,
        year=mentors.year,
        institution=mentors.institution,
        likes=sparse.csr_array(mentors.likes),
    )
    assert np.array_equal(values_for(students, mentors), values_for(students, as_sparse))


def test_waited_bonus():
    mentors = mentors_of(1)
    for waited, expected in [(0, 0.0), (1, 0.5), (2, 1.0), (5, 1.0)]:
        values = values_for(one_student(waited=[waited]), mentors)
        assert values[0, COL["waited"]] == expected


def test_score_is_weighted_sum_and_weights_matter():
    rng = np.random.default_rng(3)
    students, mentors = random_features(rng)
    weights = Weights(specialty=1, focus=0, goals=3, stage=0.5, waited=2)
    result = score_matrix(students, mentors, weights)
    expected = values_for(students, mentors) @ weights.vector()
    assert np.allclose(result.score.ravel(), expected)
    assert weights.vector().tolist() == [1, 0, 3, 0.5, 1, 2, 1, 2]


def test_shared_specialty_rule_and_sparse_scoring_agree_with_dense():
    rng = np.random.default_rng(4)
    students, mentors = random_features(rng, n_s=50, n_m=20)
    dense = score_matrix(students, mentors)
    sparse_result = score_matrix(students, mentors, dense=False)
    assert sparse_result.allowed is None
    matrix = sparse_result.score.toarray()
    stored = np.zeros(dense.allowed.shape, bool)
    coo = sparse_result.score.tocoo()
    stored[coo.row, coo.col] = True
    assert np.array_equal(stored, dense.allowed)
    assert np.allclose(matrix[dense.allowed], dense.score[dense.allowed])
    values = values_for(students, mentors)[:, COL["specialty"]].reshape(dense.allowed.shape)
    assert (values[dense.allowed] > 0).all()


def test_sparse_scoring_keeps_zero_score_pairs():
    weights = Weights(**dict.fromkeys(CRITERIA, 0.0))
    result = score_matrix(one_student(), mentors_of(2), weights, dense=False)
    assert result.score.nnz == 2
    assert result.score.sum() == 0


def test_barred_pairs_and_min_score():
    rng = np.random.default_rng(5)
    students, mentors = random_features(rng)
    rules = Rules(shared_specialty=False, barred=np.array([[0, 1], [3, 2]]))
    result = score_matrix(students, mentors, rules=rules)
    assert not result.allowed[0, 1]
    assert not result.allowed[3, 2]
    floor = float(np.median(result.score))
    strict = score_matrix(students, mentors, rules=Rules(shared_specialty=False, min_score=floor))
    assert (strict.score[strict.allowed] >= floor).all()
    assert not strict.allowed[strict.score < floor].any()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"focus": -1.0}, "weight 'focus' must be finite and non-negative, got -1.0"),
        ({"goals": float("nan")}, "weight 'goals' must be finite and non-negative"),
        ({"stage": float("inf")}, "weight 'stage' must be finite and non-negative"),
        ({"waited": "2"}, "weight 'waited' must be a number"),
        ({"specialty": True}, "weight 'specialty' must be a number"),
    ],
)
def test_weights_are_validated(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Weights(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"same_institution": "sometimes"}, "same_institution must be one of"),
        ({"peer_years_ahead": (3, 1)}, "low <= high"),
        ({"peer_years_ahead": (1.0, 2)}, "two integers"),
        ({"min_score": float("nan")}, "min_score must be finite"),
        ({"pinned": np.array([[0, 1], [0, 2]])}, "same student more than once"),
        ({"pinned": np.array([0, 1])}, r"pinned must be an \(n, 2\) integer array"),
        ({"barred": np.array([[0, -1]])}, "barred holds a negative index"),
    ],
)
def test_rules_are_validated(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Rules(**kwargs)


def test_features_are_validated():
    with pytest.raises(ValueError, match="focus must be boolean"):
        one_student(focus=[[1, 0, 0, 0]])
    with pytest.raises(ValueError, match="year has 2 rows, expected 1"):
        one_student(year=[1, 2])
    with pytest.raises(ValueError, match="specialties must hold integers"):
        one_student(specialties=[[1.5, -1, -1]])
    with pytest.raises(ValueError, match="waited must be non-negative"):
        one_student(waited=[-1])
    with pytest.raises(ValueError, match="kind must hold"):
        mentors_of(1, kind=[9])
    with pytest.raises(ValueError, match="students have 4 focus columns, mentors 2"):
        score_matrix(one_student(), mentors_of(1, focus=[[True, False]]))
    with pytest.raises(ValueError, match="preferences must hold mentor indices or -1"):
        score_matrix(one_student(preferences=[[4]]), mentors_of(2))
    with pytest.raises(ValueError, match="barred names a student or mentor that does not exist"):
        score_matrix(one_student(), mentors_of(2), rules=Rules(barred=np.array([[0, 5]])))


def test_a_round_of_many_blocks_scores_as_one_pass_over_every_pair():
    rng = np.random.default_rng(11)
    students, mentors = random_features(rng, n_s=700, n_m=250, n_spec=4, n_focus=70, n_goals=9)
    as_sparse = MentorFeatures(
        specialty=mentors.specialty,
        focus=mentors.focus,
        offers=mentors.offers,
        kind=mentors.kind,
        year=mentors.year,
        institution=mentors.institution,
        likes=sparse.csr_array(mentors.likes),
    )
    weights = Weights(focus=3, goals=1.5, student_preference=2.5)
    rules = Rules(min_score=4.0, barred=np.array([[0, 1], [5, 7], [699, 249]]))
    assert students.n * mentors.n > 2 * scoring.BLOCK
    values = values_for(students, mentors, rules)
    common = students.focus.astype(int) @ mentors.focus.T.astype(int)
    wanted = students.focus.sum(axis=1)[:, None]
    share = np.divide(common, wanted, out=np.zeros(common.shape), where=wanted > 0)
    assert np.array_equal(values[:, COL["focus"]], share.ravel())
    total = values @ weights.vector()
    i, m = np.divmod(np.arange(students.n * mentors.n), mentors.n)
    ok = refusals(students, mentors, i, m, weights, rules) == ALLOWED
    for found in (
        score_matrix(students, mentors, weights, rules),
        score_matrix(students, as_sparse, weights, rules, dense=False),
    ):
        if found.allowed is not None:
            assert np.array_equal(found.allowed.ravel(), ok)
            assert np.array_equal(found.score.ravel()[ok], total[ok])
        else:
            coo = found.score.tocoo()
            keys = coo.row * mentors.n + coo.col
            assert set(keys.tolist()) <= set(np.flatnonzero(ok).tolist())
            assert np.array_equal(coo.data, total[keys])
            assert found.score.has_sorted_indices


@pytest.mark.parametrize("seed", range(4))
def test_pairs_scored_one_by_one_are_the_score_matrix(seed):
    """``candidate_pairs`` lists the pairs ``score_matrix`` examines, by student then mentor;
    ``score_pairs`` gives their totals and what the hard rules allow, as ``refusals`` and
    ``criteria`` do pair by pair."""
    rng = np.random.default_rng(seed)
    students, mentors = random_features(rng, n_s=40, n_m=15)
    weights = Weights(goals=2.0, focus=0.5)
    rules = Rules(shared_specialty=True, same_institution="barred", barred=[[3, 4], [7, 1]])
    for dense in (True, False):
        i, m = candidate_pairs(students, mentors, rules, dense=dense)
        assert np.all(np.diff(i * mentors.n + m) > 0)
        if not dense:
            shared = (students.specialties[i] == mentors.specialty[m, None]).any(axis=1)
            assert shared.all()
            assert shared.sum() == sum(
                np.isin(mentors.specialty, row[row >= 0]).sum() for row in students.specialties
            )
        total, ok = score_pairs(students, mentors, i, m, weights, rules)
        expected = criteria(students, mentors, i, m, rules) @ weights.vector()
        np.testing.assert_allclose(total, expected)
        assert np.array_equal(ok, refusals(students, mentors, i, m, weights, rules) == ALLOWED)
        scores = score_matrix(students, mentors, weights, rules, dense=dense)
        if dense:
            assert np.array_equal(np.flatnonzero(scores.allowed), (i * mentors.n + m)[ok])
        else:
            coo = sparse.coo_array(scores.score)
            assert np.array_equal(coo.row * mentors.n + coo.col, (i * mentors.n + m)[ok])
            np.testing.assert_allclose(coo.data, total[ok])


def test_score_pairs_checks_the_rules_against_the_people():
    students, mentors = random_features(np.random.default_rng(5), n_s=4, n_m=3)
    with pytest.raises(ValueError, match="barred names a student or mentor"):
        score_pairs(
            students, mentors, np.zeros(1, int), np.zeros(1, int), None, Rules(barred=[[9, 0]])
        )


@pytest.mark.parametrize("rows", [1, 2, 3, 5, 1023, 1024, 1025, 1026, 1027, 2049, 4097])
def test_weighted_criteria_are_one_matrix_product(rows):
    """``_weighted`` multiplies in products small enough for OpenBLAS to keep in one thread;
    the totals are those of one product, wherever a block of pairs starts."""
    rng = np.random.default_rng(rows)
    values = rng.random((rows, len(CRITERIA))) * rng.choice([1e-3, 1.0, 1e3], (rows, 1))
    vector = Weights(focus=0.7, goals=1.3, waited=0.1).vector()
    total = scoring._weighted(values, vector)
    assert np.array_equal(total, values @ vector)
    split = rows // 8 * 4
    parts = [scoring._weighted(values[:split], vector), scoring._weighted(values[split:], vector)]
    assert np.array_equal(np.concatenate(parts), total)
