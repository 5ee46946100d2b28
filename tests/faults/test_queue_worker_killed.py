"""The worker SIGKILLed in the middle of a job or of sending mail, then started again: nothing
half-written, nothing lost, nothing done twice.

Real worker processes (``flask worker``) on the test's database and the test's app as the web
side (its requests queue the jobs and poll their pages). For each kind of job (a large roster
import, a solve, a publish) the test waits until the worker is inside the job's writing
transaction and kills it there. PostgreSQL: a table the job writes late is locked against
writes, so the job waits there with its earlier writes uncommitted. SQLite: while the job is at
its saving stage the worker is frozen (SIGSTOP) every millisecond or so until a freeze finds it
holding the database's write lock, and is killed frozen. Then none of the job's writes
are in the database, and its page says it waits to start again once its row has been quiet for
``JOBS_STALE_SECONDS``; a new worker starts it again and it completes exactly once.

With Redis installed (tests marked ``redis``) the import is killed again with the queue in
Redis. The mail sender is killed while the SMTP server holds a message at RCPT (before the
server has taken it); two new workers then deliver every message exactly once, the held one
included.
"""

import asyncio
import io
import sqlite3
import threading
import time
from contextlib import contextmanager, nullcontext

import psycopg
import pytest
from sqlalchemy import func, select

from matcher import vocabulary
from matcher.extensions import db
from matcher.mail import queue_mail
from matcher.models import (
    DraftOutcome,
    Introduction,
    Job,
    JobStatus,
    Membership,
    OutboxMessage,
    OutboxStatus,
    Role,
    Round,
    RoundDraft,
    RoundStatus,
    User,
)
from matcher.rosters import csv_import
from matcher.rounds import drafts, publish_job, publishing
from tests.helpers import (
    database_url,
    dispose,
    logged_in,
    make_app,
    make_group,
    make_user,
    post_form,
)
from tests.helpers.faults import blocked_on_lock, is_postgresql, served_settings, writers_held
from tests.helpers.places import make_places
from tests.helpers.rosters import csv_bytes
from tests.helpers.rounds import large_round, roster_rows
from tests.servers import Worker, wait_until

IMPORT_ROWS = 1500
STUDENTS, MENTORS = 1200, 400
STALE_SECONDS = 4


def worker_settings(app, tmp_path, **more) -> dict[str, str]:
    return {
        **served_settings(app, tmp_path),
        "JOBS_HEARTBEAT_SECONDS": "1",
        "JOBS_STALE_SECONDS": str(STALE_SECONDS),
        "INTRODUCTIONS_TICK_SECONDS": "3600",
        **more,
    }


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


@contextmanager
def written_late(url: str, table: str):
    """PostgreSQL: hold writes to ``table`` back (the job waits there, mid-transaction)."""
    with writers_held(url, table) if is_postgresql(url) else nullcontext():
        yield


def job_row(url: str, job_id: int) -> tuple[str, str] | None:
    """The job's status and stage, read beside the app (no lock taken)."""
    if is_postgresql(url):
        with psycopg.connect(url) as conn:
            return conn.execute(
                "SELECT status, stage FROM jobs WHERE id = %s", (job_id,)
            ).fetchone()
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        return conn.execute("SELECT status, stage FROM jobs WHERE id = ?", (job_id,)).fetchone()
    finally:
        conn.close()


def sqlite_write_lock_held(url: str) -> bool:
    """Whether a writer holds SQLite's write lock."""
    conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, timeout=0)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()
    return False


def frozen_holding_sqlite(worker: Worker, url: str) -> bool:
    """SQLite: freeze the worker; whether it holds the write lock at two freezes 2 ms apart
    (the job's writing transaction, not a progress update's instant). Left frozen if so."""
    for attempt in range(2):
        if attempt:
            time.sleep(0.002)
        worker.freeze()
        if not sqlite_write_lock_held(url):
            worker.thaw()
            return False
        if not attempt:
            worker.thaw()
    return True


def inside_the_write(worker: Worker, url: str, job_id: int, stages: set[str]) -> bool:
    row = job_row(url, job_id)
    if row is None or row[0] != "running" or row[1] not in stages:
        return False
    return blocked_on_lock(url) if is_postgresql(url) else frozen_holding_sqlite(worker, url)


