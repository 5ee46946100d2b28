"""Solve every seat of every student's board in one joint solve, and turn the engine's answer
into outcomes people can read.

The seats of a board of advisors (home faculty, resident, external faculty, peer) share the
mentors' places: one optimal solve over all of them fills the most seats there can be, then
the best total score, so no seat kind takes the places another needed first. A student never
gets the same mentor twice: each pair fills exactly one seat (see
:func:`matcher.matching.board_seats`).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from matcher.matching import (
    ALLOWED,
    NO_ALLOWED_MENTOR,
    PIN_NO_PLACE,
    PIN_NOT_ALLOWED,
    PIN_PLACED,
    REFUSALS,
    BoardMatch,
    blocking_pair_list,
    board_seats,
    board_values,
    match_board,
    quality_report,
    refusals,
)
from matcher.models import SLOT_MENTOR_TYPES
from matcher.solving.population import Population
from matcher.solving.settings import RoundSettings

REASONS = {
    "matched": "Matched",
    "no_allowed": "No mentor the rules allow for this seat has a free place",
    "all_full": "Every allowed mentor is full with students whose pairs score at least as much",
}
PIN_STATUS = {PIN_PLACED: "placed", PIN_NOT_ALLOWED: "not_allowed", PIN_NO_PLACE: "no_place"}

CHOICE_WHY = {
    "got": "Got their first choice.",
    "other_specialty": "Their first choice works in a specialty not on the student's list, "
    "and the round requires a shared specialty.",
    "peer_years": "Their first choice is a peer mentor outside the allowed years ahead.",
    "same_institution": "Their first choice is at the student's own home (school and its "
    "hospitals), which this round does not allow.",
    "barred": "A coordinator barred this pair.",
    "min_score": "The pair scores below the round's minimum score.",
    "full": "Their first choice's places went to students whose pairs add more to the round.",
    "no_place": "Their first choice had no free place left.",
    "scored_lower": "Their first choice had room, but another mentor fits them better on the "
    "round's criteria.",
}

SOLVING = "Matching every seat of every board together"


@dataclass
class Outcome:
    student_index: int
    slot: str
    mentor_index: int | None
    score: float | None
    breakdown: list[float] | None
    reason: str
    pinned: bool = False
    best_index: int | None = None
    best_score: float | None = None
    took_place: list[int] = field(default_factory=list)
    preference_rank: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProposedPair:
    """A student and the mentor proposed for one seat of their board, with the pair's score."""

    student_id: int
    mentor_id: int
    slot: str
    score: float | None = None


@dataclass
class RoundAssignment:
    """A solved round: each (student, seat) outcome, what became of the pins (student, mentor,
    seat, status), how many blocking pairs there are and which (student, seat, mentor), each
    seat's places, and the core's preference-rank counts (1st ... P-th choice, not on the
    list, unmatched) over the seats of students who ranked a mentor who could fill them."""

    outcomes: list[Outcome]
    pins: list[tuple[int, int, str, str]]
    blocking: int | None
    supply: dict[str, int]
    ranks: list[int] = field(default_factory=list)
    blocking_pairs: list[tuple[int, str, int]] = field(default_factory=list)


