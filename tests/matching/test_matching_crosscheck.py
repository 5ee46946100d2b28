"""``assign`` against independent methods: brute force, integer programming, pruned solve."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matching_reference import (
    brute_force,
    check_valid,
    expanded_lapjv_optimum,
    milp_optimum,
    national_round,
    random_instance,
)
from scipy import sparse
from scipy.optimize import linear_sum_assignment

from matcher.matching import _arrays, _certify, _repair, assign, solver
from matcher.matching._graph import Graph
from matcher.matching._validation import as_graph


def _solve(score, capacity, allowed, prune):
    mate = solver.solve(as_graph(score, capacity, allowed), prune=prune)
    students = np.flatnonzero(mate >= 0)
    return students, mate[students]


def _live_graph(score, capacity, allowed):
    """The graph the solver works on: mentors without places dropped, places capped by pairs."""
    graph = as_graph(score, capacity, allowed)
    live = graph.capacity[graph.cols] > 0
    cols = graph.cols[live]
    cap = np.minimum(graph.capacity, np.bincount(cols, minlength=graph.n_mentors))
    return Graph(
        graph.n_students, graph.n_mentors, cols, graph.weights[live], cap, rows=graph.rows[live]
    )


def _negated(graph):
    """The same pairs and places with every score negated."""
    return Graph(
        graph.n_students,
        graph.n_mentors,
        graph.cols,
        -graph.weights,
        graph.capacity,
        rows=graph.rows,
    )


def _reference_arcs(graph, mate):
    """The residual arcs of ``mate``, pair by pair: sorted (tail, head, cost) triples."""
    n_s, n_m = graph.n_students, graph.n_mentors
    source, sink = n_s + n_m, n_s + n_m + 1
    load = np.bincount(mate[mate >= 0], minlength=n_m)
    arcs = []
    pairs = zip(graph.rows.tolist(), graph.cols.tolist(), graph.weights.tolist(), strict=True)
    for s, m, w in pairs:
        arcs.append((n_s + m, s, w) if mate[s] == m else (s, n_s + m, -w))
    for s in range(n_s):
        arcs.append((s, source, 0.0) if mate[s] >= 0 else (source, s, 0.0))
    for m in range(n_m):
        if load[m] > 0:
            arcs.append((sink, n_s + m, 0.0))
        if load[m] < graph.capacity[m]:
            arcs.append((n_s + m, sink, 0.0))
    return sorted(arcs)


def _arcs_of(residual):
    tails, heads, costs = residual.arcs()
    return sorted(zip(tails.tolist(), heads.tolist(), costs.tolist(), strict=True))


def _reduced_costs(residual, pi):
    """Reduced cost of every residual arc under the potentials ``pi``."""
    tails, heads, costs = residual.arcs()
    return costs + pi[tails] - pi[heads]


def _random_live_graph(seed, n_s, n_m):
    """A seeded random instance: its generator, the instance and the solver's live graph."""
    rng = np.random.default_rng(seed)
    score, capacity, allowed = random_instance(rng, n_s, n_m)
    return rng, (score, capacity, allowed), _live_graph(score, capacity, allowed)


def _optimal_residual(seed, n_s, n_m):
    """A seeded random instance's generator and the residual graph of its optimum."""
    rng, _, graph = _random_live_graph(seed, n_s, n_m)
    return rng, _certify.residual(graph, solver._solve_exact(graph).mate)


@pytest.mark.parametrize("seed", range(60))
def test_tiny_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    n_s, n_m = rng.integers(1, 6), rng.integers(1, 4)
    score, capacity, allowed = random_instance(rng, n_s, n_m, kind="int" if seed % 2 else "real")
    students, mentors = assign(score, capacity, allowed)
    total = check_valid(score, capacity, allowed, students, mentors)
    pairs, best = brute_force(score, capacity, allowed)
    assert students.size == pairs
    assert total == pytest.approx(best, abs=1e-9)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("prune", [False, True])
