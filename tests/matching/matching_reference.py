"""Independent reference solvers and instance generators for the matching tests."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from matcher.matching import MentorFeatures, StudentFeatures

REPO = Path(__file__).resolve().parents[2]


def orlib_dir() -> Path:
    """OR-Library folder: ``$ORLIB_DIR`` or ``<repo>/../shared/orlib``."""
    return Path(os.environ.get("ORLIB_DIR", REPO.parent / "shared" / "orlib"))


def edges_of(score, allowed=None):
    """(rows, cols, weights) of the allowed pairs, straight from the input."""
    if sparse.issparse(score):
        coo = sparse.coo_array(score)
        return coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data.astype(float)
    score = np.asarray(score, dtype=float)
    mask = np.ones(score.shape, bool) if allowed is None else np.asarray(allowed)
    rows, cols = np.nonzero(mask)
    return rows, cols, score[rows, cols]


def brute_force(score, capacity, allowed=None) -> tuple[int, float]:
    """Best (pairs, total) over every assignment; for tiny instances only."""
    n_s, n_m = score.shape
    rows, cols, w = edges_of(score, allowed)
    table = np.full((n_s, n_m + 1), np.nan)
    table[:, n_m] = 0.0
    table[rows, cols] = w
    best = (-1, -np.inf)
    for choice in itertools.product(range(n_m + 1), repeat=n_s):
        choice = np.array(choice, dtype=np.int64)
        values = table[np.arange(n_s), choice]
        if np.isnan(values).any():
            continue
        used = choice[choice < n_m]
        if (np.bincount(used, minlength=n_m) > capacity).any():
            continue
        key = (used.size, values.sum())
        if key[0] > best[0] or (key[0] == best[0] and key[1] > best[1]):
            best = key
    return best[0], float(best[1]) if best[0] > 0 else 0.0


def milp_optimum(score, capacity, allowed=None) -> tuple[int, float]:
    """Lexicographic optimum by two integer programs (HiGHS): pairs, then total."""
    n_s, n_m = score.shape
    rows, cols, w = edges_of(score, allowed)
    n_e = rows.size
    if n_e == 0:
        return 0, 0.0
    a = sparse.vstack(
        [
            sparse.csr_array((np.ones(n_e), (rows, np.arange(n_e))), shape=(n_s, n_e)),
            sparse.csr_array((np.ones(n_e), (cols, np.arange(n_e))), shape=(n_m, n_e)),
        ]
    )
    ub = np.concatenate([np.ones(n_s), np.asarray(capacity, float)])
    limits = LinearConstraint(a, -np.inf, ub)
    integral = np.ones(n_e)
    first = milp(-np.ones(n_e), constraints=[limits], integrality=integral, bounds=Bounds(0, 1))
    k = round(-first.fun)
    fix = LinearConstraint(np.ones((1, n_e)), k, k)
    second = milp(-w, constraints=[limits, fix], integrality=integral, bounds=Bounds(0, 1))
    return k, float(-second.fun)


def random_instance(rng: np.random.Generator, n_s: int, n_m: int, *, kind: str = "int"):
    """Random scores with ties and negatives, a random mask and capacities with zeros."""
    if kind == "int":
        score = rng.integers(-3, 4, (n_s, n_m)).astype(float)
    else:
        score = np.round(rng.normal(size=(n_s, n_m)), 1)
    allowed = rng.random((n_s, n_m)) < rng.uniform(0.2, 1.0)
    capacity = rng.integers(0, 3, n_m)
    return score, capacity, allowed


def check_valid(score, capacity, allowed, students, mentors) -> float:
    """Assert the contract's feasibility rules; return the total score."""
    assert students.dtype == np.intp
    assert mentors.dtype == np.intp
    assert students.shape == mentors.shape
    assert np.all(np.diff(students) > 0), "pairs must be sorted by student, each once"
    n_m = score.shape[1]
    assert (np.bincount(mentors, minlength=n_m) <= capacity).all()
    rows, cols, w = edges_of(score, allowed)
    keys = rows * n_m + cols
    order = np.argsort(keys)
    pos = np.searchsorted(keys[order], students * n_m + mentors)
    pos = np.minimum(pos, max(keys.size - 1, 0))
    assert students.size == 0 or (keys[order][pos] == students * n_m + mentors).all()
    return float(w[order][pos].sum()) if students.size else 0.0


