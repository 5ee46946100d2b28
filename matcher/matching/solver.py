"""Exact capacitated assignment: the most pairs, then the largest total score.

Small problems: a max-flow (Dinic, no mentor columns copied) gives one
maximum-cardinality matching; its alternating reach splits the graph into the
Dulmage-Mendelsohn parts that every maximum-cardinality matching respects, and
each part is a plain maximum-score *full* matching, solved exactly by
:func:`scipy.optimize.linear_sum_assignment` (dense) or the compiled kernel
:func:`~matcher.matching._kernels.augment` (sparse: on the students where every
student is placed, on the mentors' places where every place is filled). No
large constant ever trades pairs against score.

Large problems are solved on a support: each student's best pairs overall
and in every mentor neighbourhood class, each mentor's best students and a
maximum-cardinality matching found on the graph of neighbourhood classes,
grown by the pairs that look better once a short compiled auction on it has
priced the mentors. The support is solved through its parts, with a fast
formulation where students outnumber places, starting from the auction's
answer, and the
answer is then *proved* optimal for all pairs: no alternating path from a
free student reaches a free place (Konig: most pairs), and node potentials
give every residual arc a non-negative reduced cost (no negative cycle: best
score for that many pairs). Pairs that break the proof join the support and
the support is solved again, starting from the last round's mentor prices
(or, when few students hold such pairs, the last answer's negative cycles are
cancelled); anything the proof cannot settle falls back to the exact path.
The answer is therefore the optimum: exactly for whole-number scores, and
for fractional ones up to rounding (a potential counts as improved only by
:data:`~matcher.matching._certify.TOLERANCE` of the largest score). Sparse CSR input is used as
it is, and the passes over all pairs are compiled sweeps
(:mod:`matcher.matching._kernels`), so that no full-size temporary is made.

Every step takes the problem as one :class:`~matcher.matching._graph.Graph`;
the proof is :mod:`matcher.matching._certify`, the cycle cancelling
:mod:`matcher.matching._repair`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import maximum_flow

from ._arrays import distinct
from ._certify import certificate, reach_from_free, violated_pairs
from ._graph import Graph, reached
from ._kernels import auction, augment, fingerprints, support_of_mentors, support_of_students
from ._repair import cancel_cycles
from ._validation import as_graph, csr_graph

__all__ = ["PIN_NOT_ALLOWED", "PIN_NO_PLACE", "PIN_PLACED", "assign", "assign_pinned"]

DENSE_CELLS = 2_000_000
"""Students x places up to which a problem is solved directly, and a part may be solved densely."""
DENSE_SMALL_CELLS = 1 << 14
"""Student-place cells up to which a part is solved densely whatever its share of pairs.

Above it, a part goes to the compiled kernel unless at least half its cells are pairs: one
that places every student is 3-4 times faster there than dense LAPJV from 200 x 240 cells
even with 70% of them pairs.
"""
PRUNE_MIN_EDGES = 500_000
"""Pairs from which the certified solve starts on a pruned support."""
PRUNE_STUDENT_EDGES = 6
"""Best pairs per student in the initial support."""
PRUNE_MENTOR_FACTOR = 2
"""Best students per mentor in the initial support, per place (at least four)."""
PRUNE_ADD_PER_STUDENT = 32
"""Most violating pairs per student added to the support in one round."""
PRUNE_CLASS_LIMIT = 64
"""Most mentor neighbourhood classes for which the support keeps best pairs per class."""
PRUNE_CLASS_EDGES = 6
"""Best pairs per student in each mentor class it reaches."""
AUCTION_STEPS = 6
"""The pricing auction's bids go this share of the score range beyond the second-best offer
(rounded to a whole number for integer scores), so that its rounds do not grow with the scale."""
AUCTION_GIVE_UP = 2
"""A student stops bidding in the pricing auction once every mentor's price is above its
score for the pair by more than this many score ranges."""
AUCTION_STOP = 50
"""The pricing auction ends once at most this many students are still bidding..."""
AUCTION_ROUNDS = 1000
"""...or after this many rounds."""
REPAIR_SHARE = 512
"""Violators held by at most 1 in this many students are repaired by cancelling negative
cycles instead of solving the support again. Since places are filled by the kernel
(:func:`_fill_places`), solving again is the cheaper of the two unless very few students hold
violators: on the national benchmark's fractional scores the solve takes 0.7 s of CPU with
repairs from 1 in 512 and 1.3 s with repairs from 1 in 8."""
BLOCK_EDGES = 1 << 18
"""Pairs per block when counting each mentor's pairs, so that temporaries stay small."""
_LEVELS = 64
_COARSE_SHIFT = 3


