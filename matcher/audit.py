"""Write to the audit log inside the caller's transaction, so an action and its record
commit or roll back together."""

from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import Select, select

from matcher.extensions import db
from matcher.models import AuditEvent, User


def record(
    action: str,
    *,
    actor: User | None = None,
    group_id: int | None = None,
    target: Any = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event for ``action`` (e.g. ``"round.publish"``); the caller commits.

    ``actor`` defaults to the logged-in user; ``target`` is any model with an ``id``.
    """
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        group_id=group_id,
        target_type=type(target).__name__ if target is not None else "",
        target_id=getattr(target, "id", None),
        detail=detail,
        ip=(request.remote_addr or "") if has_request_context() else "",
    )
    db.session.add(event)
    return event


def group_log(group_id: int) -> Select[tuple[AuditEvent]]:
    """A group's audit events, newest first."""
    return (
        select(AuditEvent)
        .where(AuditEvent.group_id == group_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
