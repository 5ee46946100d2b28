"""A busy database answers 503 with ``Retry-After`` and changes nothing, never a 500.

``tests/test_errors.py`` covers a page read with the connection pool exhausted; these add a
form post (a write) with the pool exhausted, and on SQLite a writer that waits past the busy
timeout for the write lock.
"""

import sqlite3

from matcher.extensions import db
from matcher.models import Role, StudentProfile
from tests.helpers import dispose, hidden_fields, logged_in, make_app, make_user


def statement_of(app, user) -> str | None:
    with app.app_context():
        profile = db.session.get(StudentProfile, user.id)
        return profile.statement if profile else None


def test_a_post_with_the_pool_exhausted_answers_503_and_saves_nothing(tmp_path):
    app = make_app(
        tmp_path,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.3},
        DATABASE_BUSY_RETRY_AFTER=4,
    )
    try:
        user = make_user(app, Role.STUDENT, "busy@example.edu")
        client = logged_in(app, user)
        fields = hidden_fields(client, "/profile/edit")
        with app.app_context():
            held = db.engine.connect()
            try:
                reply = client.post("/profile/edit", data={**fields, "statement": "lost?"})
            finally:
                held.close()
        assert reply.status_code == 503
        assert reply.headers["Retry-After"] == "4"
        assert statement_of(app, user) is None
        reply = client.post("/profile/edit", data={**fields, "statement": "kept"})
        assert reply.status_code == 302
        assert statement_of(app, user) == "kept"
    finally:
        dispose(app)


def test_sqlite_write_lock_past_the_busy_timeout_answers_503(tmp_path):
    """SQLite's single write lock, on a SQLite database of its own in both passes."""
    url = f"sqlite:///{tmp_path / 'locked.sqlite3'}"
    app = make_app(
        tmp_path, DATABASE_URL=url, SQLITE_BUSY_TIMEOUT_MS=200, DATABASE_BUSY_RETRY_AFTER=3
    )
    try:
        user = make_user(app, Role.STUDENT, "locked@example.edu")
        client = logged_in(app, user)
        fields = hidden_fields(client, "/profile/edit")
        other = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            reply = client.post("/profile/edit", data={**fields, "statement": "lost?"})
            other.execute("ROLLBACK")
        finally:
            other.close()
        assert reply.status_code == 503
        assert reply.headers["Retry-After"] == "3"
        assert "try again in a few seconds" in reply.get_data(as_text=True)
        assert statement_of(app, user) is None
        assert client.post("/profile/edit", data=fields).status_code == 302
    finally:
        dispose(app)