def assign_round(
    pop: Population,
    slots: list[str],
    settings: RoundSettings,
    pins: list[tuple[int, int]] = (),
    bars: list[tuple[int, int]] = (),
    on_progress: Callable[[int, int, str], None] | None = None,
) -> RoundAssignment:
    """Solve every seat of the round in one optimal solve; ``pins`` and ``bars`` are
    (student, mentor) indices of ``pop``.

    A pin fills the seat its pair fills (a faculty mentor at another home fills the external
    seat when the student wants it). ``on_progress(done, total, stage)`` is called before the
    solve and once it is done.
    """
    if on_progress is not None:
        on_progress(0, 1, SOLVING)
    wants = pop.wants(slots)
    rules = settings.rules(barred=np.concatenate([_pairs(bars), pop.never]))
    pin_array = _pairs(pins)
    result = match_board(
        pop.students,
        pop.mentors,
        pop.capacity,
        slots,
        wants,
        settings.weights,
        rules,
        pinned=pin_array,
    )
    problem = result.problem
    ex = result.explanation
    pin_seat = _seat_names(
        slots,
        board_seats(pop.students, pop.mentors, pin_array[:, 0], pin_array[:, 1], slots, wants),
    )
    pin_report = [
        (int(s), int(m), seat, PIN_STATUS[int(status)] if seat else "no_slot")
        for (s, m), seat, status in zip(pin_array, pin_seat, result.pin_status, strict=True)
    ]
    placed = {(s, m) for s, m, _, status in pin_report if status == PIN_STATUS[PIN_PLACED]}
    pair_at = {int(r): p for p, r in enumerate(result.rows)}
    ranks = np.zeros(pop.students.preferences.shape[1] + 2, dtype=np.int64)
    prefs = _row_preferences(pop, problem, slots, wants)
    stated = _stated_ranks(result, prefs, pop.capacity, ranks)
    choice = _first_choices(pop, result, prefs, settings, rules, slots)

    row_student, row_seat = problem.row_student.tolist(), problem.row_seat.tolist()
    best, best_score, mate_score = ex.best.tolist(), ex.best_score.tolist(), ex.mate_score.tolist()
    no_allowed = (ex.reason == NO_ALLOWED_MENTOR).tolist()
    mentors, scores, breakdowns = result.mentors.tolist(), result.score.tolist(), _rounded(result)
    outcomes = []
    for r, s in enumerate(row_student):
        p = pair_at.get(r)
        b = best[r]
        holders = []
        if b >= 0 and (p is None or best_score[r] > mate_score[r]):
            holders = [row_student[h] for h in ex.holders_of(b).tolist()]
        out = Outcome(
            student_index=s,
            slot=slots[row_seat[r]],
            mentor_index=mentors[p] if p is not None else None,
            score=scores[p] if p is not None else None,
            breakdown=breakdowns[p] if p is not None else None,
            reason="matched" if p is not None else ("no_allowed" if no_allowed[r] else "all_full"),
            best_index=b if b >= 0 else None,
            best_score=best_score[r] if b >= 0 else None,
            took_place=holders,
            detail=choice.get(r, {}),
        )
        if p is not None:
            out.pinned = (s, out.mentor_index) in placed
            out.preference_rank = stated.get(r)
        outcomes.append(out)

    blocking = _blocking(pop, result, prefs, slots)
    if on_progress is not None:
        on_progress(1, 1, SOLVING)
    return RoundAssignment(
        outcomes,
        pin_report,
        None if blocking is None else len(blocking),
        _supply(pop, slots),
        ranks.tolist(),
        blocking or [],
    )


def _rounded(result: BoardMatch) -> list[list[float]]:
    """Each pair's per-criterion contributions, each rounded to 4 places as Python rounds
    (once per distinct value: a national round has few)."""
    if result.contributions.size == 0:
        return [[] for _ in range(result.contributions.shape[0])]
    values, inverse = np.unique(result.contributions, return_inverse=True)
    rounded = np.array([round(float(v), 4) for v in values.tolist()])
    return rounded[inverse.reshape(result.contributions.shape)].tolist()


def _pairs(pairs) -> np.ndarray:
    return np.array(list(pairs), dtype=np.int64).reshape(-1, 2)


def _seat_names(slots: list[str], seats: np.ndarray) -> list[str]:
    return [slots[k] if k >= 0 else "" for k in seats.tolist()]


def _supply(pop: Population, slots: list[str]) -> dict[str, int]:
    """Free places of the mentors who can fill each seat (faculty places serve the home and
    the external seat alike)."""
    return {
        slot: int(
            sum(
                int(c)
                for c, t in zip(pop.capacity, pop.mentor_type, strict=True)
                if t in SLOT_MENTOR_TYPES[slot]
            )
        )
        for slot in slots
    }


