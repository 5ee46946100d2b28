"""Re-matching: the mentors who can fill a waiting seat, and the next best of them for every
waiting student in one joint solve; and the mentors a round can give a student to rank."""

from dataclasses import dataclass, replace

import numpy as np
from sqlalchemy import select

from matcher.extensions import db
from matcher.matching import ALLOWED, board_seats, board_values, refusals
from matcher.models import (
    SLOTS,
    ConstraintKind,
    InterestGroup,
    Introduction,
    MentorProfile,
    Round,
    RoundConstraint,
    Specialty,
    User,
)
from matcher.solving import population
from matcher.solving import settings as round_settings
from matcher.solving.assignment import ProposedPair, assign_round


def latest_settings(group_id: int) -> round_settings.RoundSettings:
    """The settings of the group's newest round (the defaults when it has none)."""
    latest = db.session.scalar(
        select(Round).where(Round.group_id == group_id).order_by(Round.created_at.desc()).limit(1)
    )
    return round_settings.parse(latest.settings if latest is not None else None)


def next_mentors(
    group: InterestGroup, wants: list[tuple[int, str]], exclude: set[tuple[int, int]]
) -> list[ProposedPair]:
    """One joint optimal solve of (student, slot) needs over the mentors' free places.

    Uses the group's latest round settings, counts the failed introduction as a round
    waited, and never proposes an excluded (student, mentor) pair again. Reads only: the
    caller locks the group's mentors first (see
    :func:`matcher.introductions.services.lock_mentors`), so the places it offers are still
    free when the introductions are made.
    """
    wants = [(s, slot) for s, slot in wants if slot in SLOTS]
    if not wants:
        return []
    settings = latest_settings(group.id)
    ids = sorted({s for s, _ in wants})
    students = select(User.id).where(User.id.in_(ids), User.active)
    pop = population.load(group.id, students, extra_wait=1)
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
    result = assign_round(pop, slots, settings, bars=bars)
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


@dataclass(frozen=True)
class Candidate:
    """A mentor who can fill one seat of one student's board under the round's rules."""

    mentor_id: int
    name: str
    kind: str
    specialty: str
    institution: str
    free_places: int
    score: float
    seat: str = ""
    breakdown: tuple[float, ...] = ()
    """The score's parts, weighted, in the order of :data:`matcher.matching.CRITERIA`."""


def eligible_for(
    group_id: int, wants: list[tuple[int, str]]
) -> dict[tuple[int, str], list[Candidate]]:
    """For each (student id, seat), the group's mentors who can fill that seat of the
    student's board under the group's latest round rules (kind, home or external, specialty,
    peer years, bars of no one), never a mentor already introduced to the student in the
    group; with the waiting bonus of a re-match. Best first: those with a free place, then
    by score. One load of the people, one scoring."""
    wants = [(s, slot) for s, slot in wants if slot in SLOTS]
    if not wants:
        return {}
    settings = latest_settings(group_id)
    ids = sorted({s for s, _ in wants})
    pop = population.load(group_id, select(User.id).where(User.id.in_(ids)), extra_wait=1)
    return _candidates(group_id, pop, wants, settings, settings.rules())


def round_choices(round_: Round, student_id: int) -> list[Candidate]:
    """The mentors ``round_`` can give the student: those who can fill a seat of the round
    that the student wants and does not hold yet, under the round's own settings and its
    bars, never a mentor already introduced to the student in the group. Each mentor once,
    for the seat where the pair scores most; best first (a free place, then the score, which
    leaves out the student's own ranking so that it ranks by fit alone)."""
    settings = round_settings.parse(round_.settings)
    pop = population.load(round_.group_id, select(User.id).where(User.id == student_id))
    if pop.student_ids.size == 0:
        return []
    slots = [s for s in SLOTS if s in round_.slots]
    wants = [(student_id, slot) for slot, w in zip(slots, pop.wants(slots)[0], strict=True) if w]
    if not wants:
        return []
    m_at = pop.mentor_index()
    barred = db.session.scalars(
        select(RoundConstraint.mentor_id).where(
            RoundConstraint.round_id == round_.id,
            RoundConstraint.student_id == student_id,
            RoundConstraint.kind == ConstraintKind.BAR,
        )
    )
    bars = np.array([(0, m_at[m]) for m in barred if m in m_at], dtype=np.int64).reshape(-1, 2)
    found = _candidates(round_.group_id, pop, wants, settings, settings.rules(barred=bars))
    best: dict[int, Candidate] = {}
    for candidate in (c for want in wants for c in found[want]):
        held = best.get(candidate.mentor_id)
        if held is None or candidate.score > held.score:
            best[candidate.mentor_id] = candidate
    return sorted(best.values(), key=lambda c: (c.free_places <= 0, -c.score, c.name.casefold()))


