"""The task queue's tables (Huey's PostgreSQL storage, ``TASK_QUEUE_URL=database://``).

Huey reads and writes them itself (``huey.storage.PostgresStorage`` with the table prefix
``task_queue``); they are declared here so the migrations create and remove them with the rest
of the schema. On SQLite the queue lives in a file of its own beside the database (see
``matcher.taskqueue``), so these tables stay empty there.
"""

from sqlalchemy import BigInteger, Column, Double, Index, Integer, LargeBinary, Table, Text

from matcher.extensions import db

_ID = BigInteger().with_variant(Integer(), "sqlite")

task_queue_task = Table(
    "task_queue_task",
    db.metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("queue", Text, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("priority", Double, nullable=False, server_default="0.0"),
    Index("task_queue_task_queue_priority_id", "queue", "priority", "id"),
)

task_queue_schedule = Table(
    "task_queue_schedule",
    db.metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("queue", Text, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("timestamp", Double, nullable=False),
    Index("task_queue_schedule_queue_timestamp", "queue", "timestamp"),
)

task_queue_kv = Table(
    "task_queue_kv",
    db.metadata,
    Column("queue", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("value", LargeBinary, nullable=False),
)

task_queue_counter = Table(
    "task_queue_counter",
    db.metadata,
    Column("queue", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("value", BigInteger, nullable=False, server_default="0"),
)

TASK_QUEUE_TABLES = (task_queue_task, task_queue_schedule, task_queue_kv, task_queue_counter)