def test_small_against_milp(seed, prune):
    rng = np.random.default_rng(1000 + seed)
    n_s, n_m = rng.integers(5, 40), rng.integers(2, 15)
    score, capacity, allowed = random_instance(rng, n_s, n_m, kind="int" if seed % 3 else "real")
    students, mentors = _solve(score, capacity, allowed, prune)
    total = check_valid(score, capacity, allowed, students, mentors)
    pairs, best = milp_optimum(score, capacity, allowed)
    assert students.size == pairs
    assert total == pytest.approx(best, abs=1e-7)


@pytest.mark.parametrize("seed", range(6))
def test_medium_sparse_against_milp(seed):
    """Oversubscribed and undersubscribed groups, many ties, sparse input, zero capacities."""
    rng = np.random.default_rng(2000 + seed)
    n_s, n_m = 150, 50
    group_s = rng.integers(0, 4, n_s)
    group_m = rng.integers(0, 4, n_m)
    mask = (group_s[:, None] == group_m[None, :]) | (rng.random((n_s, n_m)) < 0.03)
    score = rng.integers(0, 4, (n_s, n_m)).astype(float)
    capacity = rng.integers(0, 5, n_m)
    rows, cols = np.nonzero(mask)
    matrix = sparse.csr_array((score[rows, cols], (rows, cols)), shape=(n_s, n_m))
    pairs, best = milp_optimum(score, capacity, mask)
    for prune in (False, True):
        students, mentors = _solve(matrix, capacity, None, prune)
        assert students.size == pairs
        assert check_valid(score, capacity, mask, students, mentors) == best


def test_certificate_rejects_a_suboptimal_support_answer(monkeypatch):
    """A wrong fast answer fails the certificate and the exact solve takes over."""

    fast = solver._solve_big_m

    def worst(part, warm=None, start=None):
        return fast(_negated(part))

    monkeypatch.setattr(solver, "_solve_big_m", worst)
    rng = np.random.default_rng(9)
    for _ in range(5):
        score, capacity, allowed = random_instance(rng, 30, 10)
        students, mentors = _solve(score, capacity, allowed, True)
        pairs, best = milp_optimum(score, capacity, allowed)
        assert students.size == pairs
        assert check_valid(score, capacity, allowed, students, mentors) == best


def test_bellman_ford_detects_negative_cycle():
    """Potentials exist for an optimal matching and not for a suboptimal one."""
    rows = np.array([0, 0, 1, 1])
    cols = np.array([0, 1, 0, 1])
    weights = np.array([5.0, 1.0, 1.0, 5.0])
    graph = Graph.from_pairs(2, 2, rows, cols, weights, np.array([1, 1]))
    good = np.array([0, 1])
    bad = np.array([1, 0])
    assert _certify.potentials(_certify.residual(graph, good)) is not None
    assert _certify.potentials(_certify.residual(graph, bad)) is None
    assert _certify.certificate(graph, bad) is None
    half = np.array([0, -1])
    assert _certify.certificate(graph, half) is None
    rng = np.random.default_rng(3)
    for _ in range(20):
        start = rng.integers(-10, 10, 6).astype(float)
        arcs = _certify.residual(graph, bad)
        assert _certify.potentials(arcs, start) is None
        assert _certify.certificate(graph, bad, start=start) is None


@pytest.mark.parametrize("seed", range(6))
def test_bellman_ford_from_any_start(seed):
    """From any start, the potentials of an optimal matching are the largest valid ones
    below the start."""
    rng, arcs = _optimal_residual(9100 + seed, 30, 8)
    start = rng.integers(-50, 50, arcs.n).astype(float)
    pi = _certify.potentials(arcs, start)
    assert pi is not None
    assert (_reduced_costs(arcs, pi) >= 0).all()
    assert (pi <= start).all()
    cold = _certify.potentials(arcs)
    assert (pi >= np.minimum(start, cold + (start - cold).min())).all()


