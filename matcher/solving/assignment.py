"""Solve a round slot by slot and turn the engine's answer into outcomes people can read.

Each slot of the board of advisors (faculty, resident, external, peer) is one optimal
solve over the mentors who can fill it; places used by an earlier slot are gone for the
later ones, and a student never gets the same mentor twice.
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
    MentorFeatures,
    StudentFeatures,
    blocking_pairs,
    criteria,
    match,
    quality_report,
    refusals,
)
from matcher.solving.population import Population
from matcher.solving.settings import RoundSettings

REASONS = {
    "matched": "Matched",
    "no_allowed": "No mentor the rules allow has a free place",
    "all_full": "Every allowed mentor is full with students whose pairs score at least as much",
}
PIN_STATUS = {PIN_PLACED: "placed", PIN_NOT_ALLOWED: "not_allowed", PIN_NO_PLACE: "no_place"}

CHOICE_WHY = {
    "got": "Got their first choice.",
    "other_specialty": "Their first choice works in a specialty not on the student's list, "
    "and the round requires a shared specialty.",
    "peer_years": "Their first choice is a peer mentor outside the allowed years ahead.",
    "same_institution": "Their first choice is at the student's own institution, which this "
    "slot or round does not allow.",
    "barred": "A coordinator barred this pair.",
    "min_score": "The pair scores below the round's minimum score.",
    "full": "Their first choice's places went to students whose pairs add more to the round.",
    "no_place": "Their first choice had no free place left for this slot.",
    "scored_lower": "Their first choice had room, but another mentor fits them better on the "
    "round's criteria.",
}


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
    """A solved round: each (student, slot) outcome, what became of the pins, the blocking
    pairs, each slot's places, and the core's preference-rank counts (1st ... P-th choice, not
    on the list, unmatched) over the students who ranked a mentor of the slot."""

    outcomes: list[Outcome]
    pins: list[tuple[int, int, str, str]]
    blocking: int | None
    supply: dict[str, int]
    ranks: list[int] = field(default_factory=list)


def _take_students(f: StudentFeatures, rows: np.ndarray, cols: np.ndarray) -> StudentFeatures:
    position = np.full(max(int(f.preferences.max(initial=-1)) + 1, 1), -1, dtype=np.int64)
    position[cols[cols < position.size]] = np.flatnonzero(cols < position.size)
    prefs = f.preferences[rows]
    remapped = np.where(prefs >= 0, position[np.maximum(prefs, 0)], -1)
    return StudentFeatures(
        specialties=f.specialties[rows],
        focus=f.focus[rows],
        goals=f.goals[rows],
        year=f.year[rows],
        institution=f.institution[rows],
        home_department=f.home_department[rows],
        waited=f.waited[rows],
        preferences=remapped,
    )


def _take_mentors(f: MentorFeatures, cols: np.ndarray, rows: np.ndarray) -> MentorFeatures:
    likes = None
    if f.likes is not None:
        likes = sparse.csr_array(f.likes)[cols][:, rows]
    return MentorFeatures(
        specialty=f.specialty[cols],
        focus=f.focus[cols],
        offers=f.offers[cols],
        kind=f.kind[cols],
        year=f.year[cols],
        institution=f.institution[cols],
        likes=likes,
    )


def _pairs(pairs: list[tuple[int, int]], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    row_at = {int(r): k for k, r in enumerate(rows)}
    col_at = {int(c): k for k, c in enumerate(cols)}
    kept = [(row_at[s], col_at[m]) for s, m in pairs if s in row_at and m in col_at]
    return np.array(kept, dtype=np.int64).reshape(-1, 2)


def assign_round(
    pop: Population,
    slots: list[str],
    settings: RoundSettings,
    pins: list[tuple[int, int]] = (),
    bars: list[tuple[int, int]] = (),
    on_progress: Callable[[int, int, str], None] | None = None,
) -> RoundAssignment:
    """Solve every slot in order; ``pins`` and ``bars`` are (student, mentor) indices of ``pop``.

    A pin goes to the first slot its mentor can fill and its student wants.
    ``on_progress(done, total, slot)`` is called as each slot starts and once all are done.
    """
    wants = pop.wants(slots)
    capacity = pop.capacity.copy()
    taken: list[tuple[int, int]] = []
    outcomes: list[Outcome] = []
    pin_report: list[tuple[int, int, str, str]] = []
    pending_pins = list(pins)
    blocking_total: int | None = None
    supply: dict[str, int] = {}
    ranks = np.zeros(pop.students.preferences.shape[1] + 2, dtype=np.int64)

    for k, slot in enumerate(slots):
        if on_progress is not None:
            on_progress(k, len(slots), slot)
        rows = np.flatnonzero(wants[:, k])
        cols = pop.eligible(slot)
        supply[slot] = int(capacity[cols].sum()) if cols.size else 0
        if rows.size == 0:
            continue
        col_set = set(cols.tolist())
        row_set = set(rows.tolist())
        slot_pins = []
        for pin in list(pending_pins):
            if pin[0] in row_set and pin[1] in col_set and all(p[0] != pin[0] for p in slot_pins):
                slot_pins.append(pin)
                pending_pins.remove(pin)
        rules = settings.rules(
            same_institution="barred" if slot == "external" else None,
            pinned=_pairs(slot_pins, rows, cols),
            barred=_pairs([*bars, *taken], rows, cols),
        )
        sub_s = _take_students(pop.students, rows, cols)
        sub_m = _take_mentors(pop.mentors, cols, rows)
        slot_capacity = capacity[cols].copy()
        result = match(sub_s, sub_m, slot_capacity, settings.weights, rules)
        placed_pins = set()
        for (ps, pm), status in zip(rules.pinned, result.pin_status, strict=True):
            pair = (int(rows[ps]), int(cols[pm]))
            pin_report.append((*pair, slot, PIN_STATUS[int(status)]))
            if status == PIN_PLACED:
                placed_pins.add(pair)
        np.subtract.at(capacity, cols[result.mentors], 1)
        taken.extend(
            zip(rows[result.students].tolist(), cols[result.mentors].tolist(), strict=True)
        )

        ex = result.explanation
        pair_at = {int(s): p for p, s in enumerate(result.students)}
        stated_ranks = _stated_ranks(sub_s, result, slot_capacity, ranks)
        choice = _first_choices(sub_s, sub_m, rows, cols, rules, settings, result, slot_capacity)
        for local, global_s in enumerate(rows.tolist()):
            p = pair_at.get(local)
            best = int(ex.best[local])
            holders = []
            if best >= 0 and (p is None or ex.best_score[local] > ex.mate_score[local]):
                holders = [int(rows[h]) for h in ex.holders_of(best)]
            out = Outcome(
                student_index=global_s,
                slot=slot,
                mentor_index=int(cols[result.mentors[p]]) if p is not None else None,
                score=float(result.score[p]) if p is not None else None,
                breakdown=[round(float(x), 4) for x in result.contributions[p]]
                if p is not None
                else None,
                reason="matched"
                if p is not None
                else ("no_allowed" if ex.reason[local] == NO_ALLOWED_MENTOR else "all_full"),
                best_index=int(cols[best]) if best >= 0 else None,
                best_score=float(ex.best_score[local]) if best >= 0 else None,
                took_place=holders,
                detail=choice.get(local, {}),
            )
            if p is not None:
                out.pinned = (global_s, out.mentor_index) in placed_pins
                out.preference_rank = stated_ranks.get(local)
            outcomes.append(out)

        if sub_s.preferences.size and (sub_s.preferences >= 0).any() and sub_m.likes.nnz:
            count = blocking_pairs(
                result.scores.score,
                slot_capacity,
                result.students,
                result.mentors,
                sub_s.preferences,
                sub_m.likes,
                allowed=result.scores.allowed,
            )
            blocking_total = (blocking_total or 0) + int(count)

    for s, m in pending_pins:
        pin_report.append((s, m, "", "no_slot"))
    if on_progress is not None and slots:
        on_progress(len(slots), len(slots), slots[-1])
    return RoundAssignment(outcomes, pin_report, blocking_total, supply, ranks.tolist())


def _stated_ranks(sub_s, result, slot_capacity, ranks: np.ndarray) -> dict[int, int]:
    """Add the core's preference-rank counts of the students who ranked a mentor of this slot
    to ``ranks``; each matched such student's rank of their mentor (1 ... P), by slot row."""
    rows = np.flatnonzero((sub_s.preferences >= 0).any(axis=1))
    if rows.size == 0:
        return {}
    position = np.full(sub_s.preferences.shape[0], -1, dtype=np.int64)
    position[rows] = np.arange(rows.size)
    keep = position[result.students] >= 0
    allowed = result.scores.allowed
    report = quality_report(
        result.scores.score[rows],
        slot_capacity,
        position[result.students[keep]],
        result.mentors[keep],
        None if allowed is None else allowed[rows],
        preferences=sub_s.preferences[rows],
    )
    ranks += report.preference_ranks
    return {
        int(row): int(rank)
        for row, rank in zip(rows, report.student_ranks, strict=True)
        if rank > 0
    }


