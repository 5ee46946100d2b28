"""Configuration: defaults per environment, overridden by environment variables.

``MATCHER_ENV`` picks the defaults (``production`` unless told otherwise). Every key of
``Config`` that is upper case can be set by the environment variable of the same name; the
value is converted to the type of the default. The README lists them.
"""

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

INSTANCE_DIR = Path(__file__).resolve().parent / "instance"


class Config:
    """Production defaults; the other environments relax only what they must."""

    MATCHER_ENV = "production"
    SECRET_KEY = ""
    DATABASE_URL = ""
    SQLITE_BUSY_TIMEOUT_MS = 15000

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = 14 * 24 * 3600
    PREFERRED_URL_SCHEME = "https"
    SITE_URL = ""
    PROXY_FIX_X_FOR = 0
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"
    DATABASE_BUSY_RETRY_AFTER = 5

    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = True

    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "database://"
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_FAILURES_PER_MINUTE = 5
    DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600
    ACCOUNT_MAILS_PER_HOUR = 3

    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST_KIB = 64 * 1024
    ARGON2_PARALLELISM = 4
    PASSWORD_RESET_MAX_AGE = 3600
    INVITATION_MAX_AGE = 30 * 24 * 3600
    SIGNUP_CONFIRM_MAX_AGE = 48 * 3600

    MAIL_SERVER = ""
    MAIL_PORT = 587
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_USE_TLS = True
    MAIL_USE_SSL = False
    MAIL_TIMEOUT = 30
    MAIL_DEFAULT_SENDER = "matcher <no-reply@localhost>"
    MAIL_MAX_ATTEMPTS = 8
    MAIL_CONSOLE = False
    MAIL_SEND_INTERVAL = 10
    MAIL_STALE_CLAIM_SECONDS = 600
    MAIL_DIGEST_HOUR = 7
    MAIL_DIGEST_INTERVAL = 900

    TASK_QUEUE_URL = "database://"
    INTRODUCTIONS_TICK_SECONDS = 300

    JOBS_IMPORT_MIN_ROWS = 500
    JOBS_SOLVE_MIN_PAIRS = 250_000
    JOBS_STALE_SECONDS = 180
    JOBS_HEARTBEAT_SECONDS = 20
    JOBS_MAX_ATTEMPTS = 3
    JOBS_INLINE = False


class DevelopmentConfig(Config):
    """``make run``: plain http on loopback, mail printed to the console when no SMTP is set."""

    MATCHER_ENV = "development"
    SESSION_COOKIE_SECURE = False
    STRICT_TRANSPORT_SECURITY = ""
    PREFERRED_URL_SCHEME = "http"
    WTF_CSRF_SSL_STRICT = False
    MAIL_CONSOLE = True
    MAIL_SEND_INTERVAL = 5


class TestingConfig(DevelopmentConfig):
    """The test suite: cheap password hashing (still argon2id), mail only when a test sends it."""

    MATCHER_ENV = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-" + "x" * 32
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST_KIB = 1024
    ARGON2_PARALLELISM = 1
    MAIL_CONSOLE = False
    RATELIMIT_STORAGE_URI = "memory://"


ENVIRONMENTS: dict[str, type[Config]] = {
    "production": Config,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def _convert(default: Any, raw: str) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if default is None and raw.strip().isdigit():
        return int(raw)
    return raw


def load(overrides: Mapping[str, Any] | str | None = None) -> dict[str, Any]:
    """The settings for one app: the environment's defaults, then env variables, then overrides.

    ``overrides`` may be an environment name (``"testing"``) or a mapping of settings, which may
    itself name ``MATCHER_ENV``.
    """
    if isinstance(overrides, str):
        overrides = {"MATCHER_ENV": overrides}
    overrides = dict(overrides or {})
    name = str(overrides.get("MATCHER_ENV") or os.environ.get("MATCHER_ENV") or "production")
    try:
        defaults = ENVIRONMENTS[name.lower()]
    except KeyError:
        raise RuntimeError(
            f"MATCHER_ENV={name!r} is not one of: {', '.join(ENVIRONMENTS)}"
        ) from None
    settings = {key: getattr(defaults, key) for key in dir(defaults) if key.isupper()}
    for key, default in list(settings.items()):
        raw = os.environ.get(key)
        if raw is not None and key != "MATCHER_ENV":
            settings[key] = _convert(default, raw)
    settings.update(overrides)
    settings["MATCHER_ENV"] = name.lower()
    _check(settings)
    return settings


def _check(settings: dict[str, Any]) -> None:
    """Refuse settings that are unsafe for the environment, and fill the dev-only gaps."""
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{INSTANCE_DIR / 'matcher.sqlite3'}"
    if settings["MATCHER_ENV"] == "production":
        if len(settings["SECRET_KEY"] or "") < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to 32 or more random characters in production; "
                'make one with: python -c "import secrets; print(secrets.token_hex(32))"'
            )
        if not settings["SITE_URL"].startswith(("https://", "http://")):
            raise RuntimeError(
                "SITE_URL must be set in production: the address people open the site at "
                "(e.g. https://mentors.example.org); links in emails use it"
            )
    else:
        settings["SECRET_KEY"] = settings["SECRET_KEY"] or _instance_secret()
        settings["SITE_URL"] = settings["SITE_URL"] or "http://127.0.0.1:8000"
    if settings["MAIL_SERVER"]:
        settings["MAIL_CONSOLE"] = False


def _instance_secret() -> str:
    """A random development key kept in the instance folder, so sessions survive restarts."""
    path = INSTANCE_DIR / "dev-secret-key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