def kill_mid_job(
    app, tmp_path, start, table: str, stages: set[str], **more: str
) -> tuple[str, int, object]:
    """Start a worker (settings ``more`` on top), queue the job (``start()`` returns its page
    and the web client), SIGKILL the worker inside the job's writing transaction; the job's
    page, its id and the client. The web side reckons jobs quiet as the worker does."""
    app.config["JOBS_STALE_SECONDS"] = STALE_SECONDS
    url = database_url(tmp_path)
    settings = worker_settings(app, tmp_path, **more)
    with Worker(settings, tmp_path / "worker.log") as first, written_late(url, table):
        first.start()
        job_url, client = start()
        job_id = int(job_url.rsplit("/", 1)[1])
        wait_until(
            lambda: inside_the_write(first, url, job_id, stages),
            "the worker inside the job's writing transaction",
            120,
            every=0.02 if is_postgresql(url) else 0.001,
        )
        first.kill()
    assert job_row(url, job_id)[0] == "running"
    return job_url, job_id, client


def restart(app, tmp_path, client, job_url: str, **more: str) -> dict:
    """The page says the job waits to start again; a new worker (settings ``more`` on top)
    runs it to the end."""
    seen = []

    def status(wanted: str) -> bool:
        seen.append(client.get(job_url + ".json").get_json())
        return seen[-1]["status"] == wanted

    wait_until(lambda: status("queued"), "the job waiting to start again", STALE_SECONDS + 10)
    assert "start again" in seen[-1]["stage"]
    with Worker(worker_settings(app, tmp_path, **more), tmp_path / "worker.log").start():
        wait_until(lambda: status("done"), "the job done by the new worker", 180)
    return seen[-1]


def _coordinator_and_group(app):
    with app.app_context():
        vocabulary.ensure_seeded()
        db.session.commit()
    make_places(app)
    coordinator = make_user(app, Role.COORDINATOR, "coord@example.edu", "Cora Coordinator")
    return coordinator, make_group(app, coordinators=(coordinator,))


def killed_import(app, tmp_path, **more: str) -> None:
    """A large import whose worker is killed while it writes, then run again by a new one."""
    app.config["JOBS_IMPORT_MIN_ROWS"] = 10
    coordinator, group_id = _coordinator_and_group(app)
    before = {model: count(app, model) for model in (User, Membership, OutboxMessage)}
    data = csv_bytes(roster_rows(IMPORT_ROWS, 0, "imported-"))

    def start():
        client = logged_in(app, coordinator)
        page = f"/groups/{group_id}/roster/import"
        files = {"file": (io.BytesIO(data), "roster.csv")}
        reply = post_form(client, page, files, content_type="multipart/form-data")
        assert reply.status_code == 303
        return reply.headers["Location"], client

    stages = {f"Saving {IMPORT_ROWS:,} rows", csv_import.INVITING, csv_import.SAVING}
    job_url, job_id, client = kill_mid_job(app, tmp_path, start, "memberships", stages, **more)
    assert {model: count(app, model) for model in before} == before, "nothing half-written"

    end = restart(app, tmp_path, client, job_url, **more)
    assert end["done"] == end["total"]
    page = client.get(client.get(job_url).headers["Location"]).get_data(as_text=True)
    assert f"Imported {IMPORT_ROWS} rows: {IMPORT_ROWS} new people invited by email" in page
    assert count(app, User) == before[User] + IMPORT_ROWS
    assert count(app, Membership) == before[Membership] + IMPORT_ROWS
    assert count(app, OutboxMessage) == before[OutboxMessage] + IMPORT_ROWS, "one invitation each"
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert (job.status, job.attempts, job.payload) == (JobStatus.DONE, 2, {})


def test_killed_mid_import_the_import_runs_again_once(app, tmp_path):
    killed_import(app, tmp_path)


@pytest.mark.redis
def test_killed_mid_import_with_the_queue_in_redis(tmp_path, redis_url):
    """The same with the queue in Redis: the killed worker had taken the job's message from
    Redis, so the job comes back from its row."""
    app = make_app(tmp_path, TASK_QUEUE_URL=redis_url)
    try:
        killed_import(app, tmp_path, TASK_QUEUE_URL=redis_url)
    finally:
        dispose(app)


@pytest.fixture
def national(app):
    coordinator, group_id = _coordinator_and_group(app)
    round_id = large_round(app, group_id, coordinator, STUDENTS, MENTORS)
    app.config["JOBS_SOLVE_MIN_PAIRS"] = 1
    return coordinator, round_id


def test_killed_mid_solve_the_solve_runs_again_once(app, tmp_path, national):
    coordinator, round_id = national

    def start():
        client = logged_in(app, coordinator)
        reply = post_form(client, f"/rounds/{round_id}/solve", page=f"/rounds/{round_id}")
        assert reply.status_code == 303
        return reply.headers["Location"], client

    stages = {"Matching every seat of every board together", drafts.SAVING}
    job_url, _, client = kill_mid_job(app, tmp_path, start, "draft_outcomes", stages)
    assert count(app, RoundDraft) == 0, "nothing half-written"
    assert count(app, DraftOutcome) == 0

    restart(app, tmp_path, client, job_url)
    assert client.get(job_url).headers["Location"] == f"/rounds/{round_id}/drafts/1"
    assert count(app, RoundDraft) == 1
    assert count(app, DraftOutcome) == STUDENTS


