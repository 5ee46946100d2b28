"""The solver's graph: row pointer and students of pairs agree, views keep the pairs."""

import numpy as np
import pytest

from matcher.matching._graph import Graph, reached


def _random_graph(seed):
    rng = np.random.default_rng(seed)
    n_s, n_m = 30, 9
    mask = rng.random((n_s, n_m)) < 0.3
    mask[rng.integers(0, n_s, 4)] = False
    rows, cols = np.nonzero(mask)
    weights = rng.integers(-5, 6, rows.size).astype(float)
    return rng, mask, Graph(n_s, n_m, cols, weights, rng.integers(0, 4, n_m), rows=rows)


@pytest.mark.parametrize("seed", range(4))
def test_row_pointer_and_rows_agree(seed):
    _, mask, graph = _random_graph(seed)
    indptr = np.concatenate([[0], np.cumsum(mask.sum(axis=1))])
    np.testing.assert_array_equal(graph.indptr, indptr)
    np.testing.assert_array_equal(graph.degree, mask.sum(axis=1))
    by_pointer = Graph(
        graph.n_students, graph.n_mentors, graph.cols, graph.weights, graph.capacity, indptr=indptr
    )
    np.testing.assert_array_equal(by_pointer.rows, graph.rows)
    assert by_pointer.rows is not by_pointer.rows
    held = by_pointer.with_rows()
    assert held.rows is held.rows
    assert held.with_rows() is held
    np.testing.assert_array_equal(held.rows, graph.rows)


@pytest.mark.parametrize("seed", range(4))
def test_pairs_in_any_order_are_sorted(seed):
    rng, _, graph = _random_graph(seed)
    shuffle = rng.permutation(graph.cols.size)
    mixed = Graph.from_pairs(
        graph.n_students,
        graph.n_mentors,
        graph.rows[shuffle],
        graph.cols[shuffle],
        graph.weights[shuffle],
        graph.capacity,
    )
    np.testing.assert_array_equal(mixed.rows, graph.rows)
    np.testing.assert_array_equal(mixed.cols, graph.cols)
    np.testing.assert_array_equal(mixed.weights, graph.weights)


@pytest.mark.parametrize("seed", range(4))
def test_subgraph_and_lookups(seed):
    rng, mask, graph = _random_graph(seed)
    pairs = np.flatnonzero(rng.random(graph.cols.size) < 0.4)
    sub = graph.subgraph(pairs)
    np.testing.assert_array_equal(sub.rows, graph.rows[pairs])
    np.testing.assert_array_equal(sub.cols, graph.cols[pairs])
    np.testing.assert_array_equal(sub.weights, graph.weights[pairs])
    np.testing.assert_array_equal(
        sub.indptr,
        Graph.from_pairs(
            graph.n_students,
            graph.n_mentors,
            graph.rows[pairs],
            graph.cols[pairs],
            graph.weights[pairs],
            graph.capacity,
        ).indptr,
    )
    np.testing.assert_array_equal(graph.students_of(pairs), graph.rows[pairs])
    students = rng.choice(graph.n_students, 7, replace=False)
    at = graph.pairs_of(students)
    np.testing.assert_array_equal(graph.rows[at], np.repeat(students, graph.degree[students]))
    s, m = rng.integers(0, graph.n_students, 50), rng.integers(0, graph.n_mentors, 50)
    where = graph.positions(s, m)
    assert ((where >= 0) == mask[s, m]).all()
    capacity = graph.capacity + 1
    other = graph.with_capacity(capacity)
    assert other.capacity is capacity
    assert other.cols is graph.cols


def test_reached_follows_arcs_from_the_root():
    tails, heads = np.array([0, 1, 3, 4]), np.array([1, 2, 4, 3])
    np.testing.assert_array_equal(
        reached(5, tails, heads, 0), np.array([True, True, True, False, False])
    )


def test_a_graph_needs_its_row_pointer_or_rows():
    with pytest.raises(TypeError):
        Graph(1, 1, np.zeros(0, int), np.zeros(0), np.ones(1, int))
