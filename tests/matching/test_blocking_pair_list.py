"""The blocking pairs themselves, against a brute-force list of every student and mentor who
would both rather have each other."""

import numpy as np
import pytest
from matching_reference import blocking_pairs_by_definition, random_instance
from scipy import sparse

from matcher.matching import assign, blocking_pair_list, blocking_pairs


@pytest.mark.parametrize("seed", range(10))
def test_blocking_pair_list_against_brute_force(seed):
    rng = np.random.default_rng(900 + seed)
    n_s, n_m = 30, 8
    score, capacity, allowed = random_instance(rng, n_s, n_m)
    prefs = np.full((n_s, 5), -1)
    for s in range(n_s):
        k = rng.integers(0, 6)
        prefs[s, :k] = rng.choice(n_m, k, replace=False)
    likes = rng.random((n_m, n_s)) < 0.3
    students, mentors = assign(score, capacity, allowed)
    expected = blocking_pairs_by_definition(
        score, capacity, allowed, students, mentors, prefs, likes
    )
    for given in (likes, sparse.csr_array(likes)):
        got_s, got_m = blocking_pair_list(score, capacity, students, mentors, prefs, given, allowed)
        assert got_s.dtype == np.int64
        assert got_m.dtype == np.int64
        assert list(zip(got_s.tolist(), got_m.tolist(), strict=True)) == expected
    assert blocking_pairs(score, capacity, students, mentors, prefs, likes, allowed) == len(
        expected
    )


def test_a_student_and_a_mentor_who_both_prefer_each_other_are_listed():
    """Student 0 ranks mentor 1 first but got mentor 0; mentor 1 marked student 0 and holds
    student 1, whom it did not mark: the pair (0, 1) blocks, and nothing else does."""
    score = np.array([[5.0, 1.0], [0.5, 4.0]])
    capacity = np.array([1, 1])
    students, mentors = np.array([0, 1]), np.array([0, 1])
    prefs = np.array([[1, 0], [1, -1]])
    likes = np.array([[False, False], [True, False]])
    got_s, got_m = blocking_pair_list(score, capacity, students, mentors, prefs, likes)
    assert (got_s.tolist(), got_m.tolist()) == ([0], [1])


def test_no_pairs_when_nothing_is_matched_or_allowed():
    prefs = np.array([[0, 1], [1, -1]])
    none = np.zeros(0, dtype=int)
    got_s, got_m = blocking_pair_list(
        np.ones((2, 2)), [1, 1], none, none, prefs, np.ones((2, 2), bool), np.zeros((2, 2), bool)
    )
    assert got_s.size == got_m.size == 0
