"""Match rounds: opting in, preferences, settings, solving into drafts, comparing, publishing."""

import csv
import io
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
from sqlalchemy import ScalarSelect, Select, delete, func, insert, select, update
from sqlalchemy.orm import selectinload

from matcher import audit, clock
from matcher.access import is_member
from matcher.extensions import db
from matcher.introductions.services import (
    OverCapacity,
    ProposedPair,
    lock_mentors,
    over_capacity,
    propose,
)
from matcher.matching import CRITERIA
from matcher.models import (
    HELD_STATUSES,
    MAX_PREFERENCES,
    SLOT_MENTOR_TYPES,
    SLOTS,
    ConstraintKind,
    DraftOutcome,
    InterestGroup,
    Introduction,
    IntroStatus,
    Membership,
    MembershipStatus,
    MentorProfile,
    Role,
    Round,
    RoundConstraint,
    RoundDraft,
    RoundLike,
    RoundPreference,
    RoundStatus,
    RoundStudent,
    User,
    WantedMentor,
)
from matcher.profiles.services import missing, student_complete
from matcher.rounds import problem
from matcher.rounds import settings as round_settings
from matcher.rounds.solve import Plan, plan
from matcher.spreadsheet import escape_formula
from matcher.text import shorten


class RoundError(ValueError):
    """A round action the rules refuse; the message is safe to show."""


class AlreadyPublishedError(RoundError):
    """Someone published the round first."""


@dataclass(frozen=True)
class SeatTaken:
    """A student the draft gives ``mentor_id`` for a seat of their board that ``holder_id``
    already fills in the group (an introduction in ``status``)."""

    student_id: int
    slot: str
    mentor_id: int
    holder_id: int
    status: IntroStatus


class StaleDraftError(RoundError):
    """Places or seats the draft uses were taken after it was solved; nothing was published."""

    def __init__(self, number: int, mentors: list[OverCapacity], seats: list[SeatTaken]) -> None:
        super().__init__(
            f"Draft {number} can no longer be published: places or seats it uses were taken "
            "after it was solved. Nothing was published. Solve again to make a draft from the "
            "places free now."
        )
        self.number, self.mentors, self.seats = number, mentors, seats


# --- rounds ----------------------------------------------------------------------------------


def _checked(
    name: str, slots: list[str], settings: dict | None
) -> tuple[str, list[str], round_settings.RoundSettings]:
    """The round's name, its slots in board order, and its parsed settings, or a refusal."""
    name = name.strip()
    if not name:
        raise RoundError("Give the round a name.")
    chosen = [s for s in SLOTS if s in slots]
    if not chosen or len(chosen) != len(set(slots)):
        raise RoundError("Choose at least one kind of mentor for the round to fill.")
    return name, chosen, round_settings.parse(settings)


def create_round(
    group: InterestGroup,
    actor: User,
    *,
    name: str,
    slots: list[str],
    preference_deadline: datetime | None = None,
    follow_up_of: Round | None = None,
    settings: dict | None = None,
) -> Round:
    if preference_deadline is not None and preference_deadline <= clock.now():
        raise RoundError("The preference deadline must be in the future.")
    name, slots, chosen = _checked(name, slots, settings)
    round_ = Round(
        group_id=group.id,
        name=name,
        slots=slots,
        preference_deadline=preference_deadline,
        settings=chosen.to_json(),
        follow_up_of=follow_up_of,
        created_by_id=actor.id,
    )
    db.session.add(round_)
    db.session.flush()
    audit.record("round.create", actor=actor, group_id=group.id, target=round_, name=name)
    return round_


def _require_open(round_: Round) -> None:
    if not round_.is_open:
        raise RoundError("This round is published and locked; start a follow-up round instead.")


def update_round(
    round_: Round,
    actor: User,
    *,
    name: str,
    slots: list[str],
    preference_deadline: datetime | None,
    settings: dict,
) -> None:
    _require_open(round_)
    round_.name, round_.slots, parsed = _checked(name, slots, settings)
    round_.preference_deadline = preference_deadline
    round_.settings = parsed.to_json()
    audit.record(
        "round.settings", actor=actor, group_id=round_.group_id, target=round_, **parsed.to_json()
    )


