"""Logging in: case-insensitive email, one answer for a wrong password or an unknown email, a
fresh session, local ``next`` only, and the limits on failed attempts."""

import pytest

from matcher.auth.routes import GENERIC_LOGIN_ERROR
from matcher.extensions import db
from matcher.models import Role, User
from tests.helpers import PASSWORD, csrf_token, login, make_user


def test_login_is_case_insensitive_and_starts_a_session(app, client, student):
    response = login(client, "  STUDENT@Example.EDU ")
    assert response.status_code == 302
    assert "Welcome, Sam Student" in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, student.id).last_login_at is not None


def test_wrong_password_and_unknown_email_get_the_same_answer(client, student):
    wrong = login(client, student.email, "not the password")
    unknown = login(client, "nobody@example.edu", PASSWORD)
    assert wrong.status_code == unknown.status_code == 200
    for response in (wrong, unknown):
        assert GENERIC_LOGIN_ERROR in response.get_data(as_text=True)
    assert wrong.get_data(as_text=True).count("alert error") == 1


def test_switched_off_account_cannot_log_in(app, client, student):
    with app.app_context():
        db.session.get(User, student.id).active = False
        db.session.commit()
    assert GENERIC_LOGIN_ERROR in login(client, student.email).get_data(as_text=True)


def test_login_is_a_fresh_session(app, student):
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, student.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{student.id}:")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/account/password", "/account/password"),
        ("https://evil.example.com/", "/"),
        ("//evil.example.com/", "/"),
        ("/\\evil.example.com", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_only_local_next_redirects(client, student, target, expected):
    token = csrf_token(client)
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"csrf_token": token, "email": student.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_protected_page_sends_anonymous_visitors_to_log_in(client):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_sixth_failed_attempt_for_an_account_is_refused(app, student):
    for attempt in range(5):
        client = app.test_client()
        address = {"REMOTE_ADDR": f"10.0.0.{attempt + 1}"}
        response = login(client, student.email, "wrong password", environ_base=address)
        assert response.status_code == 200
    client = app.test_client()
    blocked = login(client, student.email, PASSWORD, environ_base={"REMOTE_ADDR": "10.0.0.99"})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    other = make_user(app, Role.MENTOR, "other@example.org")
    allowed = login(client, other.email, environ_base={"REMOTE_ADDR": "10.0.0.99"})
    assert allowed.status_code == 302


def test_sixth_failed_attempt_from_an_address_is_refused(app, student):
    client = app.test_client()
    address = {"REMOTE_ADDR": "192.0.2.7"}
    for n in range(5):
        assert (
            login(client, f"guess{n}@example.edu", "x" * 8, environ_base=address).status_code == 200
        )
    assert login(client, student.email, environ_base=address).status_code == 429
    elsewhere = app.test_client()
    assert (
        login(elsewhere, student.email, environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code
        == 302
    )


def test_successful_logins_do_not_count_against_the_limit(app, student):
    for _ in range(7):
        client = app.test_client()
        assert login(client, student.email).status_code == 302
