"""Round fixtures: a group run by a coordinator, with a builder for students and mentors with
complete profiles, rounds and drafts (the helpers are in ``tests/helpers/rounds.py``), on the
usual test app or on one where every round is solved and published as a job."""

from collections.abc import Iterator

import pytest

from matcher import vocabulary
from matcher.extensions import db, tasks
from matcher.models import Role
from tests.helpers import dispose, make_app, make_group, make_user
from tests.helpers.rounds import World


@pytest.fixture
def world(app, coordinator) -> World:
    with app.app_context():
        vocabulary.ensure_seeded()
        db.session.commit()
    group_id = make_group(app, coordinators=(coordinator,), specialty_names=("Dermatology",))
    return World(app, group_id, coordinator)


@pytest.fixture
def large_world(tmp_path) -> Iterator[World]:
    """A group on an app where every round is large enough to solve and publish as a job,
    and jobs wait in the task queue for a worker."""
    app = make_app(tmp_path, JOBS_SOLVE_MIN_PAIRS=1)
    tasks.huey(app).flush()
    with app.app_context():
        vocabulary.ensure_seeded()
        db.session.commit()
    coordinator = make_user(app, Role.COORDINATOR, "coord@example.edu", "Cora Coordinator")
    yield World(app, make_group(app, coordinators=(coordinator,)), coordinator)
    tasks.huey(app).flush()
    dispose(app)