def _first_choices(sub_s, sub_m, rows, cols, rules, settings, result, slot_capacity) -> dict:
    """Why each student with stated preferences did or did not get their top choice in
    this slot (their best-ranked mentor who can fill it)."""
    prefs = sub_s.preferences
    ranked = prefs >= 0
    has = ranked.any(axis=1)
    if not has.any():
        return {}
    first_pos = np.argmax(ranked, axis=1)
    local_rows = np.flatnonzero(has)
    local_mentor = prefs[local_rows, first_pos[local_rows]]
    mate = result.explanation.mate
    totals = criteria(sub_s, sub_m, local_rows, local_mentor, rules) @ settings.weights.vector()
    refused = refusals(sub_s, sub_m, local_rows, local_mentor, settings.weights, rules)
    out: dict[int, dict] = {}
    for k, local in enumerate(local_rows.tolist()):
        m = int(local_mentor[k])
        info: dict[str, Any] = {
            "choice": int(cols[m]),
            "choice_rank": int(first_pos[local]) + 1,
            "choice_score": round(float(totals[k]), 4),
        }
        if mate[local] == m:
            info["why"] = "got"
        elif refused[k] != ALLOWED:
            info["why"] = REFUSALS[refused[k] - 1]
        else:
            holders = result.explanation.holders_of(m)
            if slot_capacity[m] == 0:
                info["why"] = "no_place"
            elif holders.size >= slot_capacity[m]:
                info["why"] = "full"
                info["holders"] = [int(rows[h]) for h in holders]
            else:
                info["why"] = "scored_lower"
        out[local] = info
    return out
