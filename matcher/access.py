"""Who may do what: every access predicate and view decorator of the site, in one place.

Predicates answer a question about a user (``coordinates``, ``is_member``, ``side``); the
decorators load the object a URL names and refuse the request before the view runs. An object
that does not exist, or that the user has no part in, is a 404, so ids reveal nothing; a
coordinator of another group gets a 403. This module imports models only, never a blueprint.
"""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Select, exists, select

from matcher.extensions import csrf, db
from matcher.models import (
    InterestGroup,
    Introduction,
    Meeting,
    Membership,
    MembershipStatus,
    Role,
    Round,
    User,
)
from matcher.models.group import group_coordinators

# --- predicates ------------------------------------------------------------------------------


def coordinates(user: User, group_id: int) -> bool:
    """Whether ``user`` runs the group: one of its coordinators, or an admin."""
    if user.has_role(Role.ADMIN):
        return True
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    group_coordinators.c.group_id == group_id,
                    group_coordinators.c.user_id == user.id,
                )
            )
        )
    )


def coordinates_any(user: User) -> bool:
    """Whether ``user`` runs some group, may start one, or is an admin."""
    if user.has_role(Role.COORDINATOR, Role.ADMIN):
        return True
    return bool(db.session.scalar(select(exists().where(group_coordinators.c.user_id == user.id))))


def is_member(user: User, group_id: int) -> bool:
    """Whether ``user`` is an active member of the group."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Membership.group_id == group_id,
                    Membership.user_id == user.id,
                    Membership.status == MembershipStatus.ACTIVE,
                )
            )
        )
    )


def coordinated_groups(user: User) -> Select[tuple[InterestGroup]]:
    """The groups ``user`` runs (every group for an admin)."""
    query = select(InterestGroup).order_by(InterestGroup.name)
    if user.has_role(Role.ADMIN):
        return query
    return query.join(group_coordinators).where(group_coordinators.c.user_id == user.id)


def member_groups(user: User) -> Select[tuple[InterestGroup]]:
    """The groups ``user`` is an active member of."""
    return (
        select(InterestGroup)
        .join(Membership)
        .where(Membership.user_id == user.id, Membership.status == MembershipStatus.ACTIVE)
        .order_by(InterestGroup.name)
    )


def side(intro: Introduction, user: User) -> str | None:
    """How ``user`` takes part in an introduction: "student", "mentor", "coordinator" (of its
    group), or ``None``."""
    if user.id == intro.student_id:
        return "student"
    if user.id == intro.mentor_id:
        return "mentor"
    if coordinates(user, intro.group_id):
        return "coordinator"
    return None


# --- decorators ------------------------------------------------------------------------------


def role_required(*roles: Role) -> Callable:
    """Let in logged-in users with one of ``roles``; others get 403 (anonymous: the log-in page)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = role_required(Role.ADMIN)


def _refuse_outsider() -> None:
    """A 403 for a coordinator (of another group), a 404 for anyone else."""
    abort(403 if coordinates_any(current_user) else 404)


def group_coordinator_required(view: Callable) -> Callable:
    """For views under ``/groups/<group_id>``: load the group and pass it as ``group``.

    A group that does not exist, or that the user does not run, is a 404 for members and
    outsiders alike (so group ids reveal nothing) and a 403 for coordinators of other groups.
    """

    @wraps(view)
    @login_required
    def wrapped(group_id: int, *args, **kwargs):
        group = db.session.get(InterestGroup, group_id)
        if group is None:
            abort(404)
        if not coordinates(current_user, group.id):
            _refuse_outsider()
        return view(*args, group=group, **kwargs)

    return wrapped


def round_view(*, coordinator: bool) -> Callable:
    """For views under ``/rounds/<round_id>``: load the round and pass it as ``round_``.

    Coordinators of the group (and admins) see everything; with ``coordinator=False``
    active members may also enter. Anyone else gets a 404, so round ids reveal nothing.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(round_id: int, *args, **kwargs):
            round_ = db.session.get(Round, round_id)
            if round_ is None:
                abort(404)
            runs = coordinates(current_user, round_.group_id)
            if coordinator and not runs:
                _refuse_outsider()
            if not runs and not is_member(current_user, round_.group_id):
                abort(404)
            return view(*args, round_=round_, **kwargs)

        return wrapped

    return decorate


def introduction_view(*sides: str) -> Callable:
    """For views under ``/introductions/<intro_id>``: pass the introduction and the viewer's
    side to the view. People with no part in it get a 404, so ids reveal nothing; people with
    a part the view does not allow get a 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(intro_id: int, *args, **kwargs):
            intro = db.session.get(Introduction, intro_id)
            if intro is None:
                abort(404)
            taking_part = side(intro, current_user)
            if taking_part is None:
                abort(404)
            if sides and taking_part not in sides:
                abort(403)
            return view(*args, intro=intro, side=taking_part, **kwargs)

        return wrapped

    return decorator


def token_only(view: Callable) -> Callable:
    """For a link whose signed token in the URL is its only credential, also for a POST: RFC
    8058's one-click unsubscribe comes from a mail client with no session and no CSRF token, so
    none is asked for. The view must refuse a token that is not genuine."""
    return csrf.exempt(view)


def meeting_view(*sides: str) -> Callable:
    """For views under ``/meetings/<meeting_id>``: pass the meeting, its introduction and the
    viewer's side in that introduction to the view, refused as ``introduction_view`` refuses."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(meeting_id: int, *args, **kwargs):
            meeting = db.session.get(Meeting, meeting_id)
            if meeting is None:
                abort(404)
            taking_part = side(meeting.introduction, current_user)
            if taking_part is None:
                abort(404)
            if sides and taking_part not in sides:
                abort(403)
            return view(
                *args, meeting=meeting, intro=meeting.introduction, side=taking_part, **kwargs
            )

        return wrapped

    return decorator