def random_features(rng: np.random.Generator, n_s=30, n_m=12, n_spec=5, n_focus=6, n_goals=4):
    specialties = np.full((n_s, 3), -1)
    for s in range(n_s):
        k = rng.integers(1, 4)
        specialties[s, :k] = rng.choice(n_spec, k, replace=False)
    students = StudentFeatures(
        specialties=specialties,
        focus=rng.random((n_s, n_focus)) < 0.4,
        goals=rng.random((n_s, n_goals)) < 0.5,
        year=rng.integers(1, 5, n_s),
        institution=rng.integers(-1, 3, n_s),
        home_department=rng.random(n_s) < 0.7,
        waited=rng.integers(0, 4, n_s),
        preferences=np.where(rng.random((n_s, 5)) < 0.6, rng.integers(0, n_m, (n_s, 5)), -1),
    )
    mentors = MentorFeatures(
        specialty=rng.integers(-1, n_spec, n_m),
        focus=rng.random((n_m, n_focus)) < 0.4,
        offers=rng.random((n_m, n_goals)) < 0.5,
        kind=rng.integers(0, 4, n_m),
        year=rng.integers(1, 6, n_m),
        institution=rng.integers(0, 3, n_m),
        likes=rng.random((n_m, n_s)) < 0.2,
    )
    return students, mentors


def national_round(rng: np.random.Generator, n_s: int, n_m: int, n_spec: int = 12):
    """Sparse round: Zipf-like specialties, 30% second choices, integer scores with ties."""
    ranks = np.arange(1, n_spec + 1)
    pop_s = ranks**-0.6 / (ranks**-0.6).sum()
    pop_m = ranks**-0.3 / (ranks**-0.3).sum()
    first = rng.choice(n_spec, n_s, p=pop_s)
    second = np.where(rng.random(n_s) < 0.3, rng.choice(n_spec, n_s, p=pop_s), -1)
    spec_m = rng.choice(n_spec, n_m, p=pop_m)
    primary = first[:, None] == spec_m[None, :]
    mask = primary | (second[:, None] == spec_m[None, :])
    score = 4 * primary + rng.integers(0, 4, (n_s, n_m)) + 1
    rows, cols = np.nonzero(mask)
    matrix = sparse.csr_array((score[rows, cols].astype(float), (rows, cols)), shape=(n_s, n_m))
    return matrix, rng.integers(1, 6, n_m)


def expanded_lapjv_optimum(matrix, capacity) -> tuple[int, float]:
    """(pairs, total) by LAPJVsp on mentor columns copied per place, with a private
    "unmatched" column per student costing more than any score change.

    Exact for integer scores: the classic formulation the solver must match.
    """
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    coo = sparse.coo_array(matrix)
    n_s, _ = matrix.shape
    capacity = np.asarray(capacity)
    owner = np.repeat(np.arange(capacity.size), capacity)
    first = np.concatenate([[0], np.cumsum(capacity)[:-1]])
    reps = capacity[coo.col]
    rows = np.repeat(coo.row, reps)
    slots = (
        np.repeat(first[coo.col], reps)
        + np.arange(rows.size)
        - np.repeat(np.cumsum(reps) - reps, reps)
    )
    top, bottom = coo.data.max(), coo.data.min()
    cost = np.repeat(top - coo.data + 1, reps)
    big = (n_s + 1) * (top - bottom + 1) + 1
    n_slots = owner.size
    graph = sparse.csr_array(
        (
            np.concatenate([cost, np.full(n_s, big)]),
            (
                np.concatenate([rows, np.arange(n_s)]),
                np.concatenate([slots, n_slots + np.arange(n_s)]),
            ),
        ),
        shape=(n_s, n_slots + n_s),
    )
    r, c = min_weight_full_bipartite_matching(graph)
    real = c < n_slots
    values = matrix[r[real], owner[c[real]]]
    return int(real.sum()), float(values.sum())