def group_rounds(group_id: int) -> Select[tuple[Round]]:
    return select(Round).where(Round.group_id == group_id).order_by(Round.created_at.desc())


def open_rounds_for(user: User) -> Select[tuple[Round]]:
    """Open rounds of the groups ``user`` is an active member of."""
    return (
        select(Round)
        .join(Membership, Membership.group_id == Round.group_id)
        .where(
            Membership.user_id == user.id,
            Membership.status == MembershipStatus.ACTIVE,
            Round.status == RoundStatus.OPEN,
        )
        .options(selectinload(Round.group))
        .order_by(Round.created_at.desc())
    )


@dataclass(frozen=True)
class OpenRound:
    """An open round as a member's home shows it: whether the student takes part and how many
    mentors they ranked, or how many students the mentor marked."""

    round: Round
    taking_part: bool
    marked: int


def open_rounds_overview(user: User) -> list[OpenRound]:
    """The open rounds of ``user``'s groups with their part in each, in two queries."""
    rounds_ = list(db.session.scalars(open_rounds_for(user)))
    ids = [r.id for r in rounds_]
    if not ids:
        return []
    if user.role is Role.STUDENT:
        counts = dict(
            db.session.execute(
                select(RoundStudent.round_id, func.count(RoundPreference.mentor_id))
                .outerjoin(
                    RoundPreference,
                    (RoundPreference.round_id == RoundStudent.round_id)
                    & (RoundPreference.student_id == RoundStudent.student_id),
                )
                .where(RoundStudent.round_id.in_(ids), RoundStudent.student_id == user.id)
                .group_by(RoundStudent.round_id)
            ).all()
        )
        return [OpenRound(r, r.id in counts, counts.get(r.id, 0)) for r in rounds_]
    counts = dict(
        db.session.execute(
            select(RoundLike.round_id, func.count())
            .where(RoundLike.round_id.in_(ids), RoundLike.mentor_id == user.id)
            .group_by(RoundLike.round_id)
        ).all()
    )
    return [OpenRound(r, True, counts.get(r.id, 0)) for r in rounds_]


# --- who takes part --------------------------------------------------------------------------


def participants(round_id: int) -> Select[tuple[int]]:
    return select(RoundStudent.student_id).where(RoundStudent.round_id == round_id)


def is_participant(round_: Round, user: User) -> bool:
    return db.session.get(RoundStudent, (round_.id, user.id)) is not None


def opt_in(round_: Round, student: User) -> None:
    _require_open(round_)
    if student.role is not Role.STUDENT or not is_member(student, round_.group_id):
        raise RoundError("Only students of this group can take part.")
    gaps = missing(student)
    if gaps:
        raise RoundError("Complete your profile first: " + ", ".join(gaps) + ".")
    if not is_participant(round_, student):
        db.session.add(RoundStudent(round_id=round_.id, student_id=student.id))
        audit.record("round.opt_in", actor=student, group_id=round_.group_id, target=round_)


def opt_out(round_: Round, student: User) -> None:
    _require_open(round_)
    db.session.execute(
        delete(RoundStudent).where(
            RoundStudent.round_id == round_.id, RoundStudent.student_id == student.id
        )
    )
    db.session.execute(
        delete(RoundPreference).where(
            RoundPreference.round_id == round_.id, RoundPreference.student_id == student.id
        )
    )
    audit.record("round.opt_out", actor=student, group_id=round_.group_id, target=round_)


def eligible_students(group_id: int) -> Select[tuple[int]]:
    """Ids of the group's active student members with a complete profile."""
    return problem.active_members(group_id, Role.STUDENT).where(student_complete())


def add_all_students(round_: Round, actor: User) -> int:
    """Enrol every eligible student not yet in the round; returns how many were added."""
    _require_open(round_)
    have = participants(round_.id)
    ids = list(db.session.scalars(eligible_students(round_.group_id).where(User.id.not_in(have))))
    if ids:
        db.session.execute(
            insert(RoundStudent), [{"round_id": round_.id, "student_id": i} for i in ids]
        )
    audit.record(
        "round.add_students", actor=actor, group_id=round_.group_id, target=round_, added=len(ids)
    )
    return len(ids)


