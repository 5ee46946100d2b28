"""From profile features to explained pairs in one call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .board import BoardProblem, as_pins
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
    candidate_blocks,
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


class _SeatRule:
    """Which seat each (student, mentor) pair fills, prepared once for a round's people.

    Seats are coded ``0..K-1`` in the order of ``seats``, and ``K`` for a seat that is not on
    the board, so that one lookup in ``wanted`` (with a column of ``False`` added) says whether
    the student wants the pair's seat.
    """

    def __init__(
        self,
        students: StudentFeatures,
        mentors: MentorFeatures,
        seats: Sequence[str],
        wanted: np.ndarray,
    ) -> None:
        code = {name: k for k, name in enumerate(seats)}
        n_k = len(seats)
        kind = mentors.kind
        self.students, self.mentors, self.n_seats = students, mentors, n_k
        self.seat = np.full(mentors.n, n_k, dtype=np.int8)
        if "resident" in code:
            self.seat[(kind == KIND_RESIDENT) | (kind == KIND_FELLOW)] = code["resident"]
        if "peer" in code:
            self.seat[kind == KIND_PEER] = code["peer"]
        self.faculty = kind == KIND_FACULTY
        self.seat[self.faculty] = code.get("faculty", n_k)
        self.external = code.get("external", -1)
        self.wants = np.zeros((students.n, n_k + 1), dtype=bool)
        self.wants[:, :n_k] = wanted
        self.wants_external = (
            np.ascontiguousarray(wanted[:, self.external])
            if self.external >= 0
            else np.zeros(students.n, dtype=bool)
        )
        self.flat = self.wants.ravel()

    def seats(self, i: np.ndarray, m: np.ndarray) -> np.ndarray:
        """The seat code of each pair ``(i[k], m[k])``, ``K`` where the seat is not on the
        board."""
        seat = self.seat[m]
        if self.external >= 0:
            away = np.flatnonzero(self.faculty[m] & self.wants_external[i])
            away = away[~same_home(self.students, self.mentors, i[away], m[away])]
            seat[away] = self.external
        return seat

    def wanted(self, i: np.ndarray, seat: np.ndarray) -> np.ndarray:
        """Whether student ``i[k]`` wants seat ``seat[k]`` (never seat ``K``)."""
        return self.flat[i * (self.n_seats + 1) + seat]


def _checked_seats(students: StudentFeatures, seats: Sequence[str], wanted) -> np.ndarray:
    unknown = [s for s in seats if s not in SEATS]
    if unknown or len(set(seats)) != len(seats):
        raise ValueError(f"seats must be distinct names from {SEATS}, got {list(seats)}")
    want = np.asarray(wanted)
    if want.dtype != bool or want.shape != (students.n, len(seats)):
        raise ValueError(f"wanted must be a boolean array of shape ({students.n}, {len(seats)})")
    return want


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
    rule = _SeatRule(students, mentors, seats, _checked_seats(students, seats, wanted))
    i = np.asarray(i, dtype=np.int64)
    m = np.asarray(m, dtype=np.int64)
    seat = rule.seats(i, m)
    return np.where(rule.wanted(i, seat), seat, -1).astype(np.int64)


def board_pairs(
    students: StudentFeatures,
    mentors: MentorFeatures,
    rules: Rules,
    seats: Sequence[str],
    wanted: np.ndarray,
    *,
    dense: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs :func:`candidate_pairs` lists that fill a seat the student wants, with
    that seat, found a block of students at a time (no array of all candidate pairs).

    Parameters
    ----------
    students, mentors, rules, dense
        As for :func:`candidate_pairs`.
    seats, wanted
        As for :func:`board_seats`.

    Returns
    -------
    i, m : (P,) int32 (int64 past two billion students or mentors) arrays
        Student and mentor of each pair, sorted by student, then mentor.
    seat : (P,) int8 array
        Index into ``seats`` of the seat each pair fills.

    Raises
    ------
    ValueError
        As :func:`board_seats` and :func:`candidate_pairs`.
    """
    rule = _SeatRule(students, mentors, seats, _checked_seats(students, seats, wanted))
    index = np.int32 if max(students.n, mentors.n) < np.iinfo(np.int32).max else np.int64
    kept_i, kept_m, kept_seat = [], [], []
    for i, m in candidate_blocks(students, mentors, rules, dense=dense):
        seat = rule.seats(i, m)
        keep = np.flatnonzero(rule.wanted(i, seat))
        kept_i.append(i[keep].astype(index))
        kept_m.append(m[keep].astype(index))
        kept_seat.append(seat[keep])
    if not kept_i:
        return np.zeros(0, index), np.zeros(0, index), np.zeros(0, np.int8)
    return np.concatenate(kept_i), np.concatenate(kept_m), np.concatenate(kept_seat)


def board_layout(
    n_students: int,
    n_mentors: int,
    i: np.ndarray,
    m: np.ndarray,
    seat: np.ndarray,
    score: np.ndarray,
    wanted: np.ndarray,
) -> BoardProblem:
    """The :class:`BoardProblem` of pairs that each fill a wanted seat, laid out without
    :func:`board_problem`'s checks and copies.

    Parameters
    ----------
    n_students, n_mentors : int
    i, m, seat : (P,) int arrays
        Distinct pairs sorted by student, then mentor, each filling seat ``seat[k]``, which
        student ``i[k]`` wants.
    score : (P,) float64 array
        Score of each pair.
    wanted : (S, K) bool array

    Returns
    -------
    BoardProblem
        The same problem as :func:`board_problem` gives for these pairs.
    """
    n_k = wanted.shape[1]
    row_student, row_seat = (a.astype(np.intp) for a in np.nonzero(wanted))
    n_rows = row_student.size
    small = max(n_students * n_k, n_mentors, i.size) < np.iinfo(np.int32).max
    index = np.int32 if small else np.int64
    row_of = np.full(n_students * n_k, -1, dtype=index)
    row_of[row_student * n_k + row_seat] = np.arange(n_rows, dtype=index)
    key = np.multiply(i, n_k, dtype=index)
    key += seat
    expanded = sparse.csr_array(
        (score, (row_of[key], m.astype(index, copy=False))), shape=(n_rows, n_mentors)
    )
    return BoardProblem(row_student, row_seat, expanded, n_students, n_k)


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
    want = _checked_seats(students, seats, wanted)
    i, m, seat = board_pairs(students, mentors, rules, seats, want, dense=dense)
    w, ok = score_pairs(students, mentors, i, m, weights, rules)
    i, m, seat, w = i[ok], m[ok], seat[ok], w[ok]
    if "external" in seats:
        ext = seat == list(seats).index("external")
        w[ext] += weights.institution * (
            1.0 - institution_values(students, mentors, i[ext], m[ext], rules)
        )
    problem = board_layout(students.n, mentors.n, i, m, seat, w, want)
    del i, m, seat, w, ok

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
