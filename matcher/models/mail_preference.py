"""Each person's mail preference: every message at once or non-urgent ones in a daily digest,
and whether they unsubscribed from non-essential mail. No row means the defaults."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from matcher import clock
from matcher.database import str_enum
from matcher.extensions import db


class Delivery(StrEnum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"

    @property
    def label(self) -> str:
        return {
            Delivery.IMMEDIATE: "Each email as it happens",
            Delivery.DIGEST: "One daily digest of the non-urgent ones",
        }[self]


class MailPreference(db.Model):
    """One person's choice of how non-urgent mail reaches them."""

    __tablename__ = "mail_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    delivery: Mapped[Delivery] = mapped_column(
        str_enum(Delivery, "mail_delivery"), default=Delivery.IMMEDIATE
    )
    unsubscribed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    @property
    def unsubscribed(self) -> bool:
        return self.unsubscribed_at is not None