@pytest.mark.parametrize("seed", range(6))
def test_residual_graph_arc_by_arc(seed):
    """The residual graph holds exactly the arcs of the matching, built pair by pair; one
    built for another matching by changing arcs equals one built afresh."""
    rng, _, graph = _random_live_graph(9400 + seed, 25, 8)
    best = solver._solve_exact(graph).mate
    worst = solver._solve_exact(_negated(graph)).mate
    for mate in (best, worst):
        assert _arcs_of(_certify.residual(graph, mate)) == _reference_arcs(graph, mate)
    changed = _certify.residual(graph, best).rematched(worst)
    assert _arcs_of(changed) == _reference_arcs(graph, worst)
    free = best.copy()
    free[rng.choice(graph.n_students, 5, replace=False)] = -1
    changed = changed.rematched(free)
    assert _arcs_of(changed) == _reference_arcs(graph, free)


@pytest.mark.parametrize("seed", range(6))
def test_bellman_ford_with_suspects_is_confirmed_on_all_pairs(seed):
    """Looking first only at some students' pairs gives the same potentials, even when
    the pairs that break the start belong to students left out."""
    rng, arcs = _optimal_residual(9500 + seed, 30, 8)
    n_s, n_m = arcs.graph.n_students, arcs.graph.n_mentors
    raised = _certify.potentials(arcs).copy()
    raised[n_s : n_s + n_m] += 100.0
    for start in (rng.integers(-50, 50, arcs.n).astype(float), raised):
        full = _certify.potentials(arcs, start)
        for suspects in (np.zeros(n_s, dtype=bool), rng.random(n_s) < 0.2):
            pi, parent = _certify.relax(arcs, start, suspects=suspects)
            assert parent is None
            np.testing.assert_array_equal(pi, full)
            assert (_reduced_costs(arcs, pi) >= 0).all()


@pytest.mark.parametrize("seed", [19, 68])
def test_certified_solve_repairs_a_late_round(monkeypatch, seed):
    """A later round with few violators cancels cycles instead of solving again; still optimal.

    A thinner first support (4 best pairs per student) leaves a few violators on these rounds;
    repairs are allowed for up to 1 student in 8 holding them.
    """
    outcomes = []
    repair = solver.cancel_cycles

    def spy(*args):
        fixed = repair(*args)
        outcomes.append(fixed is not None)
        return fixed

    monkeypatch.setattr(solver, "cancel_cycles", spy)
    monkeypatch.setattr(solver, "PRUNE_STUDENT_EDGES", 4)
    monkeypatch.setattr(solver, "REPAIR_SHARE", 8)
    matrix, capacity = national_round(np.random.default_rng(seed), 600, 150)
    students, mentors = _solve(matrix, capacity, None, True)
    pairs, best = expanded_lapjv_optimum(matrix, capacity)
    assert outcomes == [True]
    assert students.size == pairs
    assert matrix[students, mentors].sum() == best


def test_cycle_arcs_of_parent_pointers():
    """Only arcs on cycles are returned, not the trees hanging off them or fixed points."""
    parent = np.array([0, 2, 3, 1, 1, 5, 7, 6])
    tails, heads = _repair.cycle_arcs(parent)
    assert sorted(zip(tails.tolist(), heads.tolist(), strict=True)) == [
        (1, 3),
        (2, 1),
        (3, 2),
        (6, 7),
        (7, 6),
    ]


@pytest.mark.parametrize("seed", range(8))
def test_repair_reaches_the_optimum_of_a_maximum_matching(monkeypatch, seed):
    """Cancelling the negative cycles of any maximum-cardinality matching gives the optimum."""
    monkeypatch.setattr(_repair, "REPAIR_PASSES", 10_000)
    rng, problem, graph = _random_live_graph(9300 + seed, 40, 10)
    score, capacity, allowed = problem
    worst = solver._solve_exact(_negated(graph)).mate
    start = rng.integers(-5, 5, graph.n_students + graph.n_mentors + 2).astype(float)
    fixed = _repair.cancel_cycles(graph, worst, start)
    assert fixed is not None
    mate, pi = fixed
    assert (_reduced_costs(_certify.residual(graph, mate), pi) >= 0).all()
    students = np.flatnonzero(mate >= 0)
    pairs, best = milp_optimum(score, capacity, allowed)
    assert students.size == pairs
    assert check_valid(score, capacity, allowed, students, mate[students]) == best


