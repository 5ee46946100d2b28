"""Rate-limit counts kept in the site's database (``RATELIMIT_STORAGE_URI=database://``)."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from matcher.extensions import db


class RateLimitCount(db.Model):
    """The count of one fixed rate-limit window, shared by every worker and host.

    Written only by ``matcher.ratelimit.DatabaseStorage``, one atomic statement at a time and
    outside any request's transaction. On PostgreSQL the table lives in the site's database;
    with SQLite the storage keeps the same table in a file of its own next to the database
    (SQLite has one writer per file, and a request holding the write lock must still be able to
    count), so this table stays empty there.
    """

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int]
    expires_at: Mapped[float]
    """Seconds since the epoch (``time.time()``) when the window ends."""
