"""The mail outbox: messages are rows written in the transaction that causes them."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from matcher import clock
from matcher.database import str_enum
from matcher.extensions import db


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    HELD = "held"
    BUNDLED = "bundled"


def new_message_id() -> str:
    return f"<{uuid.uuid4().hex}@matcher>"


class OutboxMessage(db.Model):
    """One email to one recipient. Its ``message_id`` stays the same across retries.

    ``held`` messages wait for their recipient's daily digest; once a digest (itself an
    outbox row) carries them they are ``bundled`` and point at it (``digest_id``)."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "next_attempt_at"),
        Index("ix_outbox_status_user", "status", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(100), unique=True, default=new_message_id)
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, "outbox_status"),
        default=OutboxStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    next_attempt_at: Mapped[datetime] = mapped_column(default=clock.now)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    calendar: Mapped[str] = mapped_column(Text, default="", server_default="")
    """An iCalendar invitation (``.ics`` text) sent as the message's ``invite.ics``, or ""."""
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(60), default="", server_default="")
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.status} to={self.to_addr}>"
