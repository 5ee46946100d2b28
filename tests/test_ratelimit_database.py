"""Rate-limit counts in the site's own database (``database://``, the default outside tests).

The storage on its own (atomic increments from many threads, windows that end, clearing), and
the default setup end to end: two gunicorn processes (one worker each, so which process answers
is known) over one database share the log-in allowance and the per-address mail budget,
without Redis. Runs on SQLite, and on PostgreSQL when ``TEST_DATABASE_URL`` names one.
"""

import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from matcher.extensions import db, limiter
from matcher.models import RateLimitCount, Role
from matcher.ratelimit import DatabaseStorage, sqlite_limits_url
from tests.helpers import PASSWORD, database_url, dispose, login, make_app, make_user, outbox
from tests.servers import Browser, gunicorn

WRONG = "not the password at all"


@pytest.fixture
def db_app(tmp_path):
    app = make_app(
        tmp_path,
        RATELIMIT_STORAGE_URI="database://",
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=False,
        SQLITE_BUSY_TIMEOUT_MS=2000,
    )
    yield app
    limiter.storage.dispose()
    dispose(app)


def test_the_default_outside_tests_is_the_database(monkeypatch):
    import config

    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    assert config.load("development")["RATELIMIT_STORAGE_URI"] == "database://"
    assert config.Config.RATELIMIT_STORAGE_URI == "database://"


def test_increments_from_many_threads_are_all_counted(db_app):
    seen: list[int] = []
    lock = threading.Lock()

    def add() -> None:
        with db_app.app_context():
            for _ in range(25):
                value = limiter.storage.incr("threads", 60)
                with lock:
                    seen.append(value)

    threads = [threading.Thread(target=add) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen) == list(range(1, 201))
    with db_app.app_context():
        assert isinstance(limiter.storage, DatabaseStorage)
        assert limiter.storage.get("threads") == 200


def test_a_window_ends_and_the_next_starts_from_one(db_app):
    with db_app.app_context():
        storage = limiter.storage
        assert [storage.incr("window", 1) for _ in range(3)] == [1, 2, 3]
        assert time.time() < storage.get_expiry("window") <= time.time() + 1
        time.sleep(1.1)
        assert storage.get("window") == 0
        assert storage.incr("window", 1) == 1


def test_clear_reset_check_and_long_keys(db_app):
    with db_app.app_context():
        storage = limiter.storage
        long_key = "k" * 1000
        storage.incr(long_key, 60, amount=4)
        storage.incr("other", 60)
        assert storage.get(long_key) == 4
        storage.clear(long_key)
        assert storage.get(long_key) == 0
        assert storage.check() is True
        assert storage.reset() == 1
        assert storage.get("other") == 0


def test_sqlite_counts_live_in_a_file_of_their_own(tmp_path):
    """On SQLite (whatever database the rest of the suite runs on) the counts go to a file
    beside the site's, so a request holding the write lock can still count."""
    app = make_app(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
        RATELIMIT_STORAGE_URI="database://",
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=False,
    )
    storage = limiter.storage
    try:
        with app.app_context():
            storage.incr("beside", 60)
            assert db.session.scalar(select(func.count()).select_from(RateLimitCount)) == 0
        url = sqlite_limits_url(app.config["SQLALCHEMY_DATABASE_URI"])
        assert Path(url.removeprefix("sqlite:///")) == tmp_path / "site-limits.sqlite3"
        engine = create_engine(url)
        with engine.connect() as connection:
            assert connection.scalar(select(RateLimitCount.hits)) == 1
        engine.dispose()
    finally:
        storage.dispose()
        dispose(app)


def test_log_in_limits_count_in_the_database_while_the_request_holds_its_transaction(db_app):
    """The request's own transaction (on SQLite it holds the write lock from its first query)
    never waits for the count: five failures, then 429, with no fallback to memory."""
    user = make_user(db_app, Role.STUDENT, "counted@example.edu")
    for n in range(5):
        client = db_app.test_client()
        environ = {"REMOTE_ADDR": f"192.0.2.{n + 1}"}
        assert login(client, user.email, WRONG, environ_base=environ).status_code == 200
    refused = login(db_app.test_client(), user.email, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert refused.status_code == 429
    with db_app.app_context(), limiter.storage._engine().connect() as connection:
        keys = list(connection.scalars(select(RateLimitCount.key)))
    assert any("login-account" in key for key in keys)


def post_from(browser: Browser, page: str, address: str, **fields: str) -> int:
    """Fill the form on ``page`` and send it as a visitor at ``address`` (behind one proxy)."""
    form = browser.form(page)
    body = urllib.parse.urlencode(form.values(**fields)).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": address}
    return browser.request("POST", form.action, body, headers).status


def test_two_gunicorn_processes_share_the_counts_of_the_default_setup(tmp_path, monkeypatch):
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    app = make_app(tmp_path)
    user = make_user(app, Role.STUDENT, "limited@example.edu")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    settings = {
        "MATCHER_ENV": "development",
        "SECRET_KEY": "cross-process-secret-" + "x" * 32,
        "DATABASE_URL": database_url(tmp_path),
        "PROXY_FIX_X_FOR": "1",
        "LOGIN_FAILURES_PER_MINUTE": "5",
        "ACCOUNT_MAILS_PER_HOUR": "3",
    }
    browsers: list[Browser] = []
    try:
        with (
            gunicorn(settings, tmp_path / "first.log", workers=1, threads=2) as first,
            gunicorn(settings, tmp_path / "second.log", workers=1, threads=2) as second,
        ):
            browsers += [Browser(first.base), Browser(second.base)]
            statuses = [
                post_from(
                    browsers[n % 2], "/login", f"198.51.100.{n}", email=user.email, password=WRONG
                )
                for n in range(6)
            ]
            assert statuses == [200] * 5 + [429]
            browsers.append(Browser(second.base))
            right = {"email": user.email, "password": PASSWORD}
            assert post_from(browsers[2], "/login", "203.0.113.1", **right) == 429
            resets = [
                post_from(browsers[n % 2], "/reset", f"198.51.100.{20 + n}", email=user.email)
                for n in range(6)
            ]
            assert resets == [302] * 6
        assert len(outbox(app, user.email)) == 3
    finally:
        for browser in browsers:
            browser.close()
        dispose(app)
