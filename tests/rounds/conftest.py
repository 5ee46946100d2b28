"""Round fixtures: a group run by a coordinator, with a builder for students and mentors with
complete profiles, rounds and drafts (the helpers are in ``tests/helpers/rounds.py``)."""

import pytest

from matcher import vocabulary
from matcher.extensions import db
from tests.helpers import make_group
from tests.helpers.rounds import World


@pytest.fixture
def world(app, coordinator) -> World:
    with app.app_context():
        vocabulary.ensure_seeded()
        db.session.commit()
    group_id = make_group(app, coordinators=(coordinator,), specialty_names=("Dermatology",))
    return World(app, group_id, coordinator)
