"""Board of advisors: every seat of every student's board filled in one joint optimal solve.

A student's board has ``K`` seats (home faculty, resident, external faculty, peer…). A mentor
fills at most one seat of a given student's board, decided by the pair (``seat[s, m]``): a
faculty member at the student's own home fills the faculty seat, one at another home the
external seat. Each wanted (student, seat) is one row of a single assignment problem over the
mentors' shared places, so no seat kind takes places before another is considered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ._validation import as_capacity
from .solver import PIN_NOT_ALLOWED, assign, assign_pinned

__all__ = ["BoardAssignment", "BoardProblem", "assign_board", "board_problem"]


@dataclass(frozen=True, eq=False)
class BoardAssignment:
    """The filled seats of a board solve, sorted by student then seat.

    Attributes
    ----------
    students, mentors, seats : (P,) intp arrays
        Student ``students[p]`` gets mentor ``mentors[p]`` for seat ``seats[p]``.
    pin_status : (n,) int array
        ``PIN_PLACED``, ``PIN_NOT_ALLOWED`` or ``PIN_NO_PLACE`` of each pinned pair, in the
        order given (empty without pins).
    """

    students: np.ndarray
    mentors: np.ndarray
    seats: np.ndarray
    pin_status: np.ndarray


@dataclass(frozen=True, eq=False)
class BoardProblem:
    """A board as one assignment problem with a row per wanted (student, seat).

    Attributes
    ----------
    row_student, row_seat : (R,) intp
        The student and seat of each row, in student-then-seat order.
    score : scipy.sparse.csr_array, shape (R, M)
        The stored entries of row ``r`` are exactly the mentors who may fill seat
        ``row_seat[r]`` of student ``row_student[r]``, with the pair's score.
    n_students, n_seats : int
    """

    row_student: np.ndarray
    row_seat: np.ndarray
    score: sparse.csr_array
    n_students: int
    n_seats: int

    def rows(self, students, seats) -> np.ndarray:
        """The row of each (student, seat), or -1 where the student does not want the seat."""
        s = np.asarray(students, dtype=np.int64)
        k = np.asarray(seats, dtype=np.int64)
        out = np.full(s.shape, -1, dtype=np.int64)
        ok = (s >= 0) & (s < self.n_students) & (k >= 0) & (k < self.n_seats)
        keys = self.row_student * self.n_seats + self.row_seat
        wanted = s[ok] * self.n_seats + k[ok]
        at = np.searchsorted(keys, wanted)
        hit = at < keys.size
        hit[hit] = keys[at[hit]] == wanted[hit]
        found = np.full(wanted.shape, -1, dtype=np.int64)
        found[hit] = at[hit]
        out[ok] = found
        return out

    def pair_rows(self, students, mentors) -> np.ndarray:
        """The row each (student, mentor) pair may fill, or -1 where it fills no wanted seat."""
        s = np.asarray(students, dtype=np.int64).ravel()
        m = np.asarray(mentors, dtype=np.int64).ravel()
        out = np.full(s.size, -1, dtype=np.int64)
        starts = np.searchsorted(self.row_student, s, side="left")
        ends = np.searchsorted(self.row_student, s, side="right")
        ptr, cols = self.score.indptr, self.score.indices
        for k in range(s.size):
            for r in range(starts[k], ends[k]):
                lo, hi = ptr[r], ptr[r + 1]
                at = lo + np.searchsorted(cols[lo:hi], m[k])
                if at < hi and cols[at] == m[k]:
                    out[k] = r
                    break
        return out

    def solve(self, capacity, pinned=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Solve the rows: (rows, mentors, pin status), as :func:`assign_board` describes."""
        n_m = self.score.shape[1]
        cap = as_capacity(capacity, n_m)
        pins = np.zeros((0, 2), dtype=np.int64) if pinned is None else np.asarray(pinned)
        if pins.size == 0:
            rows, mentors = assign(self.score, cap)
            return rows, mentors, np.zeros(0, dtype=np.int64)
        pins = as_pins(pins, self.n_students, n_m)
        pin_rows = self.pair_rows(pins[:, 0], pins[:, 1])
        fills = pin_rows >= 0
        if np.unique(pin_rows[fills]).size != int(fills.sum()):
            raise ValueError("pinned fills the same seat of a student more than once")
        rows, mentors, placed = assign_pinned(
            self.score, cap, np.column_stack([pin_rows[fills], pins[fills, 1]])
        )
        status = np.full(pins.shape[0], PIN_NOT_ALLOWED, dtype=np.int64)
        status[fills] = placed
        return rows, mentors, status


