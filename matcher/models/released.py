"""Email addresses that stopped belonging to an account, kept so old sign-up links die."""

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Connection, String, delete, event, insert, inspect, select
from sqlalchemy.orm import Mapped, mapped_column

from matcher import clock
from matcher.extensions import db
from matcher.models.user import User, normalize_email


def address_digest(email: str) -> str:
    """A keyed hash of an email address: the address itself is not kept once released."""
    key = current_app.config["SECRET_KEY"].encode()
    message = b"matcher.released-address\0" + normalize_email(email).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


class ReleasedAddress(db.Model):
    """An email address that stopped belonging to an account (deleted, or its email changed).

    Sign-up confirmation links for the address issued up to ``released_at`` are refused, so a
    link mailed before an account's deletion cannot make the account again. A row is written
    whenever a ``User`` is deleted or changes email, in the same flush, and outlives every
    link it refuses: rows older than ``SIGNUP_CONFIRM_MAX_AGE`` are removed as others are made.
    """

    __tablename__ = "released_addresses"

    address_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    released_at: Mapped[datetime]


def released_at(email: str) -> datetime | None:
    """When ``email`` last stopped belonging to an account, if within the sign-up link life."""
    row = db.session.get(ReleasedAddress, address_digest(email))
    return None if row is None else row.released_at


def _release(connection: Connection, email: str) -> None:
    table = ReleasedAddress.__table__
    now = clock.now()
    oldest = now - timedelta(seconds=current_app.config["SIGNUP_CONFIRM_MAX_AGE"])
    digest = address_digest(email)
    connection.execute(
        delete(table).where((table.c.address_hash == digest) | (table.c.released_at < oldest))
    )
    connection.execute(insert(table).values(address_hash=digest, released_at=now))


@event.listens_for(User, "before_delete")
def _account_deleted(_mapper, connection: Connection, user: User) -> None:
    email = inspect(user).dict.get("email")
    if email is None:
        users = User.__table__
        email = connection.scalar(select(users.c.email).where(users.c.id == user.id))
    if email:
        _release(connection, email)


@event.listens_for(User, "before_update")
def _email_changed(_mapper, connection: Connection, user: User) -> None:
    for old in inspect(user).attrs.email.history.deleted or ():
        if old and normalize_email(old) != normalize_email(user.email):
            _release(connection, old)
