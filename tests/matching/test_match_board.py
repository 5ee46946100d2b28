"""Laying out a board from profile features: the pairs listed a block of students at a time,
the seat each pair fills, and the problem ``match_board`` solves, checked against the public
functions it replaces (pairs, seats and scores first, then ``board_problem``)."""

import itertools
from dataclasses import replace

import numpy as np
import pytest
from scipy import sparse

from matcher.matching import (
    KIND_FACULTY,
    KIND_FELLOW,
    KIND_PEER,
    KIND_RESIDENT,
    SEATS,
    Rules,
    Weights,
    board_problem,
    board_seats,
    candidate_pairs,
    match_board,
    same_home,
    score_pairs,
)
from matcher.matching.engine import board_pairs
from matcher.matching.scoring import candidate_blocks, institution_values
from tests.matching.matching_reference import random_features

SEAT_SETS = [list(SEATS), ["faculty", "resident", "peer"], ["external", "peer"], ["resident"]]


def features(seed: int, sparse_likes: bool):
    rng = np.random.default_rng(seed)
    students, mentors = random_features(rng, n_s=45, n_m=20)
    if sparse_likes:
        mentors = replace(mentors, likes=sparse.csr_array(mentors.likes))
    return rng, students, mentors


def seat_by_words(students, mentors, s: int, m: int, seats: list[str], wanted) -> int:
    """The seat of one pair as :func:`board_seats` describes it, or -1."""
    kind = mentors.kind[m]
    if kind in (KIND_RESIDENT, KIND_FELLOW):
        name = "resident"
    elif kind == KIND_PEER:
        name = "peer"
    else:
        assert kind == KIND_FACULTY
        home = bool(same_home(students, mentors, np.array([s]), np.array([m]))[0])
        away_wanted = "external" in seats and wanted[s, seats.index("external")]
        name = "external" if not home and away_wanted else "faculty"
    if name not in seats or not wanted[s, seats.index(name)]:
        return -1
    return seats.index(name)


def reference_problem(students, mentors, seats, wanted, weights, rules, dense):
    """The board ``match_board`` solved before it laid the board out a block at a time."""
    i, m = candidate_pairs(students, mentors, rules, dense=dense)
    seat = board_seats(students, mentors, i, m, seats, wanted)
    keep = seat >= 0
    i, m, seat = i[keep], m[keep], seat[keep]
    w, ok = score_pairs(students, mentors, i, m, weights, rules)
    i, m, seat, w = i[ok], m[ok], seat[ok], w[ok]
    if "external" in seats:
        ext = seat == seats.index("external")
        w[ext] += weights.institution * (
            1.0 - institution_values(students, mentors, i[ext], m[ext], rules)
        )
    indptr = np.zeros(students.n + 1, dtype=np.int64)
    np.cumsum(np.bincount(i, minlength=students.n), out=indptr[1:])
    board = sparse.csr_array((w, m, indptr), shape=(students.n, mentors.n))
    return board_problem(board, seat, wanted)


@pytest.mark.parametrize("seed", range(6))
def test_board_seats_follow_the_rule_in_words(seed):
    rng, students, mentors = features(seed, sparse_likes=False)
    i, m = (a.ravel() for a in np.meshgrid(np.arange(students.n), np.arange(mentors.n)))
    for seats in SEAT_SETS:
        wanted = rng.random((students.n, len(seats))) < 0.6
        found = board_seats(students, mentors, i, m, seats, wanted)
        assert found.dtype == np.int64
        expected = [
            seat_by_words(students, mentors, s, t, seats, wanted) for s, t in zip(i, m, strict=True)
        ]
        assert found.tolist() == expected


