"""Solving a round into drafts, their statistics and outcomes, comparing two drafts (or a
draft and the round as it is now), a draft's blocking pairs and each mentor's side of it, and
the draft as CSV."""

import csv
import io
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import ScalarSelect, Select, func, or_, select, union_all
from sqlalchemy.orm import aliased, selectinload

from matcher import audit
from matcher.database import bulk_insert
from matcher.extensions import db
from matcher.matching import CRITERIA
from matcher.models import (
    SLOTS,
    ConstraintKind,
    DraftOutcome,
    Round,
    RoundConstraint,
    RoundDraft,
    RoundLike,
    RoundPreference,
    User,
)
from matcher.rounds.pins import constraints
from matcher.rounds.rules import require_open
from matcher.rounds.taking_part import participants, round_mentor_ids
from matcher.solving import population
from matcher.solving import settings as round_settings
from matcher.solving.assignment import RoundAssignment, assign_round
from matcher.spreadsheet import escape_formula
from matcher.templating import slot_label


def _histogram(values: list[float], top: float, bins: int = 10) -> list[dict]:
    edges = np.linspace(0.0, top, bins + 1)
    counts = np.histogram(np.clip(values, 0, top), bins=edges)[0] if values else [0] * bins
    return [
        {"low": round(float(edges[k]), 2), "high": round(float(edges[k + 1]), 2), "n": int(c)}
        for k, c in enumerate(counts)
    ]


OnProgress = Callable[[int, int, str], None]


BLOCKING_KEPT = 1000
"""Blocking pairs a draft keeps by name (all are counted)."""


LOADING = "Loading the round's people"


SAVING = "Saving the draft"


OUTCOME_KEYS = ("draft_id", "student_id", "slot", "mentor_id", "best_mentor_id")
"""The columns of a draft's outcomes that queries filter, join and sort on: the statistics a
newly stored draft refreshes (the others hold scores, reasons and JSON)."""


@dataclass
class Solved:
    """A solved round not yet stored (see ``solve``)."""

    settings: round_settings.RoundSettings
    population: population.Population
    constraints: list[RoundConstraint]
    assignment: RoundAssignment
    started: float


def solve_size(round_: Round) -> int:
    """Students taking part times the mentors who can: the size of the problem to solve."""

    def count(query: Select) -> ScalarSelect[int]:
        return select(func.count()).select_from(query.subquery()).scalar_subquery()

    students, mentors = db.session.execute(
        select(count(participants(round_.id)), count(population.round_mentors(round_.group_id)))
    ).one()
    return students * mentors


def solve_steps(round_: Round) -> int:
    """The steps ``solve`` reports: loading, the joint solve of every seat, saving."""
    return 3


def solve_round(round_: Round, actor: User, on_progress: OnProgress | None = None) -> RoundDraft:
    """Score and solve the round as it stands and store the answer as the next draft.

    ``on_progress(done, total, stage)`` is called as people are loaded, as every seat is
    matched together, and before the draft is saved.
    """
    return record_solve(round_, actor, prepare_solve(round_, on_progress), on_progress)


def prepare_solve(round_: Round, on_progress: OnProgress | None = None) -> Solved:
    """Load and solve the round (reads only)."""
    require_open(round_)
    started = time.perf_counter()
    total = solve_steps(round_)
    report = on_progress or (lambda done, total, stage: None)
    report(0, total, LOADING)
    settings = round_settings.parse(round_.settings)
    pop = population.load(round_.group_id, participants(round_.id), round_id=round_.id)
    s_at, m_at = pop.student_index(), pop.mentor_index()
    pins, bars = [], []
    pairs = constraints(round_.id)
    for c in pairs:
        if c.student_id in s_at and c.mentor_id in m_at:
            pair = (s_at[c.student_id], m_at[c.mentor_id])
            (pins if c.kind is ConstraintKind.PIN else bars).append(pair)

    def solve_progress(done: int, steps: int, stage: str) -> None:
        report(1 + done, total, stage)

    result = assign_round(pop, round_.slots, settings, pins, bars, on_progress=solve_progress)
    return Solved(settings, pop, pairs, result, started)


