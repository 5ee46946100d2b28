"""Log-in limits hold across processes when they share Redis.

A real ``redis-server`` and two gunicorn servers (one worker process each, so which process
answers is known) on loopback. Failed log-ins alternate between the two; the sixth is refused
with 429 although neither process has seen more than three.

Marked ``redis`` and left out of the default run; ``make test`` runs it when ``redis-server``
is installed (``.ci/run`` installs it) and says so when it is not.
"""

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from matcher import ROOT as ROOT_DIR
from matcher.models import Role
from tests.helpers import database_url, dispose, free_port, make_app, make_user

pytestmark = pytest.mark.redis

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def wait_until(ready, what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not start within {seconds} s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def gunicorn(tmp_path: Path, name: str, settings: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, **settings}
    log = tmp_path / f"{name}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "wsgi:app",
            ],
            cwd=ROOT_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                return response.status == 200
        except OSError:
            return False

    try:
        wait_until(healthy, f"gunicorn {name}")
    except BaseException:
        stop(process)
        raise
    return process, base


def failed_login(base: str, email: str) -> int:
    """One browser's log-in with a wrong password: fetch the form, post it, return the status."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with opener.open(f"{base}/login", timeout=10) as page:
        token = CSRF_RE.search(page.read().decode()).group(1)
    data = urllib.parse.urlencode(
        {"csrf_token": token, "email": email, "password": "not the password"}
    ).encode()
    try:
        with opener.open(f"{base}/login", data=data, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def test_login_limit_holds_across_two_processes_sharing_redis(tmp_path, redis_url):
    app = make_app(tmp_path)
    try:
        user = make_user(app, Role.STUDENT, "limited@example.edu")
    finally:
        dispose_engine_only(app)
    settings = {
        "MATCHER_ENV": "testing",
        "DATABASE_URL": database_url(tmp_path),
        "RATELIMIT_STORAGE_URI": redis_url,
        "LOGIN_FAILURES_PER_MINUTE": "5",
    }
    servers = [gunicorn(tmp_path, name, settings) for name in ("first", "second")]
    try:
        (_, first), (_, second) = servers
        statuses = [failed_login(base, user.email) for base in [first, second] * 3]
        assert statuses == [200] * 5 + [429]
        assert failed_login(first, user.email) == 429
    finally:
        for process, _ in servers:
            stop(process)
        dispose(app)


def dispose_engine_only(app) -> None:
    """Close the test's pooled connections but keep the schema for the servers."""
    from matcher.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
