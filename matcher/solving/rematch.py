"""Re-matching: the next best mentors for students waiting for a seat, in one joint solve."""

from dataclasses import replace

from sqlalchemy import select

from matcher.extensions import db
from matcher.models import SLOTS, InterestGroup, Round, User
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