def record_solve(
    round_: Round, actor: User, solved: Solved, on_progress: OnProgress | None = None
) -> RoundDraft:
    """Store a prepared solve as the round's next draft."""
    require_open(round_)
    total = solve_steps(round_)
    if on_progress is not None:
        on_progress(total - 1, total, SAVING)
    settings, pop, pairs, result = (
        solved.settings,
        solved.population,
        solved.constraints,
        solved.assignment,
    )
    started = solved.started
    student_ids, mentor_ids = pop.student_ids.tolist(), pop.mentor_ids.tolist()

    number = (
        db.session.scalar(
            select(func.max(RoundDraft.number)).where(RoundDraft.round_id == round_.id)
        )
        or 0
    ) + 1
    draft = RoundDraft(
        round_id=round_.id,
        number=number,
        created_by_id=actor.id,
        settings=_snapshot(round_, pairs),
    )
    db.session.add(draft)
    db.session.flush()
    rows = [
        {
            "draft_id": draft.id,
            "student_id": student_ids[o.student_index],
            "slot": o.slot,
            "mentor_id": None if o.mentor_index is None else mentor_ids[o.mentor_index],
            "score": o.score,
            "breakdown": o.breakdown,
            "reason": o.reason,
            "pinned": o.pinned,
            "best_mentor_id": None if o.best_index is None else mentor_ids[o.best_index],
            "best_score": o.best_score,
            "took_place": [student_ids[s] for s in o.took_place],
            "preference_rank": o.preference_rank,
            "detail": _detail_ids(o.detail, student_ids, mentor_ids) if o.detail else {},
        }
        for o in result.outcomes
    ]
    bulk_insert(db.session, DraftOutcome.__table__, rows, analyze=OUTCOME_KEYS)
    draft.stats = _stats(pop, round_.slots, settings, result)
    draft.stats["pins"] = [
        {"student_id": student_ids[s], "mentor_id": mentor_ids[m], "slot": slot, "status": status}
        for s, m, slot, status in result.pins
    ]
    draft.stats["blocking_list"] = [
        {"student_id": student_ids[s], "slot": slot, "mentor_id": mentor_ids[m]}
        for s, slot, m in result.blocking_pairs[:BLOCKING_KEPT]
    ]
    draft.seconds = round(time.perf_counter() - started, 3)
    audit.record(
        "round.solve",
        actor=actor,
        group_id=round_.group_id,
        target=round_,
        draft=number,
        matched=draft.stats["pairs"],
        needs=draft.stats["needs"],
    )
    if on_progress is not None:
        on_progress(total, total, SAVING)
    return draft


def _detail_ids(detail: dict, student_ids: list[int], mentor_ids: list[int]) -> dict:
    out = dict(detail)
    out["choice"] = mentor_ids[detail["choice"]]
    if "holders" in detail:
        out["holders"] = [student_ids[h] for h in detail["holders"]]
    return out


def _snapshot(round_: Round, pairs: list[RoundConstraint]) -> dict:
    return {
        **round_.settings,
        "slots": list(round_.slots),
        "constraints": [
            {"student_id": c.student_id, "mentor_id": c.mentor_id, "kind": c.kind.value}
            for c in pairs
        ],
    }


def _stats(pop: population.Population, slots: list[str], settings, result) -> dict:
    outcomes = result.outcomes
    matched = [o for o in outcomes if o.reason == "matched"]
    scores = [o.score for o in matched]
    stated = pop.students.preferences >= 0
    per_slot = {
        slot: {
            "needs": sum(1 for o in outcomes if o.slot == slot),
            "matched": sum(1 for o in matched if o.slot == slot),
            "places": result.supply.get(slot, 0),
        }
        for slot in slots
    }
    demand: dict[int, int] = {}
    for o in outcomes:
        spec = int(pop.first_choice[o.student_index])
        demand[spec] = demand.get(spec, 0) + 1
    supply: dict[int, int] = {}
    for m, spec in enumerate(pop.mentors.specialty.tolist()):
        supply[spec] = supply.get(spec, 0) + int(pop.capacity[m])
    specialties = sorted(s for s in set(demand) | set(supply) if s >= 0)
    students_matched = len({o.student_index for o in matched})
    return {
        "students": int(pop.student_ids.size),
        "mentors": int(pop.mentor_ids.size),
        "places": int(pop.capacity.sum()),
        "needs": len(outcomes),
        "pairs": len(matched),
        "students_matched": students_matched,
        "match_rate": round(len(matched) / len(outcomes), 4) if outcomes else 0.0,
        "score_mean": round(float(np.mean(scores)), 3) if scores else None,
        "score_median": round(float(np.median(scores)), 3) if scores else None,
        "max_score": settings.max_score,
        "histogram": _histogram(scores, settings.max_score),
        "ranks": result.ranks,
        "stated_preferences": int(stated.any(axis=1).sum()),
        "per_slot": per_slot,
        "supply_demand": [
            {"specialty_id": s, "demand": demand.get(s, 0), "supply": supply.get(s, 0)}
            for s in specialties
        ],
        "blocking_pairs": result.blocking,
        "unmatched_reasons": {
            reason: sum(1 for o in outcomes if o.reason == reason)
            for reason in ("no_allowed", "all_full")
        },
    }