def _mentor_ids(round_: Round) -> set[int]:
    return set(db.session.scalars(problem.round_mentors(round_.group_id)))


def round_mentor_rows(round_: Round) -> list[tuple[User, MentorProfile, int]]:
    """The round's mentors with their free places, for the directory and the coordinator."""
    mentors = problem.round_mentors(round_.group_id).scalar_subquery()
    taken = dict(
        db.session.execute(problem.places_taken().where(Introduction.mentor_id.in_(mentors))).all()
    )
    users = db.session.scalars(
        select(User)
        .where(User.id.in_(mentors))
        .options(selectinload(User.mentor_profile).selectinload(MentorProfile.specialty))
        .order_by(User.name)
    )
    return [
        (u, u.mentor_profile, max(u.mentor_profile.capacity - taken.get(u.id, 0), 0)) for u in users
    ]


def round_students(round_id: int) -> Select[tuple[User]]:
    return (
        select(User)
        .where(User.id.in_(participants(round_id).scalar_subquery()))
        .order_by(User.name)
    )


# --- preferences -----------------------------------------------------------------------------


def _require_preferences_open(round_: Round) -> None:
    _require_open(round_)
    if not round_.preferences_open():
        raise RoundError("The preference deadline has passed.")


def preferences(round_id: int, student_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(RoundPreference.mentor_id)
            .where(RoundPreference.round_id == round_id, RoundPreference.student_id == student_id)
            .order_by(RoundPreference.rank)
        )
    )


def set_preferences(round_: Round, student: User, mentor_ids: list[int]) -> None:
    """Replace the student's ranking (best first, at most five, no repeats)."""
    _require_preferences_open(round_)
    if not is_participant(round_, student):
        raise RoundError("Take part in the round before ranking mentors.")
    ranked = [m for m in mentor_ids if m]
    if len(ranked) > MAX_PREFERENCES:
        raise RoundError(f"Rank at most {MAX_PREFERENCES} mentors.")
    if len(set(ranked)) != len(ranked):
        raise RoundError("Each mentor can appear only once in your ranking.")
    if not set(ranked) <= _mentor_ids(round_):
        raise RoundError("Rank only mentors taking part in this round.")
    db.session.execute(
        delete(RoundPreference).where(
            RoundPreference.round_id == round_.id, RoundPreference.student_id == student.id
        )
    )
    db.session.add_all(
        RoundPreference(round_id=round_.id, student_id=student.id, mentor_id=m, rank=r)
        for r, m in enumerate(ranked, start=1)
    )
    audit.record(
        "round.preferences", actor=student, group_id=round_.group_id, target=round_, ranked=ranked
    )


def likes(round_id: int, mentor_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(RoundLike.student_id).where(
                RoundLike.round_id == round_id, RoundLike.mentor_id == mentor_id
            )
        )
    )


def set_likes(round_: Round, mentor: User, student_ids: list[int]) -> None:
    _require_preferences_open(round_)
    if mentor.id not in _mentor_ids(round_):
        raise RoundError("Only mentors taking part in this round can mark students.")
    wanted = set(student_ids)
    if not wanted <= set(db.session.scalars(participants(round_.id))):
        raise RoundError("Mark only students taking part in this round.")
    db.session.execute(
        delete(RoundLike).where(RoundLike.round_id == round_.id, RoundLike.mentor_id == mentor.id)
    )
    db.session.add_all(
        RoundLike(round_id=round_.id, mentor_id=mentor.id, student_id=s) for s in sorted(wanted)
    )
    audit.record(
        "round.likes", actor=mentor, group_id=round_.group_id, target=round_, count=len(wanted)
    )


# --- pins and bars ---------------------------------------------------------------------------


def constraints(round_id: int) -> list[RoundConstraint]:
    return list(
        db.session.scalars(
            select(RoundConstraint)
            .where(RoundConstraint.round_id == round_id)
            .order_by(RoundConstraint.created_at)
        )
    )


