"""Background jobs for large roster imports and solves: the same result as the synchronous
path, monotonic progress, refusals as 4xx pages, access, the no-script page, a job waiting for
the worker, runs that hold a job one at a time, and jobs whose worker died started again or
stopped. (A real worker process runs them in tests/test_worker.py and tests/faults.)"""

import gc
import io
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from matcher import clock, vocabulary
from matcher.extensions import db, tasks
from matcher.jobs import services as jobs
from matcher.models import GroupKind, InterestGroup, Job, JobStatus, Role, Round, User
from matcher.rosters import csv_import
from matcher.rounds import drafts
from matcher.solving.assignment import SOLVING
from tests.helpers import dispose, logged_in, make_app, make_user, post_form
from tests.helpers.places import make_places
from tests.helpers.rosters import ROSTER_TABLES, Group, csv_bytes
from tests.helpers.rosters import make_group as make_roster_group
from tests.helpers.rounds import World

RANDOM_COLUMNS = {"password_hash", "session_token", "message_id", "body_text"}
SNAPSHOT_TABLES = (*ROSTER_TABLES, "audit_events")


def roster(n: int, start: int = 0) -> bytes:
    rows = []
    for i in range(start, start + n):
        if i % 4:
            rows.append(
                {
                    "email": f"student{i}@example.edu",
                    "name": f"Student {i}",
                    "role": "student",
                    "school": "State Medical School",
                    "stage": "ms2",
                    "specialties": "Dermatology; Neurosurgery",
                    "focus_areas": "Mohs surgery",
                }
            )
        else:
            rows.append(
                {
                    "email": f"mentor{i}@example.org",
                    "name": f"Dr. Mentor {i}",
                    "role": "mentor",
                    "institution": "University Hospital",
                    "mentor_type": "faculty",
                    "specialties": "Dermatology",
                    "capacity": "3",
                    "accepting": "yes",
                }
            )
    return csv_bytes(rows)


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row an import writes, without the columns that are random by design."""
    with app.app_context():
        out = {}
        for name in SNAPSHOT_TABLES:
            table = db.metadata.tables[name]
            columns = [c for c in table.columns if c.name not in RANDOM_COLUMNS]
            rows = db.session.execute(select(*columns)).all()
            out[name] = sorted(tuple(map(str, row)) for row in rows)
        return out


@pytest.fixture
def job_app(tmp_path):
    app = make_app(tmp_path, JOBS_INLINE=True, JOBS_IMPORT_MIN_ROWS=10, JOBS_SOLVE_MIN_PAIRS=1)
    yield app
    dispose(app)


def _setup(app) -> tuple[User, Group]:
    with app.app_context():
        vocabulary.ensure_seeded()
        db.session.commit()
    make_places(app)
    coordinator = make_user(app, Role.COORDINATOR, "coord@example.edu", "Cora Coordinator")
    return coordinator, make_roster_group(app, coordinators=[coordinator])


def _upload(client, group: Group, data: bytes):
    return post_form(
        client,
        group.url("import"),
        {"file": (io.BytesIO(data), "roster.csv")},
        content_type="multipart/form-data",
    )


def _reset(app) -> None:
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.create_all()


def _job(app, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def test_import_job_gives_the_synchronous_result(job_app, frozen_clock):
    data = roster(40)
    coordinator, group = _setup(job_app)
    client = logged_in(job_app, coordinator)
    job_app.config["JOBS_IMPORT_MIN_ROWS"] = 1000
    sync = _upload(client, group, data)
    assert sync.status_code == 302
    sync_flash = client.get(sync.headers["Location"]).get_data(as_text=True)
    expected = snapshot(job_app)

    _reset(job_app)
    job_app.config["JOBS_IMPORT_MIN_ROWS"] = 10
    coordinator, group = _setup(job_app)
    client = logged_in(job_app, coordinator)
    response = _upload(client, group, data)
    assert response.status_code == 303
    assert response.headers["Location"] == "/jobs/1"
    done = client.get("/jobs/1")
    assert done.status_code == 303
    assert done.headers["Location"] == group.url("students")
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    message = "Imported 40 rows: 40 new people invited by email, 0 updated, 0 unchanged."
    assert message in sync_flash
    assert message in page
    assert snapshot(job_app) == expected
    job = _job(job_app, 1)
    assert (job.status, job.done, job.total, job.kind) == (JobStatus.DONE, 80, 80, "roster.import")


def test_progress_is_monotonic_and_reaches_the_total(job_app, monkeypatch):
    written = []
    real = jobs.Progress.write

    def record(self, *, wait, **values):
        ok = real(self, wait=wait, **values)
        if ok and "done" in values:
            written.append((values["done"], values["total"], values["stage"]))
        return ok

    monkeypatch.setattr(jobs.Progress, "write", record)
    monkeypatch.setattr(jobs, "WRITE_EVERY_SECONDS", 0)
    coordinator, group = _setup(job_app)
    client = logged_in(job_app, coordinator)
    assert _upload(client, group, roster(200)).status_code == 303
    done = [d for d, _, _ in written]
    assert done == sorted(done)
    assert {t for _, t, _ in written} == {400}
    assert any(0 < d < 200 for d in done), "progress is reported while rows are checked"
    assert _job(job_app, 1).done == 400
    stages = [s for _, _, s in written]
    assert csv_import.CHECKING in stages
    assert "Saving 200 rows" in stages


def test_services_report_progress_without_changing_results(app, coordinator, specialties):
    world = World(app, make_roster_group(app, coordinators=[coordinator]).id, coordinator)
    students = [world.student(f"S{k}", wanted=("faculty", "resident")) for k in range(6)]
    for k in range(4):
        world.mentor(f"F{k}", capacity=2)
        world.mentor(f"R{k}", kind="resident")
    round_id = world.round(slots=("faculty", "resident"))
    world.enrol(round_id, *students)
    first = world.solve(round_id)
    seen = []
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        actor = db.session.get(User, coordinator.id)
        second = drafts.solve_round(round_, actor, lambda *a: seen.append(a)).number
        db.session.commit()
    assert [d for d, _, _ in seen] == sorted(d for d, _, _ in seen)
    assert seen[-1][:2] == (3, 3)
    assert SOLVING in [s for _, _, s in seen]

    def pairs(number):
        return {k: (o.mentor_id, o.score) for k, o in world.outcomes(round_id, number).items()}

    assert pairs(first) == pairs(second)
    stats = [world.stats(round_id, n) for n in (first, second)]
    for s in stats:
        s.pop("pins")
    assert stats[0] == stats[1]


def test_solve_job_gives_the_synchronous_result(job_app, frozen_clock):
    with job_app.app_context():
        vocabulary.ensure_seeded()
        db.session.commit()
    coordinator = make_user(job_app, Role.COORDINATOR, "coord@example.edu", "Cora Coordinator")
    world = World(job_app, make_roster_group(job_app, coordinators=[coordinator]).id, coordinator)
    students = [world.student(f"S{k}", wanted=("faculty", "peer")) for k in range(8)]
    for k in range(3):
        world.mentor(f"F{k}", capacity=2)
        world.mentor(f"P{k}", kind="peer", peer_stage="ms4")
    round_id = world.round(slots=("faculty", "peer"))
    world.enrol(round_id, *students)
    sync = world.solve(round_id)

    client = logged_in(job_app, coordinator)
    response = post_form(client, f"/rounds/{round_id}/solve", page=f"/rounds/{round_id}")
    assert response.status_code == 303
    job_url = response.headers["Location"]
    done = client.get(job_url)
    assert done.status_code == 303
    assert done.headers["Location"] == f"/rounds/{round_id}/drafts/2"
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    stats = world.stats(round_id, 2)
    assert f"Draft 2: {stats['pairs']} of {stats['needs']} places filled" in page
    mine = {k: (o.mentor_id, o.score) for k, o in world.outcomes(round_id, 2).items()}
    theirs = {k: (o.mentor_id, o.score) for k, o in world.outcomes(round_id, sync).items()}
    assert mine == theirs
    job = _job(job_app, int(job_url.rsplit("/", 1)[1]))
    assert (job.kind, job.done, job.total) == ("round.solve", 3, 3)


def test_refused_rows_fail_the_job_with_a_422_page_and_save_nothing(job_app):
    coordinator, group = _setup(job_app)
    client = logged_in(job_app, coordinator)
    before = snapshot(job_app)
    wrong = b"nobody,Student 5,teacher"
    data = roster(30).replace(b"student5@example.edu,Student 5,student", wrong)
    response = _upload(client, group, data)
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "Nothing was imported" in html
    assert "Row 7 (nobody): &#39;nobody&#39; is not a valid email address" in html
    assert "role must be student or mentor" in html
    assert f'href="{group.url("import")}"' in html
    assert client.get(response.headers["Location"] + ".json").get_json()["status"] == "failed"
    assert snapshot(job_app) == before


def test_a_file_that_cannot_be_read_is_refused_at_once_without_a_job(job_app):
    coordinator, group = _setup(job_app)
    client = logged_in(job_app, coordinator)
    response = _upload(client, group, b"\xff\xfe" + roster(30))
    assert response.status_code == 400
    assert "not UTF-8" in response.get_data(as_text=True)
    with job_app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Job)) == 0


def test_a_crash_fails_the_job_cleanly(job_app, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(csv_import, "invite_users", broken)
    coordinator, group = _setup(job_app)
    client = logged_in(job_app, coordinator)
    before = snapshot(job_app)
    response = _upload(client, group, roster(20))
    page = client.get(response.headers["Location"])
    assert page.status_code == 409
    assert "Something went wrong on our side. Nothing was saved" in page.get_data(as_text=True)
    assert snapshot(job_app) == before


def test_a_job_works_with_the_collector_paused_and_leaves_it_on(job_app, monkeypatch):
    seen = []
    real = csv_import.invite_users

    def watched(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(csv_import, "invite_users", watched)
    coordinator, group = _setup(job_app)
    client = logged_in(job_app, coordinator)
    assert _upload(client, group, roster(20)).status_code == 303
    assert seen == [False]
    assert gc.isenabled()


def test_a_crashed_job_leaves_the_collector_on(job_app, monkeypatch):
    def broken(*args, **kwargs):
        assert not gc.isenabled()
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(csv_import, "invite_users", broken)
    coordinator, group = _setup(job_app)
    client = logged_in(job_app, coordinator)
    _upload(client, group, roster(20))
    assert _job(job_app, 1).status is JobStatus.FAILED
    assert gc.isenabled()


def _running_job(app, owner: User, minutes_ago: float = 0, attempts: int = 1) -> int:
    with app.app_context():
        job = Job(
            kind="roster.import",
            title="Importing 5,000 rows into Surgery",
            owner_id=owner.id,
            status=JobStatus.RUNNING,
            done=1200,
            total=10000,
            stage="Checking rows",
            retry_url="/groups/1/roster/import",
            attempts=attempts,
            runner="a" * 32,
            updated_at=clock.now() - timedelta(minutes=minutes_ago),
        )
        db.session.add(job)
        db.session.commit()
        return job.id


def test_running_page_works_without_script(job_app):
    coordinator, _ = _setup(job_app)
    job_id = _running_job(job_app, coordinator)
    page = logged_in(job_app, coordinator).get(f"/jobs/{job_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-job-status="running"' in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert '<progress id="job-progress" max="10000" value="1200"' in html
    assert 'id="job-stage" role="status" aria-live="polite">Checking rows<' in html
    assert "12%" in html
    assert "/static/js/progress.js" in html
    assert 'style="' not in html
    status = logged_in(job_app, coordinator).get(f"/jobs/{job_id}.json").get_json()
    assert status == {
        "id": job_id,
        "status": "running",
        "label": "Working",
        "done": 1200,
        "total": 10000,
        "percent": 12,
        "stage": "Checking rows",
        "error": "",
    }


def test_a_quiet_running_job_waits_to_start_again_then_stops_after_its_last_attempt(job_app):
    coordinator, _ = _setup(job_app)
    client = logged_in(job_app, coordinator)
    again = _running_job(job_app, coordinator, minutes_ago=10, attempts=1)
    page = client.get(f"/jobs/{again}")
    assert page.status_code == 200
    assert jobs.RESTARTING in page.get_data(as_text=True)
    assert client.get(f"/jobs/{again}.json").get_json()["status"] == "queued"

    last = _running_job(job_app, coordinator, minutes_ago=10, attempts=3)
    page = client.get(f"/jobs/{last}")
    assert page.status_code == 409
    html = page.get_data(as_text=True)
    assert jobs.STALE_MESSAGE in html
    assert 'href="/groups/1/roster/import"' in html
    assert "http-equiv" not in html
    assert client.get(f"/jobs/{last}.json").get_json()["status"] == "failed"
    fresh = _running_job(job_app, coordinator, minutes_ago=1)
    assert client.get(f"/jobs/{fresh}.json").get_json()["status"] == "running"


def test_only_the_owner_and_admins_see_a_job(job_app):
    coordinator, _ = _setup(job_app)
    other = make_user(job_app, Role.COORDINATOR, "other@example.edu", "Other Coordinator")
    admin = make_user(job_app, Role.ADMIN, "admin@example.org", "Ada Admin")
    job_id = _running_job(job_app, coordinator)
    for path in (f"/jobs/{job_id}", f"/jobs/{job_id}.json"):
        assert logged_in(job_app, coordinator).get(path).status_code == 200
        assert logged_in(job_app, admin).get(path).status_code == 200
        assert logged_in(job_app, other).get(path).status_code == 404
        assert job_app.test_client().get(path).status_code == 302
    assert logged_in(job_app, coordinator).get("/jobs/999").status_code == 404


@pytest.fixture
def queued_app(tmp_path):
    """Jobs go to the task queue (a SQLite file beside the test database, or the PostgreSQL
    tables), with no worker running."""
    app = make_app(tmp_path, JOBS_IMPORT_MIN_ROWS=10, JOBS_HEARTBEAT_SECONDS=0.05)
    tasks.huey(app).flush()
    yield app
    tasks.huey(app).flush()
    dispose(app)


def _take_next_task(app) -> None:
    """Do what a worker thread does with the next message of the queue."""
    huey = tasks.huey(app)
    task = huey.dequeue()
    assert task is not None, "the queue is empty"
    huey.execute(task)


def test_a_queued_job_waits_until_a_worker_takes_it(queued_app, monkeypatch):
    written = []
    real = jobs.Progress.write

    def record(self, *, wait, **values):
        ok = real(self, wait=wait, **values)
        if ok and "done" in values:
            written.append(values["done"])
        return ok

    monkeypatch.setattr(jobs.Progress, "write", record)
    monkeypatch.setattr(jobs, "WRITE_EVERY_SECONDS", 0)
    coordinator, group = _setup(queued_app)
    client = logged_in(queued_app, coordinator)
    response = _upload(client, group, roster(600))
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert jobs.WAITING in page.get_data(as_text=True)
    status_url = response.headers["Location"] + ".json"
    assert client.get(status_url).get_json()["status"] == "queued"
    assert tasks.huey(queued_app).pending_count() == 1
    with queued_app.app_context():
        assert db.session.get(Job, 1).payload["rows"][0][0] == 2

    _take_next_task(queued_app)
    status = client.get(status_url).get_json()
    assert status["status"] == "done", status
    assert status["done"] == status["total"] == 1200
    assert written == sorted(written)
    assert any(0 < d < 1200 for d in written)
    job = _job(queued_app, 1)
    assert (job.attempts, job.payload) == (1, {}), "the rows are not kept once imported"
    final = client.get(response.headers["Location"])
    assert final.status_code == 303
    page = client.get(final.headers["Location"]).get_data(as_text=True)
    assert "Imported 600 rows: 600 new people invited by email" in page


def _waiting_job(app, owner: User, kind: str = "test.groups") -> int:
    with app.app_context():
        job = jobs.create(
            kind=kind,
            title="Making groups",
            owner=db.session.get(User, owner.id),
            group_id=None,
            retry_url="/",
            total=2,
            payload={"names": ["Group A", "Group B"]},
        )
        db.session.commit()
        return job.id


def _make_groups(progress, payload, actor_id):
    for n, name in enumerate(payload["names"], 1):
        db.session.add(InterestGroup(name=name, kind=GroupKind.SCHOOL))
        db.session.flush()
        progress(n, len(payload["names"]), f"Made {name}")
    return jobs.Outcome(url="/groups", message=f"{len(payload['names'])} groups made.")


def _groups(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(InterestGroup.name)))


def test_a_job_is_run_once_however_often_its_message_arrives(job_app):
    coordinator, _ = _setup(job_app)
    before = _groups(job_app)
    job_id = _waiting_job(job_app, coordinator)
    with job_app.app_context():
        jobs.run(job_id, {"test.groups": _make_groups})
        jobs.run(job_id, {"test.groups": _make_groups})
    assert _groups(job_app) == sorted([*before, "Group A", "Group B"])
    job = _job(job_app, job_id)
    assert (job.status, job.attempts, job.message, job.payload) == (
        JobStatus.DONE,
        1,
        "2 groups made.",
        {},
    )


def test_a_run_that_lost_its_job_saves_nothing(job_app):
    """A run that went quiet was taken over (``recover`` queued the job again and another run
    claimed it); when the first comes back to finish, none of its writes are kept."""
    coordinator, _ = _setup(job_app)
    before = _groups(job_app)
    job_id = _waiting_job(job_app, coordinator)

    def taken_over(progress, payload, actor_id):
        with db.engine.connect() as other:
            other.execute(update(Job).where(Job.id == job_id).values(runner="b" * 32))
            other.commit()
        return _make_groups(progress, payload, actor_id)

    with job_app.app_context():
        jobs.run(job_id, {"test.groups": taken_over})
    assert _groups(job_app) == before
    job = _job(job_app, job_id)
    assert (job.status, job.runner) == (JobStatus.RUNNING, "b" * 32)


def test_recover_starts_quiet_jobs_again_stops_them_after_the_last_attempt_and_requeues(
    queued_app,
):
    coordinator, _ = _setup(queued_app)
    quiet = _running_job(queued_app, coordinator, minutes_ago=10, attempts=1)
    spent = _running_job(queued_app, coordinator, minutes_ago=10, attempts=3)
    alive = _running_job(queued_app, coordinator, minutes_ago=1)
    lost = _waiting_job(queued_app, coordinator)
    with queued_app.app_context():
        db.session.execute(
            update(Job).where(Job.id == lost).values(updated_at=clock.now() - timedelta(hours=1))
        )
        db.session.commit()
    fresh = _waiting_job(queued_app, coordinator)
    with queued_app.app_context():
        done = jobs.recover()
        again = jobs.recover()
    assert (done.restarted, done.stopped, done.requeued) == ([quiet], [spent], [lost])
    assert not again
    queued = sorted(task.args[0] for task in tasks.huey(queued_app).pending())
    assert queued == sorted([quiet, lost])
    states = {i: _job(queued_app, i) for i in (quiet, spent, alive, lost, fresh)}
    assert (states[quiet].status, states[quiet].stage, states[quiet].runner) == (
        JobStatus.QUEUED,
        jobs.RESTARTING,
        "",
    )
    assert (states[spent].status, states[spent].error) == (JobStatus.FAILED, jobs.STALE_MESSAGE)
    assert states[alive].status is JobStatus.RUNNING
    assert states[lost].status is states[fresh].status is JobStatus.QUEUED