def draft(round_: Round, number: int) -> RoundDraft | None:
    return db.session.scalar(
        select(RoundDraft).where(RoundDraft.round_id == round_.id, RoundDraft.number == number)
    )


@dataclass(frozen=True)
class OutcomeFilters:
    """What a coordinator narrowed a draft's outcomes to: a seat, matched or unmatched, and a
    name or email of the student or the mentor (empty: any)."""

    slot: str = ""
    outcome: str = ""
    q: str = ""

    def as_args(self) -> dict[str, str]:
        return {"slot": self.slot, "outcome": self.outcome, "q": self.q}


def search(draft_: RoundDraft, filters: OutcomeFilters) -> Select[tuple[DraftOutcome]]:
    """The draft's outcomes narrowed by ``filters`` (an unknown seat or outcome is ignored)."""
    query = outcomes(draft_.id)
    if filters.slot in SLOTS:
        query = query.where(DraftOutcome.slot == filters.slot)
    if filters.outcome == "matched":
        query = query.where(DraftOutcome.mentor_id.is_not(None))
    elif filters.outcome == "unmatched":
        query = query.where(DraftOutcome.mentor_id.is_(None))
    if filters.q:
        like = f"%{filters.q}%"
        people = select(User.id).where(or_(User.name.ilike(like), User.email.ilike(like)))
        query = query.where(
            or_(DraftOutcome.student_id.in_(people), DraftOutcome.mentor_id.in_(people))
        )
    return query


def compared_draft(round_: Round, shown: RoundDraft, asked: int | None) -> RoundDraft | None:
    """The draft ``shown`` is compared with: the one asked for when it exists, else the one
    before; ``None`` for the first draft or when asked to compare it with itself."""
    numbers = {d.number for d in round_.drafts}
    number = asked if asked in numbers else None
    if number is None and shown.number > 1:
        number = shown.number - 1
    if number is None or number == shown.number:
        return None
    return draft(round_, number)


def outcomes(draft_id: int) -> Select[tuple[DraftOutcome]]:
    return (
        select(DraftOutcome)
        .where(DraftOutcome.draft_id == draft_id)
        .options(
            selectinload(DraftOutcome.student),
            selectinload(DraftOutcome.mentor).selectinload(User.mentor_profile),
        )
        .order_by(DraftOutcome.student_id, DraftOutcome.slot)
    )


@dataclass(frozen=True)
class Change:
    student_id: int
    slot: str
    before: int | None
    after: int | None
    score_before: float | None
    score_after: float | None


def _changed(old: RoundDraft, new: RoundDraft) -> Select:
    """Every (student, slot) whose mentor differs between two drafts, as (student, slot,
    mentor before, mentor after, score before, score after), by student and slot: the new
    draft's rows against the old one's, then the old draft's matched rows the new one lacks
    (each looked up by the drafts' (draft, student, slot) index)."""
    before, after = aliased(DraftOutcome), aliased(DraftOutcome)
    same_seat = (before.student_id == after.student_id) & (before.slot == after.slot)
    changed = (
        select(
            after.student_id,
            after.slot,
            before.mentor_id,
            after.mentor_id,
            before.score,
            after.score,
        )
        .outerjoin(before, (before.draft_id == old.id) & same_seat)
        .where(after.draft_id == new.id, before.mentor_id.is_distinct_from(after.mentor_id))
    )
    dropped = (
        select(
            before.student_id,
            before.slot,
            before.mentor_id,
            after.mentor_id,
            before.score,
            after.score,
        )
        .outerjoin(after, (after.draft_id == new.id) & same_seat)
        .where(before.draft_id == old.id, after.id.is_(None), before.mentor_id.is_not(None))
    )
    both = union_all(changed, dropped).subquery()
    return select(*both.c).order_by(both.c[0], both.c[1])