def _candidates(
    group_id: int,
    pop: population.Population,
    wants: list[tuple[int, str]],
    settings: round_settings.RoundSettings,
    rules,
) -> dict[tuple[int, str], list[Candidate]]:
    """The mentors of ``pop`` who can fill each wanted (student id, seat) under ``rules``,
    with each pair's score and its breakdown by criterion, best first."""
    ids = sorted({s for s, _ in wants})
    s_at = pop.student_index()
    slots = [s for s in SLOTS if any(slot == s for _, slot in wants)]
    wanted = np.zeros((pop.student_ids.size, len(slots)), dtype=bool)
    for sid, slot in wants:
        if sid in s_at:
            wanted[s_at[sid], slots.index(slot)] = True
    students = np.repeat(np.arange(pop.student_ids.size), pop.mentor_ids.size)
    mentors = np.tile(np.arange(pop.mentor_ids.size), pop.student_ids.size)
    seat = board_seats(pop.students, pop.mentors, students, mentors, slots, wanted)
    live = seat >= 0
    students, mentors, seat = students[live], mentors[live], seat[live]
    refused = refusals(pop.students, pop.mentors, students, mentors, settings.weights, rules)
    ok = refused == ALLOWED
    if pop.never.size:
        size = pop.mentor_ids.size
        ok &= ~np.isin(students * size + mentors, pop.never[:, 0] * size + pop.never[:, 1])
    students, mentors, seat = students[ok], mentors[ok], seat[ok]
    names = np.array(slots, dtype=object)[seat]
    parts = board_values(pop.students, pop.mentors, students, mentors, names, rules)
    parts = parts * settings.weights.vector()
    scores = parts.sum(axis=1)
    paired = set(
        db.session.execute(
            select(Introduction.student_id, Introduction.mentor_id).where(
                Introduction.group_id == group_id, Introduction.student_id.in_(ids)
            )
        )
    )
    out: dict[tuple[int, str], list[Candidate]] = {want: [] for want in wants}
    student_ids, mentor_ids = pop.student_ids.tolist(), pop.mentor_ids.tolist()
    kept = []
    for s, m, k, score, part in zip(
        students.tolist(),
        mentors.tolist(),
        seat.tolist(),
        scores.tolist(),
        parts.tolist(),
        strict=True,
    ):
        sid, mid = student_ids[s], mentor_ids[m]
        if (sid, mid) not in paired and (sid, slots[k]) in out:
            kept.append((sid, mid, m, k, score, part))
    people = _mentor_facts(sorted({mid for _, mid, *_ in kept}))
    for sid, mid, m, k, score, part in kept:
        name, kind, specialty, institution = people[mid]
        out[(sid, slots[k])].append(
            Candidate(
                mid,
                name,
                kind,
                specialty,
                institution,
                int(pop.capacity[m]),
                round(score, 3),
                slots[k],
                tuple(round(x, 3) for x in part),
            )
        )
    for found in out.values():
        found.sort(key=lambda c: (c.free_places <= 0, -c.score, c.name.casefold()))
    return out


def eligible_mentors(group_id: int, student_id: int, slot: str) -> list[Candidate]:
    """:func:`eligible_for` of one student's seat."""
    return eligible_for(group_id, [(student_id, slot)]).get((student_id, slot), [])


def _mentor_facts(mentor_ids: list[int]) -> dict[int, tuple[str, str, str, str]]:
    """(name, title, specialty, institution) of each mentor."""
    facts = {}
    for user_id, name, profile, specialty in db.session.execute(
        select(User.id, User.name, MentorProfile, Specialty.name)
        .join(MentorProfile, MentorProfile.user_id == User.id)
        .outerjoin(Specialty, Specialty.id == MentorProfile.specialty_id)
        .where(User.id.in_(mentor_ids))
    ):
        facts[user_id] = (name, profile.title, specialty or "", profile.institution)
    return facts