def as_pins(pinned, n_students: int, n_mentors: int) -> np.ndarray:
    """Validate (student, mentor) pins and return them as an (n, 2) int64 array."""
    pins = np.asarray(pinned)
    if pins.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if pins.ndim != 2 or pins.shape[1] != 2 or not np.issubdtype(pins.dtype, np.integer):
        raise ValueError("pinned must be an (n, 2) integer array of (student, mentor) pairs")
    if (pins < 0).any() or (pins[:, 0] >= n_students).any() or (pins[:, 1] >= n_mentors).any():
        raise ValueError("pinned names a student or mentor that does not exist")
    return pins.astype(np.int64)


def _as_wanted(wanted, n_s: int) -> np.ndarray:
    want = np.asarray(wanted)
    if want.dtype != bool or want.ndim != 2 or want.shape[0] != n_s:
        raise ValueError(
            f"wanted must be a boolean array of shape ({n_s}, K), got "
            f"{want.dtype} of shape {want.shape}"
        )
    return want


def _check_seats(seat: np.ndarray, n_seats: int, what: str) -> np.ndarray:
    if seat.size and not np.issubdtype(seat.dtype, np.integer):
        raise ValueError(f"{what} must hold integer seats, got dtype {seat.dtype}")
    seat = seat.astype(np.int64, copy=False)
    bad = (seat < -1) | (seat >= n_seats)
    if bad.any():
        raise ValueError(
            f"{what} must hold seats in range({n_seats}) or -1; found {int(seat[bad][0])}"
        )
    return seat


def _finite(values: np.ndarray, what: str) -> np.ndarray:
    if values.dtype == bool or not (
        np.issubdtype(values.dtype, np.integer) or np.issubdtype(values.dtype, np.floating)
    ):
        raise ValueError(f"{what} must hold real numbers, got dtype {values.dtype}")
    values = values.astype(np.float64, copy=False)
    if not np.isfinite(values).all():
        raise ValueError(f"{what} must be finite (no NaN or infinity)")
    return values