def assign(score, capacity, allowed=None) -> tuple[np.ndarray, np.ndarray]:
    """Assign students to mentors: the most pairs, then the largest total score.

    Parameters
    ----------
    score : array_like or scipy.sparse matrix/array, shape (S, M)
        Score of each student-mentor pair; higher is better, negatives allowed.
        If sparse, the stored entries are exactly the allowed pairs (a stored
        zero is an allowed pair with score 0).
    capacity : array_like of int, shape (M,)
        Largest number of students each mentor may take (non-negative).
    allowed : array_like of bool, shape (S, M), optional
        Allowed pairs for a dense ``score``; all pairs when omitted. Scores of
        pairs that are not allowed are ignored and may hold anything.

    Returns
    -------
    students, mentors : numpy.ndarray of intp
        The chosen pairs, sorted by student. Each student appears at most once,
        mentor ``m`` at most ``capacity[m]`` times, and every pair is allowed.
        The number of pairs is the largest possible and, among all such answers,
        the total score is the largest. The same input gives the same answer.

    Raises
    ------
    ValueError
        If the score is not 2-D or holds NaN, infinite or non-real values, if
        capacity is not 1-D of length M or holds negative or non-integer values,
        if ``allowed`` is not boolean or its shape differs from ``score``, or if
        ``allowed`` is given with a sparse ``score``.

    Notes
    -----
    The optimum is exact for integer scores (up to 2**53 in total); for other
    floats it is exact up to the rounding of the scipy solvers' arithmetic. No
    "big-M" constant is used to favour cardinality.
    """
    graph = csr_graph(score, capacity, allowed)
    if graph is None:
        graph = as_graph(score, capacity, allowed)
    mate = solve(graph)
    students = np.flatnonzero(mate >= 0)
    return students, mate[students].astype(np.intp)


PIN_PLACED, PIN_NOT_ALLOWED, PIN_NO_PLACE = 0, 1, 2
"""Outcome codes of a pinned pair in :func:`assign_pinned`."""


