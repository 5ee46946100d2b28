"""The database: migrations build exactly the models' schema and downgrade to nothing, SQLite
runs with WAL, a busy timeout and foreign keys, without losing concurrent writes, and a bulk
insert leaves PostgreSQL's planner knowing the rows are there, and a bulk insert by COPY stores
what an INSERT would."""

import threading
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import event, func, insert, inspect, select, text
from sqlalchemy.exc import StatementError

from matcher.database import bulk_insert
from matcher.extensions import db
from matcher.mail import queue_mails, render_mail
from matcher.models import AuditEvent, OutboxMessage, OutboxStatus, Role, User
from tests.helpers import dispose, make_app


def test_migrations_build_exactly_the_models_schema(app):
    with app.app_context():
        db.drop_all()
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) | {"alembic_version"} == tables


def test_downgrade_to_base_removes_every_table(app):
    with app.app_context():
        db.drop_all()
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())


def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(tmp_path):
    app = make_app(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    try:
        with app.app_context():
            pragma = lambda name: db.session.execute(text(f"PRAGMA {name}")).scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("busy_timeout") == app.config["SQLITE_BUSY_TIMEOUT_MS"]
            assert pragma("foreign_keys") == 1
    finally:
        dispose(app)


def test_concurrent_sqlite_writers_neither_fail_nor_lose_updates(tmp_path):
    """Read-modify-write from many threads: every increment lands, none fails as "locked"."""
    app = make_app(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'race.sqlite3'}")
    with app.app_context():
        db.session.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)"))
        db.session.execute(text("INSERT INTO counter VALUES (1, 0)"))
        db.session.commit()
    threads_count, increments = 8, 25
    errors: list[BaseException] = []
    start = threading.Barrier(threads_count)

    def work() -> None:
        start.wait()
        for _ in range(increments):
            try:
                with app.app_context():
                    n = db.session.execute(text("SELECT n FROM counter WHERE id = 1")).scalar()
                    db.session.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 1})
                    db.session.commit()
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        with app.app_context():
            total = db.session.execute(text("SELECT n FROM counter")).scalar()
        assert total == threads_count * increments
    finally:
        dispose(app)


def test_a_bulk_insert_refreshes_the_planners_statistics(app):
    """After 1,500 messages queued at once, PostgreSQL's planner knows the outbox holds about
    1,500 rows within the same transaction (a plan made for an empty table joins thousands of
    rows in minutes); SQLite is sent nothing more."""
    with app.app_context():
        user = User(
            email="x@example.edu", name="Pat Example", roles={Role.STUDENT}, password_hash="x"
        )
        messages = [
            render_mail(f"reader{n}@example.edu", "auth/welcome", user=user) for n in range(1500)
        ]
        queued: list[int] = []
        analyses = analyses_during(lambda: queued.append(queue_mails(messages)))
        assert queued == [1500]
        if db.engine.dialect.name == "postgresql":
            assert analyses == ["ANALYZE outbox"]
            assert 1400 <= planned_rows("outbox") <= 1600
        else:
            assert analyses == []
        db.session.rollback()


def analyses_during(action) -> list[str]:
    """The ``ANALYZE`` statements sent to the database while ``action()`` runs."""
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    return [s for s in statements if s.startswith("ANALYZE")]


def planned_rows(table: str) -> float:
    """How many rows PostgreSQL's planner believes ``table`` holds."""
    return db.session.scalar(
        text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table}
    )


def test_a_bulk_insert_can_refresh_only_the_columns_queries_use(app):
    """``analyze=`` names the columns whose statistics a bulk insert refreshes on PostgreSQL
    (the planner's row count is refreshed all the same)."""
    rows = [{"action": "test.bulk", "target_label": f"row {n}"} for n in range(1200)]
    with app.app_context():
        analyses = analyses_during(
            lambda: bulk_insert(
                db.session, AuditEvent.__table__, rows, analyze=("action", "target_id")
            )
        )
        if db.engine.dialect.name == "postgresql":
            assert analyses == ["ANALYZE audit_events (action, target_id)"]
            assert 1100 <= planned_rows("audit_events") <= 1300
        else:
            assert analyses == []
        db.session.rollback()


AWKWARD_TEXT = 'tab\there, new\nline, back\\slash, "quotes", \\N, café, 東京'


def test_bulk_insert_stores_exactly_what_an_insert_stores(app):
    """On PostgreSQL ``bulk_insert`` copies rows in (COPY): JSON, enums, UTC times, NULLs and
    text that COPY's own format escapes come back as the ORM's ``INSERT`` stores them; on
    SQLite it is that ``INSERT``."""
    at = datetime(2026, 3, 1, 14, 30, 15, tzinfo=UTC)
    audit_rows = [
        {
            "at": at,
            "actor_id": None if n % 2 else n,
            "action": "test.bulk",
            "target_label": AWKWARD_TEXT,
            "detail": {"n": n, "text": AWKWARD_TEXT, "list": [1.5, None, True], "nested": {}},
        }
        for n in range(3)
    ]
    outbox_rows = [
        {
            "message_id": f"<bulk-{kind}-{n}@matcher>",
            "to_addr": f"reader{n}@example.edu",
            "subject": AWKWARD_TEXT,
            "body_text": AWKWARD_TEXT,
            "status": OutboxStatus.PENDING if n else OutboxStatus.SENT,
            "attempts": n,
            "created_at": at,
            "next_attempt_at": at,
            "sent_at": None if n else at,
        }
        for kind in ("bulk", "insert")
        for n in range(3)
    ]

    def stored(model, key, where):
        rows = db.session.execute(select(model.__table__).where(where).order_by(key)).all()
        return [
            {k: v for k, v in row._mapping.items() if k not in ("id", "message_id")} for row in rows
        ]

    with app.app_context():
        bulk_insert(db.session, AuditEvent.__table__, audit_rows)
        bulk_insert(db.session, OutboxMessage.__table__, outbox_rows[:3])
        db.session.commit()
        copied = stored(AuditEvent, AuditEvent.id, AuditEvent.action == "test.bulk")
        copied_mail = stored(
            OutboxMessage, OutboxMessage.id, OutboxMessage.message_id.like("<bulk-bulk-%")
        )
        db.session.execute(
            insert(AuditEvent.__table__), [{**r, "action": "test.insert"} for r in audit_rows]
        )
        db.session.execute(insert(OutboxMessage.__table__), outbox_rows[3:])
        db.session.commit()
        inserted = stored(AuditEvent, AuditEvent.id, AuditEvent.action == "test.insert")
        inserted_mail = stored(
            OutboxMessage, OutboxMessage.id, OutboxMessage.message_id.like("<bulk-insert-%")
        )
        assert len(copied) == 3
        assert len(copied_mail) == 3
        assert copied == [{**r, "action": "test.bulk"} for r in inserted]
        assert copied_mail == inserted_mail
        assert copied[0]["detail"]["text"] == AWKWARD_TEXT
        assert copied[1]["actor_id"] is None
        assert copied[0]["at"] == at
        assert [m["status"] for m in copied_mail] == [
            OutboxStatus.SENT,
            OutboxStatus.PENDING,
            OutboxStatus.PENDING,
        ]


def test_bulk_rows_with_different_columns_are_refused(app):
    rows = [
        {"action": "test.one", "target_label": "a"},
        {"action": "test.two", "target_id": 5},
    ]
    with app.app_context():
        with pytest.raises((ValueError, StatementError)):
            bulk_insert(db.session, AuditEvent.__table__, rows)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
