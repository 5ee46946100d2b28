"""One-time form tokens: a create-style form is acted on once, however often it is sent."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from matcher import clock
from matcher.extensions import db


class FormSubmission(db.Model):
    """A form token claimed in the transaction that acted on the form, and where that led.

    The primary key makes the claim: a second request with the same token (a double click, a
    resent form) fails to insert it, so it cannot act again, and is sent to ``result_url``.
    """

    __tablename__ = "form_submissions"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    result_url: Mapped[str | None] = mapped_column(String(500))