def assign_pinned(
    score, capacity, pinned, allowed=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Like :func:`assign`, but place pinned pairs first.

    Pinned pairs are taken in the order given. A pinned pair is placed if it is
    allowed and its mentor still has a free place after the pinned pairs before
    it; otherwise it is dropped and its student is matched like any other. The
    remaining students and places are then assigned by :func:`assign`, so the
    answer has the most pairs, then the largest score, among answers that contain
    every placed pin.

    Parameters
    ----------
    score, capacity, allowed
        As for :func:`assign`.
    pinned : (n, 2) int array
        (student, mentor) pairs; a student may be pinned at most once.

    Returns
    -------
    students, mentors : numpy.ndarray of intp
        The chosen pairs, sorted by student.
    status : (n,) int array
        ``PIN_PLACED``, ``PIN_NOT_ALLOWED`` or ``PIN_NO_PLACE`` for each pin.

    Raises
    ------
    ValueError
        As :func:`assign`, and if ``pinned`` is not an (n, 2) integer array of
        existing indices or names a student twice.
    """
    graph = as_graph(score, capacity, allowed)
    pins = np.asarray(pinned)
    if pins.size == 0:
        pins = np.zeros((0, 2), dtype=np.int64)
    if pins.ndim != 2 or pins.shape[1] != 2 or not np.issubdtype(pins.dtype, np.integer):
        raise ValueError("pinned must be an (n, 2) integer array of (student, mentor) pairs")
    if pins.size and (
        (pins < 0).any()
        or pins[:, 0].max() >= graph.n_students
        or pins[:, 1].max() >= graph.n_mentors
    ):
        raise ValueError("pinned names a student or mentor that does not exist")
    if np.unique(pins[:, 0]).size != pins.shape[0]:
        raise ValueError("pinned names the same student more than once")
    n_m = graph.n_mentors
    ok = graph.positions(pins[:, 0], pins[:, 1]) >= 0
    status = np.where(ok, PIN_PLACED, PIN_NOT_ALLOWED)
    order = np.flatnonzero(ok)
    mentor = pins[order, 1]
    sort = np.argsort(mentor, kind="stable")
    grouped = mentor[sort]
    first = np.searchsorted(grouped, grouped, side="left")
    within = np.empty(order.size, dtype=np.int64)
    within[sort] = np.arange(order.size) - first
    placed = within < graph.capacity[mentor]
    status[order[~placed]] = PIN_NO_PLACE
    fixed = pins[order[placed]]

    capacity_left = graph.capacity - np.bincount(fixed[:, 1], minlength=n_m)
    free = np.ones(graph.n_students, dtype=bool)
    free[fixed[:, 0]] = False
    keep = free[graph.rows]
    mate = solve(
        Graph(
            graph.n_students,
            n_m,
            graph.cols[keep],
            graph.weights[keep],
            capacity_left,
            rows=graph.rows[keep],
        )
    )
    mate[fixed[:, 0]] = fixed[:, 1]
    students = np.flatnonzero(mate >= 0)
    return students, mate[students].astype(np.intp), status


def solve(graph: Graph, *, prune=None) -> np.ndarray:
    """Solve a validated problem: the most pairs, then the largest total score.

    Parameters
    ----------
    graph : Graph
        The allowed pairs with their finite scores, and the mentors'
        non-negative capacities.
    prune : bool, optional
        ``False`` forces the direct decomposition solve, ``True`` the certified
        solve on a pruned support. By default the certified solve is used from
        ``PRUNE_MIN_EDGES`` pairs on, unless the problem has at most
        ``DENSE_CELLS`` student-place cells.

    Returns
    -------
    numpy.ndarray of intp, shape (n_students,)
        Mentor of each student, or -1.
    """
    n_s, n_m = graph.n_students, graph.n_mentors
    mate = np.full(n_s, -1, dtype=np.intp)
    if n_s == 0 or n_m == 0 or graph.cols.size == 0:
        return mate
    capacity, cols = graph.capacity, graph.cols
    live = None if (capacity > 0).all() else (capacity > 0)[cols]
    if live is not None and not live.all():
        kept = np.zeros(live.size + 1, dtype=np.int64)
        np.cumsum(live, out=kept[1:])
        graph = Graph(
            n_s, n_m, cols[live], graph.weights[live], capacity, indptr=kept[graph.indptr]
        )
        cols = graph.cols
        if cols.size == 0:
            return mate
    del live
    degree = np.zeros(n_m, dtype=np.int64)
    for start in range(0, cols.size, BLOCK_EDGES):
        degree += np.bincount(cols[start : start + BLOCK_EDGES], minlength=n_m)
    graph = graph.with_capacity(np.minimum(capacity, degree))
    if prune is None:
        prune = cols.size >= PRUNE_MIN_EDGES and n_s * int(graph.capacity.sum()) > DENSE_CELLS
    if prune:
        return _solve_certified(graph)
    return _solve_exact(graph).mate


@dataclass(frozen=True)
class _Exact:
    mate: np.ndarray
    load: np.ndarray
    reach_free_students: np.ndarray
    reach_free_mentors: np.ndarray


def _max_matching(graph: Graph) -> np.ndarray:
    """Maximum-cardinality b-matching by Dinic's max-flow, without copying mentor columns."""
    n_s, n_m = graph.n_students, graph.n_mentors
    rows, cols, cap = graph.rows, graph.cols, graph.capacity
    source, sink = n_s + n_m, n_s + n_m + 1
    n = n_s + n_m + 2
    students = distinct(rows)
    mentors = np.flatnonzero(cap > 0)
    src = np.concatenate([rows, n_s + mentors, np.full(students.size, source)])
    dst = np.concatenate([n_s + cols, np.full(mentors.size, sink), students])
    arc_cap = np.concatenate(
        [
            np.ones(rows.size, np.int32),
            cap[mentors].astype(np.int32),
            np.ones(students.size, np.int32),
        ]
    )
    flow_graph = sparse.csr_array((arc_cap, (src, dst)), shape=(n, n))
    flow = maximum_flow(flow_graph, source, sink, method="dinic").flow
    flow = sparse.csr_array(flow[:n_s])
    coo = flow.tocoo()
    used = (coo.data > 0) & (coo.col >= n_s) & (coo.col < n_s + n_m)
    mate = np.full(n_s, -1, dtype=np.intp)
    mate[coo.row[used]] = coo.col[used] - n_s
    return mate


def _solve_exact(graph: Graph, *, base=None, fast=False, warm=None, start=None) -> _Exact:
    """Solve the pairs of a graph through their Dulmage-Mendelsohn parts.

    ``base`` is a maximum-cardinality matching of these pairs (found by
    max-flow when omitted). Its alternating reach splits the graph into the
    part where students outnumber places, the part where places outnumber
    students and the perfect part; every maximum-cardinality matching keeps to
    them, so each is a plain maximum-score full matching. With ``fast`` the
    first part is solved by :func:`_solve_big_m`, which is exact for integer
    scores only and so must be certified by the caller; ``warm`` (potentials
    of an earlier round) and ``start`` (its answer) are passed on to it.
    """
    graph = graph.with_rows()
    n_s, n_m = graph.n_students, graph.n_mentors
    rows, cols, weights, cap = graph.rows, graph.cols, graph.weights, graph.capacity
    mate = _max_matching(graph) if base is None else base
    matched = mate[rows] == cols
    load = np.bincount(mate[mate >= 0], minlength=n_m)
    root = n_s + n_m

    z = reach_from_free(graph, mate, matched)
    free_mentors = np.flatnonzero(load < cap)
    y = reached(
        root + 1,
        np.concatenate([n_s + cols, rows[matched], np.full(free_mentors.size, root)]),
        np.concatenate([rows, n_s + cols[matched], n_s + free_mentors]),
        root,
    )
    z_s, z_m = z[:n_s], z[n_s:root]
    y_s, y_m = y[:n_s], y[n_s:root]

    out = np.full(n_s, -1, dtype=np.intp)
    c_s, c_m = ~(z_s | y_s), ~(z_m | y_m)
    parts = (
        (z_s[rows] & z_m[cols], load, fast),
        (y_s[rows] & y_m[cols], None, False),
        (c_s[rows] & c_m[cols], load, False),
    )
    for keep, slots, big_m in parts:
        if not keep.any():
            continue
        students, r_local = _relabel(rows[keep], n_s)
        mentors, c_local = _relabel(cols[keep], n_m)
        if slots is None:
            part_slots = np.minimum(cap[mentors], np.bincount(c_local, minlength=mentors.size))
        else:
            part_slots = slots[mentors]
        part = Graph(students.size, mentors.size, c_local, weights[keep], part_slots, rows=r_local)
        begin = None if start is None else _local_mentors(start[students], mentors, n_m)
        if big_m:
            hint = None if warm is None else _warm_hint(warm, n_s, mentors, part.weights)
            sub = _solve_big_m(part, hint, begin)
            pl = np.flatnonzero(sub >= 0)
            pr = sub[pl]
        else:
            pl, pr = _full_matching(part, begin)
        out[students[pl]] = mentors[pr]
    return _Exact(out, np.bincount(out[out >= 0], minlength=n_m), z, y)


def _local_mentors(mentor, mentors, n_m) -> np.ndarray:
    """``mentor`` (global ids or -1) as positions in the part's ``mentors``; -1 if not there."""
    local = np.full(n_m + 1, -1, dtype=np.intp)
    local[mentors] = np.arange(mentors.size)
    return local[np.where(mentor >= 0, mentor, n_m)]


def _relabel(ids, n):
    """The distinct values of ``ids`` (all below ``n``), ascending, and the rank of each id."""
    present = np.zeros(n, dtype=bool)
    present[ids] = True
    values = np.flatnonzero(present)
    rank = np.zeros(n, dtype=np.intp)
    rank[values] = np.arange(values.size)
    return values, rank[ids]


def _full_matching(part: Graph, start=None) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-score matching saturating the smaller side of a part's slot-expanded graph.

    Students take one mentor, mentor ``j`` takes ``capacity[j]``; a matching
    that saturates the smaller side must exist. Every such matching has the same
    number of pairs, so a constant shift of the costs keeps the optimum. Small
    problems go to :func:`scipy.optimize.linear_sum_assignment`; larger ones
    to the compiled kernel: directly where every student is placed (no copied
    places), through :func:`_fill_places` where every place is filled, unless
    at least half the cells are pairs (then dense LAPJV). The kernel starts
    from an earlier answer (``start``: a mentor per student, or -1) where it
    is given and every student is placed. Returns the matched students and
    their mentors.
    """
    n_l, left, right, w = part.n_students, part.rows, part.cols, part.weights
    slots = part.capacity.astype(np.int64)
    n_slots = int(slots.sum())
    cells = n_l * n_slots
    if cells > DENSE_SMALL_CELLS and n_l <= n_slots:
        mate = _augment(part, w.max() - w, np.full(n_l, np.inf), start)
        if (mate < 0).any():
            raise ValueError("no full matching exists")
        return np.arange(n_l), mate
    reps = slots[right]
    if cells > DENSE_SMALL_CELLS and (cells > DENSE_CELLS or 2 * int(reps.sum()) < cells):
        return _fill_places(part)
    owner = np.repeat(np.arange(slots.size), slots)
    end = np.cumsum(reps)
    e_slot = np.repeat(_offsets(slots)[right] - end + reps, reps)
    e_slot += np.arange(int(end[-1]))
    cost = np.full((n_l, n_slots), np.inf)
    cost[np.repeat(left, reps), e_slot] = -np.repeat(w, reps)
    li, si = linear_sum_assignment(cost)
    return np.asarray(li, dtype=np.intp), owner[si]


def _fill_places(part: Graph) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-score matching filling every place of a part with more students than places.

    The kernel runs on the transposed problem: each place of mentor ``j`` is a
    row holding ``j``'s pairs, each student a column with one place, and every
    row must be placed. Places of the fewest students are placed first. This
    copies each mentor's pairs once per place, as scipy's sparse LAPJV copies
    its places into columns, and is several times faster (0.07 s against
    0.36 s on the 22,662 x 14,876-place part of the national benchmark).
    Returns the matched students and their mentors.
    """
    students, mentors, w = part.rows, part.cols, part.weights
    n_m = part.n_mentors
    by_mentor = np.argsort(mentors, kind="stable")
    degree = np.bincount(mentors, minlength=n_m)
    owner = np.repeat(np.arange(n_m), part.capacity.astype(np.int64))
    row_degree = degree[owner]
    indptr = np.zeros(owner.size + 1, dtype=np.int64)
    np.cumsum(row_degree, out=indptr[1:])
    at = np.repeat(_offsets(degree)[owner] - indptr[:-1], row_degree)
    at += np.arange(int(indptr[-1]))
    at = by_mentor[at]
    mate = augment(
        indptr,
        np.ascontiguousarray(students[at], dtype=np.int64),
        np.ascontiguousarray(w.max() - w[at], dtype=np.float64),
        np.ones(part.n_students, dtype=np.int64),
        np.full(owner.size, np.inf),
        np.ascontiguousarray(np.lexsort((owner, row_degree)), dtype=np.int64),
        np.full(owner.size, -1, dtype=np.int64),
    )
    if (mate < 0).any():
        raise ValueError("no full matching exists")
    return mate.astype(np.intp, copy=False), owner


def _placing_order(graph: Graph) -> np.ndarray:
    """Students by fewest pairs, then highest best score: the order the kernel places them in."""
    degree = graph.degree
    return np.lexsort((-_row_max(graph.weights, graph.indptr, degree), degree))


def _labels(fingerprint: np.ndarray) -> np.ndarray:
    """Number the distinct columns of ``fingerprint``; equal columns share a label."""
    order = np.lexsort(fingerprint)
    ordered = fingerprint[:, order]
    new = np.concatenate([[True], (ordered[:, 1:] != ordered[:, :-1]).any(axis=0)])
    label = np.empty(fingerprint.shape[1], dtype=np.int64)
    label[order] = np.cumsum(new) - 1
    return label


@dataclass(frozen=True)
class _Classes:
    """Students and mentors labelled by their neighbour sets, and each student class's first."""

    student: np.ndarray
    mentor: np.ndarray
    delegate: np.ndarray


def _classes(graph: Graph) -> _Classes:
    """Label students and mentors by their neighbour sets.

    A student's neighbour set is fingerprinted by its size and the wrapping
    64-bit sum of random keys of its mentors, in one compiled sweep over the
    pairs. A mentor's neighbour set is a union of whole student classes, so it
    is fingerprinted the same way from one delegate student per class. Equal
    sets always share a label; distinct sets share one only on a hash
    collision, which the caller's pair-by-pair check catches.
    """
    n_s, n_m = graph.n_students, graph.n_mentors
    rng = np.random.default_rng(0x5EED)
    m_keys = rng.integers(0, 2**63, n_m, dtype=np.uint64)
    degree = graph.degree
    s_print = np.zeros((2, n_s), dtype=np.uint64)
    s_print[0] = degree
    s_print[1] = fingerprints(*graph.sweep_arrays, m_keys)
    s_class = _labels(s_print)
    n_sc = int(s_class.max()) + 1
    delegate = np.zeros(n_sc, dtype=np.int64)
    delegate[s_class[::-1]] = np.arange(n_s)[::-1]
    mentor = graph.cols[graph.pairs_of(delegate)]
    owner = np.repeat(rng.integers(0, 2**63, n_sc, dtype=np.uint64), degree[delegate])
    by = _stable_order(mentor)
    mentor, owner = mentor[by], owner[by]
    m_print = np.zeros((2, n_m), dtype=np.uint64)
    m_print[0] = np.bincount(mentor, minlength=n_m)
    filled = np.flatnonzero(m_print[0])
    if filled.size:
        m_print[1, filled] = np.add.reduceat(owner, np.searchsorted(mentor, filled))
    return _Classes(s_class, _labels(m_print), delegate)


def _offsets(count) -> np.ndarray:
    """Start of each run in a concatenation of runs of the given lengths."""
    out = np.zeros(count.size, dtype=np.int64)
    np.cumsum(count[:-1], out=out[1:])
    return out


def _counts(owner, amount, n) -> np.ndarray:
    """Integer total of ``amount`` for each of ``n`` owners."""
    return np.bincount(owner, weights=amount, minlength=n).astype(np.int64)


def _ranks(count) -> np.ndarray:
    """Position of each element within its run, for runs of the given lengths laid end to end."""
    return np.arange(int(count.sum())) - np.repeat(_offsets(count), count)


def _run_lengths(keys) -> np.ndarray:
    """Length of each run of equal values in the sorted ``keys``."""
    first = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    return np.diff(np.append(first, keys.size))


def _row_max(values, start, degree, empty=-np.inf) -> np.ndarray:
    """Largest of each row's ``values`` (rows at ``start``, ``degree`` long); ``empty`` if none."""
    best = np.full(degree.size, empty)
    filled = np.flatnonzero(degree)
    if filled.size:
        best[filled] = np.maximum.reduceat(values, start[filled])
    return best


def _seed_matching(graph: Graph, classes: _Classes | None = None) -> np.ndarray:
    """A maximum-cardinality matching found on the graph of neighbourhood classes.

    Students with the same allowed mentors form one class, and so do mentors
    with the same allowed students; two classes that share one pair share all
    of them. Dinic's max-flow runs on the (usually tiny) class graph and the
    flow is split back onto students and mentor places. The result is checked
    pair by pair; it only seeds the pruned support, so a hash collision costs
    time, never correctness.
    """
    n_s, n_m, cap = graph.n_students, graph.n_mentors, graph.capacity
    classes = _classes(graph) if classes is None else classes
    s_class, m_class, first_of_class = classes.student, classes.mentor, classes.delegate
    n_sc, n_mc = int(s_class.max()) + 1, int(m_class.max()) + 1
    s_count = np.bincount(s_class, minlength=n_sc)
    m_places = _counts(m_class, cap, n_mc)
    pairs = graph.pairs_of(first_of_class)
    owner = np.repeat(np.arange(n_sc), graph.degree[first_of_class])
    key = distinct(owner * n_mc + m_class[graph.cols[pairs]].astype(np.int64))
    c_rows, c_cols = np.divmod(key, n_mc)
    source, sink = n_sc + n_mc, n_sc + n_mc + 1
    n = n_sc + n_mc + 2
    class_graph = sparse.csr_array(
        (
            np.concatenate([s_count, s_count[c_rows], m_places]).astype(np.int32),
            (
                np.concatenate([np.full(n_sc, source), c_rows, n_sc + np.arange(n_mc)]),
                np.concatenate([np.arange(n_sc), n_sc + c_cols, np.full(n_mc, sink)]),
            ),
        ),
        shape=(n, n),
    )
    flow = maximum_flow(class_graph, source, sink, method="dinic").flow[:n_sc]
    flow = sparse.csr_array(flow).tocoo()
    used = (flow.data > 0) & (flow.col >= n_sc) & (flow.col < n_sc + n_mc)
    f_s, f_m, f = flow.row[used], flow.col[used] - n_sc, flow.data[used].astype(np.int64)
    by = np.lexsort((f_m, f_s))
    f_s, f_m, f = f_s[by], f_m[by], f[by]

    students = np.argsort(s_class, kind="stable")
    s_first = _offsets(s_count)
    s_taken = np.cumsum(f) - f - _offsets(_counts(f_s, f, n_sc))[f_s]
    slot_owner = np.repeat(np.arange(n_m), cap)
    slot_class = m_class[slot_owner]
    slots = np.argsort(slot_class, kind="stable")
    m_first = _offsets(m_places)
    by_m = np.lexsort((f_s, f_m))
    m_taken = np.empty(f.size, dtype=np.int64)
    m_taken[by_m] = np.cumsum(f[by_m]) - f[by_m] - _offsets(_counts(f_m, f, n_mc))[f_m[by_m]]
    step = _ranks(f)
    pick_s = students[np.repeat(s_first[f_s] + s_taken, f) + step]
    pick_m = slot_owner[slots[np.repeat(m_first[f_m] + m_taken, f) + step]]
    mate = np.full(n_s, -1, dtype=np.intp)
    mate[pick_s] = pick_m
    chosen = np.flatnonzero(mate >= 0)
    if (graph.positions(chosen, mate[chosen]) < 0).any():
        return np.full(n_s, -1, dtype=np.intp)
    return mate


def _warm_hint(warm, n_s, mentors, weights):
    """A part's mentor potentials from an earlier round, or None if they are not all integers."""
    pi_m = warm[n_s + mentors]
    if (np.floor(weights) != weights).any() or (np.floor(pi_m) != pi_m).any():
        return None
    return pi_m


def _solve_big_m(part: Graph, warm=None, start=None) -> np.ndarray:
    """Fast heuristic solve: each student may stay unmatched at a cost above any change of score.

    That cost is exact for integer scores but not in general; callers certify
    the answer. The compiled kernel (:func:`~matcher.matching._kernels.augment`)
    places the students one by one without copying mentor places.

    ``warm`` holds integer mentor potentials from an earlier round. Costs
    then become reduced costs against them, each student's best pair costing
    nothing, and the unmatched option carries the student's best value; every
    answer that fills all places changes by the same constant, so the
    optimum is kept, and the searches start from those prices instead of
    zero. Costs too large for exact float sums fall back to the plain
    formulation. ``start`` (a mentor per student, or -1: an earlier answer)
    places each student whose pair there costs least before any search.
    The others are placed fewest pairs (then highest best score) first,
    which leaves shorter augmenting paths for the students with more choice.
    """
    n_s, rows, cols, weights = part.n_students, part.rows, part.cols, part.weights
    top, bottom = weights.max(), weights.min()
    cost = top - weights
    unmatched = np.full(n_s, (n_s + 1) * (top - bottom + 1.0))
    if warm is not None:
        value = weights + warm[cols]
        best = _row_max(value, part.indptr, part.degree)
        reduced = best[rows] - value
        slack = best - best.min()
        warm_unmatched = (n_s + 1) * (reduced.max() + slack.max() + 1.0) + slack
        if warm_unmatched.max() * (n_s + 1.0) < 2.0**52:
            cost = reduced
            unmatched = warm_unmatched
    return _augment(part, cost, unmatched, start)


def _augment(graph: Graph, cost, unmatched, start=None) -> np.ndarray:
    """:func:`~matcher.matching._kernels.augment` on a graph, placing by :func:`_placing_order`."""
    if start is None:
        start = np.full(graph.n_students, -1)
    mate = augment(
        np.ascontiguousarray(graph.indptr, dtype=np.int64),
        np.ascontiguousarray(graph.cols, dtype=np.int64),
        np.ascontiguousarray(cost, dtype=np.float64),
        np.ascontiguousarray(graph.capacity, dtype=np.int64),
        np.ascontiguousarray(unmatched, dtype=np.float64),
        np.ascontiguousarray(_placing_order(graph), dtype=np.int64),
        np.ascontiguousarray(start, dtype=np.int64),
    )
    return mate.astype(np.intp, copy=False)


def _support(graph: Graph, classes: _Classes | None = None) -> np.ndarray:
    """Heuristic support: each student's best pairs and each mentor's best students.

    When the mentors fall into at most ``PRUNE_CLASS_LIMIT`` neighbourhood
    classes (``classes``), each student that reaches more than one class also
    keeps its best ``PRUNE_CLASS_EDGES`` pairs in every class it reaches, so
    that the support already shows where students may go instead of their
    favourite group. Scores are bucketed into ``_LEVELS`` levels (class and
    mentor picks use eight coarse ones); ties at the cut-off are thinned by a
    fixed hash of the pair, so that students with equal preferences spread
    over different mentors. Two compiled passes over the pairs
    (:func:`~matcher.matching._kernels.support_of_students` and
    :func:`~matcher.matching._kernels.support_of_mentors`).
    """
    n_s, n_m, weights = graph.n_students, graph.n_mentors, graph.weights
    lo, hi = weights.min(), weights.max()
    scale = (_LEVELS - 1) / (hi - lo) if hi > lo else 0.0
    n_coarse = _LEVELS >> _COARSE_SHIFT
    n_mc = 0 if classes is None else int(classes.mentor.max()) + 1
    several = np.zeros(n_s, dtype=np.int8)
    m_class = np.zeros(n_m, dtype=np.int64)
    if 1 < n_mc <= PRUNE_CLASS_LIMIT:
        m_class, delegate = classes.mentor.astype(np.int64), classes.delegate
        touches = np.zeros((delegate.size, n_mc), dtype=bool)
        pairs = graph.pairs_of(delegate)
        owner = np.repeat(np.arange(delegate.size), graph.degree[delegate])
        touches[owner, m_class[graph.cols[pairs]]] = True
        several = (touches.sum(axis=1) > 1)[classes.student].astype(np.int8)
    else:
        n_mc = 1
    indptr, cols = graph.sweep_arrays
    keep = np.zeros(cols.size, dtype=np.int8)
    coarse = np.empty(cols.size, dtype=np.uint8)
    m_hist = np.zeros(n_m * n_coarse, dtype=np.int64)
    support_of_students(
        indptr,
        cols,
        np.ascontiguousarray(weights, dtype=np.float64),
        float(lo),
        float(scale),
        _LEVELS,
        _COARSE_SHIFT,
        PRUNE_STUDENT_EDGES,
        several,
        m_class,
        n_mc,
        PRUNE_CLASS_EDGES,
        keep,
        coarse,
        m_hist,
    )
    want = np.maximum(PRUNE_MENTOR_FACTOR * graph.capacity, 4).astype(np.int64)
    support_of_mentors(indptr, cols, m_hist, n_coarse, want, coarse, keep)
    return keep.view(bool)


def _auction(graph: Graph, step, give_up, stop=0, rounds=None):
    """Pricing auction on the pairs of a graph: ``(mate, price)``, mate -1 if unplaced.

    See :func:`~matcher.matching._kernels.auction`: each unplaced student in
    turn bids for the cheapest place of its best mentor (score less price);
    ``price[m]`` is the price of the mentor's cheapest place, 0 while one is
    free. Bidding stops once at most ``stop`` students are left to bid, or
    after ``rounds`` rounds; run to the end with integer scores, ``step``
    below ``1 / (n_s + 1)`` and ``give_up`` above ``n_s + 1`` score ranges,
    the answer is an exact optimum.
    """
    mate, price = auction(
        np.ascontiguousarray(graph.indptr, dtype=np.int64),
        np.ascontiguousarray(graph.cols, dtype=np.int64),
        np.ascontiguousarray(graph.weights, dtype=np.float64),
        np.ascontiguousarray(graph.capacity, dtype=np.int64),
        float(step),
        float(give_up),
        int(stop),
        -1 if rounds is None else int(rounds),
    )
    return mate.astype(np.intp, copy=False), price


def _auction_potentials(graph: Graph) -> tuple[np.ndarray, np.ndarray]:
    """Node potentials and the answer of a short pricing auction on a support, as a warm start.

    Mentor potentials are minus the auction's prices; each student's is its
    best score less price on the support (0 without pairs). They need not be
    valid: they pick the pairs that join the support and start the first
    solve (from the auction's answer) and Bellman-Ford nearer the optimum.
    Only rough prices are wanted, so the bids go in steps of a
    ``1 / AUCTION_STEPS`` share of the score range and the auction stops
    early (``AUCTION_STOP``, ``AUCTION_ROUNDS``).
    """
    weights = graph.weights
    span = float(np.ptp(weights)) if weights.size else 0.0
    step = span / AUCTION_STEPS if span > 0 else 1.0
    if (np.floor(weights) == weights).all():
        step = max(1.0, float(np.round(step)))
    give_up = AUCTION_GIVE_UP * max(span, step)
    mate, price = _auction(graph, step, give_up, AUCTION_STOP, AUCTION_ROUNDS)
    value = _row_max(weights - price[graph.cols], graph.indptr, graph.degree, 0.0)
    return np.concatenate([value, -price, np.zeros(2)]), mate


def _stable_order(keys: np.ndarray) -> np.ndarray:
    """Stable argsort of non-negative integer keys below 2**32, by 16-bit radix passes."""
    if keys.size == 0 or keys.max() < 2**16:
        return np.argsort(keys.astype(np.uint16), kind="stable")
    low = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    return low[np.argsort((keys[low] >> 16).astype(np.uint16), kind="stable")]


def _solve_certified(graph: Graph) -> np.ndarray:
    """Solve on a support of the pairs, then prove optimality on all pairs or add violators.

    The support starts with each student's best pairs, each mentor's best
    students and a maximum-cardinality matching of the whole graph. Scores
    alone pick it badly where many pairs tie: students crowd onto the same
    popular mentors. So a short auction on it first prices the mentors
    (:func:`_auction_potentials`), and the pairs that beat a student's best
    support pair at those prices join it. Each round then solves the support
    through its Dulmage-Mendelsohn parts, with the fast formulation where
    students outnumber places (starting from the last prices), and certifies
    the answer on the support itself, or else solves it exactly.
    Every pair outside the support is then checked against the Konig cover
    (no larger matching) and the potentials (no better one); each student's
    ``PRUNE_ADD_PER_STUDENT`` worst violators join the support and the loop
    repeats until nothing is violated. When few students hold violators, the
    last answer is usually a few swaps from the new optimum, so its negative
    cycles are cancelled (:func:`~matcher.matching._repair.cancel_cycles`)
    instead of solving the support again.
    """
    classes = _classes(graph)
    seed = _seed_matching(graph, classes)
    if (seed < 0).all():
        seed = _max_matching(graph)
    keep = _support(graph, classes)
    chosen = np.flatnonzero(seed >= 0)
    keep[graph.positions(chosen, seed[chosen])] = True
    most = chosen.size
    integral = bool(np.all(graph.weights == np.round(graph.weights)))
    warm, start = _auction_potentials(graph.subgraph(np.flatnonzero(keep)))
    idx = violated_pairs(graph, keep, warm, None)
    _grow(graph, keep, idx, warm, None)
    repaired = suspects = None
    while True:
        support = graph.subgraph(np.flatnonzero(keep)).with_rows()
        fixed = None if repaired is None else cancel_cycles(support, repaired, warm, suspects)
        repaired = None
        if fixed is not None:
            mate, pi = fixed
            proof = pi, None
        else:
            mate = _solve_exact(support, base=seed, fast=integral, warm=warm, start=start).mate
            proof = certificate(support, mate, most, warm)
        if proof is None:
            mate = _solve_exact(support, base=seed).mate
            proof = certificate(support, mate, most)
            if proof is None:
                return _solve_exact(graph).mate
        pi, reach = proof
        idx = violated_pairs(graph, keep, pi, reach)
        if idx.size == 0:
            return mate
        suspects = _grow(graph, keep, idx, pi, reach)
        if reach is None and suspects.sum() * REPAIR_SHARE <= graph.n_students:
            repaired = mate
        warm, start = pi, mate


def _grow(graph: Graph, keep, idx, pi, reach) -> np.ndarray:
    """Add violating pairs ``idx`` to the support ``keep``; which students hold any.

    Each student's ``PRUNE_ADD_PER_STUDENT`` worst violators join: those
    that lengthen the matching first, then by reduced score under ``pi``.
    """
    n_s = graph.n_students
    owner = graph.students_of(idx)
    count = np.bincount(owner, minlength=n_s)
    crowded = (count > PRUNE_ADD_PER_STUDENT)[owner]
    keep[idx[~crowded]] = True
    idx, owner = idx[crowded], owner[crowded]
    mentor = graph.cols[idx]
    gap = graph.weights[idx] + pi[n_s + mentor] - pi[owner]
    if reach is not None:
        gap = np.where(reach[owner] & ~reach[n_s + mentor], np.inf, gap)
    order = np.lexsort((-gap, owner))
    idx, owner = idx[order], owner[order]
    keep[idx[_ranks(_run_lengths(owner)) < PRUNE_ADD_PER_STUDENT]] = True
    return count > 0