def add_constraint(
    round_: Round, actor: User, student_id: int, mentor_id: int, kind: ConstraintKind
) -> None:
    """Pin a pair (placed before solving) or bar it (never allowed); replaces the opposite."""
    _require_open(round_)
    if db.session.get(RoundStudent, (round_.id, student_id)) is None:
        raise RoundError("That student is not taking part in this round.")
    profile = db.session.get(MentorProfile, mentor_id)
    if profile is None or mentor_id not in _mentor_ids(round_):
        raise RoundError("That mentor is not taking part in this round.")
    if kind is ConstraintKind.PIN:
        kinds = next(
            (
                SLOT_MENTOR_TYPES[s]
                for s in round_.slots
                if profile.mentor_type in SLOT_MENTOR_TYPES[s]
            ),
            None,
        )
        if kinds is None:
            raise RoundError("This round does not fill the kind of mentor that mentor is.")
        clash = db.session.scalar(
            select(RoundConstraint.mentor_id)
            .join(MentorProfile, MentorProfile.user_id == RoundConstraint.mentor_id)
            .where(
                RoundConstraint.round_id == round_.id,
                RoundConstraint.student_id == student_id,
                RoundConstraint.kind == ConstraintKind.PIN,
                RoundConstraint.mentor_id != mentor_id,
                MentorProfile.mentor_type.in_(kinds),
            )
        )
        if clash is not None:
            raise RoundError(
                "That student is already pinned to a mentor of this kind; remove that pin first."
            )
    existing = db.session.get(RoundConstraint, (round_.id, student_id, mentor_id))
    if existing is None:
        db.session.add(
            RoundConstraint(
                round_id=round_.id, student_id=student_id, mentor_id=mentor_id, kind=kind
            )
        )
    else:
        existing.kind = kind
    audit.record(
        f"round.{kind.value}",
        actor=actor,
        group_id=round_.group_id,
        target=round_,
        student_id=student_id,
        mentor_id=mentor_id,
    )


def remove_constraint(round_: Round, actor: User, student_id: int, mentor_id: int) -> None:
    _require_open(round_)
    found = db.session.get(RoundConstraint, (round_.id, student_id, mentor_id))
    if found is None:
        raise RoundError("That pair is neither pinned nor barred.")
    db.session.delete(found)
    audit.record(
        "round.unpin",
        actor=actor,
        group_id=round_.group_id,
        target=round_,
        student_id=student_id,
        mentor_id=mentor_id,
    )


# --- solving ---------------------------------------------------------------------------------


def _histogram(values: list[float], top: float, bins: int = 10) -> list[dict]:
    edges = np.linspace(0.0, top, bins + 1)
    counts = np.histogram(np.clip(values, 0, top), bins=edges)[0] if values else [0] * bins
    return [
        {"low": round(float(edges[k]), 2), "high": round(float(edges[k + 1]), 2), "n": int(c)}
        for k, c in enumerate(counts)
    ]


OnProgress = Callable[[int, int, str], None]
LOADING = "Loading the round's people"
SAVING = "Saving the draft"


@dataclass
class Solved:
    """A solved round not yet stored (see ``solve``)."""

    settings: round_settings.RoundSettings
    population: problem.Population
    constraints: list[RoundConstraint]
    plan: Plan
    started: float


def solve_size(round_: Round) -> int:
    """Students taking part times the mentors who can: the size of the problem to solve."""

    def count(query: Select) -> ScalarSelect[int]:
        return select(func.count()).select_from(query.subquery()).scalar_subquery()

    students, mentors = db.session.execute(
        select(count(participants(round_.id)), count(problem.round_mentors(round_.group_id)))
    ).one()
    return students * mentors


def solve_steps(round_: Round) -> int:
    """The steps ``solve`` reports: loading, one per kind of mentor, saving."""
    return len(round_.slots) + 2


def solve(round_: Round, actor: User, on_progress: OnProgress | None = None) -> RoundDraft:
    """Score and solve the round as it stands and store the answer as the next draft.

    ``on_progress(done, total, stage)`` is called as people are loaded, as each kind of
    mentor is matched, and before the draft is saved.
    """
    return record_solve(round_, actor, prepare_solve(round_, on_progress), on_progress)


