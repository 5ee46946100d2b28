"""Group fixtures: a dermatology group run by a coordinator, with the people builder of
``tests/helpers/rounds.py``, and a student leader among its members."""

import pytest

from matcher.models import User
from tests.helpers import make_group
from tests.helpers.rounds import World


@pytest.fixture
def world(app, coordinator, specialties) -> World:
    group_id = make_group(app, coordinators=(coordinator,), specialty_names=("Dermatology",))
    return World(app, group_id, coordinator)


@pytest.fixture
def leader(world) -> User:
    """A student member of the group (complete profile) who may come to help run it."""
    return world.student("Lee Leader")
