"""From profile features to explained pairs in one call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .board import BoardProblem, as_pins, board_problem
from .explain import Explanation, explain
from .scoring import (
    CRITERIA,
    KIND_FACULTY,
    KIND_FELLOW,
    KIND_PEER,
    KIND_RESIDENT,
    MentorFeatures,
    Rules,
    ScoreMatrix,
    StudentFeatures,
    Weights,
    candidate_pairs,
    criteria,
    institution_values,
    same_home,
    score_matrix,
    score_pairs,
)
from .solver import PIN_NO_PLACE, assign_pinned

__all__ = [
    "DENSE_SCORING_PAIRS",
    "SEATS",
    "BoardMatch",
    "MatchResult",
    "board_seats",
    "board_values",
    "match",
    "match_board",
]

DENSE_SCORING_PAIRS = 1_000_000
"""Above this many student-mentor pairs, :func:`match` scores sparsely by default."""

_INSTITUTION = CRITERIA.index("institution")


@dataclass(frozen=True, eq=False)
class MatchResult:
    """An optimal assignment with its per-criterion breakdown.

    Attributes
    ----------
    students, mentors : (P,) int
        Chosen pairs, sorted by student.
    score : (P,) float
        Weighted score of each pair.
    breakdown : (P, C) float
        Value in [0, 1] of each criterion (columns in ``CRITERIA`` order).
    contributions : (P, C) float
        ``breakdown`` times the weights; rows sum to ``score``.
    pin_status : (n,) int
        ``PIN_PLACED``, ``PIN_NOT_ALLOWED`` or ``PIN_NO_PLACE`` per pinned pair.
    scores : ScoreMatrix
        Scores and allowed pairs the solve used.
    explanation : Explanation
        Reasons for unmatched and displaced students.
    """

    students: np.ndarray
    mentors: np.ndarray
    score: np.ndarray
    breakdown: np.ndarray
    contributions: np.ndarray
    pin_status: np.ndarray
    scores: ScoreMatrix
    explanation: Explanation


def match(
    students: StudentFeatures,
    mentors: MentorFeatures,
    capacity,
    weights: Weights | None = None,
    rules: Rules | None = None,
    *,
    dense: bool | None = None,
) -> MatchResult:
    """Score, solve with pinned pairs, and explain.

    Parameters
    ----------
    students, mentors : StudentFeatures, MentorFeatures
    capacity : (M,) int
        Places of each mentor.
    weights, rules : Weights, Rules, optional
        Defaults ``Weights()`` and ``Rules()``. Pinned pairs of ``rules`` are
        placed first, as described in :func:`matcher.matching.assign_pinned`.
    dense : bool, optional
        Score densely (all pairs) or sparsely (pairs sharing a specialty); by
        default dense up to ``DENSE_SCORING_PAIRS`` pairs.

    Returns
    -------
    MatchResult
    """
    weights = Weights() if weights is None else weights
    rules = Rules() if rules is None else rules
    if dense is None:
        dense = students.n * mentors.n <= DENSE_SCORING_PAIRS
    scores = score_matrix(students, mentors, weights, rules, dense=dense)
    st, me, status = assign_pinned(scores.score, capacity, rules.pinned, scores.allowed)
    values = criteria(students, mentors, st, me, rules)
    contributions = values * weights.vector()
    return MatchResult(
        students=st,
        mentors=me,
        score=contributions.sum(axis=1),
        breakdown=values,
        contributions=contributions,
        pin_status=status,
        scores=scores,
        explanation=explain(scores.score, capacity, st, me, scores.allowed),
    )


SEATS = ("faculty", "resident", "external", "peer")
"""The seats of a board of advisors: a faculty mentor at the student's home, a resident or
fellow, a faculty mentor at another home, and a peer a year or two ahead."""


def board_seats(
    students: StudentFeatures,
    mentors: MentorFeatures,
    i: np.ndarray,
    m: np.ndarray,
    seats: Sequence[str],
    wanted: np.ndarray,
) -> np.ndarray:
    """The seat each mentor ``m[k]`` would fill on student ``i[k]``'s board.

    Residents and fellows fill ``"resident"``, peers ``"peer"``. A faculty member at the
    student's home (same institution code) fills ``"faculty"``; one at another home fills
    ``"external"`` when the student wants that seat, else ``"faculty"``.

    Parameters
    ----------
    students, mentors : StudentFeatures, MentorFeatures
    i, m : (P,) int
        Student and mentor index of each pair.
    seats : sequence of str
        The board's seats, each one of :data:`SEATS`, in the order of ``wanted``'s columns.
    wanted : (S, K) bool
        Seats each student wants filled.

    Returns
    -------
    (P,) int64 array
        Index into ``seats`` of the seat, or -1 where the seat is not on the board or the
        student does not want it.

    Raises
    ------
    ValueError
        If a seat is not one of :data:`SEATS` or is listed twice, or ``wanted`` does not
        have one column per seat.
    """
    unknown = [s for s in seats if s not in SEATS]
    if unknown or len(set(seats)) != len(seats):
        raise ValueError(f"seats must be distinct names from {SEATS}, got {list(seats)}")
    want = np.asarray(wanted)
    if want.dtype != bool or want.shape != (students.n, len(seats)):
        raise ValueError(f"wanted must be a boolean array of shape ({students.n}, {len(seats)})")
    i = np.asarray(i, dtype=np.int64)
    m = np.asarray(m, dtype=np.int64)
    code = {name: k for k, name in enumerate(seats)}
    kind = mentors.kind[m]
    out = np.full(i.size, -1, dtype=np.int64)
    if "resident" in code:
        out[(kind == KIND_RESIDENT) | (kind == KIND_FELLOW)] = code["resident"]
    if "peer" in code:
        out[kind == KIND_PEER] = code["peer"]
    faculty = np.flatnonzero(kind == KIND_FACULTY)
    if faculty.size and ("faculty" in code or "external" in code):
        fi, fm = i[faculty], m[faculty]
        seat = np.full(faculty.size, code.get("faculty", -1), dtype=np.int64)
        if "external" in code:
            away = ~same_home(students, mentors, fi, fm)
            away &= want[fi, code["external"]]
            seat[away] = code["external"]
        out[faculty] = seat
    filled = out >= 0
    filled[filled] = want[i[filled], out[filled]]
    out[~filled] = -1
    return out


@dataclass(frozen=True, eq=False)
class BoardMatch:
    """A board of advisors solved jointly, with each filled seat's breakdown and the reasons.

    Attributes
    ----------
    students, mentors, seats : (P,) int
        Filled seats, sorted by student then seat (seat indices into the ``seats`` given).
    rows : (P,) int
        Row of ``problem`` each pair fills.
    score, breakdown, contributions
        As for :class:`MatchResult`. On an external seat the ``institution`` criterion is 1:
        the mentor is at another home, as the seat asks.
    pin_status : (n,) int
        ``PIN_PLACED``, ``PIN_NOT_ALLOWED`` (the pair fills no wanted seat, or a rule refuses
        it) or ``PIN_NO_PLACE`` (the mentor was full, or an earlier pin took the seat).
    problem : BoardProblem
        The board as one assignment: a row per wanted (student, seat).
    explanation : Explanation
        Reasons per row of ``problem``.
    """

    students: np.ndarray
    mentors: np.ndarray
    seats: np.ndarray
    rows: np.ndarray
    score: np.ndarray
    breakdown: np.ndarray
    contributions: np.ndarray
    pin_status: np.ndarray
    problem: BoardProblem
    explanation: Explanation


def board_values(
    students: StudentFeatures,
    mentors: MentorFeatures,
    i: np.ndarray,
    m: np.ndarray,
    seat_names: np.ndarray,
    rules: Rules,
) -> np.ndarray:
    """:func:`criteria` of pairs filling the named seats: on an external seat the
    ``institution`` criterion is 1 (another home, as the seat asks)."""
    values = criteria(students, mentors, i, m, rules)
    values[np.asarray(seat_names) == "external", _INSTITUTION] = 1.0
    return values


def match_board(
    students: StudentFeatures,
    mentors: MentorFeatures,
    capacity,
    seats: Sequence[str],
    wanted,
    weights: Weights | None = None,
    rules: Rules | None = None,
    *,
    pinned=None,
    dense: bool | None = None,
) -> BoardMatch:
    """Score, lay out the seats, solve every seat of every board together, and explain.

    Parameters
    ----------
    students, mentors : StudentFeatures, MentorFeatures
    capacity : (M,) int
        Places of each mentor, shared by all seats.
    seats, wanted
        As for :func:`board_seats`.
    weights, rules : Weights, Rules, optional
        As for :func:`match`; ``rules.pinned`` must be empty (pins go in ``pinned``).
    pinned : (n, 2) int array, optional
        (student, mentor) pairs placed first, in order; a student may be pinned once per seat.
    dense : bool, optional
        As for :func:`match`.

    Returns
    -------
    BoardMatch
        The most filled seats, then the largest total score (see
        :func:`matcher.matching.assign_board`).

    Raises
    ------
    ValueError
        As :func:`board_seats`, :func:`score_pairs` and :func:`assign_board`, and if
        ``rules.pinned`` is not empty.
    """
    weights = Weights() if weights is None else weights
    rules = Rules() if rules is None else rules
    if rules.pinned.size:
        raise ValueError("match_board takes pins in pinned=, not in rules.pinned")
    if dense is None:
        dense = students.n * mentors.n <= DENSE_SCORING_PAIRS
    want = np.asarray(wanted)
    i, m = candidate_pairs(students, mentors, rules, dense=dense)
    seat = board_seats(students, mentors, i, m, seats, want)
    wanted_pair = seat >= 0
    i, m, seat = i[wanted_pair], m[wanted_pair], seat[wanted_pair]
    w, ok = score_pairs(students, mentors, i, m, weights, rules)
    i, m, seat, w = i[ok], m[ok], seat[ok], w[ok]
    if "external" in seats:
        ext = seat == list(seats).index("external")
        w[ext] += weights.institution * (
            1.0 - institution_values(students, mentors, i[ext], m[ext], rules)
        )
    indptr = np.zeros(students.n + 1, dtype=np.int64)
    np.cumsum(np.bincount(i, minlength=students.n), out=indptr[1:])
    board = sparse.csr_array((w, m, indptr), shape=(students.n, mentors.n))
    problem = board_problem(board, seat, want)

    pins = as_pins(() if pinned is None else pinned, students.n, mentors.n)
    status = np.zeros(0, dtype=np.int64)
    kept = np.zeros(0, dtype=bool)
    if pins.size:
        pin_rows = problem.pair_rows(pins[:, 0], pins[:, 1])
        _, first = np.unique(pin_rows, return_index=True)
        kept = np.zeros(pins.shape[0], dtype=bool)
        kept[first] = True
        kept |= pin_rows < 0
    rows, chosen, placed = problem.solve(capacity, pins[kept] if pins.size else None)
    if pins.size:
        status = np.full(pins.shape[0], PIN_NO_PLACE, dtype=np.int64)
        status[kept] = placed
    st = problem.row_student[rows]
    seat_of_pair = problem.row_seat[rows]
    names = np.array(list(seats) or [""], dtype=object)[seat_of_pair] if rows.size else np.zeros(0)
    values = board_values(students, mentors, st, chosen, names, rules)
    contributions = values * weights.vector()
    return BoardMatch(
        students=st,
        mentors=chosen,
        seats=seat_of_pair,
        rows=rows,
        score=contributions.sum(axis=1),
        breakdown=values,
        contributions=contributions,
        pin_status=status,
        problem=problem,
        explanation=explain(problem.score, capacity, rows, chosen),
    )