def prepare_solve(round_: Round, on_progress: OnProgress | None = None) -> Solved:
    """Load and solve the round (reads only)."""
    _require_open(round_)
    started = time.perf_counter()
    total = solve_steps(round_)
    report = on_progress or (lambda done, total, stage: None)
    report(0, total, LOADING)
    chosen = round_settings.parse(round_.settings)
    pop = problem.load(round_.group_id, participants(round_.id), round_id=round_.id)
    s_at, m_at = pop.student_index(), pop.mentor_index()
    pins, bars = [], []
    chosen_pairs = constraints(round_.id)
    for c in chosen_pairs:
        if c.student_id in s_at and c.mentor_id in m_at:
            pair = (s_at[c.student_id], m_at[c.mentor_id])
            (pins if c.kind is ConstraintKind.PIN else bars).append(pair)

    def slot_progress(done: int, slots: int, slot: str) -> None:
        label = WantedMentor(slot).label
        report(1 + done, total, f"Matching: {label} ({min(done + 1, slots)} of {slots})")

    result = plan(pop, round_.slots, chosen, pins, bars, on_progress=slot_progress)
    return Solved(chosen, pop, chosen_pairs, result, started)


def record_solve(
    round_: Round, actor: User, solved: Solved, on_progress: OnProgress | None = None
) -> RoundDraft:
    """Store a prepared solve as the round's next draft."""
    _require_open(round_)
    total = solve_steps(round_)
    if on_progress is not None:
        on_progress(total - 1, total, SAVING)
    chosen, pop, chosen_pairs, result = (
        solved.settings,
        solved.population,
        solved.constraints,
        solved.plan,
    )
    started = solved.started
    sid, mid = pop.student_ids, pop.mentor_ids

    def user(index):
        return int(mid[index]) if index is not None else None

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
        settings=_snapshot(round_, chosen_pairs),
    )
    db.session.add(draft)
    db.session.flush()
    rows = [
        {
            "draft_id": draft.id,
            "student_id": int(sid[o.student_index]),
            "slot": o.slot,
            "mentor_id": user(o.mentor_index),
            "score": o.score,
            "breakdown": o.breakdown,
            "reason": o.reason,
            "pinned": o.pinned,
            "best_mentor_id": user(o.best_index),
            "best_score": o.best_score,
            "took_place": [int(sid[s]) for s in o.took_place],
            "preference_rank": o.preference_rank,
            "detail": _detail_ids(o.detail, sid, mid),
        }
        for o in result.outcomes
    ]
    if rows:
        db.session.execute(insert(DraftOutcome), rows)
    draft.stats = _stats(pop, round_.slots, chosen, result)
    draft.stats["pins"] = [
        {"student_id": int(sid[s]), "mentor_id": int(mid[m]), "slot": slot, "status": status}
        for s, m, slot, status in result.pins
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


def _detail_ids(detail: dict, sid: np.ndarray, mid: np.ndarray) -> dict:
    if not detail:
        return {}
    out = dict(detail)
    out["choice"] = int(mid[detail["choice"]])
    if "holders" in detail:
        out["holders"] = [int(sid[h]) for h in detail["holders"]]
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


def _stats(pop: problem.Population, slots: list[str], chosen, result) -> dict:
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
        "max_score": chosen.max_score,
        "histogram": _histogram(scores, chosen.max_score),
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


def compare(old: RoundDraft, new: RoundDraft) -> list[Change]:
    """Every (student, slot) whose mentor differs between two drafts."""

    def table(d: RoundDraft) -> dict:
        return {
            (o.student_id, o.slot): (o.mentor_id, o.score)
            for o in db.session.execute(
                select(
                    DraftOutcome.student_id,
                    DraftOutcome.slot,
                    DraftOutcome.mentor_id,
                    DraftOutcome.score,
                ).where(DraftOutcome.draft_id == d.id)
            )
        }

    before, after = table(old), table(new)
    changes = []
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key, (None, None)), after.get(key, (None, None))
        if b[0] != a[0]:
            changes.append(Change(key[0], key[1], b[0], a[0], b[1], a[1]))
    return changes


