"""Security fixtures: the site with two of everything (see ``tests/helpers/security.py``),
shared by a test module or built fresh for a test that changes it."""

from collections.abc import Iterator

import pytest

from tests.helpers import dispose, make_app, separate_database
from tests.helpers.security import Site, build


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """One site per test module, for checks that change nothing."""
    with separate_database(tmp_path_factory.mktemp("site")) as url:
        app = make_app(tmp_path_factory.mktemp("site"), DATABASE_URL=url, RATELIMIT_ENABLED=False)
        yield build(app)
        dispose(app)


@pytest.fixture
def fresh_site(tmp_path) -> Iterator[Site]:
    """A site of its own, for a check that changes it."""
    with separate_database(tmp_path) as url:
        app = make_app(tmp_path, DATABASE_URL=url, RATELIMIT_ENABLED=False)
        yield build(app, log_in=False)
        dispose(app)
