"""Shared fixtures: an app on a fresh schema per test, clients, users of each role, a real SMTP
server on loopback, a real redis-server (tests marked ``redis``) and a controllable clock.

The fixtures are built from the helpers in ``tests/helpers`` (tests import those from there).
The database is a SQLite file per test, or the PostgreSQL database named by
``TEST_DATABASE_URL`` (emptied and re-created for every test).
"""

import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis

# The helpers assert (a log-in that must succeed, a form that must carry a CSRF token, ...):
# have pytest rewrite their asserts as it does a conftest's, before they are first imported.
pytest.register_assert_rewrite("tests.helpers")

from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

from matcher import clock  # noqa: E402
from matcher.extensions import db  # noqa: E402
from matcher.models import Role, User  # noqa: E402
from tests.helpers import (  # noqa: E402
    FrozenClock,
    SMTPServer,
    dispose,
    free_port,
    make_app,
    make_user,
    separate_database,
)
from tests.helpers.roles import add_mixed_people  # noqa: E402
from tests.helpers.security import Site, build  # noqa: E402
from tests.servers import wait_until  # noqa: E402


@pytest.fixture
def app(tmp_path) -> Iterator[Flask]:
    app = make_app(tmp_path)
    yield app
    dispose(app)


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def frozen_clock() -> Iterator["FrozenClock"]:
    frozen = FrozenClock(datetime(2026, 9, 1, 9, 0, tzinfo=UTC))
    yield frozen
    clock.set_now(None)


# --- users of each role ---------------------------------------------------------------------------


@pytest.fixture
def student(app) -> User:
    return make_user(app, Role.STUDENT, "student@example.edu", "Sam Student")


@pytest.fixture
def mentor(app) -> User:
    return make_user(app, Role.MENTOR, "mentor@example.org", "Dr. Mina Mentor")


@pytest.fixture
def coordinator(app) -> User:
    return make_user(app, Role.COORDINATOR, "coord@example.edu", "Cora Coordinator")


@pytest.fixture
def admin(app) -> User:
    return make_user(app, Role.ADMIN, "admin@example.org", "Ada Admin")


# --- people with several roles -----------------------------------------------------------------


@pytest.fixture(scope="module")
def mixed_site(tmp_path_factory) -> Iterator[Site]:
    """The route walk's site with two of everything (``tests/helpers/security.py``), plus a
    student who is also a peer mentor and a student who runs group A and is a member of group
    B (``tests/helpers/roles.py``); one per test module, for checks that change nothing."""
    with separate_database(tmp_path_factory.mktemp("mixed")) as url:
        app = make_app(tmp_path_factory.mktemp("mixed"), DATABASE_URL=url, RATELIMIT_ENABLED=False)
        site = build(app, log_in=False)
        add_mixed_people(site)
        for actor in ("peer", "leader"):
            site.token(actor)
        yield site
        dispose(app)


@pytest.fixture
def fresh_mixed_site(tmp_path) -> Iterator[Site]:
    """A mixed site of its own, for a check that changes it."""
    with separate_database(tmp_path) as url:
        app = make_app(tmp_path, DATABASE_URL=url, RATELIMIT_ENABLED=False)
        site = build(app, log_in=False)
        add_mixed_people(site)
        yield site
        dispose(app)


# --- a real SMTP server on loopback ---------------------------------------------------------------


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(tmp_path, smtp_server) -> Iterator[Flask]:
    """An app whose mail goes to the loopback SMTP server."""
    app = make_app(
        tmp_path,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_USE_TLS=False,
        MAIL_TIMEOUT=5,
    )
    yield app
    dispose(app)


# --- a real redis-server on loopback -------------------------------------------------------------


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    """A redis-server of the test's own on a free port, without persistence; its URL."""
    server = shutil.which("redis-server")
    assert server, "redis-server is not installed (apt-get install redis-server)"
    port = free_port()
    log = (tmp_path / "redis.log").open("w")
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    client = redis.Redis(host="127.0.0.1", port=port)

    def ping() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    try:
        wait_until(ping, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


# --- vocabulary -----------------------------------------------------------------------------------


@pytest.fixture
def specialties(app) -> dict[str, int]:
    """The seeded specialty vocabulary: name → id."""
    from matcher import vocabulary
    from matcher.models import Specialty

    with app.app_context():
        vocabulary.ensure_seeded()
        db.session.commit()
        return {s.name: s.id for s in db.session.scalars(db.select(Specialty))}