@pytest.mark.parametrize("seed", range(4))
def test_candidate_blocks_are_the_candidate_pairs_a_few_students_at_a_time(seed):
    _, students, mentors = features(seed, sparse_likes=False)
    for dense, shared, pairs in itertools.product((True, False), (True, False), (1, 7, 200)):
        rules = Rules(shared_specialty=shared)
        i, m = candidate_pairs(students, mentors, rules, dense=dense)
        blocks = list(candidate_blocks(students, mentors, rules, dense=dense, pairs=pairs))
        assert np.array_equal(np.concatenate([b for b, _ in blocks]), i)
        assert np.array_equal(np.concatenate([b for _, b in blocks]), m)
        firsts = [b[0] for b, _ in blocks if b.size]
        lasts = [b[-1] for b, _ in blocks if b.size]
        assert all(last < first for last, first in zip(lasts[:-1], firsts[1:], strict=True))
        assert all(b.dtype == np.int64 for block in blocks for b in block)


def test_candidate_blocks_refuse_an_empty_block_size():
    _, students, mentors = features(0, sparse_likes=False)
    with pytest.raises(ValueError, match="pairs must be positive"):
        list(candidate_blocks(students, mentors, pairs=0))


@pytest.mark.parametrize("seed", range(4))
def test_board_pairs_are_the_candidate_pairs_that_fill_a_wanted_seat(seed):
    rng, students, mentors = features(seed, sparse_likes=False)
    for seats, dense in itertools.product(SEAT_SETS, (True, False)):
        wanted = rng.random((students.n, len(seats))) < 0.6
        rules = Rules()
        i, m = candidate_pairs(students, mentors, rules, dense=dense)
        seat = board_seats(students, mentors, i, m, seats, wanted)
        keep = seat >= 0
        found_i, found_m, found_seat = board_pairs(
            students, mentors, rules, seats, wanted, dense=dense
        )
        assert found_i.dtype == found_m.dtype == np.int32
        assert found_seat.dtype == np.int8
        assert np.array_equal(found_i, i[keep])
        assert np.array_equal(found_m, m[keep])
        assert np.array_equal(found_seat, seat[keep])


@pytest.mark.parametrize("seed", range(8))
def test_match_board_solves_the_board_problem_of_its_pairs(seed):
    """The problem ``match_board`` lays out holds exactly the entries, scores and rows that
    ``board_problem`` gives for the scored pairs of ``board_seats``, and its answer is that
    problem's."""
    rng, students, mentors = features(seed, sparse_likes=bool(seed % 2))
    capacity = rng.integers(0, 4, mentors.n)
    weights = Weights(focus=0.5, goals=1.5, waited=0.25)
    policies = ("preferred", "neutral", "barred")
    for seats, dense in itertools.product(SEAT_SETS, (True, False)):
        wanted = rng.random((students.n, len(seats))) < 0.7
        rules = Rules(
            shared_specialty=bool(rng.random() < 0.7),
            same_institution=policies[rng.integers(3)],
            external_for_no_home=bool(rng.random() < 0.5),
            min_score=float(rng.uniform(2, 5)) if rng.random() < 0.3 else None,
            barred=np.column_stack([rng.integers(0, students.n, 6), rng.integers(0, mentors.n, 6)]),
        )
        expected = reference_problem(students, mentors, seats, wanted, weights, rules, dense)
        result = match_board(
            students, mentors, capacity, seats, wanted, weights, rules, dense=dense
        )
        problem = result.problem
        assert np.array_equal(problem.row_student, expected.row_student)
        assert np.array_equal(problem.row_seat, expected.row_seat)
        assert np.array_equal(problem.score.indptr, expected.score.indptr)
        assert np.array_equal(problem.score.indices, expected.score.indices)
        assert np.array_equal(problem.score.data, expected.score.data)
        assert problem.score.has_canonical_format
        rows, chosen, _ = expected.solve(capacity)
        assert np.array_equal(result.rows, rows)
        assert np.array_equal(result.mentors, chosen)


def test_match_board_with_nobody_wanting_a_seat():
    rng, students, mentors = features(0, sparse_likes=False)
    wanted = np.zeros((students.n, len(SEATS)), dtype=bool)
    result = match_board(students, mentors, rng.integers(1, 3, mentors.n), list(SEATS), wanted)
    assert result.problem.score.shape == (0, mentors.n)
    assert result.students.size == 0
