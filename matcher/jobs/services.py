"""Run long operations in a background thread of the web worker, with progress in the database.

A view validates what it can at once, then ``create`` s a job row, commits, and ``start`` s the
work. The work runs in a thread with its own app context and session; it reports progress
through a ``Progress`` callback, which writes the row on a connection of its own (throttled,
and never blocking the work), so a poll answered by any worker sees it. The work's own writes
and the row's final "done" commit together. A heartbeat keeps ``updated_at`` fresh while the
thread lives; a running job whose row has not moved for ``JOBS_STALE_SECONDS`` died with its
worker and reads as failed. ``JOBS_INLINE`` runs the work before ``start`` returns (tests).
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_login import current_user
from sqlalchemy import Engine, update
from sqlalchemy.exc import OperationalError

from matcher import clock
from matcher.extensions import db
from matcher.models import Role, User
from matcher.models.job import Job, JobStatus

log = logging.getLogger(__name__)

WRITE_EVERY_SECONDS = 0.25
WRITE_EVERY_SHARE = 0.02
STALE_MESSAGE = (
    "This job stopped answering, probably because the server restarted. "
    "Nothing was saved; start it again."
)
CRASH_MESSAGE = "Something went wrong on our side. Nothing was saved; please try again."


class JobRefusedError(Exception):
    """The work refused its input (``status`` 422) or met a conflict (409); nothing was saved."""

    def __init__(self, message: str, errors: list[str] | None = None, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        self.status = status


@dataclass(frozen=True)
class Outcome:
    """Where a finished job leads, and what to tell its owner there."""

    url: str
    message: str


@dataclass
class Progress:
    """The ``on_progress(done, total, stage)`` callback handed to the work."""

    engine: Engine
    job_id: int
    sqlite: bool
    busy_timeout_ms: int
    done: int = 0
    total: int = 0
    stage: str = ""
    writes: int = 0
    skipped: int = 0
    history: list[tuple[int, int, str]] = field(default_factory=list)
    _written: tuple[int, str] = (-1, "")  # the last write tried, and when
    _written_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, done: int, total: int, stage: str) -> None:
        with self._lock:
            self.total = max(total, 0)
            self.done = min(max(done, self.done), self.total)
            self.stage = stage
            now = time.monotonic()
            moved = self.done - self._written[0]
            due = now - self._written_at >= WRITE_EVERY_SECONDS
            if (
                stage != self._written[1]
                or self.done >= self.total
                or (due and moved >= max(1, self.total * WRITE_EVERY_SHARE))
            ):
                self._flush(now)

    def part(self, start: int, size: int, total: int) -> Callable[[int, int, str], None]:
        """A callback for one phase: its ``done``/``total`` fill steps ``start`` to
        ``start + size`` of the job's ``total``."""

        def report(done: int, phase_total: int, stage: str) -> None:
            share = done / phase_total if phase_total else 1.0
            self(start + round(min(share, 1.0) * size), total, stage)

        return report

    def beat(self) -> None:
        with self._lock:
            self._flush(time.monotonic())

    def _flush(self, now: float) -> None:
        """Write the latest values; a busy database skips this write, not the next one due."""
        self._written, self._written_at = (self.done, self.stage), now
        values = {"done": self.done, "total": self.total, "stage": self.stage[:200]}
        if self.write(wait=False, status=JobStatus.RUNNING, **values):
            self.history.append((self.done, self.total, self.stage))
            self.writes += 1
        else:
            self.skipped += 1

    def write(self, *, wait: bool, **values) -> bool:
        """Update the unfinished row in a transaction of its own. Without ``wait``, give up at
        once when the database is busy (SQLite while the work holds the write lock)."""
        values.setdefault("updated_at", clock.now())
        query = (
            update(Job)
            .where(Job.id == self.job_id, Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)))
            .values(**values)
        )
        with self.engine.connect() as connection:
            raw = connection.connection.driver_connection if self.sqlite else None
            if raw is not None and not wait:
                raw.execute("PRAGMA busy_timeout = 0")
            try:
                connection.execute(query)
                connection.commit()
            except OperationalError:
                if wait:
                    raise
                connection.rollback()
                return False
            finally:
                if raw is not None and not wait:
                    raw.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        return True


Work = Callable[[Progress], Outcome]
_threads: dict[int, threading.Thread] = {}


def create(
    *,
    kind: str,
    title: str,
    owner: User,
    group_id: int | None,
    retry_url: str,
    total: int = 0,
) -> Job:
    """A queued job owned by ``owner``; the caller commits, then calls ``start``."""
    job = Job(
        kind=kind,
        title=title[:200],
        owner_id=owner.id,
        group_id=group_id,
        retry_url=retry_url,
        total=total,
        stage="Waiting to start",
    )
    db.session.add(job)
    return job


