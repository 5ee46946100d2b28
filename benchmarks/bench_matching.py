"""Benchmark ``matcher.matching.assign`` against scipy's sparse LAPJV on the expanded graph.

National round: 15,000 students, 5,000 mentors (capacity 1-5, mean 3), 20
specialties of Zipf-like popularity, 30% of students with a second specialty,
integer scores with many ties, about 5.7 million allowed pairs as a CSR matrix.

The baseline copies each mentor column ``capacity`` times, gives every student
a private "unmatched" column costing more than any score difference (exact for
integer scores), and calls ``min_weight_full_bipartite_matching``. Each solver
runs in its own subprocess on the same saved instance, the two alternating;
time is wall-clock (``time.perf_counter``) around the solve, memory is the
process's peak RSS and the peak above the RSS once the instance was loaded. Both answers must have
the same number of pairs and the same total score.

Several ``--seed`` values measure several instances of the same description
in one run and end with the smallest speed-up among them.

Usage: ``python benchmarks/bench_matching.py [--quick] [--seed N [N ...]] [--repeat N]``
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from matcher.matching import assign, explain, quality_report  # noqa: E402

FULL = {"students": 15_000, "mentors": 5_000}
QUICK = {"students": 3_000, "mentors": 1_000}


def national_round(n_students: int, n_mentors: int, seed: int = 0):
    """Seeded national-round instance: (CSR score, capacity)."""
    rng = np.random.default_rng(seed)
    n_spec = 20
    ranks = np.arange(1, n_spec + 1)
    student_pop = ranks**-0.55 / (ranks**-0.55).sum()
    mentor_pop = ranks**-0.35 / (ranks**-0.35).sum()
    first = rng.choice(n_spec, n_students, p=student_pop)
    second = rng.choice(n_spec, n_students, p=student_pop)
    has_second = (rng.random(n_students) < 0.3) & (second != first)
    specialty = rng.choice(n_spec, n_mentors, p=mentor_pop)
    capacity = rng.integers(1, 6, n_mentors)

    by_mentor = sparse.csr_array(
        (np.ones(n_mentors), (specialty, np.arange(n_mentors))), shape=(n_spec, n_mentors)
    )
    choice = sparse.csr_array(
        (
            np.concatenate([np.full(n_students, 2.0), np.ones(int(has_second.sum()))]),
            (
                np.concatenate([np.arange(n_students), np.flatnonzero(has_second)]),
                np.concatenate([first, second[has_second]]),
            ),
        ),
        shape=(n_students, n_spec),
    )
    pairs = sparse.csr_array(choice @ by_mentor)
    pairs.sort_indices()
    rows = np.repeat(np.arange(n_students), np.diff(pairs.indptr))
    cols = pairs.indices
    focus_s, focus_m = rng.integers(0, 4, n_students), rng.integers(0, 4, n_mentors)
    stage_s, stage_m = rng.integers(0, 3, n_students), rng.integers(0, 3, n_mentors)
    score = (
        4 * pairs.data
        + 3 * (focus_s[rows] == focus_m[cols])
        + 2 * (stage_s[rows] == stage_m[cols])
        + rng.integers(0, 2, rows.size)
    )
    matrix = sparse.csr_array(
        (score.astype(np.float64), cols.astype(np.int32), pairs.indptr.astype(np.int32)),
        shape=(n_students, n_mentors),
    )
    return matrix, capacity


def baseline(score: sparse.csr_array, capacity: np.ndarray):
    """Capacity-expanded graph with a private unmatched column per student."""
    n_s, _ = score.shape
    w = score.data
    smax, smin = w.max(), w.min()
    big = n_s * (smax - smin + 1) + 1
    reps = capacity[score.indices]
    row_len = np.add.reduceat(reps, score.indptr[:-1]) * (np.diff(score.indptr) > 0)
    slot_first = np.concatenate([[0], np.cumsum(capacity)[:-1]])
    n_slots = int(capacity.sum())
    starts = np.cumsum(reps) - reps
    slot = np.repeat(slot_first[score.indices] - starts, reps) + np.arange(int(reps.sum()))
    cost = np.repeat(smax - w + 1, reps)
    indptr = np.concatenate([[0], np.cumsum(row_len + 1)])
    indices = np.empty(indptr[-1], dtype=np.int64)
    data = np.empty(indptr[-1])
    own = indptr[1:] - 1
    real = np.ones(indptr[-1], dtype=bool)
    real[own] = False
    indices[real], data[real] = slot, cost
    indices[own], data[own] = n_slots + np.arange(n_s), big
    graph = sparse.csr_array((data, indices, indptr), shape=(n_s, n_slots + n_s))
    rows, cols = min_weight_full_bipartite_matching(graph)
    keep = cols < n_slots
    owner = np.repeat(np.arange(capacity.size), capacity)
    return rows[keep], owner[cols[keep]]


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def _peak_mb() -> float:
    """This process's peak RSS (VmHWM).

    ``ru_maxrss`` would do on a fresh process, but Linux carries it over from
    the parent through fork and exec, so a child started by this (large)
    script would report at least the parent's size.
    """
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(method: str, path: str) -> None:
    data = np.load(path)
    score = sparse.csr_array(
        (data["data"], data["indices"], data["indptr"]), shape=tuple(data["shape"])
    )
    capacity = data["capacity"]
    before = _rss_mb()
    solve = baseline if method == "baseline" else assign
    start = time.perf_counter()
    students, mentors = solve(score, capacity)
    seconds = time.perf_counter() - start
    peak = _peak_mb()
    values = score[students, mentors]
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak,
                "extra_mb": peak - before,
                "pairs": int(students.size),
                "total": float(values.sum()),
            }
        )
    )


def _child_run(method: str, path: str) -> dict:
    done = subprocess.run(  # noqa: S603 - runs this very script
        [sys.executable, __file__, "--child", method, path],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _summary(runs: list[dict]) -> dict:
    """Median time and largest memory over fresh-process runs; NaN total if answers differ."""
    result = dict(runs[0])
    result["seconds"] = statistics.median(r["seconds"] for r in runs)
    result["all_seconds"] = [r["seconds"] for r in runs]
    result["peak_mb"] = max(r["peak_mb"] for r in runs)
    result["extra_mb"] = max(r["extra_mb"] for r in runs)
    if any((r["pairs"], r["total"]) != (result["pairs"], result["total"]) for r in runs):
        result["total"] = float("nan")
    return result


def _run_side_by_side(path: str, repeat: int) -> tuple[dict, dict, list[float]]:
    """Baseline and ``assign`` alternately, each in a fresh subprocess, ``repeat`` times.

    Alternating keeps a slow spell of a shared machine from landing on one
    solver only; the ratio of each adjacent pair is reported too.
    """
    base, ours = [], []
    for _ in range(repeat):
        base.append(_child_run("baseline", path))
        ours.append(_child_run("assign", path))
    ratios = [b["seconds"] / o["seconds"] for b, o in zip(base, ours, strict=True)]
    return _summary(base), _summary(ours), ratios


def _stated_preferences(score: sparse.csr_array, seed: int):
    """Each student's top five allowed mentors by score and a tenth of pairs marked by mentors."""
    rng = np.random.default_rng(seed + 2)
    n_s = score.shape[0]
    noisy = score.data + rng.random(score.nnz)
    rows = np.repeat(np.arange(n_s), np.diff(score.indptr))
    order = np.lexsort((-noisy, rows))
    rank = np.arange(score.nnz) - np.repeat(score.indptr[:-1], np.diff(score.indptr))
    prefs = np.full((n_s, 5), -1)
    top = rank < 5
    prefs[rows[top], rank[top]] = score.indices[order][top]
    marked = rng.random(score.nnz) < 0.1
    likes = sparse.csr_array(
        (np.ones(int(marked.sum()), dtype=bool), (score.indices[marked], rows[marked])),
        shape=(score.shape[1], n_s),
    )
    return prefs, likes


