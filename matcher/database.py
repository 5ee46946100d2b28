"""Declarative base, column types, and engine set-up shared by every model."""

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from flask import has_request_context, request
from sqlalchemy import JSON, DateTime, Engine, Enum, MetaData, Null, Table, event, insert, text
from sqlalchemy.orm import DeclarativeBase, Session, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_reading: ContextVar[bool] = ContextVar("matcher_reading", default=False)


@contextmanager
def reading() -> Iterator[None]:
    """Transactions begun inside begin deferred on SQLite, as a read request's do: a long
    check that only reads does not hold the write lock (background jobs report progress
    meanwhile). End the transaction before writing, or SQLite may refuse the upgrade."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


BULK_ROWS = 1000
"""Rows from which a bulk insert refreshes the planner's statistics (see :func:`analyzed`)."""


def analyzed(session: Session, rows: int, *tables: str, columns: Sequence[str] = ()) -> None:
    """PostgreSQL: after a bulk insert of ``rows`` rows (at least :data:`BULK_ROWS`), refresh
    the planner's statistics of ``tables`` in the same transaction (of their ``columns`` only
    when given: the row count is refreshed either way). Until autovacuum gets to them a
    table's statistics still describe it without those rows, and a join planned for a few rows
    takes minutes on tens of thousands (a national draft page compared 23,913 rows with 23,913
    in 87 s, against 0.03 s once analysed). SQLite plans from its indexes and needs nothing."""
    bind = session.get_bind()
    if rows < BULK_ROWS or bind.dialect.name != "postgresql":
        return
    quote = bind.dialect.identifier_preparer.quote
    listed = f" ({', '.join(map(quote, columns))})" if columns else ""
    for table in tables:
        session.execute(text(f"ANALYZE {table}{listed}"))


def bulk_insert(
    session: Session, table: Table, rows: Sequence[Mapping], *, analyze: Sequence[str] = ()
) -> None:
    """Insert ``rows`` (dictionaries with the same keys) into ``table`` in the session's
    transaction, then refresh the statistics (:func:`analyzed`; of the ``analyze`` columns
    only, when given: those the planner's estimates depend on). On PostgreSQL the rows go
    through one ``COPY ... FROM STDIN``, each value first through its column type's bind
    processing (JSON, enums, UTC times), and the columns the rows leave out get their
    Python-side defaults, as an ``INSERT`` would have them: a national draft's outcomes go in
    about twice as fast as by the batched ``INSERT``. Elsewhere one executemany ``INSERT``.
    No ids come back: a caller that needs them inserts with ``RETURNING``."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "postgresql":
        names = list(rows[0])
        defaults = [
            (column.name, column.default)
            for column in table.columns
            if column.name not in rows[0]
            and column.default is not None
            and (column.default.is_scalar or column.default.is_callable)
        ]
        if defaults:
            rows = [{**row, **_defaults(defaults)} for row in rows]
            names += [name for name, _ in defaults]
        processors = [(name, _copy_processor(table.c[name].type, dialect)) for name in names]
        quote = dialect.identifier_preparer.quote
        statement = f"COPY {quote(table.name)} ({', '.join(map(quote, names))}) FROM STDIN"
        driver = connection.connection.driver_connection
        keys = rows[0].keys()
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                if row.keys() != keys:
                    raise ValueError(
                        f"bulk rows differ in their columns: {sorted(row.keys() ^ keys)}"
                    )
                copy.write_row(
                    [
                        row[name] if process is None else process(row[name])
                        for name, process in processors
                    ]
                )
    else:
        session.execute(insert(table), list(rows))
    analyzed(session, len(rows), table.name, columns=analyze)


def _copy_processor(column_type, dialect) -> Callable[[Any], Any] | None:
    """What a value goes through before COPY takes it: a JSON value becomes its JSON text
    (as the column's ``INSERT`` would store it: ``None`` as JSON ``null`` unless the type
    keeps it as SQL NULL; psycopg's JSON wrapper would cost a Python call per value), any
    other its column type's bind processing; ``None`` when nothing is done."""
    impl = column_type.dialect_impl(dialect)
    if not isinstance(impl, JSON):
        return impl.bind_processor(dialect)
    serialize = dialect._json_serializer or json.dumps
    keep_null = impl.none_as_null

    def process(value):
        if value is JSON.NULL:
            value = None
        elif isinstance(value, Null) or (value is None and keep_null):
            return None
        if not value and type(value) in _EMPTY_JSON:
            return _EMPTY_JSON[type(value)]
        return serialize(value)

    return process


_EMPTY_JSON = {list: "[]", dict: "{}"}


def _defaults(defaults: list) -> dict:
    """The values an ``INSERT`` would fill in for columns a row leaves out (their Python-side
    defaults; a callable one is called for each row)."""
    return {
        name: default.arg(None) if default.is_callable else default.arg
        for name, default in defaults
    }


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite keeps no time zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime},
    )


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, a busy timeout and ``BEGIN IMMEDIATE`` for writers, so concurrent writes queue.

    pysqlite's own transaction handling is switched off and the ``BEGIN`` is emitted here: a
    transaction that may write takes the write lock at its start, so a read-modify-write never
    works from a stale snapshot (no lost update) and waits for the lock instead of failing with
    "database is locked". Requests with a read-only method begin deferred so readers do not queue.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        read_only = _reading.get() or (
            has_request_context() and request.method in READ_ONLY_METHODS
        )
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def str_enum(enum_cls: type[StrEnum], name: str) -> Enum:
    """A portable enum column: stored as its string values, checked by a CHECK constraint."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_cls),
        values_callable=lambda members: [member.value for member in members],
        name=name,
    )