def test_repair_gives_up_after_its_passes(monkeypatch):
    monkeypatch.setattr(_repair, "REPAIR_PASSES", 0)
    rows, cols = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    graph = Graph.from_pairs(2, 2, rows, cols, np.array([5.0, 1.0, 1.0, 5.0]), np.array([1, 1]))
    assert _repair.cancel_cycles(graph, np.array([1, 0]), None) is None


def test_cycle_check_of_parent_pointers():
    assert not _certify.has_cycle(np.array([0, 0, 1, 2]))
    assert _certify.has_cycle(np.array([0, 2, 3, 1]))


def test_seed_matching_is_maximum():
    rng = np.random.default_rng(31)
    for _ in range(10):
        n_s, n_m = 80, 25
        group_s = rng.integers(0, 5, n_s)
        group_m = rng.integers(0, 5, n_m)
        mask = group_s[:, None] == group_m[None, :]
        mask[rng.random((n_s, n_m)) < 0.02] = True
        capacity = rng.integers(0, 4, n_m)
        score = np.ones((n_s, n_m))
        seed = solver._seed_matching(_live_graph(score, capacity, mask))
        pairs, _ = milp_optimum(score, capacity, mask)
        assert (seed >= 0).sum() == pairs
        chosen = np.flatnonzero(seed >= 0)
        assert mask[chosen, seed[chosen]].all()
        assert (np.bincount(seed[chosen], minlength=n_m) <= capacity).all()


def test_seed_matching_survives_hash_collisions(monkeypatch):
    """Lumping every node into one class yields invalid pairs, caught by the check."""
    monkeypatch.setattr(solver, "_labels", lambda fingerprint: np.zeros(fingerprint.shape[1], int))
    rng = np.random.default_rng(32)
    score, capacity, allowed = random_instance(rng, 40, 12)
    students, mentors = _solve(score, capacity, allowed, True)
    pairs, best = milp_optimum(score, capacity, allowed)
    assert students.size == pairs
    assert check_valid(score, capacity, allowed, students, mentors) == best


def test_certified_path_with_huge_scores():
    """Scores near 1e13 with unit differences go through the certified path exactly."""
    rng = np.random.default_rng(33)
    for _ in range(5):
        n_s, n_m = 40, 12
        score = 1e13 * rng.integers(1, 4, (n_s, n_m)) + rng.integers(0, 3, (n_s, n_m))
        allowed = rng.random((n_s, n_m)) < 0.5
        capacity = rng.integers(0, 4, n_m)
        students, mentors = _solve(score, capacity, allowed, True)
        pairs, _ = milp_optimum(score, capacity, allowed)
        exact = _solve(score, capacity, allowed, False)
        assert students.size == pairs
        assert score[students, mentors].sum() == score[exact].sum()


@pytest.mark.parametrize("dense_cells", [0, 10**9])
def test_dense_and_sparse_part_solvers_agree(monkeypatch, dense_cells):
    monkeypatch.setattr(solver, "DENSE_CELLS", dense_cells)
    monkeypatch.setattr(solver, "DENSE_SMALL_CELLS", dense_cells)
    rng = np.random.default_rng(17)
    for _ in range(5):
        score, capacity, allowed = random_instance(rng, 25, 8)
        score[rng.random(score.shape) < 0.3] = 0.0
        students, mentors = assign(score, capacity, allowed)
        pairs, best = milp_optimum(score, capacity, allowed)
        assert students.size == pairs
        assert check_valid(score, capacity, allowed, students, mentors) == pytest.approx(best)


