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
    query = select(User).order_by(func.lower(User.name), User.id)
    if q:
        pattern = f"%{q.strip().lower()}%"
        query = query.where(or_(func.lower(User.name).like(pattern), User.email.like(pattern)))
    if role:
        query = query.where(User.holding(Role(role)))
    return query


def _active_admins() -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.is_admin, User.active)
    )


def set_roles(actor: User, user: User, roles: frozenset[Role]) -> None:
    """Give ``user`` exactly ``roles``. The last admin stays one, nobody removes their own
    admin role, and a side (student, mentor) with open introductions stays until they end."""
    removed = user.roles - roles
    if Role.ADMIN in removed and _active_admins() <= 1:
        raise AdminError("This is the last admin; make another admin first.")
    if user.id == actor.id and Role.ADMIN in removed:
        raise AdminError("You cannot remove your own admin role.")
    for side in removed & {Role.STUDENT, Role.MENTOR}:
        if introductions.open_count(user, side):
            raise AdminError(
                f"{user.name} has open introductions as a {side.value}; "
                "they must end before the role can go."
            )
    if roles != user.roles:
        old = user.role_names
        user.roles = roles
        audit.record("user.role_change", actor=actor, target=user, old=old, new=user.role_names)
    user.end_sessions()


def set_active(actor: User, user: User, active: bool) -> None:
    """Switch an account on or off; switching off ends its sessions and its open
    introductions (see ``introductions.release``)."""
    if user.id == actor.id and not active:
        raise AdminError("You cannot switch off your own account.")
    if user.has_role(Role.ADMIN) and not active and _active_admins() <= 1:
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