def compare(old: RoundDraft, new: RoundDraft, limit: int | None = None) -> list[Change]:
    """Every (student, slot) whose mentor differs between two drafts (the first ``limit``)."""
    query = _changed(old, new)
    if limit is not None:
        query = query.limit(limit)
    return [Change(*row) for row in db.session.execute(query)]


def count_changes(old: RoundDraft, new: RoundDraft) -> int:
    """How many (student, slot) have a different mentor in the two drafts."""
    changed = _changed(old, new).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(changed))


@dataclass(frozen=True)
class ConstraintChange:
    """A pin or bar added or removed between two drafts."""

    kind: str
    added: bool
    student_id: int
    mentor_id: int

    @property
    def label(self) -> str:
        if self.added:
            return "Pinned" if self.kind == ConstraintKind.PIN.value else "Barred"
        return "Un-pinned" if self.kind == ConstraintKind.PIN.value else "Un-barred"


@dataclass(frozen=True)
class SettingChange:
    """A setting that differs between two drafts (or a draft and the round now), in words."""

    name: str
    before: str
    after: str


SETTING_LABELS = {
    "slots": "Mentors each student gets",
    "shared_specialty": "Shared specialty required",
    "peer_min": "Peer mentors at least this many years ahead",
    "peer_max": "Peer mentors at most this many years ahead",
    "same_institution": "Same-institution pairs",
    "external_for_no_home": "External mentors first for students without a home department",
    "min_score": "Minimum score",
}


