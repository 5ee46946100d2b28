"""Roster fixtures: a seeded vocabulary and list of institutions, a group run by
``coordinator`` and that coordinator's logged-in client (the helpers are in
``tests/helpers/rosters.py`` and ``tests/helpers/places.py``)."""

import pytest
from flask.testing import FlaskClient

from matcher import vocabulary
from matcher.extensions import db
from tests.helpers import logged_in
from tests.helpers.places import make_places
from tests.helpers.rosters import Group, make_group


@pytest.fixture
def seeded(app) -> None:
    with app.app_context():
        vocabulary.ensure_seeded()
        db.session.commit()


@pytest.fixture
def places(app, seeded) -> dict[str, int]:
    """The institutions of ``tests.helpers.places.PLACES``: name → id."""
    return make_places(app)


@pytest.fixture
def group(app, places, coordinator) -> Group:
    return make_group(app, coordinators=[coordinator])


@pytest.fixture
def coord_client(app, coordinator) -> FlaskClient:
    return logged_in(app, coordinator)
