"""Passwords: the common-password list and policy, argon2id hashes at the OWASP minimum, and
weaker hashes upgraded at log-in."""

import pytest
from argon2 import PasswordHasher

from matcher import create_app
from matcher.auth import passwords
from tests.helpers import login


def test_common_password_list_is_shipped_and_large():
    common = passwords.common_passwords()
    assert len(common) > 10_000
    assert {"password", "123456", "qwerty"} <= common


@pytest.mark.parametrize(
    ("candidate", "ok"),
    [
        ("short", False),
        ("1234567", False),
        ("password", False),
        ("Password", False),
        ("iloveyou", False),
        ("eight ch", True),
        ("x" * 64, True),
        ("correct horse battery staple", True),
        ("x" * 129, False),
    ],
)
def test_password_policy(candidate, ok):
    assert (passwords.password_problem(candidate) is None) is ok


def test_hashes_are_argon2id_and_verify(app):
    with app.app_context():
        hashed = passwords.hash_password("a good passphrase")
        assert hashed.startswith("$argon2id$")
        assert passwords.verify_password(hashed, "a good passphrase")
        assert not passwords.verify_password(hashed, "a good passphrase!")
        assert not passwords.verify_password("not a hash", "a good passphrase")


def test_production_parameters_meet_the_owasp_minimum(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.setenv("SITE_URL", "https://mentors.example.org")
    app = create_app({"MATCHER_ENV": "production", "DATABASE_URL": "sqlite://"})
    with app.app_context():
        hashed = passwords.hash_password("a good passphrase")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_weaker_hash_is_upgraded_at_login(app, client):
    from matcher.extensions import db
    from matcher.models import Role, User

    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("a good passphrase")
    with app.app_context():
        db.session.add(
            User(email="old@example.edu", name="Old", roles={Role.STUDENT}, password_hash=weak)
        )
        db.session.commit()
    assert login(client, "old@example.edu", "a good passphrase").status_code == 302
    with app.app_context():
        upgraded = db.session.scalar(db.select(User.password_hash))
    assert upgraded != weak
    assert "m=1024,t=1,p=1" in upgraded