def board_problem(score, seat, wanted, allowed=None) -> BoardProblem:
    """Lay a board out as one assignment problem: a row per wanted (student, seat).

    Parameters
    ----------
    score : array_like or scipy.sparse matrix/array, shape (S, M)
        Score of each student-mentor pair. If sparse, its stored entries are the
        allowed pairs (a stored zero is an allowed pair with score 0).
    seat : array_like of int
        The seat (``0..K-1``) mentor ``m`` would fill on student ``s``'s board, or -1
        where none. For a dense ``score``, an (S, M) array. For a sparse ``score``, a
        1-D array with one seat per stored pair, in row-major order: row by row, and
        within a row by ascending mentor column (the order of
        ``scipy.sparse.csr_array(score)`` after ``sum_duplicates()``).
    wanted : (S, K) bool array
        ``wanted[s, k]``: student ``s`` wants seat ``k`` filled.
    allowed : (S, M) bool array, optional
        Allowed pairs of a dense ``score``; all pairs when omitted.

    Returns
    -------
    BoardProblem

    Raises
    ------
    ValueError
        If ``score`` is not 2-D or holds non-finite values or duplicate sparse entries,
        if ``wanted`` is not an (S, K) bool array, if ``seat`` has the wrong shape or
        holds a value outside ``-1..K-1``, or if ``allowed`` has the wrong shape or is
        given with a sparse ``score``.
    """
    if sparse.issparse(score):
        if allowed is not None:
            raise ValueError(
                "allowed cannot be given with a sparse score: store only allowed pairs"
            )
        if len(score.shape) != 2:
            raise ValueError(f"score must be 2-D, got shape {score.shape}")
        csr = sparse.csr_array(score, copy=True)
        csr.sum_duplicates()
        if csr.nnz != score.nnz:
            raise ValueError("score holds duplicate entries for a pair; store each pair once")
        n_s, n_m = csr.shape
        want = _as_wanted(wanted, n_s)
        seats = np.asarray(seat)
        if seats.shape != (csr.nnz,):
            raise ValueError(
                f"for a sparse score, seat must be 1-D with one entry per stored pair "
                f"({csr.nnz}), got shape {seats.shape}"
            )
        seats = _check_seats(seats, want.shape[1], "seat")
        s_idx = np.repeat(np.arange(n_s, dtype=np.int64), np.diff(csr.indptr))
        m_idx = csr.indices.astype(np.int64)
        data = _finite(csr.data, "score")
    else:
        dense = np.asarray(score)
        if dense.ndim != 2:
            raise ValueError(f"score must be 2-D, got shape {dense.shape}")
        n_s, n_m = dense.shape
        want = _as_wanted(wanted, n_s)
        seats = np.asarray(seat)
        if seats.shape != (n_s, n_m):
            raise ValueError(f"seat has shape {seats.shape} but score has shape {(n_s, n_m)}")
        seats = _check_seats(seats, want.shape[1], "seat")
        keep = seats >= 0
        if allowed is not None:
            mask = np.asarray(allowed)
            if mask.dtype != bool or mask.shape != (n_s, n_m):
                raise ValueError(
                    f"allowed must be a boolean array of shape {(n_s, n_m)}, got "
                    f"{mask.dtype} of shape {mask.shape}"
                )
            keep &= mask
        s_idx, m_idx = np.nonzero(keep)
        seats = seats[s_idx, m_idx]
        data = _finite(dense[s_idx, m_idx], "score") if s_idx.size else np.zeros(0)

    n_k = want.shape[1]
    row_student, row_seat = (a.astype(np.intp) for a in np.nonzero(want))
    row_of = np.full(n_s * n_k, -1, dtype=np.int64)
    row_of[row_student * n_k + row_seat] = np.arange(row_student.size)
    live = seats >= 0
    rows = np.full(seats.shape, -1, dtype=np.int64)
    rows[live] = row_of[s_idx[live] * n_k + seats[live]]
    live &= rows >= 0
    expanded = sparse.csr_array(
        (data[live], (rows[live], m_idx[live])), shape=(row_student.size, n_m)
    )
    expanded.sort_indices()
    return BoardProblem(row_student, row_seat, expanded, n_s, n_k)


def assign_board(score, capacity, seat, wanted, allowed=None, pinned=None) -> BoardAssignment:
    """Fill the wanted seats of every student's board in one optimal solve.

    Parameters
    ----------
    score, seat, wanted, allowed
        As for :func:`board_problem`.
    capacity : (M,) int
        Largest number of students each mentor may take, over all seats together.
    pinned : (n, 2) int array, optional
        (student, mentor) pairs placed first, in order, each in the seat ``seat`` gives
        it (see :func:`matcher.matching.assign_pinned`); a pin whose pair fills no wanted
        seat, or is not allowed, is ``PIN_NOT_ALLOWED``.

    Returns
    -------
    BoardAssignment
        Each student gets at most one mentor per wanted seat (so never the same mentor
        twice), each mentor at most ``capacity`` students, and every pair fills the seat
        ``seat`` gives it. The number of filled seats is the largest possible and, at
        that number, the total score is the largest, over all students and seats
        together (among answers holding every placed pin).

    Raises
    ------
    ValueError
        As :func:`board_problem` and :func:`matcher.matching.assign`, and if ``pinned``
        is not an (n, 2) integer array of existing indices or pins one seat of a student
        twice.

    Notes
    -----
    Each (student, mentor) pair fills exactly one seat, so a row per wanted (student,
    seat) turns the board into one capacitated assignment with as many stored pairs as
    the input: the solve costs no more than :func:`matcher.matching.assign` on ``score``.
    """
    problem = board_problem(score, seat, wanted, allowed)
    rows, mentors, status = problem.solve(capacity, pinned)
    return BoardAssignment(problem.row_student[rows], mentors, problem.row_seat[rows], status)
