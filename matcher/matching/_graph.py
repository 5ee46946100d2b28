"""The allowed pairs of a problem as one CSR graph by student, with the mentors' capacities."""

from __future__ import annotations

from functools import cached_property

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import breadth_first_order

from ._arrays import find_pairs, row_starts


class Graph:
    """Allowed student-mentor pairs, sorted by student then mentor, and mentor capacities.

    A graph is built from its row pointer or from the student of each pair;
    the other is derived on first use. The row pointer, each student's
    number of pairs and the arrays the compiled sweeps take (the graph's own
    for int32 or int64 mentors) are cached. The student of each pair is kept
    only when the graph was built from it (or by :meth:`with_rows`), since it
    holds one integer per pair: the graph of a national round computes it
    where it is read.

    Parameters
    ----------
    n_students, n_mentors : int
        Number of students (rows) and mentors (columns).
    cols : numpy.ndarray of int
        Mentor of each pair, ascending within each student's pairs.
    weights : numpy.ndarray of float64
        Finite score of each pair.
    capacity : numpy.ndarray of int64, shape (n_mentors,)
        Places of each mentor.
    indptr : numpy.ndarray of int64, shape (n_students + 1,), optional
        Start of each student's pairs, then their total.
    rows : numpy.ndarray of intp, optional
        Student of each pair, ascending. One of ``indptr`` and ``rows`` is needed.
    """

    def __init__(self, n_students, n_mentors, cols, weights, capacity, *, indptr=None, rows=None):
        if indptr is None and rows is None:
            raise TypeError("a graph needs its row pointer or the student of each pair")
        self.n_students = int(n_students)
        self.n_mentors = int(n_mentors)
        self.cols = cols
        self.weights = weights
        self.capacity = capacity
        self._indptr = indptr
        self._rows = rows

    @classmethod
    def from_pairs(cls, n_students, n_mentors, rows, cols, weights, capacity) -> Graph:
        """The graph of distinct pairs given in any order."""
        ordered = (rows[1:] > rows[:-1]) | ((rows[1:] == rows[:-1]) & (cols[1:] > cols[:-1]))
        if not ordered.all():
            order = np.lexsort((cols, rows))
            rows, cols, weights = rows[order], cols[order], weights[order]
        return cls(n_students, n_mentors, cols, weights, capacity, rows=rows)

    @property
    def indptr(self) -> np.ndarray:
        """Start of each student's pairs, and their total at the end."""
        if self._indptr is None:
            self._indptr = row_starts(self._rows, self.n_students)
        return self._indptr

    @property
    def rows(self) -> np.ndarray:
        """Student of each pair; computed on each read unless the graph holds them."""
        if self._rows is not None:
            return self._rows
        return np.repeat(np.arange(self.n_students, dtype=np.intp), self.degree)

    @cached_property
    def degree(self) -> np.ndarray:
        """Number of pairs of each student."""
        return np.diff(self.indptr)

    @cached_property
    def sweep_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``indptr`` and ``cols`` as the compiled sweeps take them: int64, and int32 or int64."""
        cols = self.cols
        if cols.dtype != np.int32:
            cols = np.ascontiguousarray(cols, dtype=np.int64)
        return np.ascontiguousarray(self.indptr, dtype=np.int64), cols

    def with_rows(self) -> Graph:
        """This graph holding the student of each pair, for readers that need it more than once."""
        if self._rows is not None:
            return self
        return self._changed(indptr=self.indptr, rows=self.rows)

    def with_capacity(self, capacity: np.ndarray) -> Graph:
        """The same pairs with other mentor capacities."""
        return self._changed(capacity=capacity)

    def _changed(self, **changes) -> Graph:
        """A graph of the same size built from this one's arrays, some of them replaced."""
        arrays = {
            "cols": self.cols,
            "weights": self.weights,
            "capacity": self.capacity,
            "indptr": self._indptr,
            "rows": self._rows,
        }
        return Graph(self.n_students, self.n_mentors, **(arrays | changes))

    def subgraph(self, pairs: np.ndarray) -> Graph:
        """The graph of the pairs at the ascending positions ``pairs``, same capacities."""
        return Graph(
            self.n_students,
            self.n_mentors,
            self.cols[pairs],
            self.weights[pairs],
            self.capacity,
            indptr=np.searchsorted(pairs, self.indptr),
        )

    def positions(self, students: np.ndarray, mentors: np.ndarray) -> np.ndarray:
        """Position of each (student, mentor) pair among the pairs, or -1."""
        return find_pairs(self.indptr, self.cols, students, mentors)

    def pairs_of(self, students: np.ndarray) -> np.ndarray:
        """Positions of all pairs of the given students, student by student."""
        count = self.degree[students]
        start = np.repeat(self.indptr[students] - (np.cumsum(count) - count), count)
        return start + np.arange(int(count.sum()))

    def students_of(self, pairs: np.ndarray) -> np.ndarray:
        """Student of each of the ascending pair positions ``pairs``."""
        count = np.diff(np.searchsorted(pairs, self.indptr))
        return np.repeat(np.arange(count.size, dtype=np.intp), count)


def reached(n_nodes: int, tails: np.ndarray, heads: np.ndarray, root: int) -> np.ndarray:
    """Which of ``n_nodes`` nodes a path from ``root`` along the arcs ``tails -> heads`` reaches."""
    graph = sparse.csr_array(
        (np.ones(tails.size, dtype=np.int8), (tails, heads)), shape=(n_nodes, n_nodes)
    )
    seen = np.zeros(n_nodes, dtype=bool)
    seen[breadth_first_order(graph, root, directed=True, return_predecessors=False)] = True
    return seen
