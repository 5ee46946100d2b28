"""Beasley's OR-Library assignment benchmark: reproduce every published optimum.

The data live in ``<repo>/../shared/orlib`` (or ``$ORLIB_DIR``). A missing folder
is a failure, not a skip: CI has it beside the repository.
"""

from functools import cache

import numpy as np
import pytest
from matching_reference import orlib_dir
from scipy import sparse

from matcher.matching import assign, solver
from matcher.matching._validation import as_graph

DENSE = [f"assign{n}" for n in range(100, 900, 100)]
SPARSE = ["assignp800", "assignp1500", "assignp3000", "assignp5000"]


@cache
def optima() -> dict[str, int]:
    path = orlib_dir() / "assignopt.txt"
    if not path.is_file():
        pytest.fail(
            f"OR-Library data not found at {path.parent}: put Beasley's assignment files "
            "there or set ORLIB_DIR",
            pytrace=False,
        )
    values = {}
    for line in path.read_text().splitlines()[1:]:
        parts = line.split()
        if len(parts) == 2 and parts[0].startswith("assign"):
            values[parts[0]] = int(float(parts[1]))
    return values


@cache
def load(name: str):
    path = orlib_dir() / f"{name}.txt"
    if not path.is_file():
        pytest.fail(f"OR-Library file missing: {path}", pytrace=False)
    numbers = np.array(path.read_text().split(), dtype=np.int64)
    n = int(numbers[0])
    if name.startswith("assignp"):
        triples = numbers[1:].reshape(-1, 3)
        cost = sparse.csr_array(
            (triples[:, 2].astype(float), (triples[:, 0] - 1, triples[:, 1] - 1)), shape=(n, n)
        )
        return n, cost
    return n, numbers[1:].reshape(n, n).astype(float)


def test_all_instances_listed():
    assert set(DENSE + SPARSE) <= set(optima())


@pytest.mark.parametrize("name", DENSE + SPARSE)
def test_orlib_optimum(name):
    n, cost = load(name)
    students, mentors = assign(-cost, np.ones(n, dtype=int))
    assert students.size == n
    assert np.unique(mentors).size == n
    total = cost[students, mentors].sum()
    assert total == optima()[name]


@pytest.mark.parametrize("name", ["assign800", "assignp800", "assignp5000"])
def test_orlib_optimum_through_certified_pruning(name):
    n, cost = load(name)
    mate = solver.solve(as_graph(-cost, np.ones(n, dtype=int)), prune=True)
    assert (mate >= 0).all()
    assert cost[np.arange(n), mate].sum() == optima()[name]


def test_orlib_dir_override(monkeypatch, tmp_path):
    monkeypatch.setenv("ORLIB_DIR", str(tmp_path))
    assert orlib_dir() == tmp_path
