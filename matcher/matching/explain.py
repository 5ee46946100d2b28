"""Why a student got no mentor, or not their highest-scoring one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._arrays import find_pairs
from ._validation import as_graph

__all__ = [
    "ALL_FULL",
    "FREE_PLACE_UNUSED",
    "MATCHED",
    "NO_ALLOWED_MENTOR",
    "Explanation",
    "explain",
]

MATCHED, NO_ALLOWED_MENTOR, ALL_FULL, FREE_PLACE_UNUSED = 0, 1, 2, 3
"""Reason codes of :attr:`Explanation.reason`.

``FREE_PLACE_UNUSED`` never occurs for an answer of :func:`matcher.matching.assign`:
it flags an answer that left a student out while an allowed mentor had room.
"""


def _pairs(students, mentors, n_s: int, n_m: int) -> tuple[np.ndarray, np.ndarray]:
    students = np.asarray(students)
    mentors = np.asarray(mentors)
    if students.shape != mentors.shape or students.ndim != 1:
        raise ValueError("students and mentors must be 1-D arrays of equal length")
    if students.size and not (
        np.issubdtype(students.dtype, np.integer) and np.issubdtype(mentors.dtype, np.integer)
    ):
        raise ValueError("students and mentors must hold integer indices")
    students = students.astype(np.int64)
    mentors = mentors.astype(np.int64)
    if students.size and (
        students.min() < 0 or students.max() >= n_s or mentors.min() < 0 or mentors.max() >= n_m
    ):
        raise ValueError("students or mentors hold an index outside the score matrix")
    if np.unique(students).size != students.size:
        raise ValueError("a student appears in more than one pair")
    return students, mentors


@dataclass(frozen=True, eq=False)
class Explanation:
    """Reasons behind an assignment.

    Attributes
    ----------
    mate : (S,) int
        Mentor of each student, -1 if none.
    reason : (S,) int
        ``MATCHED``, ``NO_ALLOWED_MENTOR`` (no allowed mentor with any place),
        ``ALL_FULL`` (every allowed mentor is full with students whose pairs
        score at least as much) or ``FREE_PLACE_UNUSED``.
    best : (S,) int
        Highest-scoring allowed mentor with a place (lowest index among ties), -1 if none.
    best_score, mate_score : (S,) float
        Score with ``best`` and with ``mate`` (NaN where there is none).
    displaced : (D,) int
        Matched students whose ``best`` mentor scores strictly more than their own.
    holder_ptr, holders : int arrays
        Students of mentor ``m`` are ``holders[holder_ptr[m]:holder_ptr[m + 1]]``.
    allowed_ptr, allowed_mentors : int arrays
        Allowed mentors (with a place) of student ``s``, CSR-style like the holders.
    """

    mate: np.ndarray
    reason: np.ndarray
    best: np.ndarray
    best_score: np.ndarray
    mate_score: np.ndarray
    displaced: np.ndarray
    holder_ptr: np.ndarray
    holders: np.ndarray
    allowed_ptr: np.ndarray
    allowed_mentors: np.ndarray
    allowed_scores: np.ndarray

    @property
    def unmatched(self) -> np.ndarray:
        """Students without a mentor."""
        return np.flatnonzero(self.mate < 0)

    def holders_of(self, mentor: int) -> np.ndarray:
        """Students assigned to ``mentor``."""
        return self.holders[self.holder_ptr[mentor] : self.holder_ptr[mentor + 1]]

    def mentors_of(self, student: int) -> np.ndarray:
        """Allowed mentors (with a place) of ``student``."""
        return self.allowed_mentors[self.allowed_ptr[student] : self.allowed_ptr[student + 1]]

    def took_place(self, student: int) -> np.ndarray:
        """Students holding the places of ``student``'s highest-scoring mentor."""
        best = self.best[student]
        return self.holders_of(best) if best >= 0 else np.zeros(0, dtype=np.int64)

    def message(self, student: int) -> str:
        """One sentence for people explaining ``student``'s outcome."""
        code = self.reason[student]
        if code == NO_ALLOWED_MENTOR:
            return f"Student {student} has no allowed mentor with a place."
        if code in (ALL_FULL, FREE_PLACE_UNUSED):
            mentors = self.mentors_of(student)
            if code == FREE_PLACE_UNUSED:
                return (
                    f"Student {student} is unmatched although an allowed mentor has a free "
                    "place; the assignment is not maximal."
                )
            best = self.best[student]
            return (
                f"Student {student} is unmatched: all {mentors.size} allowed mentors are full "
                f"with students whose pairs score at least as much; the best, mentor {best}, "
                f"holds students {', '.join(map(str, self.holders_of(best)))}."
            )
        if self.best_score[student] > self.mate_score[student]:
            best = self.best[student]
            return (
                f"Student {student} got mentor {self.mate[student]} (score "
                f"{self.mate_score[student]:g}), not their highest-scoring mentor {best} "
                f"(score {self.best_score[student]:g}), whose places went to students "
                f"{', '.join(map(str, self.holders_of(best)))}."
            )
        return f"Student {student} got their highest-scoring mentor {self.mate[student]}."