@dataclass(frozen=True)
class ConstraintChange:
    """A pin or bar added or removed between two drafts."""

    kind: str
    added: bool
    student_id: int
    mentor_id: int


def settings_changes(old: RoundDraft, new: RoundDraft) -> list[tuple[str, object, object]]:
    """Settings that differ between two drafts, as (name, before, after); pins and bars are
    told apart by :func:`constraint_changes`."""
    out = []
    a, b = old.settings, new.settings
    for key in sorted(set(a) | set(b)):
        if key == "constraints":
            continue
        if key == "weights":
            for name in CRITERIA:
                x, y = a.get(key, {}).get(name), b.get(key, {}).get(name)
                if x != y:
                    out.append((f"weight: {name}", x, y))
        elif a.get(key) != b.get(key):
            out.append((key, a.get(key), b.get(key)))
    return out


def constraint_changes(old: RoundDraft, new: RoundDraft) -> list[ConstraintChange]:
    """Pins and bars in one draft's settings and not in the other's."""

    def of(draft_: RoundDraft) -> set[tuple[str, int, int]]:
        return {
            (c["kind"], c["student_id"], c["mentor_id"])
            for c in draft_.settings.get("constraints", [])
        }

    before, after = of(old), of(new)
    return [
        ConstraintChange(kind, added, student_id, mentor_id)
        for added, items in ((True, after - before), (False, before - after))
        for kind, student_id, mentor_id in sorted(items)
    ]


# --- publishing and follow-ups ---------------------------------------------------------------