def school_round(seed: int = 1):
    """300 students x 120 mentors, dense scores with a mask, capacity 1-5."""
    rng = np.random.default_rng(seed)
    n_s, n_m = 300, 120
    spec_s = rng.integers(0, 8, (n_s, 2))
    spec_m = rng.integers(0, 8, n_m)
    allowed = (spec_s[:, :1] == spec_m) | (spec_s[:, 1:] == spec_m)
    score = rng.integers(0, 12, (n_s, n_m)).astype(float) + 4 * (spec_s[:, :1] == spec_m)
    return score, rng.integers(1, 6, n_m), allowed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small instance for a fast check")
    parser.add_argument("--seed", type=int, nargs="+", default=[0], help="instance seeds")
    parser.add_argument("--repeat", type=int, default=5, help="subprocess runs per solver")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return

    size = QUICK if args.quick else FULL
    speedups, first = {}, None
    for seed in args.seed:
        score, capacity = national_round(size["students"], size["mentors"], seed)
        first = first or (score, capacity)
        same, speedups[seed] = _compare(score, capacity, seed, args.repeat)
        if not same:
            sys.exit(1)
    if len(speedups) > 1:
        worst = min(speedups, key=speedups.get)
        print(
            f"smallest speed-up over {len(speedups)} instances: {speedups[worst]:.1f}x "
            f"(seed {worst}); all: "
            + ", ".join(f"seed {seed} {ratio:.1f}x" for seed, ratio in speedups.items())
        )

    score, capacity = first
    students, mentors = assign(score, capacity)
    start = time.perf_counter()
    explain(score, capacity, students, mentors)
    explained = time.perf_counter() - start
    prefs, likes = _stated_preferences(score, args.seed[0])
    start = time.perf_counter()
    report = quality_report(
        score, capacity, students, mentors, preferences=prefs, mentor_likes=likes
    )
    rated = time.perf_counter() - start
    print(
        f"  seed {args.seed[0]}: explain every pair {explained:.2f} s; quality report with "
        f"{report.blocking_pairs:,} blocking pairs {rated:.2f} s"
    )

    school, school_cap, school_mask = school_round(args.seed[0] + 1)
    times = []
    for _ in range(7 if args.quick else 31):
        start = time.perf_counter()
        assign(school, school_cap, school_mask)
        times.append(time.perf_counter() - start)
    print(
        f"school round: 300 students x 120 mentors, {int(school_mask.sum()):,} allowed pairs: "
        f"median {1000 * statistics.median(times):.1f} ms over {len(times)} runs"
    )


