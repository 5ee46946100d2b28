"""Write to the audit log.

``record`` adds an event to the caller's transaction, so an action and its record commit or
roll back together. ``record_access`` is for reads (profile views, exports): it writes the
event at once, in a short transaction of its own, before the data is shown; a read request's
transaction never has to turn into a write (on SQLite that upgrade fails under concurrency).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from matcher.extensions import db
from matcher.models import AuditEvent, User
from matcher.urls import whole_number

_acting: ContextVar[tuple[User, str] | None] = ContextVar("matcher_audit_acting", default=None)


@contextmanager
def acting_as(actor: User, ip: str = "") -> Iterator[None]:
    """Outside a request (a background job), record events as done by ``actor`` from ``ip``."""
    token = _acting.set((actor, ip))
    try:
        yield
    finally:
        _acting.reset(token)


def _event(
    action: str, actor: User | None, group_id: int | None, target: Any, detail: dict[str, Any]
) -> AuditEvent:
    acting = None if has_request_context() else _acting.get()
    ip = acting[1] if acting is not None else ""
    if actor is None and acting is not None:
        actor = acting[0]
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    label = ""
    if target is not None:
        label = str(getattr(target, "email", None) or getattr(target, "name", "") or "")[:254]
    return AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else "",
        group_id=group_id,
        target_type=type(target).__name__ if target is not None else "",
        target_id=getattr(target, "id", None),
        target_label=label,
        detail=detail,
        ip=(request.remote_addr or "")[:45] if has_request_context() else ip,
    )


def record(
    action: str,
    *,
    actor: User | None = None,
    group_id: int | None = None,
    target: Any = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event for ``action`` (e.g. ``"round.publish"``); the caller commits.

    ``actor`` defaults to the logged-in user; ``target`` is any model with an ``id`` (its
    ``email`` or ``name`` is kept too); ``detail`` must be JSON-serialisable.
    """
    event = _event(action, actor, group_id, target, detail)
    db.session.add(event)
    return event


def record_access(
    action: str,
    *,
    actor: User | None = None,
    group_id: int | None = None,
    target: Any = None,
    **detail: Any,
) -> None:
    """Record a read of personal data now, committed on its own connection (see module doc)."""
    event = _event(action, actor, group_id, target, detail)
    with Session(db.engine) as session, session.begin():
        session.add(event)


def group_log(group_id: int) -> Select[tuple[AuditEvent]]:
    """A group's audit events, newest first."""
    return (
        select(AuditEvent)
        .where(AuditEvent.group_id == group_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )


def search(
    action: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[tuple[AuditEvent]]:
    """Events newest first, filtered by action (exact, or a prefix ending in ``.``), actor
    (an id, or part of the email) and a half-open time range ``[since, until)``."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        if action.endswith("."):
            query = query.where(AuditEvent.action.startswith(action, autoescape=True))
        else:
            query = query.where(AuditEvent.action == action)
    if actor:
        actor = actor.strip().lower()
        if actor.isdigit():
            number = whole_number(actor, 0)
            query = query.where(AuditEvent.actor_id == number if number is not None else false())
        else:
            query = query.where(AuditEvent.actor_email.contains(actor, autoescape=True))
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    return query