def board_milp_optimum(score, capacity, seat, wanted, allowed=None, fixed=()) -> tuple[int, float]:
    """Lexicographic optimum of a board by two integer programs over the (student, mentor)
    pairs: at most one mentor per (student, seat), ``capacity`` per mentor; ``fixed`` pairs
    forced in. Written from the problem's statement, not from the solver's row layout."""
    score = np.asarray(score, dtype=float)
    seat = np.asarray(seat)
    mask = seat >= 0
    mask[mask] = wanted[np.nonzero(mask)[0], seat[mask]]
    if allowed is not None:
        mask &= allowed
    s, m = np.nonzero(mask)
    n_e = s.size
    if n_e == 0:
        return 0, 0.0
    n_s, n_k = wanted.shape
    seat_rows = s * n_k + seat[s, m]
    a = sparse.vstack(
        [
            sparse.csr_array((np.ones(n_e), (seat_rows, np.arange(n_e))), shape=(n_s * n_k, n_e)),
            sparse.csr_array((np.ones(n_e), (m, np.arange(n_e))), shape=(score.shape[1], n_e)),
        ]
    )
    ub = np.concatenate([np.ones(n_s * n_k), np.asarray(capacity, float)])
    lower = np.zeros(n_e)
    for fs, fm in fixed:
        lower[(s == fs) & (m == fm)] = 1
    limits = LinearConstraint(a, -np.inf, ub)
    bounds = Bounds(lower, 1)
    integral = np.ones(n_e)
    first = milp(-np.ones(n_e), constraints=[limits], integrality=integral, bounds=bounds)
    k = round(-first.fun)
    fix = LinearConstraint(np.ones((1, n_e)), k, k)
    w = score[s, m]
    second = milp(-w, constraints=[limits, fix], integrality=integral, bounds=bounds)
    return k, float(-second.fun)


def random_board(rng: np.random.Generator, n_s: int, n_m: int):
    """A board like a round's: faculty fill seat 0 at the student's home and seat 2 elsewhere,
    residents seat 1, peers seat 3; integer scores with ties; a mask; shared faculty places."""
    kind = rng.integers(0, 3, n_m)
    home_s = rng.integers(0, 3, n_s)
    home_m = rng.integers(0, 3, n_m)
    faculty_seat = np.where(home_s[:, None] == home_m[None, :], 0, 2)
    seat = np.where(kind[None, :] == 0, faculty_seat, np.where(kind[None, :] == 1, 1, 3))
    seat = seat.astype(np.int64)
    seat[rng.random((n_s, n_m)) < 0.1] = -1
    wanted = rng.random((n_s, 4)) < rng.uniform(0.3, 0.9)
    score = rng.integers(-2, 5, (n_s, n_m)).astype(float)
    allowed = rng.random((n_s, n_m)) < rng.uniform(0.4, 1.0)
    capacity = rng.integers(0, 4, n_m)
    return score, capacity, seat, wanted, allowed


def blocking_pairs_by_definition(score, capacity, allowed, students, mentors, prefs, likes):
    """Every blocking (student, mentor), by student, then by the student's rank of the
    mentor, checked one pair at a time from the definition."""
    mate = dict(zip(students.tolist(), mentors.tolist(), strict=True))
    found = []
    for s in range(score.shape[0]):
        listed = [m for m in prefs[s].tolist() if m >= 0]
        current = listed.index(mate[s]) if mate.get(s) in listed else len(listed)
        for rank, m in enumerate(listed):
            if rank >= current or not allowed[s, m] or capacity[m] == 0:
                continue
            mentees = [j for j, k in mate.items() if k == m]
            key = (bool(likes[m, s]), score[s, m])
            if len(mentees) < capacity[m] or any(
                key > (bool(likes[m, j]), score[j, m]) for j in mentees
            ):
                found.append((s, m))
    return found
