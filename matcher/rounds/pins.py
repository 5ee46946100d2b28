"""Pins and bars: pairs a coordinator places before solving, or never allows, and how each
pair stands with its undo."""

from dataclasses import dataclass

from sqlalchemy import select

from matcher import audit
from matcher.extensions import db
from matcher.models import (
    SLOT_MENTOR_TYPES,
    ConstraintKind,
    MentorProfile,
    Round,
    RoundConstraint,
    RoundStudent,
    User,
)
from matcher.rounds.rules import RoundError, require_open
from matcher.rounds.taking_part import round_mentor_ids


@dataclass(frozen=True)
class PairState:
    """How a pair stands with the coordinators: its mark (``pin``, ``bar`` or empty), the
    words for it, and the actions on it as (button label, kind posted)."""

    kind: str
    mark: str
    note: str
    actions: tuple[tuple[str, str], ...]


UNMARKED = PairState("", "", "", (("Pin", "pin"), ("Bar", "bar")))
PINNED = PairState(
    "pin", "Pinned", "placed first in every solve", (("Un-pin", "remove"), ("Bar", "bar"))
)
BARRED = PairState(
    "bar", "Barred", "never made; solve again to replace it", (("Un-bar", "remove"),)
)


LOCKED = {
    ConstraintKind.PIN: PairState("pin", "Pinned", "placed first when the round was solved", ()),
    ConstraintKind.BAR: PairState("bar", "Barred", "never made in this round", ()),
}


def pair_states(round_: Round) -> dict[tuple[int, int], PairState]:
    """The pinned and barred pairs of the round, by (student, mentor), with their undo while
    the round is open; any other pair is :data:`UNMARKED`."""
    states = {ConstraintKind.PIN: PINNED, ConstraintKind.BAR: BARRED} if round_.is_open else LOCKED
    return {(c.student_id, c.mentor_id): states[c.kind] for c in constraints(round_.id)}


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
    require_open(round_)
    if db.session.get(RoundStudent, (round_.id, student_id)) is None:
        raise RoundError("That student is not taking part in this round.")
    profile = db.session.get(MentorProfile, mentor_id)
    if profile is None or mentor_id not in round_mentor_ids(round_):
        raise RoundError("That mentor is not taking part in this round.")
    if kind is ConstraintKind.PIN:
        if student_id == mentor_id:
            raise RoundError("Nobody can be matched with themselves.")
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
                "That student is already pinned to a mentor of this kind; un-pin that pair first."
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


def remove_constraint(
    round_: Round, actor: User, student_id: int, mentor_id: int
) -> ConstraintKind:
    """Un-pin or un-bar a pair; what it was."""
    require_open(round_)
    found = db.session.get(RoundConstraint, (round_.id, student_id, mentor_id))
    if found is None:
        raise RoundError("That pair is neither pinned nor barred.")
    kind = found.kind
    db.session.delete(found)
    audit.record(
        "round.unpin",
        actor=actor,
        group_id=round_.group_id,
        target=round_,
        student_id=student_id,
        mentor_id=mentor_id,
    )
    return kind
