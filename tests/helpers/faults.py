"""Fault-test helpers: the settings for servers on the test's database, and ways to make
writers wait and to see that they do."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from matcher.extensions import db
from tests.helpers import database_url


def served_settings(app, tmp_path) -> dict[str, str]:
    """Environment for gunicorn on the test's database; the test's own connections close."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return {"MATCHER_ENV": "testing", "DATABASE_URL": database_url(tmp_path)}


def is_postgresql(url: str) -> bool:
    return url.startswith(("postgresql", "postgres"))


@contextmanager
def writers_held(url: str, table: str) -> Iterator[object]:
    """Hold writers back until the block ends.

    SQLite: this connection takes the write lock, so every writing request waits at its
    ``BEGIN IMMEDIATE``. PostgreSQL: ``table`` is locked against writes, so a request that
    writes to it waits there, inside its transaction, after whatever it wrote before.
    """
    if is_postgresql(url):
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            conn.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            yield conn
            conn.rollback()
    else:
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.execute("ROLLBACK")
        finally:
            conn.close()


def blocked_on_lock(url: str) -> bool:
    """PostgreSQL: a session of this database waits for a lock (always true for SQLite, which
    cannot tell)."""
    if not is_postgresql(url):
        return True
    with psycopg.connect(url) as conn:
        waiting = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return bool(waiting.fetchone()[0])
