"""Summary figures of an assignment, for organisers comparing rounds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ._arrays import contains, distinct
from ._validation import as_graph
from .explain import _pairs

__all__ = ["QualityReport", "blocking_pair_list", "blocking_pairs", "quality_report"]


@dataclass(frozen=True)
class QualityReport:
    """Quality figures of an assignment.

    Attributes
    ----------
    n_students, n_matched : int
    match_rate : float
        ``n_matched / n_students`` (0 when there are no students).
    score_mean, score_median, score_min, score_max, score_q1, score_q3 : float
        Statistics of the chosen pairs' scores; NaN when there are none.
    preference_ranks : (P + 2,) int array or None
        Count of matched students whose mentor was their 1st, 2nd, ... P-th
        choice, then of matched students whose mentor was not on their list,
        then of unmatched students. ``None`` without student preferences.
    student_ranks : (S,) int array or None
        Each student's rank of their mentor: 1 ... P, 0 if the mentor was not on
        their list, -1 if unmatched. ``None`` without student preferences.
    blocking_pairs : int or None
        See :func:`blocking_pairs`; ``None`` unless both sides stated preferences.
    """

    n_students: int
    n_matched: int
    match_rate: float
    score_mean: float
    score_median: float
    score_min: float
    score_max: float
    score_q1: float
    score_q3: float
    preference_ranks: np.ndarray | None
    student_ranks: np.ndarray | None
    blocking_pairs: int | None


def _preferences(preferences, n_s: int, n_m: int) -> np.ndarray:
    prefs = np.asarray(preferences)
    if prefs.ndim != 2 or prefs.shape[0] != n_s:
        raise ValueError(f"preferences must have shape ({n_s}, P), got {prefs.shape}")
    if prefs.size and not np.issubdtype(prefs.dtype, np.integer):
        raise ValueError("preferences must hold integer mentor indices")
    if prefs.size and (prefs.min() < -1 or prefs.max() >= n_m):
        raise ValueError("preferences must hold mentor indices or -1")
    return prefs.astype(np.int64)


def _likes_keys(likes, n_s: int, n_m: int) -> np.ndarray:
    if sparse.issparse(likes):
        coo = sparse.coo_array(likes)
        shape = coo.shape
        m, s = coo.row[coo.data != 0], coo.col[coo.data != 0]
    else:
        arr = np.asarray(likes)
        if arr.dtype != bool:
            raise ValueError(f"mentor_likes must be boolean, got dtype {arr.dtype}")
        shape = arr.shape
        m, s = np.nonzero(arr)
    if shape != (n_m, n_s):
        raise ValueError(f"mentor_likes must have shape ({n_m}, {n_s}), got {shape}")
    return distinct(m.astype(np.int64) * n_s + s)


def _assignment(score, capacity, allowed, students, mentors):
    """The problem's graph, and the assignment's pairs checked against its size."""
    graph = as_graph(score, capacity, allowed)
    st, me = _pairs(students, mentors, graph.n_students, graph.n_mentors)
    return graph, st, me


def _rank_of(prefs: np.ndarray, students: np.ndarray, mentors: np.ndarray) -> np.ndarray:
    """Position of each mentor in its student's list, or the list length if absent."""
    listed = prefs[students] == mentors[:, None]
    return np.where(listed.any(axis=1), np.argmax(listed, axis=1), prefs.shape[1])


def blocking_pairs(
    score, capacity, students, mentors, preferences, mentor_likes, allowed=None
) -> int:
    """Count blocking pairs of an assignment.

    The pairs themselves are :func:`blocking_pair_list`; this is its length.

    Parameters
    ----------
    score, capacity, students, mentors, preferences, mentor_likes, allowed
        As for :func:`blocking_pair_list`.

    Returns
    -------
    int
    """
    pair_students, _ = blocking_pair_list(
        score, capacity, students, mentors, preferences, mentor_likes, allowed=allowed
    )
    return int(pair_students.size)


