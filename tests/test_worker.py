"""The worker process (``flask worker``) on the test's database: it runs a queued job while the
web side follows its progress, runs the introductions tick and sends the mail as it starts,
and a tick or mail pass whose lock another worker holds does nothing. Marked ``redis``: two
workers and the web sharing a queue in a real Redis."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from matcher import clock, locks, vocabulary, worker
from matcher.extensions import db, tasks
from matcher.introductions import services
from matcher.models import (
    Introduction,
    Job,
    JobStatus,
    Membership,
    OutboxMessage,
    Role,
    Round,
    RoundStatus,
    User,
)
from tests.helpers import (
    dispose,
    give_mentor_profile,
    logged_in,
    make_app,
    make_group,
    make_user,
    post_form,
)
from tests.helpers.faults import served_settings
from tests.helpers.introductions import give_student_profile
from tests.helpers.rosters import csv_bytes
from tests.servers import Worker, wait_until

ROWS = 600
ASKED = [
    "Would you mentor Sam Student? (Derm Interest Group)",
    "Reminder: would you mentor Sam Student? (Derm Interest Group)",
]


def subjects(smtp_server, user) -> list[str]:
    return [m["Subject"] for m in smtp_server.inbox.to(user.email)]


def roster(rows: int, prefix: str = "student") -> bytes:
    return csv_bytes(
        [
            {
                "email": f"{prefix}{k}@example.edu",
                "name": f"Student {k}",
                "role": "student",
                "stage": "ms2",
                "specialties": "Dermatology",
            }
            for k in range(rows)
        ]
    )


def upload(client, group_id: int, data: bytes, name: str = "roster.csv"):
    return post_form(
        client,
        f"/groups/{group_id}/roster/import",
        {"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def worker_settings(app, tmp_path, **more: str) -> dict[str, str]:
    return {
        **served_settings(app, tmp_path),
        "JOBS_HEARTBEAT_SECONDS": "1",
        "JOBS_STALE_SECONDS": "5",
        "SITE_URL": "http://127.0.0.1:8000",
        **more,
    }


def _coordinated_group(app) -> tuple[object, int]:
    with app.app_context():
        vocabulary.ensure_seeded()
        db.session.commit()
    coordinator = make_user(app, Role.COORDINATOR, "coord@example.edu", "Cora Coordinator")
    return coordinator, make_group(app, coordinators=(coordinator,))


def _follow(client, job_url: str, seconds: float = 120) -> list[dict]:
    """Poll the job's JSON, as the progress page does, until it ends; every answer."""
    seen: list[dict] = []

    def ended() -> bool:
        seen.append(client.get(job_url + ".json").get_json())
        return seen[-1]["status"] in ("done", "failed")

    wait_until(ended, f"the job {job_url} ending", seconds)
    return seen


def test_the_worker_runs_a_queued_import_while_the_web_follows_its_progress(app, tmp_path):
    app.config["JOBS_IMPORT_MIN_ROWS"] = 10
    coordinator, group_id = _coordinated_group(app)
    client = logged_in(app, coordinator)
    response = upload(client, group_id, roster(ROWS))
    assert response.status_code == 303
    job_url = response.headers["Location"]
    assert client.get(job_url + ".json").get_json()["status"] == "queued"

    with Worker(worker_settings(app, tmp_path), tmp_path / "worker.log").start():
        seen = _follow(client, job_url)
    assert seen[-1]["status"] == "done", seen[-1]
    done = [s["done"] for s in seen]
    assert done == sorted(done)
    assert seen[-1]["done"] == seen[-1]["total"] == 2 * ROWS
    final = client.get(job_url)
    assert final.status_code == 303
    page = client.get(final.headers["Location"]).get_data(as_text=True)
    assert f"Imported {ROWS} rows: {ROWS} new people invited by email" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Membership)) == ROWS
        assert db.session.get(Job, 1).attempts == 1


