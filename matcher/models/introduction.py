"""Introductions: a published pair on its way to a working mentorship."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    exists,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matcher import clock
from matcher.database import str_enum
from matcher.extensions import db


class IntroStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    MET = "met"
    COMPLETED = "completed"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {
            "proposed": "Waiting for the mentor",
            "accepted": "Accepted",
            "met": "Met",
            "completed": "Completed",
            "declined": "Declined",
            "expired": "Expired",
            "withdrawn": "Withdrawn",
        }[self.value]

    @property
    def active(self) -> bool:
        """Whether the introduction holds one of the mentor's places."""
        return self in (IntroStatus.PROPOSED, IntroStatus.ACCEPTED, IntroStatus.MET)


ACTIVE_STATUSES = tuple(s for s in IntroStatus if s.active)
"""Introductions that hold one of the mentor's places: proposed, accepted, met."""

COMMITTED_STATUSES = (IntroStatus.ACCEPTED, IntroStatus.MET)
"""Introductions the mentor said yes to and that still run: they count against capacity when
the mentor accepts another."""

HELD_STATUSES = (*ACTIVE_STATUSES, IntroStatus.COMPLETED)
"""Introductions that fill a seat of the student's board: a round does not fill it again."""

NEEDS_STATUSES = (IntroStatus.DECLINED, IntroStatus.EXPIRED, IntroStatus.WITHDRAWN)
"""Introductions that ended without a mentorship; unless settled (``rematched``) the student
waits for another mentor for that seat."""


class Introduction(db.Model):
    """One student introduced to one mentor for one slot of their board of advisors: by a
    round (``round_id``), a re-match or a coordinator's offer, or ``requested`` by the student
    between rounds with their ``request_note``."""

    __tablename__ = "introductions"
    __table_args__ = (
        Index("ix_introductions_mentor_status", "mentor_id", "status"),
        Index("ix_introductions_student_status", "student_id", "status"),
        Index("ix_introductions_group_status", "group_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("interest_groups.id", ondelete="CASCADE"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    slot: Mapped[str] = mapped_column(String(20))
    status: Mapped[IntroStatus] = mapped_column(
        str_enum(IntroStatus, "intro_status"), default=IntroStatus.PROPOSED
    )
    score: Mapped[float | None]
    link_nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    asked_at: Mapped[datetime] = mapped_column(default=clock.now)
    reminded_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    met_at: Mapped[datetime | None]
    checkin_sent_at: Mapped[datetime | None]
    thanks_sent_at: Mapped[datetime | None]
    early_rating_sent_at: Mapped[datetime | None]
    closing_sent_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    rematched: Mapped[bool] = mapped_column(default=False)
    requested: Mapped[bool] = mapped_column(default=False, server_default=false())
    request_note: Mapped[str] = mapped_column(String(500), default="", server_default="")

    student: Mapped["User"] = relationship(foreign_keys=[student_id])  # noqa: F821
    mentor: Mapped["User"] = relationship(foreign_keys=[mentor_id])  # noqa: F821
    group: Mapped["InterestGroup"] = relationship()  # noqa: F821
    events: Mapped[list["IntroductionEvent"]] = relationship(
        back_populates="introduction",
        order_by="IntroductionEvent.id",
        cascade="all, delete-orphan",
    )

    @property
    def origin_label(self) -> str:
        """What made the introduction: a round, the student's request, or a re-match or a
        coordinator's offer."""
        if self.requested:
            return "Request"
        return "Round" if self.round_id is not None else "Re-match or offer"

    def __repr__(self) -> str:
        return f"<Introduction {self.id} {self.student_id}->{self.mentor_id} {self.status}>"


def mentoring(mentor_id, student_id) -> ColumnElement[bool]:
    """SQL: ``mentor_id`` is on ``student_id``'s board (proposed, running or completed); ids or
    columns. The two are then never paired the other way round."""
    return exists().where(
        Introduction.mentor_id == mentor_id,
        Introduction.student_id == student_id,
        Introduction.status.in_(HELD_STATUSES),
    )


class IntroductionEvent(db.Model):
    """A timestamped change of an introduction, shown to the people involved."""

    __tablename__ = "introduction_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    introduction_id: Mapped[int] = mapped_column(
        ForeignKey("introductions.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=clock.now)
    status: Mapped[IntroStatus] = mapped_column(str_enum(IntroStatus, "intro_event_status"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")

    introduction: Mapped[Introduction] = relationship(back_populates="events")
    actor: Mapped["User | None"] = relationship()  # noqa: F821


class RatingStage(StrEnum):
    """When a rating is asked for: after the first recorded meeting, or at the end of the cycle."""

    EARLY = "early"
    CLOSING = "closing"

    @property
    def label(self) -> str:
        return {"early": "After the first meeting", "closing": "At the end of the cycle"}[
            self.value
        ]


class IntroductionFeedback(db.Model):
    """A rating (1 to 5) and comment from one side of an introduction: an early one after the
    first meeting and a closing one at the end of the cycle, each given once per person."""

    __tablename__ = "introduction_feedback"
    __table_args__ = (UniqueConstraint("introduction_id", "user_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    introduction_id: Mapped[int] = mapped_column(ForeignKey("introductions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    stage: Mapped[RatingStage] = mapped_column(
        str_enum(RatingStage, "rating_stage"),
        default=RatingStage.CLOSING,
        server_default=RatingStage.CLOSING.value,
    )
    rating: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=clock.now)


class GroupEmailTemplate(db.Model):
    """A group's own wording of one of the introduction emails."""

    __tablename__ = "group_email_templates"
    __table_args__ = (UniqueConstraint("group_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("interest_groups.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
