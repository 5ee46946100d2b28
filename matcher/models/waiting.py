"""Seats of a student's board that a published round left empty: the waiting list's other half.

A declined, expired or withdrawn introduction already waits for a re-match (see
:data:`matcher.models.NEEDS_STATUSES`); a seat the round could not fill at all has no
introduction, so it waits here from the moment of publishing until a re-match, a coordinator's
offer, a later round or the coordinator closes it.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matcher import clock
from matcher.extensions import db


class WaitingSeat(db.Model):
    """One empty seat (``slot``) of one student's board in one group, waiting for a mentor."""

    __tablename__ = "waiting_seats"
    __table_args__ = (Index("ix_waiting_seats_group_open", "group_id", "closed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("interest_groups.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    slot: Mapped[str] = mapped_column(String(20))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(20))
    since: Mapped[datetime] = mapped_column(default=clock.now)
    closed_at: Mapped[datetime | None]
    closed_note: Mapped[str] = mapped_column(Text, default="")

    student: Mapped["User"] = relationship()  # noqa: F821
    round: Mapped["Round | None"] = relationship()  # noqa: F821

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def __repr__(self) -> str:
        return f"<WaitingSeat {self.id} {self.student_id} {self.slot}>"
