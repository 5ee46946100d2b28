"""Turn student and mentor profile features into scores and hard-rule masks.

Every criterion is a number in [0, 1] computed for a list of (student, mentor)
pairs at once; the score is their weighted sum. Dense scoring enumerates all
pairs; sparse scoring enumerates only pairs that share a specialty, so a
national round never materialises an S x M array.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from itertools import pairwise

import numpy as np
from scipy import sparse

from ._arrays import contains, distinct

__all__ = [
    "ALLOWED",
    "BARRED",
    "BELOW_MIN_SCORE",
    "CRITERIA",
    "KIND_FACULTY",
    "KIND_FELLOW",
    "KIND_PEER",
    "KIND_RESIDENT",
    "OTHER_SPECIALTY",
    "PEER_YEARS",
    "REFUSALS",
    "SAME_INSTITUTION",
    "WAITED_FULL",
    "MentorFeatures",
    "Rules",
    "ScoreMatrix",
    "StudentFeatures",
    "Weights",
    "candidate_blocks",
    "candidate_pairs",
    "criteria",
    "refusals",
    "score_matrix",
    "score_pairs",
]

CRITERIA = (
    "specialty",
    "focus",
    "goals",
    "stage",
    "institution",
    "student_preference",
    "mentor_preference",
    "waited",
)
"""Names of the criteria, in the column order of :func:`criteria`."""

KIND_FACULTY, KIND_RESIDENT, KIND_FELLOW, KIND_PEER = 0, 1, 2, 3
"""Mentor kind codes used by :attr:`MentorFeatures.kind`."""

WAITED_FULL = 2
"""Rounds waited that earn the full ``waited`` bonus (it grows linearly until then)."""

ALLOWED, BARRED, OTHER_SPECIALTY, PEER_YEARS, SAME_INSTITUTION, BELOW_MIN_SCORE = range(6)
"""Codes of :func:`refusals`: why a pair is not allowed (``ALLOWED``: it is)."""

REFUSALS = ("barred", "other_specialty", "peer_years", "same_institution", "min_score")
"""Names of the refusal codes 1, 2, ... in the order the rules are tried."""

_INSTITUTION_POLICIES = ("preferred", "neutral", "barred")

BLOCK = 1 << 16
"""Pairs valued at a time: a block's temporaries stay in the processor's cache, where one
pass over the millions of pairs of a national round would stream each through memory."""

PRODUCT_VALUES = 8192
"""Criteria values weighed per matrix product (see :func:`_weighted`)."""


def _int_array(value, name: str, ndim: int, n: int | None = None) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must hold integers, got dtype {arr.dtype}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} rows, expected {n}")
    return arr.astype(np.int64)


def _check_fields(features, n: int, *checks: tuple[str, Callable, int]) -> None:
    """Replace each named field of frozen ``features`` by its checked array of ``n`` rows."""
    for name, check, ndim in checks:
        object.__setattr__(features, name, check(getattr(features, name), name, ndim, n))


def _bool_array(value, name: str, ndim: int, n: int | None = None) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    if arr.dtype != bool:
        raise ValueError(f"{name} must be boolean, got dtype {arr.dtype}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} rows, expected {n}")
    return arr


@dataclass(frozen=True, eq=False)
class StudentFeatures:
    """Profile features of S students, one row each.

    Parameters
    ----------
    specialties : (S, K) int
        Specialty ids in the student's order of preference, padded with -1.
    focus : (S, F) bool
        Focus and research areas of interest.
    goals : (S, G) bool
        What the student wants from a mentor (same columns as ``MentorFeatures.offers``).
    year : (S,) int
        Years of training (MS1 = 1 ... MS4 = 4).
    institution : (S,) int
        Institution id of the student's school; -1 if unknown.
    home_department : (S,) bool
        Whether the student's school has a department in their first-choice specialty.
    waited : (S,) int, optional
        Earlier rounds the student waited through unmatched; zeros by default.
    preferences : (S, P) int, optional
        Mentor indices the student asked for, best first, padded with -1.
    """

    specialties: np.ndarray
    focus: np.ndarray
    goals: np.ndarray
    year: np.ndarray
    institution: np.ndarray
    home_department: np.ndarray
    waited: np.ndarray | None = None
    preferences: np.ndarray | None = None

    def __post_init__(self):
        spec = _int_array(self.specialties, "specialties", 2)
        n = spec.shape[0]
        object.__setattr__(self, "specialties", spec)
        _check_fields(
            self,
            n,
            ("focus", _bool_array, 2),
            ("goals", _bool_array, 2),
            ("year", _int_array, 1),
            ("institution", _int_array, 1),
            ("home_department", _bool_array, 1),
        )
        waited = np.zeros(n, np.int64) if self.waited is None else self.waited
        waited = _int_array(waited, "waited", 1, n)
        if (waited < 0).any():
            raise ValueError("waited must be non-negative")
        object.__setattr__(self, "waited", waited)
        prefs = np.full((n, 0), -1) if self.preferences is None else self.preferences
        object.__setattr__(self, "preferences", _int_array(prefs, "preferences", 2, n))

    @property
    def n(self) -> int:
        """Number of students."""
        return self.specialties.shape[0]


@dataclass(frozen=True, eq=False)
class MentorFeatures:
    """Profile features of M mentors, one row each.

    Parameters
    ----------
    specialty : (M,) int
        Specialty id of each mentor, -1 if none.
    focus : (M, F) bool
        Focus and research areas.
    offers : (M, G) bool
        What the mentor offers (same columns as ``StudentFeatures.goals``).
    kind : (M,) int
        ``KIND_FACULTY``, ``KIND_RESIDENT``, ``KIND_FELLOW`` or ``KIND_PEER``.
    year : (M,) int
        Years of training of a peer mentor (same scale as students); ignored for others.
    institution : (M,) int
        Institution id; -1 if unknown.
    likes : (M, S) bool array or scipy.sparse matrix, optional
        Students each mentor marked as "would like to mentor".
    """

    specialty: np.ndarray
    focus: np.ndarray
    offers: np.ndarray
    kind: np.ndarray
    year: np.ndarray
    institution: np.ndarray
    likes: np.ndarray | sparse.sparray | None = None

    def __post_init__(self):
        spec = _int_array(self.specialty, "specialty", 1)
        n = spec.shape[0]
        object.__setattr__(self, "specialty", spec)
        _check_fields(self, n, ("focus", _bool_array, 2), ("offers", _bool_array, 2))
        kind = _int_array(self.kind, "kind", 1, n)
        if ((kind < KIND_FACULTY) | (kind > KIND_PEER)).any():
            raise ValueError("kind must hold KIND_FACULTY, KIND_RESIDENT, KIND_FELLOW or KIND_PEER")
        object.__setattr__(self, "kind", kind)
        _check_fields(self, n, ("year", _int_array, 1), ("institution", _int_array, 1))
        if self.likes is not None:
            if sparse.issparse(self.likes):
                likes = sparse.csr_array(self.likes)
            else:
                likes = _bool_array(self.likes, "likes", 2)
            if likes.shape[0] != n:
                raise ValueError(f"likes has {likes.shape[0]} rows, expected {n}")
            object.__setattr__(self, "likes", likes)

    @property
    def n(self) -> int:
        """Number of mentors."""
        return self.specialty.shape[0]


@dataclass(frozen=True)
class Weights:
    """Weight of each criterion in the score (finite, non-negative)."""

    specialty: float = 4.0
    focus: float = 2.0
    goals: float = 2.0
    stage: float = 1.0
    institution: float = 1.0
    student_preference: float = 2.0
    mentor_preference: float = 1.0
    waited: float = 1.0

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float | np.number):
                raise ValueError(f"weight {f.name!r} must be a number, got {value!r}")
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"weight {f.name!r} must be finite and non-negative, got {value}")

    def vector(self) -> np.ndarray:
        """The weights as a float array in :data:`CRITERIA` order."""
        return np.array([float(getattr(self, name)) for name in CRITERIA])


def _pairs(value, name: str) -> np.ndarray:
    arr = np.asarray(value if value is not None else np.zeros((0, 2), np.int64))
    if arr.size == 0:
        return np.zeros((0, 2), np.int64)
    if arr.ndim != 2 or arr.shape[1] != 2 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must be an (n, 2) integer array of (student, mentor) pairs")
    if (arr < 0).any():
        raise ValueError(f"{name} holds a negative index")
    return arr.astype(np.int64)


@dataclass(frozen=True, eq=False)
class Rules:
    """Hard rules: they decide which pairs are allowed at all.

    Parameters
    ----------
    shared_specialty : bool
        Only pair a student with a mentor whose specialty is in the student's list.
    peer_years_ahead : (int, int) or None
        A peer mentor must be this many years (inclusive) ahead of the student.
    same_institution : {"preferred", "neutral", "barred"}
        Same-institution pairs score 1 on ``institution`` and external ones 0
        ("preferred"), both score 0.5 ("neutral"), or same-institution pairs are
        not allowed and external ones score 1 ("barred").
    external_for_no_home : bool
        For a student whose school lacks the department, external mentors score
        1 on ``institution`` and same-institution mentors 0, whatever the policy.
    min_score : float or None
        Pairs whose weighted score is below this are not allowed.
    pinned : (n, 2) int, optional
        (student, mentor) pairs to place before solving; see :func:`matcher.matching.match`.
    barred : (n, 2) int, optional
        (student, mentor) pairs that are never allowed.
    """

    shared_specialty: bool = True
    peer_years_ahead: tuple[int, int] | None = (1, 2)
    same_institution: str = "preferred"
    external_for_no_home: bool = True
    min_score: float | None = None
    pinned: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int64))
    barred: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int64))

    def __post_init__(self):
        if self.same_institution not in _INSTITUTION_POLICIES:
            raise ValueError(
                f"same_institution must be one of {_INSTITUTION_POLICIES}, "
                f"got {self.same_institution!r}"
            )
        if self.peer_years_ahead is not None:
            lo, hi = self.peer_years_ahead
            if not (isinstance(lo, int | np.integer) and isinstance(hi, int | np.integer)):
                raise ValueError("peer_years_ahead must be two integers")
            if lo > hi:
                raise ValueError(
                    f"peer_years_ahead must be (low, high) with low <= high, got {lo, hi}"
                )
        if self.min_score is not None and not np.isfinite(self.min_score):
            raise ValueError(f"min_score must be finite, got {self.min_score}")
        pinned = _pairs(self.pinned, "pinned")
        if np.unique(pinned[:, 0]).size != pinned.shape[0]:
            raise ValueError("pinned names the same student more than once")
        object.__setattr__(self, "pinned", pinned)
        object.__setattr__(self, "barred", _pairs(self.barred, "barred"))


@dataclass(frozen=True, eq=False)
class ScoreMatrix:
    """Scores of all allowed pairs.

    Attributes
    ----------
    score : (S, M) float array or scipy.sparse.csr_array
        Weighted scores. When sparse, the stored entries are exactly the allowed pairs.
    allowed : (S, M) bool array or None
        Allowed pairs for a dense ``score``; ``None`` when ``score`` is sparse.
    """

    score: np.ndarray | sparse.csr_array
    allowed: np.ndarray | None


def _check_pair(students: StudentFeatures, mentors: MentorFeatures) -> None:
    if students.focus.shape[1] != mentors.focus.shape[1]:
        raise ValueError(
            f"students have {students.focus.shape[1]} focus columns, "
            f"mentors {mentors.focus.shape[1]}"
        )
    if students.goals.shape[1] != mentors.offers.shape[1]:
        raise ValueError(
            f"students have {students.goals.shape[1]} goal columns, "
            f"mentors offer {mentors.offers.shape[1]}"
        )
    prefs = students.preferences
    if prefs.size and (prefs.max() >= mentors.n or prefs.min() < -1):
        raise ValueError("preferences must hold mentor indices or -1")
    if mentors.likes is not None and mentors.likes.shape[1] != students.n:
        raise ValueError(f"likes has {mentors.likes.shape[1]} columns, expected {students.n}")


class _Bits:
    """Sets of columns (focus areas, goals) of students and mentors as 64-bit words, for
    counting what two of them share."""

    def __init__(self, wish: np.ndarray, have: np.ndarray) -> None:
        self.wish = self._words(wish)
        self.have = self._words(have)
        self.total = wish.sum(axis=1)

    @staticmethod
    def _words(flags: np.ndarray) -> list[np.ndarray]:
        packed = np.packbits(flags, axis=1)
        packed = np.pad(packed, ((0, 0), (0, (-packed.shape[1]) % 8)))
        words = np.ascontiguousarray(packed).view(np.uint64)
        return [np.ascontiguousarray(words[:, w]) for w in range(words.shape[1])]

    def share(self, i: np.ndarray, m: np.ndarray) -> np.ndarray:
        """Fraction of the wishes of student ``i[k]`` (True columns) that mentor ``m[k]``
        has."""
        common = np.zeros(i.size, dtype=np.int64)
        for wish, have in zip(self.wish, self.have, strict=True):
            common += np.bitwise_count(wish[i] & have[m])
        total = self.total[i]
        return np.divide(common, total, out=np.zeros(i.size), where=total > 0)


def _pair_keys(rows: np.ndarray, cols: np.ndarray, n_cols: int) -> np.ndarray:
    return rows.astype(np.int64) * n_cols + cols.astype(np.int64)


def _in_pairs(i: np.ndarray, m: np.ndarray, pairs: np.ndarray, n_m: int) -> np.ndarray:
    if pairs.shape[0] == 0:
        return np.zeros(i.size, dtype=bool)
    return contains(distinct(_pair_keys(pairs[:, 0], pairs[:, 1], n_m)), _pair_keys(i, m, n_m))


def same_home(
    students: StudentFeatures, mentors: MentorFeatures, i: np.ndarray, m: np.ndarray
) -> np.ndarray:
    """Whether student ``i[k]`` and mentor ``m[k]`` share an institution code (a home);
    an unknown code (-1) is never shared."""
    inst_s = students.institution[i]
    return (inst_s >= 0) & (inst_s == mentors.institution[m])


def institution_values(
    students: StudentFeatures, mentors: MentorFeatures, i: np.ndarray, m: np.ndarray, rules
) -> np.ndarray:
    """The ``institution`` criterion of the pairs ``(i[k], m[k])`` under ``rules``."""
    same = same_home(students, mentors, i, m)
    if rules.same_institution == "preferred":
        institution = same.astype(np.float64)
    elif rules.same_institution == "neutral":
        institution = np.full(i.size, 0.5)
    else:
        institution = (~same).astype(np.float64)
    if rules.external_for_no_home:
        no_home = ~students.home_department[i]
        institution[no_home] = ~same[no_home]
    return institution


class _Criteria:
    """What :func:`criteria` reads of every student and mentor, prepared once, so that the
    pairs of a national round can be valued a block at a time."""

    def __init__(self, students: StudentFeatures, mentors: MentorFeatures, rules: Rules) -> None:
        _check_pair(students, mentors)
        self.students, self.mentors, self.rules = students, mentors, rules
        self.choices = [np.ascontiguousarray(c) for c in students.specialties.T]
        self.listed = [np.ascontiguousarray(c) for c in students.preferences.T]
        self.focus = _Bits(students.focus, mentors.focus)
        self.goals = _Bits(students.goals, mentors.offers)
        self.marks = None
        if mentors.likes is not None and sparse.issparse(mentors.likes):
            coo = mentors.likes.tocoo()
            marked = coo.data != 0
            self.marks = distinct(_pair_keys(coo.row[marked], coo.col[marked], students.n))
            self.marking = np.zeros(mentors.n, dtype=bool)
            self.marking[coo.row[marked]] = True
        self.waited = np.minimum(students.waited, WAITED_FULL) / WAITED_FULL

    def values(self, i: np.ndarray, m: np.ndarray) -> np.ndarray:
        """Per-criterion values of the pairs ``(i[k], m[k])`` (see :func:`criteria`)."""
        students, mentors = self.students, self.mentors
        n_choices = len(self.choices)
        mentor_spec = mentors.specialty[m]
        specialty = np.zeros(i.size)
        for k in reversed(range(n_choices)):
            choice = self.choices[k][i]
            specialty[(choice == mentor_spec) & (choice >= 0)] = (n_choices - k) / n_choices

        year = students.year[i]
        kind = mentors.kind[m]
        ahead = mentors.year[m] - year
        early = year <= 2
        stage = np.where(early, 1.0, 0.75)
        stage[kind == KIND_FACULTY] = np.where(early, 0.5, 1.0)[kind == KIND_FACULTY]
        peer = kind == KIND_PEER
        stage[peer] = np.where((ahead >= 1) & (ahead <= 2), 1.0, np.where(ahead == 3, 0.5, 0.0))[
            peer
        ]

        institution = institution_values(students, mentors, i, m, self.rules)

        asked = np.zeros(i.size)
        n_listed = len(self.listed)
        for r in reversed(range(n_listed)):
            asked[self.listed[r][i] == m] = 1.0 - r / n_listed

        liked = np.zeros(i.size)
        if self.marks is not None:
            some = np.flatnonzero(self.marking[m])
            liked[some[contains(self.marks, _pair_keys(m[some], i[some], students.n))]] = 1.0
        elif mentors.likes is not None:
            liked[mentors.likes[m, i]] = 1.0

        return np.column_stack(
            [
                specialty,
                self.focus.share(i, m),
                self.goals.share(i, m),
                stage,
                institution,
                asked,
                liked,
                self.waited[i],
            ]
        )


def criteria(
    students: StudentFeatures,
    mentors: MentorFeatures,
    i: np.ndarray,
    m: np.ndarray,
    rules: Rules | None = None,
) -> np.ndarray:
    """Per-criterion values of the pairs ``(i[k], m[k])``.

    Parameters
    ----------
    students, mentors : StudentFeatures, MentorFeatures
    i, m : (P,) int
        Student and mentor index of each pair.
    rules : Rules, optional
        Only ``same_institution`` and ``external_for_no_home`` matter here.

    Returns
    -------
    (P, C) float array
        Columns in :data:`CRITERIA` order, each in [0, 1].
    """
    rules = Rules() if rules is None else rules
    i = np.asarray(i, dtype=np.int64)
    m = np.asarray(m, dtype=np.int64)
    return _Criteria(students, mentors, rules).values(i, m)


def _weighted(values: np.ndarray, vector: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``values @ vector``, in products of at most :data:`PRODUCT_VALUES` values.

    OpenBLAS computes a matrix-vector product of fewer than 9,216 values in the calling
    thread and splits a larger one among its threads, which then wait for one another: with
    the other cores busy, a national round's scoring took three to five times as long. Each
    row is still summed by the same kernel (the products start at multiples of four rows, and
    none but a one-row input has one row, which numpy sums as a dot product), so the totals are
    those of one product.
    """
    n = values.shape[0]
    out = np.empty(n) if out is None else out
    step = max(4, PRODUCT_VALUES // (4 * max(values.shape[1], 1)) * 4)
    starts = list(range(0, n, step))
    if len(starts) > 1 and n - starts[-1] == 1:
        starts.pop()
    for start, stop in pairwise([*starts, n]):
        np.matmul(values[start:stop], vector, out=out[start:stop])
    return out


def _check_rules(students: StudentFeatures, mentors: MentorFeatures, rules: Rules) -> None:
    _check_pair(students, mentors)
    for name, pairs in (("pinned", rules.pinned), ("barred", rules.barred)):
        if pairs.size and (pairs[:, 0].max() >= students.n or pairs[:, 1].max() >= mentors.n):
            raise ValueError(f"{name} names a student or mentor that does not exist")


def candidate_blocks(
    students: StudentFeatures,
    mentors: MentorFeatures,
    rules: Rules | None = None,
    *,
    dense: bool = True,
    pairs: int = BLOCK,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The pairs of :func:`candidate_pairs`, a few students at a time.

    Parameters
    ----------
    students, mentors, rules, dense
        As for :func:`candidate_pairs`.
    pairs : int
        About how many pairs each block holds (a student's pairs are never split).

    Yields
    ------
    i, m : (P,) int64 arrays
        Student and mentor index of each pair of consecutive students, sorted by student,
        then mentor; the blocks follow each other in that order.

    Raises
    ------
    ValueError
        If ``pairs`` is not positive, or as :func:`candidate_pairs`.
    """
    rules = Rules() if rules is None else rules
    if pairs < 1:
        raise ValueError(f"pairs must be positive, got {pairs}")
    _check_rules(students, mentors, rules)
    n_s, n_m = students.n, mentors.n
    if n_s == 0 or n_m == 0:
        return
    if dense or not rules.shared_specialty:
        step = max(1, pairs // n_m)
        for start in range(0, n_s, step):
            stop = min(n_s, start + step)
            i = np.repeat(np.arange(start, stop, dtype=np.int64), n_m)
            yield i, np.tile(np.arange(n_m, dtype=np.int64), stop - start)
        return
    spec = students.specialties
    n_spec = int(max(spec.max(initial=-1), mentors.specialty.max(initial=-1))) + 1
    rs, ks = np.nonzero(spec >= 0)
    by_student = sparse.csr_array(
        (np.ones(rs.size, dtype=bool), (rs, spec[rs, ks])), shape=(n_s, n_spec)
    )
    has = mentors.specialty >= 0
    by_mentor = sparse.csr_array(
        (np.ones(int(has.sum()), dtype=bool), (mentors.specialty[has], np.flatnonzero(has))),
        shape=(n_spec, n_m),
    )
    per_student = np.cumsum(by_student @ np.bincount(mentors.specialty[has], minlength=n_spec))
    ends = np.searchsorted(per_student, np.arange(pairs, per_student[-1], pairs), side="right")
    edges = distinct(np.concatenate([[0], ends, [n_s]]))
    for start, stop in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
        both = sparse.csr_array(by_student[start:stop] @ by_mentor)
        both.sort_indices()
        i = np.repeat(np.arange(start, stop, dtype=np.int64), np.diff(both.indptr))
        yield i, both.indices.astype(np.int64)


def candidate_pairs(
    students: StudentFeatures,
    mentors: MentorFeatures,
    rules: Rules | None = None,
    *,
    dense: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs :func:`score_matrix` examines, by student then mentor.

    Parameters
    ----------
    students, mentors : StudentFeatures, MentorFeatures
    rules : Rules, optional
        Defaults to ``Rules()``.
    dense : bool
        Every pair; else, with ``rules.shared_specialty``, only the pairs sharing a
        specialty (the others break that rule).

    Returns
    -------
    i, m : (P,) int64 arrays
        Student and mentor index of each pair, sorted by student, then mentor.
    """
    blocks = list(candidate_blocks(students, mentors, rules, dense=dense))
    if not blocks:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate([i for i, _ in blocks]), np.concatenate([m for _, m in blocks])


def _refusals(students, mentors, rules, i, m, values, total) -> np.ndarray:
    """The first hard rule each pair breaks (see :func:`refusals`), from its criteria
    ``values`` and weighted ``total``."""
    why = np.full(i.size, ALLOWED, dtype=np.int8)
    if rules.min_score is not None:
        why[total < rules.min_score] = BELOW_MIN_SCORE
    if rules.same_institution == "barred":
        why[same_home(students, mentors, i, m)] = SAME_INSTITUTION
    if rules.peer_years_ahead is not None:
        lo, hi = rules.peer_years_ahead
        ahead = mentors.year[m] - students.year[i]
        why[(mentors.kind[m] == KIND_PEER) & ((ahead < lo) | (ahead > hi))] = PEER_YEARS
    if rules.shared_specialty:
        why[values[:, 0] <= 0] = OTHER_SPECIALTY
    why[_in_pairs(i, m, rules.barred, mentors.n)] = BARRED
    return why


def refusals(
    students: StudentFeatures,
    mentors: MentorFeatures,
    i: np.ndarray,
    m: np.ndarray,
    weights: Weights | None = None,
    rules: Rules | None = None,
) -> np.ndarray:
    """Why each pair ``(i[k], m[k])`` is not allowed: the first hard rule it breaks.

    The rules are tried in the order of :data:`REFUSALS`: a barred pair, no shared specialty
    (with ``rules.shared_specialty``), a peer mentor outside ``rules.peer_years_ahead``, the
    same institution (with ``rules.same_institution="barred"``), a weighted score below
    ``rules.min_score``. These are exactly the rules :func:`score_matrix` applies.

    Parameters
    ----------
    students, mentors : StudentFeatures, MentorFeatures
    i, m : (P,) int
        Student and mentor index of each pair.
    weights : Weights, optional
        Defaults to ``Weights()``; they matter for ``rules.min_score``.
    rules : Rules, optional
        Defaults to ``Rules()``.

    Returns
    -------
    (P,) int8 array
        ``ALLOWED`` (0) for an allowed pair, else the code of the first rule it breaks.
    """
    weights = Weights() if weights is None else weights
    rules = Rules() if rules is None else rules
    _check_pair(students, mentors)
    i, m = np.asarray(i, dtype=np.int64), np.asarray(m, dtype=np.int64)
    if i.shape != m.shape or i.ndim != 1:
        raise ValueError(f"i and m must be 1-D arrays of one length, got {i.shape} and {m.shape}")
    if i.size and (i.min() < 0 or i.max() >= students.n or m.min() < 0 or m.max() >= mentors.n):
        raise ValueError("i or m names a student or mentor that does not exist")
    values = criteria(students, mentors, i, m, rules)
    return _refusals(students, mentors, rules, i, m, values, _weighted(values, weights.vector()))


def score_pairs(
    students: StudentFeatures,
    mentors: MentorFeatures,
    i: np.ndarray,
    m: np.ndarray,
    weights: Weights | None = None,
    rules: Rules | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted score of each pair ``(i[k], m[k])`` and whether the hard rules allow it.

    Valued ``BLOCK`` pairs at a time, so that a national round's pairs need no
    full-size table of criteria.

    Parameters
    ----------
    students, mentors : StudentFeatures, MentorFeatures
    i, m : (P,) int
        Student and mentor index of each pair (not checked: see :func:`refusals`).
    weights, rules : Weights, Rules, optional
        Default to ``Weights()`` and ``Rules()``.

    Returns
    -------
    total : (P,) float array
        ``criteria @ weights.vector()``.
    ok : (P,) bool array
        Whether the pair breaks none of the hard rules (see :func:`refusals`).

    Raises
    ------
    ValueError
        If the features do not fit together, or ``rules`` pins or bars a student or mentor
        that does not exist.
    """
    weights = Weights() if weights is None else weights
    rules = Rules() if rules is None else rules
    _check_rules(students, mentors, rules)
    prepared = _Criteria(students, mentors, rules)
    vector = weights.vector()
    total = np.empty(i.size)
    ok = np.empty(i.size, dtype=bool)
    for start in range(0, i.size, BLOCK):
        block = slice(start, start + BLOCK)
        values = prepared.values(i[block], m[block])
        _weighted(values, vector, out=total[block])
        why = _refusals(students, mentors, rules, i[block], m[block], values, total[block])
        ok[block] = why == ALLOWED
    return total, ok


def score_matrix(
    students: StudentFeatures,
    mentors: MentorFeatures,
    weights: Weights | None = None,
    rules: Rules | None = None,
    *,
    dense: bool = True,
) -> ScoreMatrix:
    """Score every pair and apply the hard rules.

    Parameters
    ----------
    students, mentors : StudentFeatures, MentorFeatures
    weights : Weights, optional
        Defaults to ``Weights()``.
    rules : Rules, optional
        Defaults to ``Rules()``.
    dense : bool
        Return a dense (S, M) score and mask (school-size rounds) or a sparse
        score whose stored entries are the allowed pairs (large rounds; with
        ``rules.shared_specialty`` only pairs sharing a specialty are examined).

    Returns
    -------
    ScoreMatrix
    """
    i, m = candidate_pairs(students, mentors, rules, dense=dense)
    total, ok = score_pairs(students, mentors, i, m, weights, rules)
    shape = (students.n, mentors.n)
    if dense:
        score = np.zeros(shape)
        score[i, m] = total
        allowed = np.zeros(shape, dtype=bool)
        allowed[i[ok], m[ok]] = True
        return ScoreMatrix(score, allowed)
    kept = m[ok]
    index = np.int32 if max(students.n, mentors.n, kept.size) < np.iinfo(np.int32).max else np.int64
    indptr = np.zeros(students.n + 1, dtype=index)
    np.cumsum(np.bincount(i[ok], minlength=students.n), out=indptr[1:])
    return ScoreMatrix(sparse.csr_array((total[ok], kept.astype(index), indptr), shape=shape), None)