def test_large_pruned_equals_unpruned():
    """The certified pruned solve reaches the same optimum on a round with 60k pairs."""
    rng = np.random.default_rng(23)
    n_s, n_m = 2000, 600
    spec_s = rng.choice(8, n_s, p=np.array([8, 6, 5, 4, 3, 2, 1, 1]) / 30)
    spec_m = rng.integers(0, 8, n_m)
    mask = spec_s[:, None] == spec_m[None, :]
    score = np.where(mask, rng.integers(0, 6, (n_s, n_m)), 0).astype(float)
    capacity = rng.integers(1, 6, n_m)
    rows, cols = np.nonzero(mask)
    matrix = sparse.csr_array((score[rows, cols], (rows, cols)), shape=(n_s, n_m))
    plain = _solve(matrix, capacity, None, False)
    pruned = _solve(matrix, capacity, None, True)
    assert plain[0].size == pruned[0].size
    assert score[plain].sum() == score[pruned].sum()
    check_valid(score, capacity, mask, *pruned)


@st.composite
def instances(draw):
    n_s = draw(st.integers(0, 6))
    n_m = draw(st.integers(0, 4))
    values = st.integers(-4, 4)
    score = np.array(
        draw(st.lists(st.lists(values, min_size=n_m, max_size=n_m), min_size=n_s, max_size=n_s)),
        dtype=float,
    ).reshape(n_s, n_m)
    allowed = np.array(
        draw(
            st.lists(
                st.lists(st.booleans(), min_size=n_m, max_size=n_m), min_size=n_s, max_size=n_s
            )
        ),
        dtype=bool,
    ).reshape(n_s, n_m)
    capacity = np.array(draw(st.lists(st.integers(0, 3), min_size=n_m, max_size=n_m)), dtype=int)
    as_sparse = draw(st.booleans())
    return score, capacity, allowed, as_sparse


