"""The task queue's set-up (``matcher.taskqueue``): the storage each ``TASK_QUEUE_URL`` picks,
immediate mode for ``JOBS_INLINE``, a schedule due at the start and then every so often, and
a refused setting named at start-up."""

import time

import pytest
from huey.storage import MemoryStorage, PostgresStorage, RedisStorage, SqliteStorage

from matcher import create_app, taskqueue
from matcher.extensions import tasks

BASE = {"SQLITE_BUSY_TIMEOUT_MS": 15000, "TASK_QUEUE_URL": "database://"}


def test_the_database_default_follows_the_sites_database():
    sqlite = taskqueue.storage({**BASE, "SQLALCHEMY_DATABASE_URI": "sqlite:////srv/m/site.db"})
    assert sqlite == (SqliteStorage, {"filename": "/srv/m/site-queue.db", "timeout": 15.0})
    memory = taskqueue.storage({**BASE, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert memory == (MemoryStorage, {}), "an in-memory database has its queue in memory"
    url = "postgresql+psycopg://matcher:secret@db.example.org:5432/matcher?sslmode=require"
    storage_class, options = taskqueue.storage({**BASE, "SQLALCHEMY_DATABASE_URI": url})
    assert storage_class is PostgresStorage
    assert options == {
        "dsn": "postgresql://matcher:secret@db.example.org:5432/matcher?sslmode=require",
        "table_prefix": "task_queue",
        "create_tables": False,
    }
    shown = taskqueue.describe({**BASE, "SQLALCHEMY_DATABASE_URI": url})
    assert "secret" not in shown
    assert "task_queue_* tables" in shown


def test_other_urls_pick_redis_a_file_or_a_database_of_their_own():
    site = {**BASE, "SQLALCHEMY_DATABASE_URI": "sqlite:////srv/m/site.db"}
    redis = taskqueue.storage({**site, "TASK_QUEUE_URL": "redis://:pw@cache:6379/2"})
    assert redis == (RedisStorage, {"url": "redis://:pw@cache:6379/2"})
    assert "pw" not in taskqueue.describe({**site, "TASK_QUEUE_URL": "redis://:pw@cache:6379/2"})
    assert taskqueue.storage({**site, "TASK_QUEUE_URL": "sqlite:////var/q.sqlite3"}) == (
        SqliteStorage,
        {"filename": "/var/q.sqlite3"},
    )
    storage_class, options = taskqueue.storage(
        {**site, "TASK_QUEUE_URL": "postgres://q@queue-db/huey"}
    )
    assert storage_class is PostgresStorage
    assert options == {"dsn": "postgresql://q@queue-db/huey", "table_prefix": "task_queue"}


def test_a_queue_url_that_cannot_work_is_refused_at_start(tmp_path):
    with pytest.raises(RuntimeError, match="TASK_QUEUE_URL must be"):
        create_app(
            {
                "MATCHER_ENV": "testing",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                "TASK_QUEUE_URL": "amqp://broker",
            }
        )


def test_jobs_inline_runs_tasks_at_once_in_memory(tmp_path):
    app = create_app(
        {
            "MATCHER_ENV": "testing",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
            "JOBS_INLINE": True,
        }
    )
    huey = tasks.huey(app)
    assert huey.immediate
    assert not (tmp_path / "x-queue.sqlite3").exists()
    queued = create_app(
        {"MATCHER_ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'y.sqlite3'}"}
    )
    assert not tasks.huey(queued).immediate
    assert (tmp_path / "y-queue.sqlite3").exists()
    for made in (app, queued):
        tasks.huey(made).storage.close()


def test_a_schedule_is_due_at_the_start_then_every_so_often():
    every = taskqueue.Every(0.2)
    assert every()
    assert not every()
    time.sleep(0.25)
    assert every()
    assert not every()
    always = taskqueue.Every(0)
    assert all(always() for _ in range(3))
