"""Long operations run by the worker through the task queue, with progress in the database.

A view validates what it can at once, then ``queue`` s a job row holding everything the work
needs (``payload``), commits, and ``start`` s it: the task queue hands the job's id to the
worker, and the job shows "waiting" until a worker takes it. ``run`` (the worker's task) claims
the row with a compare-and-set update (queued → running, under a runner token of its own), so
one run at a time holds a job. The work reports progress through a ``Progress`` callback, which
writes the row on a connection of its own (throttled, and never blocking the work), so a poll
answered by any web worker sees it. The work's own writes and the row's final "done" commit
together, and only while this run still holds the row. A heartbeat keeps ``updated_at`` fresh
while the run lives. ``recover`` (the worker runs it every third of ``JOBS_STALE_SECONDS``)
starts again a running job whose row has not moved for ``JOBS_STALE_SECONDS`` (its worker died,
and nothing of that run was saved), up to ``JOBS_MAX_ATTEMPTS`` runs in all, then marks it
stopped; and it queues again a job still waiting after that long (its message never reached a
worker). ``JOBS_INLINE`` runs the work before ``start`` returns (tests).
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request
from flask_login import current_user
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from matcher import clock, collector
from matcher.extensions import db, tasks
from matcher.models import Role, User
from matcher.models.job import Job, JobStatus

log = logging.getLogger(__name__)

TASK = "run_job"
"""The task queue's name for ``run``."""

WRITE_EVERY_SECONDS = 0.25
WRITE_EVERY_SHARE = 0.02
WAITING = "Waiting for the background worker"
RESTARTING = "The worker running this job stopped before it finished; waiting to start again"
STALE_MESSAGE = (
    "The worker running this job stopped before it finished, as many times as a job is "
    "started again (probably server restarts). Nothing was saved; start it again."
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
    runner: str
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
        """Update the unfinished row this run holds, in a transaction of its own. Without
        ``wait``, give up at once when the database is busy (SQLite while the work holds the
        write lock)."""
        values.setdefault("updated_at", clock.now())
        query = (
            update(Job)
            .where(
                Job.id == self.job_id,
                Job.runner == self.runner,
                Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
            )
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


Work = Callable[[Progress, dict[str, Any], int], Outcome]
"""A kind of job's work: called with the progress callback, the job's payload and the id of
the person who started it (for the audit log); writes without committing."""


def create(
    *,
    kind: str,
    title: str,
    owner: User,
    group_id: int | None,
    retry_url: str,
    total: int = 0,
    payload: dict[str, Any] | None = None,
) -> Job:
    """A queued job owned by ``owner``; the caller commits, then calls ``start``."""
    job = Job(
        kind=kind,
        title=title[:200],
        owner_id=owner.id,
        group_id=group_id,
        retry_url=retry_url,
        total=total,
        stage=WAITING,
        payload=payload or {},
    )
    db.session.add(job)
    return job


def queue(**job) -> Job:
    """A queued job for the current user (``job`` as for ``create``), its payload holding the
    user's address for the audit log; the caller commits, then calls ``start``."""
    payload = {**job.pop("payload", {}), "ip": (request.remote_addr or "")[:45]}
    return create(owner=current_user, payload=payload, **job)


def start(job_id: int) -> None:
    """Hand the committed job to the worker (with ``JOBS_INLINE``, run it now: the caller's
    session must hold no transaction then; it is rolled back to be sure). A queue that cannot
    be reached leaves the job waiting: ``recover`` queues it again."""
    if current_app.config["JOBS_INLINE"]:
        db.session.rollback()
    try:
        tasks.enqueue(TASK, job_id)
    except Exception:
        log.exception("job %s could not be queued; the worker will queue it again", job_id)


def run(job_id: int, works: Mapping[str, Work]) -> None:
    """The worker's task: run job ``job_id`` with the work of its kind, if no other run holds
    it. Nothing of the work is saved unless the whole of it is, with the row's "done"."""
    runner = uuid.uuid4().hex
    claimed = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
        .values(
            status=JobStatus.RUNNING,
            runner=runner,
            attempts=Job.attempts + 1,
            stage="Starting",
            updated_at=clock.now(),
        )
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return
    job = db.session.get(Job, job_id)
    kind, total, payload, owner_id = job.kind, job.total, dict(job.payload), job.owner_id
    log.info("job %s (%s) started, run %d", job_id, kind, job.attempts)
    db.session.rollback()
    began = time.monotonic()
    progress = Progress(
        engine=db.engine,
        job_id=job_id,
        runner=runner,
        sqlite=db.engine.dialect.name == "sqlite",
        busy_timeout_ms=current_app.config["SQLITE_BUSY_TIMEOUT_MS"],
    )
    stop = threading.Event()
    heartbeat = threading.Thread(
        target=_heartbeat,
        args=(progress, stop, current_app.config["JOBS_HEARTBEAT_SECONDS"]),
        name=f"job-{job_id}-heartbeat",
        daemon=True,
    )
    db.session().expire_on_commit = False
    try:
        progress(0, total, "Starting")
        heartbeat.start()
        with collector.paused():
            outcome = works[kind](progress, payload, owner_id)
        finished = db.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.runner == runner, Job.status == JobStatus.RUNNING)
            .values(
                status=JobStatus.DONE,
                done=progress.total,
                total=progress.total,
                stage="Done",
                result_url=outcome.url,
                message=outcome.message,
                payload={},
                updated_at=clock.now(),
            )
        ).rowcount
        if finished != 1:
            db.session.rollback()
            log.warning("job %s was taken from this run; its work was not saved", job_id)
            return
        db.session.commit()
        log.info("job %s (%s) done in %.1f s", job_id, kind, time.monotonic() - began)
    except JobRefusedError as exc:
        db.session.rollback()
        log.info("job %s (%s) refused: %s", job_id, kind, exc.message)
        _fail(progress, exc.message, exc.errors, exc.status)
    except Exception:
        log.exception("job %s failed", job_id)
        db.session.rollback()
        _fail(progress, CRASH_MESSAGE, [], 409)
    finally:
        stop.set()
        if heartbeat.is_alive():
            heartbeat.join()


