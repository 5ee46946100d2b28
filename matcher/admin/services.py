"""Admin rules: adding people with a role, changing roles, switching accounts off; the
audit log's filter choices."""

from sqlalchemy import Select, func, or_, select

from matcher import audit
from matcher.extensions import db
from matcher.introductions import services as introductions
from matcher.models import AuditEvent, OutboxMessage, Role, User


class AdminError(ValueError):
    """An admin request the rules refuse; the message is safe to show."""


def user_query(q: str | None = None, role: str | None = None) -> Select[tuple[User]]:
    query = select(User).order_by(User.role, func.lower(User.name))
    if q:
        pattern = f"%{q.strip().lower()}%"
        query = query.where(or_(func.lower(User.name).like(pattern), User.email.like(pattern)))
    if role:
        query = query.where(User.role == Role(role))
    return query


def _active_admins() -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active)
    )


def set_role(actor: User, user: User, role: Role) -> None:
    if user.role == Role.ADMIN and role != Role.ADMIN and _active_admins() <= 1:
        raise AdminError("This is the last admin; make another admin first.")
    if user.id == actor.id and role != Role.ADMIN:
        raise AdminError("You cannot remove your own admin role.")
    if role != user.role:
        audit.record(
            "user.role_change", actor=actor, target=user, old=user.role.value, new=role.value
        )
    user.role = role
    user.end_sessions()


def set_active(actor: User, user: User, active: bool) -> None:
    """Switch an account on or off; switching off ends its sessions and its open
    introductions (see ``introductions.release``)."""
    if user.id == actor.id and not active:
        raise AdminError("You cannot switch off your own account.")
    if user.role == Role.ADMIN and not active and _active_admins() <= 1:
        raise AdminError("This is the last admin; make another admin first.")
    if active != user.active:
        audit.record("user.switch_on" if active else "user.switch_off", actor=actor, target=user)
    user.active = active
    user.end_sessions()
    if not active:
        introductions.release(user, actor)


def outbox_query(status: str | None = None) -> Select[tuple[OutboxMessage]]:
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status:
        query = query.where(OutboxMessage.status == status)
    return query


def audit_actions() -> list[str]:
    """The actions the audit log holds, for the filter."""
    return list(
        db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )
