"""Rate-limit counts in the site's own database, shared by every worker without a Redis server.

Importing this module registers ``database://`` with the ``limits`` library, Flask-Limiter's
backend, so ``RATELIMIT_STORAGE_URI=database://`` (the default outside tests) keeps the counts
of its fixed windows in the ``rate_limits`` table of the app's database (``DATABASE_URL``):

- **PostgreSQL:** the table in the site's database (migration 0007), reached through a small
  connection pool of the storage's own, so counting never waits for the request's pool.
- **SQLite:** the same table in a file next to the database (``matcher.sqlite3`` →
  ``matcher-limits.sqlite3``), created on first use. SQLite lets one connection write to a file
  at a time, and a request's transaction holds that lock from its first statement (``BEGIN
  IMMEDIATE``); counting in the same file would wait for the request doing the counting.

Each change is one statement in autocommit: an increment is an ``INSERT … ON CONFLICT DO
UPDATE … RETURNING`` that starts a new window when the stored one has ended, so concurrent
workers never lose a count. Windows that ended are deleted now and then. Times are
``time.time()`` seconds, as the ``limits`` library reckons them.
"""

import hashlib
import os
import threading
import time
from pathlib import Path

from flask import Flask, current_app
from limits.errors import ConfigurationError
from limits.storage import Storage
from sqlalchemy import Engine, Table, case, create_engine, delete, event, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateTable

from matcher.models.ratelimit import RateLimitCount

MAX_KEY_LENGTH = 255
PURGE_EVERY_SECONDS = 60.0


def sqlite_limits_url(database_url: str) -> str:
    """Where the counts of a SQLite database live: a file beside it, or memory for ``:memory:``."""
    url = make_url(database_url)
    if not url.database or url.database == ":memory:":
        return "sqlite://"
    path = Path(url.database)
    return url.set(
        database=str(path.with_name(f"{path.stem}-limits{path.suffix}"))
    ).render_as_string(hide_password=False)


def init_app(app: Flask) -> None:
    """Refuse, at start-up, ``database://`` counts on a database the storage cannot use."""
    if not str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith("database://"):
        return
    _dialect(app.config["SQLALCHEMY_DATABASE_URI"])


def _dialect(url: str) -> str:
    """The database kind of ``url``: SQLite or PostgreSQL, the two the storage knows."""
    dialect = make_url(url).get_backend_name()
    if dialect not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"RATELIMIT_STORAGE_URI=database:// works with SQLite and PostgreSQL, not {dialect}"
        )
    return dialect


class DatabaseStorage(Storage):
    """A fixed-window ``limits`` storage in the database of the current Flask app."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        self._engines: dict[tuple[int, str], Engine] = {}
        self._lock = threading.Lock()
        self._next_purge = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def _table(self) -> Table:
        return RateLimitCount.__table__

    def _engine(self) -> Engine:
        """This process's engine for the current app's database (a forked worker makes its own)."""
        url = current_app.config["SQLALCHEMY_DATABASE_URI"]
        slot = (os.getpid(), url)
        engine = self._engines.get(slot)
        if engine is None:
            with self._lock:
                engine = self._engines.get(slot)
                if engine is None:
                    engine = self._engines[slot] = self._connect(url)
        return engine

    def _connect(self, url: str) -> Engine:
        if _dialect(url) == "postgresql":
            return create_engine(
                url,
                isolation_level="AUTOCOMMIT",
                pool_size=2,
                max_overflow=8,
                pool_timeout=10,
                pool_pre_ping=True,
            )
        limits_url = sqlite_limits_url(url)
        busy_seconds = current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", 15000) / 1000
        options = {"connect_args": {"timeout": busy_seconds, "check_same_thread": False}}
        if limits_url == "sqlite://":
            options["poolclass"] = StaticPool
        engine = create_engine(limits_url, isolation_level="AUTOCOMMIT", **options)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.close()

        with engine.connect() as connection:
            connection.execute(CreateTable(self._table(), if_not_exists=True))
        return engine

    @staticmethod
    def _key(key: str) -> str:
        if len(key) <= MAX_KEY_LENGTH:
            return key
        return "sha256:" + hashlib.sha256(key.encode()).hexdigest()

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the window's count (a new window if none is running); the new count."""
        table, engine, now = self._table(), self._engine(), time.time()
        insert = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert
        running = table.c.expires_at > now
        statement = (
            insert(table)
            .values(key=self._key(key), hits=amount, expires_at=now + expiry)
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "hits": case((running, table.c.hits + amount), else_=amount),
                    "expires_at": case((running, table.c.expires_at), else_=now + expiry),
                },
            )
            .returning(table.c.hits)
        )
        with engine.connect() as connection:
            hits = connection.execute(statement).scalar_one()
            if now >= self._next_purge:
                self._next_purge = now + PURGE_EVERY_SECONDS
                connection.execute(delete(table).where(table.c.expires_at <= now))
        return hits

    def _running(self, key: str, column):
        table = self._table()
        query = select(column).where(
            table.c.key == self._key(key), table.c.expires_at > time.time()
        )
        with self._engine().connect() as connection:
            return connection.execute(query).scalar()

    def get(self, key: str) -> int:
        return self._running(key, self._table().c.hits) or 0

    def get_expiry(self, key: str) -> float:
        expires_at = self._running(key, self._table().c.expires_at)
        return time.time() if expires_at is None else expires_at

    def check(self) -> bool:
        try:
            with self._engine().connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self._engine().connect() as connection:
            return connection.execute(delete(self._table())).rowcount

    def dispose(self) -> None:
        """Close this storage's connections (an app that is done with it, e.g. a test's)."""
        with self._lock:
            engines, self._engines = list(self._engines.values()), {}
        for engine in engines:
            engine.dispose()

    def clear(self, key: str) -> None:
        table = self._table()
        with self._engine().connect() as connection:
            connection.execute(delete(table).where(table.c.key == self._key(key)))