def test_killed_mid_publish_the_round_is_published_once(app, tmp_path, national):
    coordinator, round_id = national
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        drafts.solve_round(round_, db.session.get(User, coordinator.id))
        db.session.commit()
    pairs = count(app, DraftOutcome, DraftOutcome.mentor_id.is_not(None))
    mails = count(app, OutboxMessage)

    def start():
        client = logged_in(app, coordinator)
        reply = post_form(
            client, f"/rounds/{round_id}/publish", {"draft": "1"}, page=f"/rounds/{round_id}"
        )
        assert reply.status_code == 303
        return reply.headers["Location"], client

    stages = set(publishing.STAGES)
    job_url, _, client = kill_mid_job(app, tmp_path, start, "introductions", stages)
    assert count(app, Introduction) == 0, "nothing half-written"
    assert count(app, OutboxMessage) == mails
    with app.app_context():
        assert db.session.get(Round, round_id).status is RoundStatus.OPEN

    restart(app, tmp_path, client, job_url)
    page = client.get(client.get(job_url).headers["Location"]).get_data(as_text=True)
    assert publish_job.message(pairs) in page
    assert count(app, Introduction) == pairs
    with app.app_context():
        assert db.session.get(Round, round_id).status is RoundStatus.PUBLISHED
        asked = db.session.scalar(
            select(func.count(func.distinct(Introduction.mentor_id))).select_from(Introduction)
        )
    assert count(app, OutboxMessage) == mails + asked + STUDENTS, "one email per mentor, student"


class HeldAtRecipient:
    """The inbox, holding the ``hold_at``-th message at RCPT (before the server has it) until
    released; the worker is killed meanwhile, so that message never reaches the inbox."""

    def __init__(self, inbox, hold_at: int) -> None:
        self.inbox, self.hold_at, self.recipients = inbox, hold_at, 0
        self.holding, self.release = threading.Event(), threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self.recipients += 1
        if self.recipients == self.hold_at:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook name)
        return await self.inbox.handle_DATA(server, session, envelope)


def test_killed_mid_send_every_message_arrives_once(app, tmp_path, smtp_server):
    addresses = [f"reader{n}@example.edu" for n in range(20)]
    with app.app_context():
        user = User(
            email="x@example.edu", name="Pat Example", roles={Role.STUDENT}, password_hash="x"
        )
        for address in addresses:
            queue_mail(address, "auth/welcome", user=user)
        db.session.commit()
    inbox = smtp_server.inbox
    smtp_server.stop()
    held = HeldAtRecipient(inbox, hold_at=8)
    smtp_server.inbox = held
    smtp_server.start()
    settings = worker_settings(
        app,
        tmp_path,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_server.port),
        MAIL_USE_TLS="false",
        MAIL_TIMEOUT="5",
        MAIL_SEND_INTERVAL="1",
        MAIL_STALE_CLAIM_SECONDS="3",
    )
    with Worker(settings, tmp_path / "worker.log").start() as first:
        assert held.holding.wait(30), "the sender reached the held message"
        first.kill()
    held.release.set()
    rows = {m.to_addr: m for m in outbox_rows(app)}
    assert len(inbox.messages) == 7
    assert [rows[a].status for a in addresses[:7]] == [OutboxStatus.SENT] * 7
    assert (rows[addresses[7]].status, rows[addresses[7]].attempts) == (OutboxStatus.SENDING, 1)

    with (
        Worker(settings, tmp_path / "worker-2.log").start(),
        Worker(settings, tmp_path / "worker-3.log").start(),
    ):
        wait_until(lambda: len(inbox.messages) >= len(addresses), "every message delivered", 60)
        wait_until(
            lambda: {m.status for m in outbox_rows(app)} == {OutboxStatus.SENT},
            "every message marked sent",
            30,
        )
        time.sleep(3)
    delivered = [m["Message-ID"] for m in inbox.messages]
    assert len(delivered) == len(set(delivered)) == len(addresses)
    rows = {m.to_addr: m for m in outbox_rows(app)}
    assert set(delivered) == {m.message_id for m in rows.values()}
    assert {m.status for m in rows.values()} == {OutboxStatus.SENT}
    assert rows[addresses[7]].attempts == 2
    assert sorted(m["To"] for m in inbox.messages) == sorted(addresses)


def outbox_rows(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return rows