def publish(round_: Round, number: int, actor: User) -> list[Introduction]:
    """Turn draft ``number`` into introductions and lock the round, exactly once.

    The status flips with a compare-and-set UPDATE, so of two concurrent publishes one
    changes a row and the other sees :class:`AlreadyPublishedError`. A draft solved before
    other introductions took its places (another round of the group, a re-match, another
    group sharing the mentors) is refused with :class:`StaleDraftError`: the group's row is
    locked first, so its publishes and re-matches take turns, and the mentors' rows next (see
    :func:`matcher.introductions.services.over_capacity`), so places are counted as committed.
    """
    chosen = draft(round_, number)
    if chosen is None:
        raise RoundError("That draft does not exist.")
    db.session.execute(
        select(InterestGroup.id)
        .where(InterestGroup.id == round_.group_id)
        .with_for_update(key_share=True)
    )
    flipped = db.session.execute(
        update(Round)
        .where(Round.id == round_.id, Round.status == RoundStatus.OPEN)
        .values(status=RoundStatus.PUBLISHED, published_at=clock.now(), published_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if flipped != 1:
        raise AlreadyPublishedError("This round has already been published.")
    db.session.refresh(round_)
    pairs = [
        ProposedPair(o.student_id, o.mentor_id, o.slot, o.score)
        for o in db.session.execute(
            select(
                DraftOutcome.student_id,
                DraftOutcome.mentor_id,
                DraftOutcome.slot,
                DraftOutcome.score,
            )
            .where(DraftOutcome.draft_id == chosen.id, DraftOutcome.mentor_id.is_not(None))
            .order_by(DraftOutcome.student_id, DraftOutcome.slot)
        )
    ]
    mentors = over_capacity(Counter(pair.mentor_id for pair in pairs))
    seats = seats_taken(round_.group_id, chosen.id)
    if mentors or seats:
        raise StaleDraftError(number, mentors, seats)
    chosen.published = True
    intros = propose(round_, pairs, actor)
    audit.record(
        "round.publish",
        actor=actor,
        group_id=round_.group_id,
        target=round_,
        draft=number,
        introductions=len(intros),
    )
    return intros


def seats_taken(group_id: int, draft_id: int) -> list[SeatTaken]:
    """The draft's pairs for a seat its student already holds in the group (the statuses a
    solve keeps, :data:`HELD_STATUSES`), by student and slot."""
    drafted = (
        select(DraftOutcome.student_id, DraftOutcome.slot, DraftOutcome.mentor_id)
        .where(DraftOutcome.draft_id == draft_id, DraftOutcome.mentor_id.is_not(None))
        .subquery()
    )
    rows = db.session.execute(
        select(
            drafted.c.student_id,
            drafted.c.slot,
            drafted.c.mentor_id,
            Introduction.mentor_id,
            Introduction.status,
        )
        .join(
            Introduction,
            (Introduction.student_id == drafted.c.student_id)
            & (Introduction.slot == drafted.c.slot),
        )
        .where(
            Introduction.group_id == group_id,
            Introduction.status.in_(HELD_STATUSES),
        )
        .order_by(drafted.c.student_id, drafted.c.slot, Introduction.id)
    )
    seats: dict[tuple[int, str], SeatTaken] = {}
    for student_id, slot, mentor_id, holder_id, status in rows:
        seats.setdefault(
            (student_id, slot), SeatTaken(student_id, slot, mentor_id, holder_id, status)
        )
    return list(seats.values())


FOLLOW_UP = ": follow-up"


def follow_up_name(name: str) -> str:
    """The default name of a follow-up round, cut to fit the column."""
    return shorten(name, Round.__table__.c.name.type.length - len(FOLLOW_UP)) + FOLLOW_UP


def follow_up(round_: Round, actor: User, name: str | None = None) -> Round:
    """A new round for the students still without a standing introduction from ``round_``:
    unmatched, declined, expired or withdrawn. Accepted pairs stay as they are."""
    if round_.is_open:
        raise RoundError("Publish this round before starting a follow-up.")
    standing = select(Introduction.student_id).where(
        Introduction.round_id == round_.id, Introduction.status.in_(HELD_STATUSES)
    )
    waiting = list(
        db.session.scalars(
            participants(round_.id)
            .where(RoundStudent.student_id.not_in(standing))
            .where(
                RoundStudent.student_id.in_(
                    select(Membership.user_id).where(
                        Membership.group_id == round_.group_id,
                        Membership.status == MembershipStatus.ACTIVE,
                    )
                )
            )
        )
    )
    new = create_round(
        round_.group,
        actor,
        name=name or follow_up_name(round_.name),
        slots=list(round_.slots),
        follow_up_of=round_,
        settings=round_.settings,
    )
    if waiting:
        db.session.execute(
            insert(RoundStudent), [{"round_id": new.id, "student_id": s} for s in waiting]
        )
    return new


def rematch(
    group: InterestGroup, wants: list[tuple[int, str]], exclude: set[tuple[int, int]]
) -> list[ProposedPair]:
    """One joint optimal solve of (student, slot) needs over the mentors' free places.

    Uses the group's latest round settings, counts the failed introduction as a round
    waited, and never proposes an excluded (student, mentor) pair again. The group's mentors
    are locked (in id order, as publishing locks them) before their free places are read, so
    the places it offers are still free when the caller creates the introductions.
    """
    wants = [(s, slot) for s, slot in wants if slot in SLOTS]
    if not wants:
        return []
    lock_mentors(db.session.scalars(problem.round_mentors(group.id)))
    latest = db.session.scalar(group_rounds(group.id).limit(1))
    chosen = round_settings.parse(latest.settings if latest is not None else None)
    ids = sorted({s for s, _ in wants})
    students = select(User.id).where(User.id.in_(ids), User.active)
    pop = problem.load(group.id, students, extra_wait=1)
    s_at, m_at = pop.student_index(), pop.mentor_index()
    bars = [(s_at[s], m_at[m]) for s, m in exclude if s in s_at and m in m_at]
    slots = [s for s in SLOTS if any(slot == s for _, slot in wants)]
    asked = {(s, slot) for s, slot in wants}
    pop = replace(
        pop,
        wanted_types=[
            frozenset(slot for slot in slots if (int(u), slot) in asked) for u in pop.student_ids
        ],
    )
    result = plan(pop, slots, chosen, bars=bars)
    return [
        ProposedPair(
            int(pop.student_ids[o.student_index]),
            int(pop.mentor_ids[o.mentor_index]),
            o.slot,
            o.score,
        )
        for o in result.outcomes
        if o.mentor_index is not None
    ]


def export_csv(round_: Round, chosen: RoundDraft) -> str:
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
    for o in db.session.scalars(outcomes(chosen.id)):
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
