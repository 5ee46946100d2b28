"""Configuration: production needs a long secret key and reads its settings from the
environment, development runs with a generated key, and the README lists every setting."""

import re
from pathlib import Path

import pytest

import config
from matcher import create_app


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        create_app({"MATCHER_ENV": "production", "DATABASE_URL": "sqlite://"})


def test_production_refuses_a_short_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "too-short")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"MATCHER_ENV": "production", "DATABASE_URL": "sqlite://"})


def test_production_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal:5432/matcher")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.setenv("MATCHER_ENV", "production")
    monkeypatch.setenv("SITE_URL", "https://mentors.example.org")
    settings = config.load()
    assert settings["SECRET_KEY"] == "k" * 64
    assert settings["MAIL_PORT"] == 2525
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert settings["MAIL_CONSOLE"] is False
    from matcher import _database_url

    assert _database_url(settings["DATABASE_URL"]).startswith("postgresql+psycopg://u:p@db")


def test_development_serves_plain_http_with_a_generated_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    settings = config.load("development")
    assert len(settings["SECRET_KEY"]) == 64
    assert settings["SECRET_KEY"] == config.load("development")["SECRET_KEY"]
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'matcher.sqlite3'}"
    assert settings["MAIL_CONSOLE"] is True


def test_unknown_environment_is_named(monkeypatch):
    with pytest.raises(RuntimeError, match="MATCHER_ENV='staging'"):
        config.load("staging")


def test_boolean_and_integer_variables_are_converted(monkeypatch):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "false")
    monkeypatch.setenv("LOGIN_FAILURES_PER_MINUTE", "9")
    settings = config.load("testing")
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["LOGIN_FAILURES_PER_MINUTE"] == 9


def test_the_readme_lists_every_setting():
    """Every setting the environment can change has a row in the README's configuration table,
    and the table names no setting that does not exist."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    listed = {
        name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])
    }
    settings = {key for key in dir(config.Config) if key.isupper()}
    assert settings - listed == set()
    assert listed - settings == set()
