"""Profile fixtures: the list of institutions students and mentors pick from (the helpers are in
``tests/helpers/places.py``) and a group with the rounds builder."""

import pytest

from tests.helpers import make_group
from tests.helpers.places import make_places
from tests.helpers.rounds import World


@pytest.fixture
def places(app, specialties) -> dict[str, int]:
    """The institutions of ``tests.helpers.places.PLACES``: name → id."""
    return make_places(app)


@pytest.fixture
def world(app, coordinator) -> World:
    """A dermatology group run by ``coordinator``, with the rounds builder."""
    group_id = make_group(app, coordinators=(coordinator,), specialty_names=("Dermatology",))
    return World(app, group_id, coordinator)
