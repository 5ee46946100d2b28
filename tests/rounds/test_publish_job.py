"""Publishing a large round as a background job: the introductions and emails of the request's
path, a progress page that forwards to the round, a stale draft refused with each conflict and
nothing published, one job for a round however often it is sent, and a missing draft refused
without a job. (A worker killed mid-publish: tests/faults/test_worker_process_killed.py.)"""

import pytest
from sqlalchemy import func, select

from matcher import vocabulary
from matcher.extensions import db, tasks
from matcher.models import (
    Introduction,
    IntroStatus,
    Job,
    JobStatus,
    OutboxMessage,
    Role,
    Round,
    RoundStatus,
)
from matcher.rounds import publish_job
from tests.helpers import dispose, logged_in, make_app, make_group, make_user, post_form
from tests.helpers.rounds import World


def publish(client, round_id: int, number: int = 1):
    return post_form(
        client, f"/rounds/{round_id}/publish", {"draft": str(number)}, page=f"/rounds/{round_id}"
    )


def _world(app) -> World:
    with app.app_context():
        vocabulary.ensure_seeded()
        db.session.commit()
    coordinator = make_user(app, Role.COORDINATOR, "coord@example.edu", "Cora Coordinator")
    return World(app, make_group(app, coordinators=(coordinator,)), coordinator)


@pytest.fixture
def inline_world(tmp_path):
    """Every round is large enough to publish as a job; jobs run at once (``JOBS_INLINE``)."""
    app = make_app(tmp_path, JOBS_INLINE=True, JOBS_SOLVE_MIN_PAIRS=1)
    yield _world(app)
    dispose(app)


@pytest.fixture
def queued_world(tmp_path):
    """As ``inline_world``, but jobs wait in the task queue for a worker."""
    app = make_app(tmp_path, JOBS_SOLVE_MIN_PAIRS=1)
    tasks.huey(app).flush()
    yield _world(app)
    tasks.huey(app).flush()
    dispose(app)


def _solved_round(world: World, students: int = 3, mentors: int = 3) -> int:
    people = [world.student(f"Student {k}") for k in range(students)]
    for k in range(mentors):
        world.mentor(f"Dr Mentor {k}", capacity=1)
    round_id = world.round()
    world.enrol(round_id, *people)
    world.solve(round_id)
    return round_id


def _introductions(world: World) -> set[tuple[int, int]]:
    with world.app.app_context():
        return {
            (i.student_id, i.mentor_id)
            for i in db.session.scalars(select(Introduction))
            if i.status is IntroStatus.PROPOSED
        }


def _mails(world: World) -> int:
    with world.app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def _jobs(world: World) -> list[Job]:
    with world.app.app_context():
        rows = list(db.session.scalars(select(Job).order_by(Job.id)))
        db.session.expunge_all()
        return rows


def test_a_large_round_is_published_by_a_job_with_the_requests_result(inline_world):
    world = inline_world
    round_id = _solved_round(world)
    drafted = {(s, m) for (s, _), m in world.pairs(round_id, 1).items() if m is not None}
    client = logged_in(world.app, world.coordinator)
    mails_before = _mails(world)

    response = publish(client, round_id)
    assert response.status_code == 303
    job_url = response.headers["Location"]
    assert job_url.startswith("/jobs/")
    done = client.get(job_url)
    assert done.status_code == 303
    assert done.headers["Location"] == f"/rounds/{round_id}"
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert publish_job.message(len(drafted)) in page

    assert _introductions(world) == drafted
    with world.app.app_context():
        assert db.session.get(Round, round_id).status is RoundStatus.PUBLISHED
    assert _mails(world) - mails_before == 2 * len(drafted), "one email per mentor and student"
    [job] = _jobs(world)
    assert (job.kind, job.status, job.done, job.total) == (
        publish_job.KIND,
        JobStatus.DONE,
        publish_job.STEPS,
        publish_job.STEPS,
    )
    again = publish(client, round_id)
    assert again.status_code == 409
    assert "already been published" in again.get_data(as_text=True)
    assert _introductions(world) == drafted


def test_a_stale_draft_fails_the_job_with_each_conflict_and_publishes_nothing(inline_world):
    world = inline_world
    ada = world.student("Ada Student")
    ben = world.student("Ben Student")
    mentors = [world.mentor(f"Dr Cap {k}", capacity=1) for k in range(2)]
    first = world.round(name="Autumn round")
    second = world.round(name="Winter round")
    world.enrol(first, ada)
    world.enrol(second, ada, ben)
    world.solve(first)
    world.solve(second)
    client = logged_in(world.app, world.coordinator)
    assert client.get(publish(client, first).headers["Location"]).status_code == 303
    held = _introductions(world)
    mails = _mails(world)

    response = publish(client, second)
    page = client.get(response.headers["Location"])
    assert page.status_code == 409
    html = page.get_data(as_text=True)
    assert "Draft 1 can no longer be published" in html
    [(_, taken)] = held
    assert set(world.pairs(second, 1).values()) == {m.id for m in mentors}
    taken_name = next(m.name for m in mentors if m.id == taken)
    assert f"{taken_name}: capacity 1, already holds 1; this draft gives them 1 more" in html
    assert "Ada Student already holds the Faculty mentor seat" in html
    assert f'href="/rounds/{second}"' in html
    assert _introductions(world) == held
    assert _mails(world) == mails
    with world.app.app_context():
        assert db.session.get(Round, second).status is RoundStatus.OPEN


def test_a_round_sent_twice_has_one_publishing_job(queued_world):
    world = queued_world
    round_id = _solved_round(world, students=2, mentors=2)
    client = logged_in(world.app, world.coordinator)
    first = publish(client, round_id)
    assert first.status_code == 303
    waiting = client.get(first.headers["Location"])
    assert waiting.status_code == 200
    assert "Waiting for the background worker" in waiting.get_data(as_text=True)

    second = publish(client, round_id)
    assert second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert "already being published" in client.get(second.headers["Location"]).get_data(
        as_text=True
    )
    assert len(_jobs(world)) == 1
    assert _introductions(world) == set()

    huey = tasks.huey(world.app)
    huey.execute(huey.dequeue())
    assert huey.dequeue() is None
    assert client.get(first.headers["Location"]).status_code == 303
    assert len(_introductions(world)) == 2


def test_a_draft_that_does_not_exist_is_refused_without_a_job(inline_world):
    world = inline_world
    round_id = _solved_round(world, students=1, mentors=1)
    client = logged_in(world.app, world.coordinator)
    response = publish(client, round_id, number=7)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/rounds/{round_id}"
    assert "That draft does not exist." in client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert _jobs(world) == []
    assert _introductions(world) == set()
