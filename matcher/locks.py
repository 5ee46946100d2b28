"""Named locks shared by every process and host of the site's database, freed when the holder
dies: the worker's periodic tasks take one so that two workers never run the same one at once.

PostgreSQL: a session-level advisory lock on a connection of its own, held for the block (the
server frees it when the connection ends, so also when the process is killed). SQLite (one
machine): ``flock`` on a file beside the database, which the kernel frees with the process.
"""

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import make_url

from matcher.extensions import db


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (PostgreSQL's advisory lock space)."""
    digest = hashlib.sha256(f"matcher:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_file(name: str) -> Path:
    """Where the SQLite lock called ``name`` lives: beside the database (or the instance
    folder for an in-memory database)."""
    path = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database
    if not path or path == ":memory:":
        return Path(current_app.instance_path) / f"matcher-{name}.lock"
    path = Path(path)
    return path.with_name(f"{path.stem}-{name}.lock")


@contextmanager
def exclusive(name: str) -> Iterator[bool]:
    """Try to take the lock called ``name`` without waiting: yields whether this block holds it
    (when it does not, another process or thread does, and the block should do nothing)."""
    if db.engine.dialect.name == "postgresql":
        with _advisory(advisory_key(name)) as held:
            yield held
    else:
        with _flock(lock_file(name)) as held:
            yield held


@contextmanager
def _advisory(key: int) -> Iterator[bool]:
    with db.engine.connect() as connection:
        taken = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})
        held = bool(taken.scalar())
        connection.commit()
        try:
            yield held
        finally:
            if held:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                connection.commit()


@contextmanager
def _flock(path: Path) -> Iterator[bool]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