def explain(score, capacity, students, mentors, allowed=None) -> Explanation:
    """Explain an assignment of :func:`matcher.matching.assign`.

    Parameters
    ----------
    score, capacity, allowed
        The problem, as given to :func:`matcher.matching.assign`.
    students, mentors : (P,) int
        The chosen pairs.

    Returns
    -------
    Explanation

    Notes
    -----
    In an optimal answer every allowed mentor of an unmatched student is full
    (a free place would allow one more pair), and every student holding such a
    place scores at least as much with that mentor as the unmatched student
    would (else swapping them would raise the total at the same number of pairs).
    A matched student's highest-scoring mentor is likewise full whenever it is
    not their own.
    """
    graph = as_graph(score, capacity, allowed)
    n_s, n_m = graph.n_students, graph.n_mentors
    st, me = _pairs(students, mentors, n_s, n_m)
    mate = np.full(n_s, -1, dtype=np.int64)
    mate[st] = me

    rows, cols, w = graph.rows, graph.cols, graph.weights
    if not (graph.capacity > 0).all():
        live = graph.capacity[cols] > 0
        rows, cols, w = rows[live], cols[live], w[live]
    counts = np.bincount(rows, minlength=n_s)
    ptr = np.concatenate([[0], np.cumsum(counts)])
    best = np.full(n_s, -1, dtype=np.int64)
    best_score = np.full(n_s, np.nan)
    has = counts > 0
    starts = ptr[:-1][has]
    if rows.size:
        top = np.maximum.reduceat(w, starts)
        first_top = np.flatnonzero(w == np.repeat(top, counts[has]))
        first_top = first_top[np.concatenate([[True], rows[first_top][1:] != rows[first_top][:-1]])]
        best[rows[first_top]] = cols[first_top]
        best_score[rows[first_top]] = w[first_top]

    mate_score = np.full(n_s, np.nan)
    if st.size and rows.size:
        where = find_pairs(ptr, cols, st, me)
        hit = where >= 0
        mate_score[st[hit]] = w[where[hit]]

    load = np.bincount(me, minlength=n_m)
    full = load >= graph.capacity
    has_room = np.zeros(n_s, dtype=bool)
    if rows.size:
        has_room[has] = np.logical_or.reduceat(~full[cols], starts)
    reason = np.full(n_s, MATCHED, dtype=np.int64)
    unmatched = mate < 0
    reason[unmatched & ~has] = NO_ALLOWED_MENTOR
    reason[unmatched & has] = ALL_FULL
    reason[unmatched & has & has_room] = FREE_PLACE_UNUSED

    displaced = np.flatnonzero((mate >= 0) & (best >= 0) & (best_score > mate_score))
    order = np.argsort(me, kind="stable")
    holder_ptr = np.concatenate([[0], np.cumsum(load)])
    return Explanation(
        mate=mate,
        reason=reason,
        best=best,
        best_score=best_score,
        mate_score=mate_score,
        displaced=displaced,
        holder_ptr=holder_ptr,
        holders=st[order],
        allowed_ptr=ptr,
        allowed_mentors=cols,
        allowed_scores=w,
    )
