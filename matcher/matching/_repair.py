"""Cancelling the negative cycles of a nearly optimal matching, instead of solving again.

When few students hold pairs that break the last proof, the last answer is
usually a few swaps from the new optimum: Bellman-Ford from the last
potentials stops at the first cycle among its parent arcs, every such cycle
is negative and they are disjoint, so all of them are applied at once.
"""

from __future__ import annotations

import numpy as np

from ._arrays import distinct
from ._certify import far_ancestors, relax, residual
from ._graph import Graph

REPAIR_PASSES = 32
"""Most cycle-cancelling passes before a repair gives way to a full solve."""
REPAIR_CHECK = 4
"""Relaxation rounds between two cycle checks during a repair."""


def cycle_arcs(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tails and heads of the arcs ``parent[v] -> v`` on the cycles of the parent graph."""
    jump = far_ancestors(parent)
    on = np.zeros(parent.size, dtype=bool)
    frontier = distinct(jump[parent[jump] != jump])
    while frontier.size:
        on[frontier] = True
        frontier = parent[frontier]
        frontier = frontier[~on[frontier]]
    heads = np.flatnonzero(on)
    return parent[heads], heads


def cancel_cycles(graph: Graph, mate: np.ndarray, start, suspects=None) -> tuple | None:
    """Cancel the negative cycles of a nearly optimal matching on the pairs of a graph.

    Parameters
    ----------
    graph : Graph
        The pairs and capacities.
    mate : numpy.ndarray of intp, shape (n_students,)
        Mentor of each student, or -1: a matching of the most pairs.
    start : numpy.ndarray or None
        Potentials to start each Bellman-Ford pass from (the last round's).
    suspects : numpy.ndarray of bool, optional
        Students whose pairs may break ``start`` for ``mate`` (all when
        omitted); students on a cancelled cycle join them.

    Returns
    -------
    tuple or None
        ``(mate, pi)``: the matching with every cycle cancelled, each raising
        the score at the same number of pairs, and its potentials; None after
        ``REPAIR_PASSES`` passes.
    """
    n_s, n_m = graph.n_students, graph.n_mentors
    arcs = residual(graph, mate)
    suspects = np.ones(n_s, dtype=bool) if suspects is None else suspects.copy()
    for _ in range(REPAIR_PASSES):
        pi, parent = relax(arcs, start, REPAIR_CHECK, suspects)
        if parent is None:
            return mate, pi
        tail, head = cycle_arcs(parent)
        moves = (tail < n_s) & (head >= n_s) & (head < n_s + n_m)
        leaves = (tail < n_s) & (head == n_s + n_m)
        mate = mate.copy()
        mate[tail[moves]] = head[moves] - n_s
        mate[tail[leaves]] = -1
        suspects[tail[tail < n_s]] = True
        suspects[head[head < n_s]] = True
        arcs = arcs.rematched(mate)
    return None
