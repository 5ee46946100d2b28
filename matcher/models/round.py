"""Match rounds: who takes part, what they asked for, and the drafts a coordinator compares."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matcher import clock
from matcher.database import str_enum
from matcher.extensions import db
from matcher.models.vocab import MentorType, WantedMentor

MAX_PREFERENCES = 5
"""How many mentors a student may rank in a round."""

SLOT_MENTOR_TYPES: dict[str, tuple[MentorType, ...]] = {
    "faculty": (MentorType.FACULTY,),
    "resident": (MentorType.RESIDENT, MentorType.FELLOW),
    "external": (MentorType.FACULTY,),
    "peer": (MentorType.PEER,),
}
"""Which mentors can fill each seat of a board of advisors (keys are ``WantedMentor`` values)."""

SLOTS = [w.value for w in WantedMentor]
"""Every seat of a board of advisors, in the order rounds fill them."""


class RoundStatus(StrEnum):
    OPEN = "open"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return {"open": "Open", "published": "Published"}[self.value]


class ConstraintKind(StrEnum):
    PIN = "pin"
    BAR = "bar"


class Round(db.Model):
    """One match round of a group. ``slots`` are the kinds of mentor it gives each student
    (values of :class:`matcher.models.WantedMentor`); ``settings`` holds weights and rules."""

    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("interest_groups.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    slots: Mapped[list[str]] = mapped_column(JSON, default=list)
    preference_deadline: Mapped[datetime | None]
    results_expected_on: Mapped[date | None]
    status: Mapped[RoundStatus] = mapped_column(
        str_enum(RoundStatus, "round_status"), default=RoundStatus.OPEN
    )
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    follow_up_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("rounds.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    group: Mapped["InterestGroup"] = relationship()  # noqa: F821
    follow_up_of: Mapped["Round | None"] = relationship(remote_side=[id])
    drafts: Mapped[list["RoundDraft"]] = relationship(
        back_populates="round", order_by="RoundDraft.number", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status is RoundStatus.OPEN

    def preferences_open(self) -> bool:
        """Whether students and mentors may still state preferences."""
        return self.is_open and (
            self.preference_deadline is None or clock.now() < self.preference_deadline
        )

    def __repr__(self) -> str:
        return f"<Round {self.id} {self.name!r} {self.status}>"


class RoundStudent(db.Model):
    """A student who opted in to a round."""

    __tablename__ = "round_students"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = mapped_column(default=clock.now)


class RoundPreference(db.Model):
    """A student's ranked wish for a mentor (rank 1 is the first choice)."""

    __tablename__ = "round_preferences"
    __table_args__ = (
        UniqueConstraint("round_id", "student_id", "rank"),
        UniqueConstraint("round_id", "student_id", "mentor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rank: Mapped[int]


class RoundLike(db.Model):
    """A mentor marked a student they would like to mentor."""

    __tablename__ = "round_likes"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class RoundConstraint(db.Model):
    """A pair a coordinator pinned (placed first) or barred (never allowed)."""

    __tablename__ = "round_constraints"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[ConstraintKind] = mapped_column(str_enum(ConstraintKind, "constraint_kind"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class RoundDraft(db.Model):
    """One solve of a round: the settings it used, its statistics and its outcomes."""

    __tablename__ = "round_drafts"
    __table_args__ = (UniqueConstraint("round_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seconds: Mapped[float] = mapped_column(default=0.0)
    published: Mapped[bool] = mapped_column(default=False)

    round: Mapped[Round] = relationship(back_populates="drafts")


class DraftOutcome(db.Model):
    """What one student got in one slot of a draft: a mentor with the score's breakdown,
    or the reason they got none."""

    __tablename__ = "draft_outcomes"
    __table_args__ = (
        UniqueConstraint("draft_id", "student_id", "slot"),
        Index("ix_draft_outcomes_draft_mentor", "draft_id", "mentor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("round_drafts.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    slot: Mapped[str] = mapped_column(String(20))
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    score: Mapped[float | None]
    breakdown: Mapped[list[float] | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(20))
    pinned: Mapped[bool] = mapped_column(default=False)
    best_mentor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    best_score: Mapped[float | None]
    took_place: Mapped[list[int]] = mapped_column(JSON, default=list)
    preference_rank: Mapped[int | None]
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    student: Mapped["User"] = relationship(foreign_keys=[student_id])  # noqa: F821
    mentor: Mapped["User | None"] = relationship(foreign_keys=[mentor_id])  # noqa: F821
    best_mentor: Mapped["User | None"] = relationship(foreign_keys=[best_mentor_id])  # noqa: F821