def _compare(score: sparse.csr_array, capacity: np.ndarray, seed: int, repeat: int):
    """Print the side-by-side figures of one instance; (same optimum, speed-up)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "round.npz")
        np.savez(
            path,
            data=score.data,
            indices=score.indices,
            indptr=score.indptr,
            shape=np.array(score.shape),
            capacity=capacity,
        )
        base, ours, ratios = _run_side_by_side(path, repeat)
    n_s, n_m = score.shape
    print(
        f"national round, seed {seed}: {n_s} students x {n_m} mentors, {score.nnz:,} allowed "
        f"pairs, {int(capacity.sum()):,} places, {np.unique(score.data).size} distinct scores"
    )
    for name, run in (
        ("baseline (expanded graph, min_weight_full_bipartite_matching)", base),
        ("matcher.matching.assign", ours),
    ):
        spread = ", ".join(f"{t:.2f}" for t in run["all_seconds"])
        print(
            f"  {name}: {run['seconds']:.2f} s median of [{spread}], "
            f"peak {run['peak_mb']:.0f} MB ({run['extra_mb']:.0f} MB above input)"
        )
    same = base["pairs"] == ours["pairs"] and base["total"] == ours["total"]
    print(
        f"  pairs {ours['pairs']:,} vs {base['pairs']:,}, total {ours['total']:.0f} vs "
        f"{base['total']:.0f}: {'same optimum' if same else 'MISMATCH'}"
    )
    speedup = base["seconds"] / ours["seconds"]
    print(
        f"  speed-up {speedup:.1f}x (ratio of medians; run by run "
        f"{', '.join(f'{r:.1f}' for r in ratios)}), memory ratio (peak above input) "
        f"{ours['extra_mb'] / base['extra_mb']:.2f}"
    )
    return same, speedup


if __name__ == "__main__":
    main()
