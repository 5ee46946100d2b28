"""Profile fixtures: the list of institutions students and mentors pick from (the helpers are in
``tests/helpers/places.py``)."""

import pytest

from tests.helpers.places import make_places


@pytest.fixture
def places(app, specialties) -> dict[str, int]:
    """The institutions of ``tests.helpers.places.PLACES``: name → id."""
    return make_places(app)
