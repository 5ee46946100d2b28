"""Pins and bars: pairs a coordinator places before solving, or never allows."""

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
    require_open(round_)
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