def queue(*, work: Callable[[Progress, int, str], Outcome], **job) -> tuple[Job, Work]:
    """A queued job for the current user (``job`` as for ``create``), and its ``work``, called
    with the user's id and address for the audit log; the caller commits, then hands both to
    ``start``."""
    created = create(owner=current_user, **job)
    actor_id, ip = current_user.id, (request.remote_addr or "")[:45]
    return created, lambda progress: work(progress, actor_id, ip)


def start(job_id: int, work: Work) -> None:
    """Run ``work`` for the committed job: in a thread, or at once with ``JOBS_INLINE`` (the
    caller's session must hold no transaction then; it is rolled back to be sure)."""
    app = current_app._get_current_object()
    if app.config["JOBS_INLINE"]:
        db.session.rollback()
        _run(app, job_id, work)
        return
    thread = threading.Thread(target=_run, args=(app, job_id, work), name=f"job-{job_id}")
    thread.daemon = True
    _threads[job_id] = thread
    thread.start()


def wait(timeout: float = 60.0) -> None:
    """Wait for the jobs this process started to finish (tests, graceful shutdown)."""
    deadline = time.monotonic() + timeout
    for job_id, thread in list(_threads.items()):
        thread.join(max(deadline - time.monotonic(), 0))
        if not thread.is_alive():
            _threads.pop(job_id, None)


def _run(app: Flask, job_id: int, work: Work) -> None:
    with app.app_context():
        progress = Progress(
            engine=db.engine,
            job_id=job_id,
            sqlite=db.engine.dialect.name == "sqlite",
            busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"],
        )
        stop = threading.Event()
        heartbeat = threading.Thread(
            target=_heartbeat,
            args=(progress, stop, app.config["JOBS_HEARTBEAT_SECONDS"]),
            name=f"job-{job_id}-heartbeat",
            daemon=True,
        )
        session = db.session()
        session.expire_on_commit = False
        try:
            total = db.session.get(Job, job_id).total
            db.session.rollback()
            progress(0, total, "Starting")
            heartbeat.start()
            outcome = work(progress)
            db.session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(
                    status=JobStatus.DONE,
                    done=progress.total,
                    total=progress.total,
                    stage="Done",
                    result_url=outcome.url,
                    message=outcome.message,
                    updated_at=clock.now(),
                )
            )
            db.session.commit()
        except JobRefusedError as exc:
            db.session.rollback()
            _fail(progress, exc.message, exc.errors)
        except Exception:
            log.exception("job %s failed", job_id)
            db.session.rollback()
            _fail(progress, CRASH_MESSAGE, [])
        finally:
            stop.set()
            if heartbeat.is_alive():
                heartbeat.join()
            db.session.remove()


def _fail(progress: Progress, message: str, errors: list[str]) -> None:
    try:
        progress.write(wait=True, status=JobStatus.FAILED, error=message, errors=errors)
    except Exception:
        log.exception("could not record the failure of job %s", progress.job_id)


def _heartbeat(progress: Progress, stop: threading.Event, interval: float) -> None:
    while not stop.wait(interval):
        try:
            progress.beat()
        except Exception:
            log.exception("job %s heartbeat failed", progress.job_id)


# --- reading jobs ----------------------------------------------------------------------------


def visible_job(user: User, job_id: int) -> Job | None:
    """The job if ``user`` may see it: its owner, or an admin."""
    job = db.session.get(Job, job_id)
    if job is None or (job.owner_id != user.id and user.role is not Role.ADMIN):
        return None
    return job


@dataclass(frozen=True)
class JobView:
    id: int
    title: str
    status: JobStatus
    done: int
    total: int
    stage: str
    error: str
    errors: list[str]
    result_url: str
    retry_url: str
    message: str
    updated_at: datetime

    @property
    def percent(self) -> int:
        if self.status is JobStatus.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def http_status(self) -> int:
        """422 when the input was refused, 409 for any other stop, else 200."""
        if self.status is not JobStatus.FAILED:
            return 200
        return 422 if self.errors else 409

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "status": self.status.value,
            "label": self.status.label,
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "stage": self.stage,
            "error": self.error,
        }


def view(job: Job) -> JobView:
    """What to show of ``job``; a queued or running job whose row went quiet is failed."""
    status, error = job.status, job.error
    stale = clock.now() - timedelta(seconds=current_app.config["JOBS_STALE_SECONDS"])
    if not status.finished and job.updated_at < stale:
        status, error = JobStatus.FAILED, STALE_MESSAGE
    return JobView(
        id=job.id,
        title=job.title,
        status=status,
        done=job.done,
        total=job.total,
        stage=job.stage,
        error=error,
        errors=list(job.errors or []),
        result_url=job.result_url,
        retry_url=job.retry_url,
        message=job.message,
        updated_at=job.updated_at,
    )


def site_path(endpoint: str, **values) -> str:
    """A path on this site built without a request (for a job's result), under ``SITE_URL``."""
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(site.netloc or "localhost", script_name=site.path or "/")
    return adapter.build(endpoint, values)