@settings(
    derandomize=True,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(instances())
def test_hypothesis_against_brute_force(instance):
    score, capacity, allowed, as_sparse = instance
    if as_sparse:
        rows, cols = np.nonzero(allowed)
        given_score = sparse.csr_array((score[rows, cols], (rows, cols)), shape=score.shape)
        students, mentors = assign(given_score, capacity)
    else:
        students, mentors = assign(score, capacity, allowed)
    total = check_valid(score, capacity, allowed, students, mentors)
    pairs, best = brute_force(score, capacity, allowed) if score.size else (0, 0.0)
    assert students.size == pairs
    assert total == best


@pytest.mark.parametrize(("seed", "n_s", "n_m"), [(0, 3000, 900), (1, 3000, 1100), (2, 8000, 2500)])
def test_national_round_sample_matches_expanded_baseline(seed, n_s, n_m):
    """The pruned, certified path and the default path equal the classic optimum."""
    rng = np.random.default_rng(4000 + seed)
    matrix, capacity = national_round(rng, n_s, n_m)
    students, mentors = _solve(matrix, capacity, None, True)
    pairs, best = expanded_lapjv_optimum(matrix, capacity)
    assert students.size == pairs
    assert matrix[students, mentors].sum() == best
    auto = assign(matrix, capacity)
    assert auto[0].size == pairs
    assert matrix[auto].sum() == best
    assert (np.bincount(mentors, minlength=capacity.size) <= capacity).all()


@pytest.mark.parametrize("seed", range(5))
def test_violation_check_matches_the_certificate_conditions(seed):
    """The pairs flagged outside the support are exactly those the proof does not cover."""
    rng = np.random.default_rng(5000 + seed)
    score, capacity, allowed = random_instance(rng, 60, 15)
    score[rng.random(score.shape) < 0.2] = 0.0
    graph = _live_graph(score, capacity, allowed)
    n_s, rows, cols, weights = graph.n_students, graph.rows, graph.cols, graph.weights
    keep = rng.random(rows.size) < 0.5
    support = graph.subgraph(np.flatnonzero(keep))
    mate = solver._solve_exact(support).mate
    proof = _certify.certificate(support, mate)
    assert proof is not None
    pi, reach = proof
    found = _certify.violated_pairs(graph, keep, pi, reach)
    uncovered = reach[rows] & ~reach[n_s + cols]
    negative = weights + pi[n_s + cols] - pi[rows] > 0
    expected = np.flatnonzero((uncovered | negative) & ~keep)
    np.testing.assert_array_equal(found, expected)


@pytest.mark.parametrize("seed", range(8))
def test_warm_big_m_reaches_the_optimum_from_any_prices(seed):
    """Reduced costs against arbitrary integer mentor potentials keep the optimum.

    Places are scarce and every one can be filled, as in the part the warm solve
    serves; odd seeds hand the pairs over in shuffled order.
    """
    rng = np.random.default_rng(6000 + seed)
    n_s, n_m = 30, 8
    capacity = rng.integers(1, 3, n_m)
    score = rng.integers(-3, 4, (n_s, n_m)).astype(float)
    allowed = rng.random((n_s, n_m)) < 0.5
    allowed[: capacity.sum()] |= np.repeat(np.eye(n_m, dtype=bool), capacity, axis=0)
    pairs, best = milp_optimum(score, capacity, allowed)
    assert pairs == capacity.sum()
    rows, cols = np.nonzero(allowed)
    if seed % 2:
        shuffle = rng.permutation(rows.size)
        rows, cols = rows[shuffle], cols[shuffle]
    prices = rng.integers(-20, 5, n_m).astype(float)
    part = Graph.from_pairs(n_s, n_m, rows, cols, score[rows, cols], capacity)
    mate = solver._solve_big_m(part, prices)
    students = np.flatnonzero(mate >= 0)
    assert students.size == pairs
    assert check_valid(score, capacity, allowed, students, mate[students]) == best


def test_certified_rounds_start_warm_from_the_auction(monkeypatch):
    """The first round of the pruned solve starts from the auction's prices and answer."""
    hints, starts, prices = [], [], []
    fast, exact, priced = solver._solve_big_m, solver._solve_exact, solver._auction_potentials

    def spy(part, warm=None, start=None):
        hints.append(warm is not None)
        return fast(part, warm, start)

    def spy_exact(graph, **kwargs):
        starts.append((kwargs.get("warm"), kwargs.get("start")))
        return exact(graph, **kwargs)

    def spy_prices(graph):
        pi, mate = priced(graph)
        prices.append((pi, mate))
        return pi, mate

    monkeypatch.setattr(solver, "_solve_big_m", spy)
    monkeypatch.setattr(solver, "_solve_exact", spy_exact)
    monkeypatch.setattr(solver, "_auction_potentials", spy_prices)
    monkeypatch.setattr(solver, "PRUNE_STUDENT_EDGES", 1)
    monkeypatch.setattr(solver, "PRUNE_MENTOR_FACTOR", 0)
    monkeypatch.setattr(solver, "PRUNE_ADD_PER_STUDENT", 1)
    rng = np.random.default_rng(41)
    matrix, capacity = national_round(rng, 600, 150)
    students, mentors = _solve(matrix, capacity, None, True)
    pairs, best = expanded_lapjv_optimum(matrix, capacity)
    assert students.size == pairs
    assert matrix[students, mentors].sum() == best
    assert len(prices) == 1
    n_s, n_m = matrix.shape
    assert (prices[0][0][n_s : n_s + n_m] < 0).any()
    assert starts[0][0] is prices[0][0]
    assert starts[0][1] is prices[0][1]
    assert hints
    assert all(hints)


@pytest.mark.parametrize("seed", range(40))
def test_auction_run_to_the_end_is_exact(seed):
    """With a step below 1/(n+1) and a high give-up, the auction reaches the optimum."""
    rng = np.random.default_rng(9600 + seed)
    n_s, n_m = int(rng.integers(1, 14)), int(rng.integers(1, 6))
    score, capacity, allowed = random_instance(rng, n_s, n_m)
    live = _live_graph(score, capacity, allowed)
    span = float(np.ptp(score)) + 1.0
    mate, _ = solver._auction(live, 1.0 / (n_s + 2), (n_s + 1) * span + 1.0)
    students = np.flatnonzero(mate >= 0)
    total = check_valid(score, capacity, allowed, students, mate[students])
    pairs, best = milp_optimum(score, capacity, allowed)
    assert (students.size, total) == (pairs, best)


def test_auction_prices_scale_with_the_scores():
    """Bids go in a share of the score range: scaled scores give scaled prices, same rounds."""
    rng = np.random.default_rng(9800)
    matrix, capacity = national_round(rng, 300, 80)
    n_s, n_m = matrix.shape
    indptr = matrix.indptr.astype(np.int64)
    weights = matrix.data + 1 / 3
    pi, mate = solver._auction_potentials(
        Graph(n_s, n_m, matrix.indices, weights, capacity, indptr=indptr)
    )
    scaled, same = solver._auction_potentials(
        Graph(n_s, n_m, matrix.indices, weights * 1024, capacity, indptr=indptr)
    )
    assert (pi[n_s : n_s + n_m] < 0).any()
    np.testing.assert_array_equal(scaled, pi * 1024)
    np.testing.assert_array_equal(same, mate)


def test_auction_stops_after_its_rounds():
    rng = np.random.default_rng(9900)
    matrix, capacity = national_round(rng, 200, 50)
    live = _live_graph(matrix, capacity, None)
    untouched, price = solver._auction(live, 1.0, 24.0, rounds=0)
    assert (untouched < 0).all()
    assert (price == 0).all()
    once, _ = solver._auction(live, 1.0, 24.0, rounds=1)
    done, _ = solver._auction(live, 1.0, 24.0)
    assert 0 < (once >= 0).sum() < (done >= 0).sum()


@pytest.mark.parametrize("seed", range(6))
def test_auction_stopped_early_keeps_capacities_and_prices(seed):
    """An early stop leaves a feasible partial matching whose prices are what its holders paid."""
    rng = np.random.default_rng(9700 + seed)
    matrix, capacity = national_round(rng, 300, 80)
    live = _live_graph(matrix, capacity, None)
    mate, price = solver._auction(live, 2.0, 24.0, stop=10)
    n_s, n_m, cap = live.n_students, live.n_mentors, live.capacity
    rows, cols = live.rows, live.cols
    placed = np.flatnonzero(mate >= 0)
    assert n_s - placed.size <= n_s // 2
    load = np.bincount(mate[placed], minlength=n_m)
    assert (load <= cap).all()
    pair_set = set(zip(rows.tolist(), cols.tolist(), strict=True))
    assert all((s, int(mate[s])) in pair_set for s in placed)
    assert (price[load < cap] == 0).all()
    assert (price[(load == cap) & (cap > 0)] > 0).all()
    assert (price == np.floor(price)).all()


@pytest.mark.parametrize("seed", range(6))
def test_blocked_passes_with_tiny_blocks(monkeypatch, seed):
    """Counting each mentor's pairs in many blocks (empty students included) stays exact."""
    monkeypatch.setattr(solver, "BLOCK_EDGES", 7)
    rng = np.random.default_rng(7000 + seed)
    score, capacity, allowed = random_instance(rng, 40, 12)
    allowed[rng.random(40) < 0.2] = False
    rows, cols = np.nonzero(allowed)
    matrix = sparse.csr_array((score[rows, cols], (rows, cols)), shape=score.shape)
    students, mentors = _solve(matrix, capacity, None, True)
    pairs, best = milp_optimum(score, capacity, allowed)
    assert students.size == pairs
    assert check_valid(score, capacity, allowed, students, mentors) == best


def test_find_pairs_against_a_set_lookup():
    rng = np.random.default_rng(71)
    mask = rng.random((30, 9)) < 0.3
    mask[5] = False
    rows, cols = np.nonzero(mask)
    indptr = np.concatenate([[0], np.cumsum(mask.sum(axis=1))])
    students = rng.integers(0, 30, 200)
    mentors = rng.integers(0, 9, 200)
    found = _arrays.find_pairs(indptr, cols, students, mentors)
    assert ((found >= 0) == mask[students, mentors]).all()
    hit = found >= 0
    assert (rows[found[hit]] == students[hit]).all()
    assert (cols[found[hit]] == mentors[hit]).all()
    nothing = _arrays.find_pairs(np.zeros(31, dtype=np.int64), cols[:0], students, mentors)
    assert (nothing == -1).all()


@pytest.mark.parametrize("high", [100, 2**16, 2**31])
def test_stable_order_matches_numpy(high):
    keys = np.random.default_rng(high).integers(0, high, 5000)
    np.testing.assert_array_equal(solver._stable_order(keys), np.argsort(keys, kind="stable"))


def test_distinct_matches_unique():
    values = np.random.default_rng(3).integers(0, 50, 400)
    np.testing.assert_array_equal(_arrays.distinct(values), np.unique(values))
    assert _arrays.distinct(np.zeros(0, dtype=np.int64)).size == 0


def test_contains_matches_isin():
    rng = np.random.default_rng(4)
    ordered = _arrays.distinct(rng.integers(0, 200, 150))
    values = rng.integers(-5, 210, 1000)
    np.testing.assert_array_equal(_arrays.contains(ordered, values), np.isin(values, ordered))
    assert not _arrays.contains(np.zeros(0, dtype=np.int64), values).any()


@pytest.mark.parametrize("seed", range(6))
def test_a_part_with_more_students_than_places_fills_them_on_the_kernel(seed):
    """Every place filled at the largest total, by the kernel on the mentors' places: equal to
    dense LAPJV on a matrix of places by students (fractional scores with ties)."""
    rng = np.random.default_rng(seed)
    n_s, n_m = 400, 60
    capacity = rng.integers(1, 5, n_m)
    allowed = rng.random((n_s, n_m)) < 0.12
    owner = np.repeat(np.arange(n_m), capacity)
    allowed[rng.permutation(n_s)[: owner.size], owner] = True
    score = np.round(rng.random((n_s, n_m)) * 4, 1) - 1.0
    rows, cols = np.nonzero(allowed)
    part = Graph.from_pairs(n_s, n_m, rows, cols, score[rows, cols], capacity).with_rows()
    assert n_s * owner.size > solver.DENSE_SMALL_CELLS
    assert 2 * allowed.sum() < n_s * owner.size

    students, mentors = solver._full_matching(part)

    assert np.array_equal(np.bincount(mentors, minlength=n_m), capacity)
    assert np.unique(students).size == students.size
    assert allowed[students, mentors].all()
    places = np.where(allowed.T[owner], -score.T[owner], np.inf)
    r, c = linear_sum_assignment(places)
    assert score[students, mentors].sum() == pytest.approx(score[c, owner[r]].sum(), abs=1e-9)


def test_the_proof_takes_rounding_noise_for_a_tie_but_not_a_real_gain():
    """0.1 + 0.2 reads 5.6e-17 above 0.3 + 0.0 in floating point: the two matchings tie, and
    the proof accepts either, without calling the other pairs violators; a gain of a millionth
    is still a gain, and the proof fails."""
    rows, cols = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    capacity = np.ones(2, dtype=np.int64)
    crossed = np.array([1, 0])
    tie = Graph.from_pairs(2, 2, rows, cols, np.array([0.1, 0.3, 0.0, 0.2]), capacity)
    assert 0.1 + 0.2 > 0.3 + 0.0
    proof = _certify.certificate(tie, crossed)
    assert proof is not None
    support = np.array([False, True, True, False])
    assert _certify.violated_pairs(tie, support, proof[0], None).size == 0
    gain = Graph.from_pairs(2, 2, rows, cols, np.array([0.1, 0.3, 0.0, 0.2 + 1e-6]), capacity)
    assert _certify.certificate(gain, crossed) is None
