"""The audit log: an append-only record of who did what.

The database itself refuses ``UPDATE`` and ``DELETE`` on ``audit_events`` (triggers, created
with the table here for ``create_all`` and by migration 0003). Because rows can never change,
the table has no foreign keys: an ``ON DELETE SET NULL`` would be an update, and would block
deleting an account. Who acted and on what is kept as ids plus a snapshot of the email or name,
so the trail stays readable after the account is gone.

A later migration that alters this table with SQLite's batch mode rebuilds it and must create
the triggers again.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matcher import clock
from matcher.extensions import db

APPEND_ONLY_MESSAGE = "audit_events is append-only"

SQLITE_TRIGGERS = [
    f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
    for verb in ("UPDATE", "DELETE")
]

POSTGRESQL_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    f"RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'insufficient_privilege'; "
    "END $$",
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
]


class AuditEvent(db.Model):
    """One recorded action. Rows are only ever inserted."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_group_at", "group_id", "at"),
        Index("ix_audit_events_action_at", "action", "at"),
        Index("ix_audit_events_actor_at", "actor_id", "at"),
        Index("ix_audit_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=clock.now)
    actor_id: Mapped[int | None]
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    group_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[int | None]
    target_label: Mapped[str] = mapped_column(String(254), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(45), default="")

    actor: Mapped["User | None"] = relationship(  # noqa: F821
        primaryjoin="foreign(AuditEvent.actor_id) == User.id", viewonly=True, lazy="selectin"
    )
    """The acting account while it exists (``None`` once deleted; ``actor_email`` remains)."""

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action}>"


for _sql in SQLITE_TRIGGERS:
    event.listen(AuditEvent.__table__, "after_create", DDL(_sql).execute_if(dialect="sqlite"))
for _sql in POSTGRESQL_TRIGGERS:
    event.listen(AuditEvent.__table__, "after_create", DDL(_sql).execute_if(dialect="postgresql"))
