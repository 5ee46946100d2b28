"""The task queue (Huey): the long jobs, the introductions tick and the mail run in the worker.

``tasks = TaskQueue()`` (in ``matcher.extensions``) holds nothing until ``create_app`` calls
``init_app(app, ...)`` with the app's tasks; that builds one ``Huey`` per app, on the storage
``TASK_QUEUE_URL`` names, and keeps it in ``app.extensions``:

- ``database://`` (the default): the site's database. On SQLite a file beside it
  (``matcher.sqlite3`` → ``matcher-queue.sqlite3``; SQLite has one writer per file, and a long
  write of a job must not stop the queue), or memory for an in-memory database; on PostgreSQL
  the ``task_queue_*`` tables the migrations create, so every web host and worker on that
  database shares the queue.
- ``redis://…``: Redis (the one the rate limits use, say), shared by every host.
- ``sqlite:///path`` or ``postgresql://…``: a queue of its own in that file or database.

``JOBS_INLINE`` switches Huey's immediate mode on: a task runs in the caller, at once (tests).
Every task runs in an app context of its own, so it has its own database session.

``flask worker`` runs Huey's consumer in the worker process (``consumer``): worker threads take
tasks; the scheduler enqueues each periodic task when it is due, ``Every`` so many seconds
from the worker's start (so the tick and the mail sender also run as the worker starts).
"""

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey
from huey.consumer import Consumer, Scheduler
from huey.storage import MemoryStorage, PostgresStorage, RedisStorage, SqliteStorage
from sqlalchemy.engine import make_url

QUEUE_NAME = "matcher"
TABLE_PREFIX = "task_queue"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")

log = logging.getLogger(__name__)


class Every:
    """A periodic task's schedule: due at the first check, then every ``seconds``. Each
    worker process keeps its own; a task that must not run twice at once takes a lock."""

    def __init__(self, seconds: float) -> None:
        self.seconds = max(float(seconds), 0.0)
        self._next: float | None = None
        self._lock = threading.Lock()

    def __call__(self, _timestamp=None) -> bool:
        now = time.monotonic()
        with self._lock:
            if self._next is not None and now < self._next:
                return False
            self._next = now + self.seconds
            return True


@dataclass(frozen=True)
class Periodic:
    """A task the worker runs every ``seconds(config)`` seconds."""

    run: Callable[[], Any]
    seconds: Callable[[Mapping[str, Any]], float]


def storage(config: Mapping[str, Any]) -> tuple[type, dict[str, Any]]:
    """The Huey storage class and its arguments for ``TASK_QUEUE_URL``."""
    url = str(config["TASK_QUEUE_URL"] or "database://")
    if url.startswith(REDIS_SCHEMES):
        return RedisStorage, {"url": url}
    if url == "database://":
        database = make_url(config["SQLALCHEMY_DATABASE_URI"])
        if database.get_backend_name() == "postgresql":
            return PostgresStorage, {
                "dsn": _libpq(database),
                "table_prefix": TABLE_PREFIX,
                "create_tables": False,
            }
        if database.get_backend_name() == "sqlite":
            if not database.database or database.database == ":memory:":
                return MemoryStorage, {}
            return SqliteStorage, {
                "filename": sqlite_queue_file(database.database),
                "timeout": config["SQLITE_BUSY_TIMEOUT_MS"] / 1000,
            }
        raise RuntimeError(
            f"TASK_QUEUE_URL=database:// works with SQLite and PostgreSQL, not "
            f"{database.get_backend_name()}; set TASK_QUEUE_URL to a Redis URL"
        )
    if url.startswith("sqlite:///"):
        return SqliteStorage, {"filename": url.removeprefix("sqlite:///")}
    if url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return PostgresStorage, {"dsn": _libpq(make_url(url)), "table_prefix": TABLE_PREFIX}
    raise RuntimeError(
        "TASK_QUEUE_URL must be database://, redis://host:port/db, sqlite:///path or "
        f"postgresql://…, not {url!r}"
    )


def describe(config: Mapping[str, Any]) -> str:
    """Where the queue lives, for the worker's log (no password)."""
    storage_class, options = storage(config)
    if storage_class is SqliteStorage:
        return f"the SQLite file {options['filename']}"
    if storage_class is MemoryStorage:
        return "this process's memory (the database is in memory)"
    if storage_class is RedisStorage:
        return f"Redis at {make_url(options['url']).render_as_string(hide_password=True)}"
    database = make_url(options["dsn"]).render_as_string(hide_password=True)
    return f"the {TABLE_PREFIX}_* tables of {database}"


def sqlite_queue_file(database_path: str) -> str:
    """The queue's file beside a SQLite database file."""
    path = Path(database_path)
    return str(path.with_name(f"{path.stem}-queue{path.suffix or '.sqlite3'}"))


def _libpq(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class TaskQueue:
    """Huey for each app: ``init_app`` registers the app's tasks, ``enqueue`` queues one by
    name for the current app, ``consumer`` builds the worker's consumer."""

    def init_app(
        self,
        app: Flask,
        tasks: Mapping[str, Callable[..., Any]],
        periodic: Mapping[str, Periodic],
    ) -> Huey:
        storage_class, options = storage(app.config)
        huey = Huey(
            QUEUE_NAME,
            results=False,
            utc=True,
            immediate=bool(app.config["JOBS_INLINE"]),
            storage_class=storage_class,
            **options,
        )
        wrappers = {}
        for name, run in tasks.items():
            wrappers[name] = huey.task(name=name)(_in_app(app, run))
        for name, task in periodic.items():
            seconds = task.seconds(app.config)
            wrappers[name] = huey.periodic_task(Every(seconds), name=name, expires=seconds or None)(
                _in_app(app, task.run)
            )
        app.extensions["huey"] = huey
        app.extensions["huey_tasks"] = wrappers
        return huey

    def enqueue(self, name: str, *args: Any) -> None:
        """Queue task ``name`` of the current app (immediate mode: run it now)."""
        current_app.extensions["huey_tasks"][name](*args)

    def huey(self, app: Flask | None = None) -> Huey:
        return (app or current_app).extensions["huey"]

    def consumer(self, app: Flask, threads: int) -> Consumer:
        """Huey's consumer for ``app`` with ``threads`` worker threads; SIGTERM stops it
        gracefully (running tasks finish, for up to 30 s), SIGINT at once."""
        return _Consumer(
            self.huey(app),
            workers=threads,
            periodic=True,
            worker_type="thread",
            graceful_signal="TERM",
            shutdown_timeout=30,
            max_delay=1.0,
        )


def _in_app(app: Flask, run: Callable[..., Any]) -> Callable[..., Any]:
    def task(*args: Any) -> Any:
        with app.app_context():
            return run(*args)

    task.__name__ = getattr(run, "__name__", "task")
    task.__module__ = __name__
    return task


class _Scheduler(Scheduler):
    """Huey's scheduler asking the periodic tasks every second (Huey's own asks every minute,
    for crontab schedules); ``Every`` says when each is due."""

    periodic_task_seconds = 1


class _Consumer(Consumer):
    scheduler_class = _Scheduler
