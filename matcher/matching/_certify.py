"""Proof that a matching is optimal on a graph, and the pairs outside it that break the proof.

A matching has the most pairs if no alternating path from a free student
reaches a mentor with a free place (Konig), and the largest score for that
many pairs if node potentials give every arc of its residual graph a
non-negative reduced cost (no negative cycle). The potentials come from a
vectorised Bellman-Ford that starts from an earlier round's potentials and
looks again only at the pairs whose student changed; a cycle among the arcs
that last improved each node shows the matching is not optimal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ._graph import Graph, reached
from ._kernels import violations

BELLMAN_FORD_CHECK = 32
"""Relaxation rounds between two negative-cycle checks."""
TOLERANCE = 1e-9
"""Share of the largest score by which a potential must improve to count. Potentials are
sums along paths of thousands of pairs, and fractional scores that tie (as a round's do) leave
rounding noise of about 1e-12 in them: compared exactly, a cycle of ties then reads as
negative and an optimal matching fails its proof."""


def tolerance(weights: np.ndarray) -> float:
    """The least improvement that counts for scores ``weights`` (see :data:`TOLERANCE`)."""
    return TOLERANCE * max(1.0, float(np.abs(weights).max(initial=0.0)))


@dataclass(frozen=True)
class Residual:
    """Residual graph of a matching on the pairs of a graph, for Bellman-Ford.

    Nodes: students, mentors, source, sink. Arcs: student to mentor for each
    unmatched pair (cost ``-score``, held in ``out_cost`` by pair, ``inf`` for
    the matched ones), mentor to its students (``via``, cost ``via_score``;
    only pairs of the graph), source to free students, matched students to
    source, sink to mentors with a student, and mentors with a free place to
    sink (cost 0). ``graph`` holds the student of each pair.
    """

    graph: Graph
    out_cost: np.ndarray
    mate: np.ndarray
    via: np.ndarray
    via_score: np.ndarray
    load: np.ndarray
    tolerance: float = 0.0

    @property
    def n(self) -> int:
        """Number of nodes."""
        return self.graph.n_students + self.graph.n_mentors + 2

    def ends(self) -> tuple[np.ndarray, ...]:
        """Ends of the arcs other than the unmatched pairs' student-to-mentor arcs.

        ``(matched, listed, unmatched, taken, room)``: matched students (arc to
        the source), students whose pair is in the graph (arc from their
        mentor), free students (arc from the source), mentors with a student
        (arc from the sink) and mentors with a free place (arc to the sink).
        """
        return (
            np.flatnonzero(self.mate >= 0),
            np.flatnonzero(self.via >= 0),
            np.flatnonzero(self.mate < 0),
            np.flatnonzero(self.load > 0),
            np.flatnonzero(self.load < self.graph.capacity),
        )

    def arcs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every residual arc as ``(tails, heads, costs)``, in no particular order."""
        n_s, n_m = self.graph.n_students, self.graph.n_mentors
        source, sink = n_s + n_m, n_s + n_m + 1
        free = np.isfinite(self.out_cost)
        matched, listed, unmatched, taken, room = self.ends()
        groups = (
            (self.graph.rows[free], n_s + self.graph.cols[free], self.out_cost[free]),
            (n_s + self.via[listed], listed, self.via_score[listed]),
            (np.full(unmatched.size, source), unmatched, np.zeros(unmatched.size)),
            (matched, np.full(matched.size, source), np.zeros(matched.size)),
            (np.full(taken.size, sink), n_s + taken, np.zeros(taken.size)),
            (n_s + room, np.full(room.size, sink), np.zeros(room.size)),
        )
        tails, heads, costs = zip(*groups, strict=True)
        return np.concatenate(tails), np.concatenate(heads), np.concatenate(costs)

    def rematched(self, mate: np.ndarray) -> Residual:
        """The residual graph of another matching on the same pairs, changing only its arcs."""
        moved = np.flatnonzero(mate != self.mate)
        old, new = self.mate[moved], mate[moved]
        out_cost, via, via_score = self.out_cost.copy(), self.via.copy(), self.via_score.copy()
        left = old >= 0
        at = self.graph.positions(moved[left], old[left])
        listed = at >= 0
        out_cost[at[listed]] = -via_score[moved[left][listed]]
        via[moved] = -1
        via_score[moved] = 0.0
        joined = new >= 0
        at = self.graph.positions(moved[joined], new[joined])
        listed = at >= 0
        students = moved[joined][listed]
        via_score[students] = -out_cost[at[listed]]
        via[students] = new[joined][listed]
        out_cost[at[listed]] = np.inf
        load = np.bincount(mate[mate >= 0], minlength=self.graph.n_mentors)
        return replace(self, out_cost=out_cost, mate=mate, via=via, via_score=via_score, load=load)


def residual(graph: Graph, mate: np.ndarray) -> Residual:
    """Residual graph of ``mate`` (mentor of each student, or -1) on the pairs of ``graph``."""
    graph = graph.with_rows()
    rows, cols, weights = graph.rows, graph.cols, graph.weights
    matched = mate[rows] == cols
    out_cost = np.negative(weights)
    out_cost[matched] = np.inf
    via = np.full(graph.n_students, -1)
    via[rows[matched]] = cols[matched]
    via_score = np.zeros(graph.n_students)
    via_score[rows[matched]] = weights[matched]
    load = np.bincount(mate[mate >= 0], minlength=graph.n_mentors)
    return Residual(graph, out_cost, mate, via, via_score, load, tolerance(weights))


def far_ancestors(parent: np.ndarray) -> np.ndarray:
    """Each node's ancestor at least ``n`` steps up ``v -> parent[v]``: on a cycle or a root."""
    jump = parent.copy()
    for _ in range(max(1, int(np.ceil(np.log2(parent.size + 1))))):
        jump = jump[jump]
    return jump


def has_cycle(parent: np.ndarray) -> bool:
    """Whether the functional graph ``v -> parent[v]`` has a cycle other than self-loops."""
    jump = far_ancestors(parent)
    return bool((parent[jump] != jump).any())


def potentials(arcs: Residual, start=None) -> np.ndarray | None:
    """Node potentials with non-negative reduced cost on every residual arc, or None.

    See :func:`relax`; None means a negative cycle (the matching is not optimal).
    """
    pi, parent = relax(arcs, start)
    return None if parent is not None else pi


def relax(
    arcs: Residual, start=None, check=None, suspects=None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Bellman-Ford: ``(potentials, None)``, or ``(partial potentials, parents)`` on a cycle.

    Vectorised relaxation from ``start`` (zero when omitted: a virtual root
    joined to every node); the result is the largest valid potential below
    it, so a near-valid start from an earlier round needs few sweeps. Each
    sweep relaxes the arcs into students, then the arcs of the pairs into
    mentors, then those into the source and sink, each with the values just
    found. A pair's arc is looked at again only when its student's value has
    dropped since, so late sweeps touch few pairs; ``suspects`` (students)
    limits the first look to the pairs that may break the start, and one
    sweep over all pairs confirms the end. A cycle among the arcs
    that last improved each node (``parents``), looked for every ``check``
    sweeps (``BELLMAN_FORD_CHECK`` by default), can only be negative. A
    potential improves only by more than ``arcs.tolerance``, so rounding noise
    makes no cycle, and every reduced cost of the result is above
    ``-arcs.tolerance``.
    """
    check = BELLMAN_FORD_CHECK if check is None else check
    tol = arcs.tolerance
    graph = arcs.graph
    n_s, n_m = graph.n_students, graph.n_mentors
    source, sink = n_s + n_m, n_s + n_m + 1
    pi = np.zeros(arcs.n) if start is None else np.array(start, dtype=float)
    parent = np.arange(arcs.n)
    pi_s, pi_m = pi[:n_s], pi[n_s : n_s + n_m]
    matched, listed, unmatched, taken, room = arcs.ends()
    their_mentor = arcs.via[listed]
    their_score = arcs.via_score[listed]
    rows, cols, out_cost, degree = graph.rows, graph.cols, arcs.out_cost, graph.degree
    dropped = np.ones(n_s, dtype=bool) if suspects is None else suspects.copy()
    confirmed = suspects is None
    best = np.empty(n_m)
    for step in range(1, arcs.n + 2):
        changed = False
        offer = pi_m[their_mentor] + their_score
        better = offer < pi_s[listed] - tol
        if better.any():
            students = listed[better]
            pi_s[students] = offer[better]
            parent[students] = n_s + their_mentor[better]
            dropped[students] = True
            changed = True
        if unmatched.size:
            better = pi[source] < pi_s[unmatched] - tol
            if better.any():
                students = unmatched[better]
                pi_s[students] = pi[source]
                parent[students] = source
                dropped[students] = True
                changed = True

        students = np.flatnonzero(dropped)
        if int(degree[students].sum()) * 3 > rows.size:
            tails, heads, offer = rows, cols, pi_s[rows] + out_cost
        else:
            at = graph.pairs_of(students)
            tails, heads = np.repeat(students, degree[students]), cols[at]
            offer = pi_s[tails] + out_cost[at]
        dropped[:] = False
        best.fill(np.inf)
        np.minimum.at(best, heads, offer)
        improved = best < pi_m - tol
        if improved.any():
            hit = improved[heads]
            hit &= offer == best[heads]
            hit = np.flatnonzero(hit)
            pi_m[improved] = best[improved]
            parent[n_s + heads[hit]] = tails[hit]
            changed = True

        if taken.size:
            better = pi[sink] < pi_m[taken] - tol
            if better.any():
                pi_m[taken[better]] = pi[sink]
                parent[n_s + taken[better]] = sink
                changed = True
        for members, head, values in ((matched, source, pi_s), (room, sink, pi_m)):
            if members.size:
                low = int(np.argmin(values[members]))
                if values[members[low]] < pi[head] - tol:
                    pi[head] = values[members[low]]
                    parent[head] = members[low] + (n_s if head == sink else 0)
                    changed = True
        if not changed:
            if confirmed:
                return pi, None
            dropped[:] = True
            confirmed = True
            continue
        if step % check == 0 and has_cycle(parent):
            return pi, parent
    return pi, parent


def reach_from_free(graph: Graph, mate: np.ndarray, matched=None) -> np.ndarray:
    """Nodes an alternating path from a free student reaches (students, mentors, root).

    Unmatched pairs lead from student to mentor and matched ones back;
    ``matched`` (whether each pair is in ``mate``) is computed when omitted.
    """
    n_s, n_m = graph.n_students, graph.n_mentors
    rows, cols = graph.rows, graph.cols
    if matched is None:
        matched = mate[rows] == cols
    free = np.flatnonzero(mate < 0)
    root = n_s + n_m
    return reached(
        root + 1,
        np.concatenate([rows[~matched], n_s + cols[matched], np.full(free.size, root)]),
        np.concatenate([n_s + cols[~matched], rows[matched], free]),
        root,
    )


def certificate(graph: Graph, mate: np.ndarray, most=None, start=None):
    """Potentials and alternating reach proving ``mate`` optimal on the pairs of ``graph``.

    Parameters
    ----------
    graph : Graph
        The pairs and capacities, holding the student of each pair.
    mate : numpy.ndarray of intp, shape (n_students,)
        Mentor of each student, or -1.
    most : int, optional
        Size of a maximum matching of all pairs: when ``mate`` has that many
        pairs, no pair can lengthen it and the reach is not needed.
    start : numpy.ndarray, optional
        Potentials to start Bellman-Ford from (the last round's).

    Returns
    -------
    tuple or None
        ``(pi, reach)``: node potentials (students, mentors, source, sink)
        with non-negative reduced cost on every residual arc, and the nodes
        an alternating path from a free student reaches (None when ``mate``
        has ``most`` pairs); None if ``mate`` is not optimal: a residual
        negative cycle, or a free place such a path reaches (Konig).
    """
    arcs = residual(graph, mate)
    pi = potentials(arcs, start)
    if pi is None:
        return None
    if most is not None and int((mate >= 0).sum()) == most:
        return pi, None
    reach = reach_from_free(arcs.graph, mate)
    load = np.bincount(mate[mate >= 0], minlength=graph.n_mentors)
    n_s, n_m = graph.n_students, graph.n_mentors
    if (reach[n_s : n_s + n_m] & (load < graph.capacity)).any():
        return None
    return pi, reach


def violated_pairs(graph: Graph, keep: np.ndarray, pi: np.ndarray, reach) -> np.ndarray:
    """Positions of the pairs outside the support that break a proof of optimality.

    Parameters
    ----------
    graph : Graph
        All pairs.
    keep : numpy.ndarray of bool
        Whether each pair is in the support the proof was made on.
    pi : numpy.ndarray of float64
        Node potentials of the proof (students, mentors, source, sink).
    reach : numpy.ndarray of bool or None
        Nodes an alternating path from a free student reaches; None when the
        matching is known to be of maximum size.

    Returns
    -------
    numpy.ndarray of intp
        Ascending positions of the pairs outside the support that join a
        reached student to a mentor not reached (the Konig cover misses them)
        or whose reduced score under ``pi`` is above the scores'
        :func:`tolerance`. One compiled sweep over the pairs
        (:func:`~matcher.matching._kernels.violations`).
    """
    n_s, n_m = graph.n_students, graph.n_mentors
    if reach is None:
        reach = np.zeros(n_s + n_m, dtype=bool)
    return violations(
        *graph.sweep_arrays,
        np.ascontiguousarray(graph.weights, dtype=np.float64),
        keep.view(np.int8),
        np.ascontiguousarray(pi[:n_s] + tolerance(graph.weights), dtype=np.float64),
        np.ascontiguousarray(pi[n_s : n_s + n_m], dtype=np.float64),
        reach[:n_s].view(np.int8),
        np.ascontiguousarray(~reach[n_s : n_s + n_m]).view(np.int8),
    ).astype(np.intp, copy=False)
