"""The database: migrations build exactly the models' schema and downgrade to nothing, SQLite
runs with WAL, a busy timeout and foreign keys, without losing concurrent writes, and a bulk
insert leaves PostgreSQL's planner knowing the rows are there."""

import threading

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import event, inspect, text

from matcher.extensions import db
from matcher.mail import queue_mails, render_mail
from matcher.models import Role, User
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
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_):
        statements.append(statement)

    with app.app_context():
        user = User(email="x@example.edu", name="Pat Example", role=Role.STUDENT, password_hash="x")
        messages = [
            render_mail(f"reader{n}@example.edu", "auth/welcome", user=user) for n in range(1500)
        ]
        engine = db.engine
        event.listen(engine, "before_cursor_execute", seen)
        try:
            assert queue_mails(messages) == 1500
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        analyses = [s for s in statements if s.startswith("ANALYZE")]
        if engine.dialect.name == "postgresql":
            assert analyses == ["ANALYZE outbox"]
            tuples = db.session.scalar(
                text("SELECT reltuples FROM pg_class WHERE relname = 'outbox'")
            )
            assert 1400 <= tuples <= 1600
        else:
            assert analyses == []
        db.session.rollback()