def _fail(progress: Progress, message: str, errors: list[str], status: int) -> None:
    try:
        progress.write(
            wait=True,
            status=JobStatus.FAILED,
            error=message,
            errors=errors,
            status_code=status,
            payload={},
        )
    except Exception:
        log.exception("could not record the failure of job %s", progress.job_id)


def _heartbeat(progress: Progress, stop: threading.Event, interval: float) -> None:
    while not stop.wait(interval):
        try:
            progress.beat()
        except Exception:
            log.exception("job %s heartbeat failed", progress.job_id)


@dataclass
class Recovery:
    """What one ``recover`` pass did."""

    restarted: list[int] = field(default_factory=list)
    stopped: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.restarted or self.stopped or self.requeued)


def recover() -> Recovery:
    """Start again each job whose run went quiet for ``JOBS_STALE_SECONDS`` (or stop it after
    ``JOBS_MAX_ATTEMPTS`` runs), and queue again each job still waiting after that long. Each
    change is a compare-and-set on the row as it was read, so a run that is alive after all,
    or another worker recovering at the same moment, wins or loses cleanly."""
    config = current_app.config
    now = clock.now()
    quiet = now - timedelta(seconds=config["JOBS_STALE_SECONDS"])
    done = Recovery()
    try:
        dead = db.session.execute(
            select(Job.id, Job.runner, Job.attempts).where(
                Job.status == JobStatus.RUNNING, Job.updated_at < quiet
            )
        ).all()
        waiting = list(
            db.session.scalars(
                select(Job.id).where(Job.status == JobStatus.QUEUED, Job.updated_at < quiet)
            )
        )
        db.session.rollback()
        for job_id, runner, attempts in dead:
            again = attempts < config["JOBS_MAX_ATTEMPTS"]
            values = (
                {"status": JobStatus.QUEUED, "stage": RESTARTING}
                if again
                else {
                    "status": JobStatus.FAILED,
                    "error": STALE_MESSAGE,
                    "status_code": 409,
                    "payload": {},
                }
            )
            moved = db.session.execute(
                update(Job)
                .where(
                    Job.id == job_id,
                    Job.status == JobStatus.RUNNING,
                    Job.runner == runner,
                    Job.updated_at < quiet,
                )
                .values(runner="", updated_at=clock.now(), **values)
            ).rowcount
            db.session.commit()
            if moved == 1:
                (done.restarted if again else done.stopped).append(job_id)
        for job_id in waiting:
            moved = db.session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == JobStatus.QUEUED, Job.updated_at < quiet)
                .values(updated_at=clock.now())
            ).rowcount
            db.session.commit()
            if moved == 1:
                done.requeued.append(job_id)
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("recovering jobs: the database is busy; trying again later", exc_info=True)
    for job_id in [*done.restarted, *done.requeued]:
        start(job_id)
    return done


# --- reading jobs ----------------------------------------------------------------------------


def visible_job(user: User, job_id: int) -> Job | None:
    """The job if ``user`` may see it: its owner, or an admin."""
    job = db.session.get(Job, job_id)
    if job is None or (job.owner_id != user.id and not user.has_role(Role.ADMIN)):
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
    status_code: int
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
        """A stopped job's status (422 when the input was refused, 409 for any other stop),
        else 200."""
        if self.status is not JobStatus.FAILED:
            return 200
        return self.status_code or (422 if self.errors else 409)

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
    """What to show of ``job``: a running job whose row went quiet (its worker died) waits to
    start again, as ``recover`` will have it, or is stopped after its last attempt."""
    config = current_app.config
    status, error, stage, code = job.status, job.error, job.stage, job.status_code
    quiet = clock.now() - timedelta(seconds=config["JOBS_STALE_SECONDS"])
    if status is JobStatus.RUNNING and job.updated_at < quiet:
        if job.attempts < config["JOBS_MAX_ATTEMPTS"]:
            status, stage = JobStatus.QUEUED, RESTARTING
        else:
            status, error, code = JobStatus.FAILED, STALE_MESSAGE, 409
    return JobView(
        id=job.id,
        title=job.title,
        status=status,
        done=job.done,
        total=job.total,
        stage=stage,
        error=error,
        errors=list(job.errors or []),
        status_code=code,
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
