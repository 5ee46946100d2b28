"""The audit log: an append-only record of who did what."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matcher import clock
from matcher.extensions import db


class AuditEvent(db.Model):
    """One recorded action. Rows are only ever inserted."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_group_at", "group_id", "at"),
        Index("ix_audit_events_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=clock.now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("interest_groups.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[int | None]
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(45), default="")

    actor: Mapped["User | None"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action}>"