def _shown(key: str, value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "slots":
        return ", ".join(slot_label(s) for s in value) or "none"
    if key == "same_institution":
        return round_settings.INSTITUTION_POLICIES.get(value, str(value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _settings_diff(a: dict, b: dict) -> list[SettingChange]:
    out = []
    for key in sorted(set(a) | set(b)):
        if key == "constraints":
            continue
        if key == "weights":
            for name in CRITERIA:
                x, y = a.get(key, {}).get(name), b.get(key, {}).get(name)
                if x != y:
                    label = round_settings.CRITERION_HELP[name][0]
                    out.append(SettingChange(f"Weight: {label}", _shown(name, x), _shown(name, y)))
        elif a.get(key) != b.get(key):
            out.append(
                SettingChange(
                    SETTING_LABELS.get(key, key), _shown(key, a.get(key)), _shown(key, b.get(key))
                )
            )
    return out


def _constraint_diff(a: dict, b: dict) -> list[ConstraintChange]:
    def of(settings: dict) -> set[tuple[str, int, int]]:
        return {
            (c["kind"], c["student_id"], c["mentor_id"]) for c in settings.get("constraints", [])
        }

    before, after = of(a), of(b)
    return [
        ConstraintChange(kind, added, student_id, mentor_id)
        for added, items in ((True, after - before), (False, before - after))
        for kind, student_id, mentor_id in sorted(items)
    ]


def settings_changes(old: RoundDraft, new: RoundDraft) -> list[SettingChange]:
    """Settings that differ between two drafts; pins and bars are told apart by
    :func:`constraint_changes`."""
    return _settings_diff(old.settings, new.settings)


def constraint_changes(old: RoundDraft, new: RoundDraft) -> list[ConstraintChange]:
    """Pins and bars in one draft's settings and not in the other's."""
    return _constraint_diff(old.settings, new.settings)


@dataclass(frozen=True)
class SinceSolved:
    """What changed in the round after a draft was solved: its settings, and its pins and
    bars (empty when the draft is what solving now would start from)."""

    settings: list[SettingChange]
    constraints: list[ConstraintChange]

    def __bool__(self) -> bool:
        return bool(self.settings or self.constraints)


def changes_since(round_: Round, draft_: RoundDraft) -> SinceSolved:
    """The round's settings, seats, pins and bars now against those ``draft_`` was solved
    with."""
    now = _snapshot(round_, constraints(round_.id))
    return SinceSolved(_settings_diff(draft_.settings, now), _constraint_diff(draft_.settings, now))


@dataclass(frozen=True)
class BlockingPair:
    """A student's seat and a mentor who would both rather have each other than what the
    draft gives them, with the mentor the draft gives the student for that seat."""

    student_id: int
    student: str
    slot: str
    mentor_id: int
    mentor: str
    current_id: int | None
    current: str


def blocking_list(
    draft_: RoundDraft, *, mentor_id: int | None = None, student_id: int | None = None
) -> list[BlockingPair] | None:
    """The draft's blocking pairs by name (only those of ``mentor_id`` or ``student_id``
    when given); ``None`` for a draft solved before they were kept."""
    kept = draft_.stats.get("blocking_list")
    if kept is None:
        return None
    if mentor_id is not None:
        kept = [p for p in kept if p["mentor_id"] == mentor_id]
    if student_id is not None:
        kept = [p for p in kept if p["student_id"] == student_id]
    if not kept:
        return []
    students = {p["student_id"] for p in kept}
    held = {
        (student, slot): mentor
        for student, slot, mentor in db.session.execute(
            select(DraftOutcome.student_id, DraftOutcome.slot, DraftOutcome.mentor_id).where(
                DraftOutcome.draft_id == draft_.id, DraftOutcome.student_id.in_(students)
            )
        )
    }
    ids = students | {p["mentor_id"] for p in kept} | {m for m in held.values() if m}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
    out = []
    for p in kept:
        current = held.get((p["student_id"], p["slot"]))
        out.append(
            BlockingPair(
                p["student_id"],
                names.get(p["student_id"], "a student who left"),
                p["slot"],
                p["mentor_id"],
                names.get(p["mentor_id"], "a mentor who left"),
                current,
                names.get(current, "nobody") if current else "nobody",
            )
        )
    return out


@dataclass(frozen=True)
class RankedBy:
    """A student who ranked a mentor, at which place, and whether the draft pairs them."""

    student_id: int
    student: str
    rank: int
    placed: bool


@dataclass(frozen=True)
class MentorSide:
    """A mentor's side of a draft: the students it places with them, the students who
    ranked them, the students they marked, and the blocking pairs they are in."""

    mentor: User
    placed: list[DraftOutcome]
    ranked_by: list[RankedBy]
    marked: list[tuple[int, str]]
    blocking: list[BlockingPair] | None


def mentor_side(round_: Round, draft_: RoundDraft, mentor_id: int) -> MentorSide | None:
    """``None`` when the mentor neither takes part in the round nor appears in the draft."""
    mentor = db.session.get(User, mentor_id)
    if mentor is None or mentor.mentor_profile is None:
        return None
    placed = list(
        db.session.scalars(outcomes(draft_.id).where(DraftOutcome.mentor_id == mentor_id))
    )
    if not placed and mentor_id not in round_mentor_ids(round_):
        return None
    with_them = {o.student_id for o in placed}
    ranked_by = [
        RankedBy(student_id, name, rank, student_id in with_them)
        for student_id, name, rank in db.session.execute(
            select(RoundPreference.student_id, User.name, RoundPreference.rank)
            .join(User, User.id == RoundPreference.student_id)
            .where(RoundPreference.round_id == round_.id, RoundPreference.mentor_id == mentor_id)
            .order_by(RoundPreference.rank, User.name)
        )
    ]
    marked = [
        (student_id, name)
        for student_id, name in db.session.execute(
            select(RoundLike.student_id, User.name)
            .join(User, User.id == RoundLike.student_id)
            .where(RoundLike.round_id == round_.id, RoundLike.mentor_id == mentor_id)
            .order_by(User.name)
        )
    ]
    return MentorSide(mentor, placed, ranked_by, marked, blocking_list(draft_, mentor_id=mentor_id))


def export_csv(round_: Round, draft_: RoundDraft) -> str:
    """The draft's pairs and unmatched students, one row per student and slot."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "student_email",
            "student_name",
            "slot",
            "mentor_email",
            "mentor_name",
            "score",
            "outcome",
            *CRITERIA,
        ]
    )
    for o in db.session.scalars(outcomes(draft_.id)):
        mentor = o.mentor
        cells = [
            o.student.email,
            o.student.name,
            o.slot,
            mentor.email if mentor else "",
            mentor.name if mentor else "",
            f"{o.score:.3f}" if o.score is not None else "",
            "matched" if o.mentor_id else o.reason,
            *(f"{x:.3f}" for x in (o.breakdown or [0.0] * len(CRITERIA))),
        ]
        writer.writerow([escape_formula(c) for c in cells])
    return buffer.getvalue()
