"""Solve-layer fixtures: a group run by a coordinator with the people builder of
``tests/helpers/rounds.py``, and the specialty list."""

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
