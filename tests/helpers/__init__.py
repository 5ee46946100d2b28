"""Shared test helpers: apps on a fresh schema, factories, log-in and form helpers, the outbox,
a real SMTP server on loopback and a controllable clock.

The fixtures in ``tests/conftest.py`` are built from these; tests import them from here.
The database is a SQLite file per test, or the PostgreSQL database named by
``TEST_DATABASE_URL`` (emptied and re-created for every test).
"""

import os
import re
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text

from matcher import clock, create_app
from matcher.auth import services as accounts
from matcher.extensions import db, tasks
from matcher.models import OutboxMessage, Role, User

PASSWORD = "correct horse battery staple"


def database_url(tmp_path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite3'}"


@contextmanager
def separate_database(tmp_path) -> Iterator[str]:
    """A database URL no other test app touches: a SQLite file under ``tmp_path``, or, on
    PostgreSQL, a schema of its own (dropped afterwards), so a long-lived fixture survives the
    per-test apps that empty the shared database."""
    url = database_url(tmp_path)
    if not url.startswith("postgresql"):
        yield url
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(_psycopg(url))
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def _psycopg(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def make_app(tmp_path, **settings) -> Flask:
    app = create_app({"MATCHER_ENV": "testing", "DATABASE_URL": database_url(tmp_path), **settings})
    with app.app_context():
        db.drop_all()
        db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.create_all()
    return app


def dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    tasks.huey(app).storage.close()


class FrozenClock:
    def __init__(self, start: datetime) -> None:
        self.now = start
        clock.set_now(start)

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        clock.set_now(self.now)
        return self.now


# --- factories -------------------------------------------------------------------------------


def make_user(
    app: Flask,
    role: Role = Role.STUDENT,
    email: str | None = None,
    name: str = "Test Person",
    password: str = PASSWORD,
) -> User:
    """A committed user; the returned object is detached (read its plain attributes)."""
    with app.app_context():
        count = db.session.scalar(db.select(db.func.count()).select_from(User))
        user = accounts.create_user(
            email or f"{role.value}{count + 1}@example.edu", name, password, role
        )
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user


# --- requests --------------------------------------------------------------------------------

CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


ONCE_RE = re.compile(r'name="((?:[\w-]+-)?once_token)" type="hidden" value="([^"]+)"')


@contextmanager
def transactions_begun(app: Flask) -> Iterator[list[str]]:
    """The transactions begun on the app's engine inside the block, each by its first
    statement (on SQLite a POST's ``BEGIN IMMEDIATE`` waits for the write lock)."""
    begun: list[str] = []
    fresh = {"open": False}

    def on_begin(_connection) -> None:
        fresh["open"] = True

    def on_statement(_conn, _cursor, statement, *_args) -> None:
        if fresh["open"] and not statement.startswith("BEGIN"):
            begun.append(statement.split("\n")[0][:80])
            fresh["open"] = False

    with app.app_context():
        engine = db.engine
    event.listen(engine, "begin", on_begin)
    event.listen(engine, "before_cursor_execute", on_statement)
    try:
        yield begun
    finally:
        event.remove(engine, "begin", on_begin)
        event.remove(engine, "before_cursor_execute", on_statement)


def csrf_token(client: FlaskClient, page: str = "/login") -> str:
    return hidden_fields(client, page)["csrf_token"]


def hidden_fields(client: FlaskClient, page: str) -> dict[str, str]:
    """The page's CSRF token and the one-time tokens of its create-style forms."""
    html = client.get(page).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {page}"
    return {**dict(ONCE_RE.findall(html)), "csrf_token": match.group(1) or match.group(2)}


def post_form(
    client: FlaskClient, url: str, data: dict | None = None, page: str | None = None, **kwargs
):
    """POST like a browser: with the CSRF token (and one-time tokens) of the page the form is
    on."""
    return client.post(url, data={**hidden_fields(client, page or url), **(data or {})}, **kwargs)


def login(client: FlaskClient, email: str, password: str = PASSWORD, **kwargs):
    return post_form(client, "/login", {"email": email, "password": password}, **kwargs)


def post_at_once(app, links: list[str]) -> list[int]:
    """POST every link at the same moment, each from its own client (with the CSRF token of
    the link's page) and thread; the status codes, in no particular order."""
    clients = [app.test_client() for _ in links]
    tokens = [csrf_token(c, link) for c, link in zip(clients, links, strict=True)]
    start = threading.Barrier(len(links))
    codes: list[int] = []
    errors: list[BaseException] = []

    def post(client, link, token):
        start.wait()
        try:
            codes.append(client.post(link, data={"csrf_token": token}).status_code)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=post, args=args)
        for args in zip(clients, links, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return codes


def logged_in(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    response = login(client, user.email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def outbox(app: Flask, to_addr: str | None = None) -> list[OutboxMessage]:
    with app.app_context():
        query = db.select(OutboxMessage).order_by(OutboxMessage.id)
        if to_addr:
            query = query.where(OutboxMessage.to_addr == to_addr)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def deliver(app: Flask) -> None:
    """Run one pass of the outbox sender, as the worker does every few seconds."""
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output


def link_in(body: str, path_prefix: str) -> str:
    """The path of the first link in ``body`` that starts with ``path_prefix``."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"\S*)", body)
    assert match, f"no {path_prefix} link in:\n{body}"
    return match.group(1)


# --- a real SMTP server on loopback ----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook name)
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, addr: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == addr]


class SMTPServer:
    """aiosmtpd on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


# --- vocabulary, groups and profiles ---------------------------------------------------------


def make_group(
    app: Flask,
    name: str = "Derm Interest Group",
    *,
    coordinators: tuple[User, ...] = (),
    members: tuple[User, ...] = (),
    specialty_names: tuple[str, ...] = ("Dermatology",),
    policy: str = "open",
) -> int:
    """A committed interest group; returns its id."""
    from matcher import vocabulary
    from matcher.models import GroupKind, InterestGroup, JoinPolicy, Membership, Specialty

    with app.app_context():
        vocabulary.ensure_seeded()
        group = InterestGroup(
            name=name,
            kind=GroupKind.SCHOOL,
            join_policy=JoinPolicy(policy),
            specialties=list(
                db.session.scalars(db.select(Specialty).where(Specialty.name.in_(specialty_names)))
            ),
        )
        group.coordinators = [db.session.get(User, c.id) for c in coordinators]
        db.session.add(group)
        db.session.flush()
        for member in members:
            db.session.add(Membership(group_id=group.id, user_id=member.id))
        db.session.commit()
        return group.id


def give_mentor_profile(app: Flask, user: User, specialty: str = "Dermatology", **fields) -> None:
    from matcher import vocabulary
    from matcher.models import MentorProfile, MentorType, Specialty

    with app.app_context():
        vocabulary.ensure_seeded()
        spec = db.session.scalar(db.select(Specialty).where(Specialty.name == specialty))
        values = {
            "mentor_type": MentorType.FACULTY,
            "institution": "Westbrook University Hospital",
            "offers": ["research", "letters"],
            "capacity": 2,
            "accepting": True,
            **fields,
        }
        db.session.get(User, user.id).mentor_profile = MentorProfile(specialty=spec, **values)
        db.session.commit()