@pytest.fixture
def proposed(tmp_path, smtp_server):
    """An introduction proposed eight days ago (a reminder is due), its first email unsent;
    the app's mail goes to the loopback SMTP server."""
    app = make_app(
        tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_USE_TLS=False
    )
    coordinator, group_id = _coordinated_group(app)
    student = make_user(app, Role.STUDENT, "sam@example.edu", "Sam Student")
    mentor = make_user(app, Role.MENTOR, "mina@example.org", "Dr. Mina Mentor")
    give_student_profile(app, student)
    give_mentor_profile(app, mentor)
    with app.app_context():
        for user in (student, mentor):
            db.session.add(Membership(group_id=group_id, user_id=user.id))
        round_ = Round(
            group_id=group_id, name="Autumn round", slots=["faculty"], status=RoundStatus.PUBLISHED
        )
        db.session.add(round_)
        db.session.flush()
        pair = services.ProposedPair(student.id, mentor.id, "faculty", 0.8)
        services.propose(round_, [pair], db.session.get(User, coordinator.id))
        db.session.execute(update(Introduction).values(asked_at=clock.now() - timedelta(days=8)))
        db.session.commit()
    yield app, mentor
    dispose(app)


def test_the_worker_ticks_and_sends_the_mail_as_it_starts(proposed, tmp_path, smtp_server):
    app, mentor = proposed
    settings = worker_settings(
        app,
        tmp_path,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_server.port),
        MAIL_USE_TLS="false",
        MAIL_TIMEOUT="5",
        MAIL_SEND_INTERVAL="1",
    )
    with Worker(settings, tmp_path / "worker.log").start() as running:
        wait_until(
            lambda: len(subjects(smtp_server, mentor)) >= 2 and "mail: sent " in running.log(),
            "the request and its reminder reaching the mentor, and the worker logging it",
        )
        log = running.log()
    assert subjects(smtp_server, mentor) == ASKED
    assert "introductions tick: reminded 1, expired 0" in log
    wait_until(lambda: outbox_statuses(app) == {"sent"}, "the outbox marked sent")


def outbox_statuses(app) -> set[str]:
    with app.app_context():
        return {s.value for s in db.session.scalars(select(OutboxMessage.status))}


def test_a_tick_or_mail_pass_whose_lock_is_held_does_nothing(proposed, smtp_server):
    app, mentor = proposed
    with app.app_context():
        with locks.exclusive(worker.TICK_LOCK) as held:
            assert held
            worker.introductions_tick()
        with locks.exclusive(worker.MAIL_LOCK) as held:
            assert held
            worker.send_mail()
    assert smtp_server.inbox.messages == []
    with app.app_context():
        reminded = db.session.scalar(select(Introduction.reminded_at))
        assert reminded is None
        worker.introductions_tick()
        worker.send_mail()
    assert subjects(smtp_server, mentor) == ASKED


@pytest.mark.redis
def test_two_workers_and_the_web_share_a_redis_queue(tmp_path, redis_url):
    app = make_app(tmp_path, TASK_QUEUE_URL=redis_url, JOBS_IMPORT_MIN_ROWS=10)
    try:
        tasks.huey(app).flush()
        coordinator, group_id = _coordinated_group(app)
        client = logged_in(app, coordinator)
        jobs_urls = [
            upload(client, group_id, roster(200, f"batch{n}-"), f"roster{n}.csv").headers[
                "Location"
            ]
            for n in range(3)
        ]
        assert tasks.huey(app).pending_count() == 3
        settings = worker_settings(app, tmp_path, TASK_QUEUE_URL=redis_url)
        with (
            Worker(settings, tmp_path / "worker-1.log", threads=2).start(),
            Worker(settings, tmp_path / "worker-2.log", threads=2).start(),
        ):
            ends = [_follow(client, url)[-1]["status"] for url in jobs_urls]
        assert ends == ["done"] * 3
        with app.app_context():
            members = db.session.scalar(select(func.count()).select_from(Membership))
            runs = list(db.session.scalars(select(Job.attempts)))
            statuses = set(db.session.scalars(select(Job.status)))
        assert members == 600
        assert runs == [1, 1, 1]
        assert statuses == {JobStatus.DONE}
    finally:
        tasks.huey(app).flush()
        dispose(app)
