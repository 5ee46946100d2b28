"""Boundary checks that turn user input into one canonical graph of the allowed pairs."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from ._graph import Graph


def as_capacity(capacity, n_mentors: int | None = None) -> np.ndarray:
    """Validate mentor capacities and return them as ``int64``.

    Raises
    ------
    ValueError
        If the array is not 1-D, does not have ``n_mentors`` entries, holds
        booleans, non-integers, non-finite or negative values.
    """
    cap = np.asarray(capacity)
    if cap.ndim != 1:
        raise ValueError(f"capacity must be a 1-D array, got shape {cap.shape}")
    if n_mentors is not None and cap.shape[0] != n_mentors:
        raise ValueError(
            f"capacity has {cap.shape[0]} entries but score has {n_mentors} mentor columns"
        )
    if cap.dtype == bool:
        raise ValueError("capacity must hold integers, not booleans")
    if cap.size == 0:
        return np.zeros(0, dtype=np.int64)
    if np.issubdtype(cap.dtype, np.integer):
        cap64 = cap.astype(np.int64)
    elif np.issubdtype(cap.dtype, np.floating):
        bad = ~np.isfinite(cap)
        if bad.any():
            raise ValueError(
                f"capacity must be finite; mentor {int(np.flatnonzero(bad)[0])} has {cap[bad][0]}"
            )
        frac = cap != np.floor(cap)
        if frac.any():
            j = int(np.flatnonzero(frac)[0])
            raise ValueError(f"capacity must hold integers; mentor {j} has {cap[j]}")
        if np.abs(cap).max() >= 2**62:
            raise ValueError("capacity values are too large")
        cap64 = cap.astype(np.int64)
    else:
        raise ValueError(f"capacity must hold integers, got dtype {cap.dtype}")
    neg = cap64 < 0
    if neg.any():
        j = int(np.flatnonzero(neg)[0])
        raise ValueError(f"capacity must be non-negative; mentor {j} has {cap64[j]}")
    return cap64


def _check_real(values: np.ndarray, what: str) -> np.ndarray:
    if values.dtype == bool or not (
        np.issubdtype(values.dtype, np.integer) or np.issubdtype(values.dtype, np.floating)
    ):
        raise ValueError(f"{what} must hold real numbers, got dtype {values.dtype}")
    return values.astype(np.float64, copy=False)


def as_graph(score, capacity, allowed=None) -> Graph:
    """Validate ``assign``'s arguments and return the allowed pairs.

    Parameters
    ----------
    score : array_like or scipy.sparse matrix/array, shape (S, M)
        Dense scores, or a sparse matrix whose stored entries are the allowed pairs.
    capacity : array_like, shape (M,)
        Non-negative integer mentor capacities.
    allowed : array_like of bool, shape (S, M), optional
        Mask of allowed pairs for a dense ``score``.

    Returns
    -------
    Graph
        The allowed pairs sorted by student then mentor, holding the student
        of each pair.

    Raises
    ------
    ValueError
        With a message naming the problem: wrong dimensions or shapes, non-real,
        NaN or infinite scores, duplicate sparse entries, a non-boolean mask, a
        mask given with sparse scores, or bad capacities.
    """
    if sparse.issparse(score):
        if allowed is not None:
            raise ValueError(
                "allowed must be omitted when score is sparse: its stored entries are the "
                "allowed pairs"
            )
        if score.ndim != 2:
            raise ValueError(f"score must be 2-D, got shape {score.shape}")
        n_s, n_m = (int(x) for x in score.shape)
        cap = as_capacity(capacity, n_m)
        if score.format == "csr" and score.has_canonical_format:
            rows = np.repeat(np.arange(n_s, dtype=np.intp), np.diff(score.indptr))
            cols = np.asarray(score.indices, dtype=np.intp)
            data = _check_real(np.asarray(score.data), "score")
        else:
            coo = sparse.coo_array(score)
            rows = np.asarray(coo.row, dtype=np.intp)
            cols = np.asarray(coo.col, dtype=np.intp)
            data = _check_real(np.asarray(coo.data), "score")
            order = np.lexsort((cols, rows))
            rows, cols, data = rows[order], cols[order], data[order]
        if rows.size > 1 and not (score.format == "csr" and score.has_canonical_format):
            dup = (rows[1:] == rows[:-1]) & (cols[1:] == cols[:-1])
            if dup.any():
                k = int(np.flatnonzero(dup)[0])
                raise ValueError(
                    f"score has duplicate stored entries for student {rows[k]}, mentor {cols[k]}"
                )
    else:
        arr = np.asarray(score)
        if arr.ndim != 2:
            raise ValueError(f"score must be a 2-D array, got shape {arr.shape}")
        n_s, n_m = (int(x) for x in arr.shape)
        cap = as_capacity(capacity, n_m)
        arr = _check_real(arr, "score")
        if allowed is None:
            mask = np.ones(arr.shape, dtype=bool)
        else:
            mask = np.asarray(allowed)
            if mask.dtype != bool:
                raise ValueError(f"allowed must be a boolean mask, got dtype {mask.dtype}")
            if mask.shape != arr.shape:
                raise ValueError(f"allowed has shape {mask.shape} but score has shape {arr.shape}")
        rows, cols = np.nonzero(mask)
        rows = rows.astype(np.intp, copy=False)
        cols = cols.astype(np.intp, copy=False)
        data = arr[rows, cols]
    bad = ~np.isfinite(data)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ValueError(f"score must be finite; student {rows[k]}, mentor {cols[k]} has {data[k]}")
    return Graph(n_s, n_m, cols, np.ascontiguousarray(data), cap, rows=rows)


def csr_graph(score, capacity, allowed=None) -> Graph | None:
    """Validate a canonical 2-D CSR ``score`` and return its graph without copying its pairs.

    Parameters
    ----------
    score, capacity, allowed
        As for :func:`as_graph`.

    Returns
    -------
    Graph or None
        The graph on the matrix's own column indices and scores, with an
        int64 row pointer; None unless ``score`` is a canonical 2-D CSR
        matrix or array and ``allowed`` is omitted.

    Raises
    ------
    ValueError
        For non-real, NaN or infinite scores, or bad capacities.
    """
    if not (
        allowed is None
        and sparse.issparse(score)
        and score.format == "csr"
        and score.ndim == 2
        and score.has_canonical_format
    ):
        return None
    n_s, n_m = (int(x) for x in score.shape)
    cap = as_capacity(capacity, n_m)
    data = _check_real(np.asarray(score.data), "score")
    if not np.isfinite(data).all():
        k = int(np.flatnonzero(~np.isfinite(data))[0])
        row = int(np.searchsorted(score.indptr, k, side="right")) - 1
        raise ValueError(
            f"score must be finite; student {row}, mentor {score.indices[k]} has {data[k]}"
        )
    indptr = np.asarray(score.indptr, dtype=np.int64)
    return Graph(n_s, n_m, np.asarray(score.indices), data, cap, indptr=indptr)