def blocking_pair_list(
    score, capacity, students, mentors, preferences, mentor_likes, allowed=None
) -> tuple[np.ndarray, np.ndarray]:
    """The blocking pairs of an assignment.

    A blocking pair is an allowed student-mentor pair (i, m), not in the
    assignment, such that

    * student i strictly prefers m to their current situation: m is on i's list
      and ranked above i's mentor (an unmatched student, or one whose mentor is
      not on the list, prefers every listed mentor); and
    * mentor m strictly prefers i: m has a free place, or one of m's students j
      ranks below i in m's order. A mentor orders students first by whether it
      marked them as "would like", then by the pair's score.

    Parameters
    ----------
    score, capacity, allowed
        The problem, as given to :func:`matcher.matching.assign`.
    students, mentors : (P,) int
        The assignment.
    preferences : (S, L) int
        Each student's mentors, best first, padded with -1.
    mentor_likes : (M, S) bool array or scipy.sparse matrix
        Students each mentor marked as "would like".

    Returns
    -------
    pair_students, pair_mentors : (B,) int
        Student ``pair_students[k]`` and mentor ``pair_mentors[k]`` would both rather
        have each other; ordered by student, then by the student's rank of the mentor.
    """
    graph, st, me = _assignment(score, capacity, allowed, students, mentors)
    n_s, n_m = graph.n_students, graph.n_mentors
    prefs = _preferences(preferences, n_s, n_m)
    liked_keys = _likes_keys(mentor_likes, n_s, n_m)

    def lookup(i: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        where = graph.positions(i, m)
        found = where >= 0
        weight = np.zeros(where.size)
        weight[found] = graph.weights[where[found]]
        return found, weight

    def liked(i: np.ndarray, m: np.ndarray) -> np.ndarray:
        return contains(liked_keys, m * n_s + i)

    mate = np.full(n_s, -1, dtype=np.int64)
    mate[st] = me
    current = np.full(n_s, prefs.shape[1])
    if st.size:
        current[st] = _rank_of(prefs, st, me)

    ci, cr = np.nonzero(prefs >= 0)
    cm = prefs[ci, cr]
    better = cr < current[ci]
    ci, cm = ci[better], cm[better]
    ok, cw = lookup(ci, cm)
    ok &= graph.capacity[cm] > 0
    ci, cm, cw = ci[ok], cm[ok], cw[ok]

    load = np.bincount(me, minlength=n_m)
    free = load < graph.capacity
    worst_liked = np.ones(n_m, dtype=bool)
    worst_score = np.full(n_m, np.inf)
    if st.size:
        _, sw = lookup(st, me)
        sl = liked(st, me)
        order = np.lexsort((sw, sl, me))
        head = order[np.concatenate([[True], me[order][1:] != me[order][:-1]])]
        worst_liked[me[head]] = sl[head]
        worst_score[me[head]] = sw[head]
    cl = liked(ci, cm)
    mentor_prefers = (
        free[cm] | (cl & ~worst_liked[cm]) | ((cl == worst_liked[cm]) & (cw > worst_score[cm]))
    )
    return ci[mentor_prefers].astype(np.int64), cm[mentor_prefers].astype(np.int64)


def quality_report(
    score, capacity, students, mentors, allowed=None, *, preferences=None, mentor_likes=None
) -> QualityReport:
    """Match rate, score statistics, preference ranks and blocking pairs.

    Parameters
    ----------
    score, capacity, allowed
        The problem, as given to :func:`matcher.matching.assign`.
    students, mentors : (P,) int
        The assignment.
    preferences : (S, L) int, optional
        Each student's mentors, best first, padded with -1.
    mentor_likes : (M, S) bool array or scipy.sparse matrix, optional
        Students each mentor marked as "would like"; with ``preferences`` it
        enables the blocking-pair count.

    Returns
    -------
    QualityReport
    """
    graph, st, me = _assignment(score, capacity, allowed, students, mentors)
    n_s, n_m = graph.n_students, graph.n_mentors
    where = graph.positions(st, me)
    if (where < 0).any():
        raise ValueError("the assignment holds a pair that is not allowed")
    values = graph.weights[where]
    if values.size:
        q1, median, q3 = np.quantile(values, [0.25, 0.5, 0.75])
        stats = (values.mean(), median, values.min(), values.max(), q1, q3)
    else:
        stats = (np.nan,) * 6

    ranks = None
    per_student = None
    blocking = None
    if preferences is not None:
        prefs = _preferences(preferences, n_s, n_m)
        rank = _rank_of(prefs, st, me) if st.size else np.zeros(0, dtype=np.int64)
        ranks = np.bincount(rank, minlength=prefs.shape[1] + 2)
        ranks[prefs.shape[1] + 1] = n_s - st.size
        per_student = np.full(n_s, -1, dtype=np.int64)
        per_student[st] = np.where(rank < prefs.shape[1], rank + 1, 0)
        if mentor_likes is not None:
            blocking = blocking_pairs(score, capacity, st, me, prefs, mentor_likes, allowed=allowed)
    return QualityReport(
        n_students=n_s,
        n_matched=int(st.size),
        match_rate=st.size / n_s if n_s else 0.0,
        score_mean=float(stats[0]),
        score_median=float(stats[1]),
        score_min=float(stats[2]),
        score_max=float(stats[3]),
        score_q1=float(stats[4]),
        score_q3=float(stats[5]),
        preference_ranks=ranks,
        student_ranks=per_student,
        blocking_pairs=blocking,
    )