def _row_preferences(pop: Population, problem, slots: list[str], wants: np.ndarray) -> np.ndarray:
    """Each row's ranked mentors: the student's ranking, keeping only the mentors who would
    fill the row's seat (-1 elsewhere), in the student's order."""
    listed = pop.students.preferences[problem.row_student]
    out = np.full(listed.shape, -1, dtype=np.int64)
    r, k = np.nonzero(listed >= 0)
    if r.size == 0:
        return out
    mentors = listed[r, k]
    seats = board_seats(pop.students, pop.mentors, problem.row_student[r], mentors, slots, wants)
    keep = seats == problem.row_seat[r]
    out[r[keep], k[keep]] = mentors[keep]
    return out


def _stated_ranks(result: BoardMatch, prefs: np.ndarray, capacity, ranks: np.ndarray) -> dict:
    """Add the core's preference-rank counts of the rows whose student ranked a mentor for
    that seat to ``ranks``; each such matched row's rank of its mentor (1 ... P), by row."""
    rows = np.flatnonzero((prefs >= 0).any(axis=1))
    if rows.size == 0:
        return {}
    position = np.full(prefs.shape[0], -1, dtype=np.int64)
    position[rows] = np.arange(rows.size)
    keep = position[result.rows] >= 0
    report = quality_report(
        sparse.csr_array(result.problem.score)[rows],
        capacity,
        position[result.rows[keep]],
        result.mentors[keep],
        preferences=prefs[rows],
    )
    ranks += report.preference_ranks
    return {
        int(row): int(rank)
        for row, rank in zip(rows, report.student_ranks, strict=True)
        if rank > 0
    }


def _first_choices(pop, result: BoardMatch, prefs, settings, rules, slots) -> dict:
    """Why each row with a ranked mentor for its seat did or did not get the student's
    best-ranked such mentor."""
    ranked = prefs >= 0
    has = ranked.any(axis=1)
    if not has.any():
        return {}
    problem, ex = result.problem, result.explanation
    first_pos = np.argmax(ranked, axis=1)
    rows = np.flatnonzero(has)
    students = problem.row_student[rows]
    mentors = prefs[rows, first_pos[rows]]
    names = np.array(slots, dtype=object)[problem.row_seat[rows]]
    totals = board_values(pop.students, pop.mentors, students, mentors, names, rules)
    totals = totals @ settings.weights.vector()
    refused = refusals(pop.students, pop.mentors, students, mentors, settings.weights, rules)
    capacity = pop.capacity
    out: dict[int, dict] = {}
    for k, r in enumerate(rows.tolist()):
        m = int(mentors[k])
        info: dict[str, Any] = {
            "choice": m,
            "choice_rank": int(first_pos[r]) + 1,
            "choice_score": round(float(totals[k]), 4),
        }
        if ex.mate[r] == m:
            info["why"] = "got"
        elif refused[k] != ALLOWED:
            info["why"] = REFUSALS[refused[k] - 1]
        else:
            holders = ex.holders_of(m)
            if capacity[m] == 0:
                info["why"] = "no_place"
            elif holders.size >= capacity[m]:
                info["why"] = "full"
                info["holders"] = sorted({int(problem.row_student[h]) for h in holders})
            else:
                info["why"] = "scored_lower"
        out[r] = info
    return out


def _blocking(
    pop: Population, result: BoardMatch, prefs: np.ndarray, slots: list[str]
) -> list[tuple[int, str, int]] | None:
    """Blocking pairs over the board's rows, as (student index, seat, mentor index): a
    student's seat and a mentor who would both rather have each other (by the student's
    ranking and the mentor's marks); ``None`` without preferences from both sides."""
    likes = pop.mentors.likes
    if not (prefs >= 0).any() or likes is None or not sparse.csr_array(likes).nnz:
        return None
    problem = result.problem
    row_likes = sparse.csr_array(likes)[:, problem.row_student]
    rows, mentors = blocking_pair_list(
        problem.score, pop.capacity, result.rows, result.mentors, prefs, row_likes
    )
    return [
        (student, slots[seat], mentor)
        for student, seat, mentor in zip(
            problem.row_student[rows].tolist(),
            problem.row_seat[rows].tolist(),
            mentors.tolist(),
            strict=True,
        )
    ]
