"""The public group directory: the listed groups found by name, specialty or institution, each
as a listing ready for the page, with where the viewer stands and what they can do."""

from dataclasses import dataclass

from sqlalchemy import Select, and_, exists, func, or_, select

from matcher.extensions import db
from matcher.models import (
    GroupKind,
    InterestGroup,
    JoinPolicy,
    Membership,
    MembershipStatus,
    Role,
    Specialty,
    User,
)
from matcher.models.group import group_specialties
from matcher.text import shorten

PAGE_SIZE = 20
SUMMARY_LENGTH = 240

STANDING = {
    MembershipStatus.ACTIVE: "You are a member.",
    MembershipStatus.PENDING: "You asked to join; the coordinators have not decided yet.",
    MembershipStatus.INVITED: "This group has invited you.",
}


@dataclass(frozen=True)
class Listing:
    """One listed group as the directory shows it.

    ``action`` is the button the viewer gets ("Join the group", "Ask to join", "Accept the
    invitation") or "" when they can do nothing here; ``standing`` says where they stand."""

    id: int
    name: str
    kind: str
    institution: str
    specialties: str
    summary: str
    description: str
    joining: str
    students: int
    mentors: int
    action: str
    standing: str
    member: bool
    signed_in: bool


def search(
    q: str | None = None, specialty_id: int | None = None, kind: str | None = None
) -> Select:
    """The listed groups matching every word of ``q`` (in the name, institution or a specialty),
    the specialty and the kind, by name."""
    query = select(InterestGroup).where(InterestGroup.listed)
    for word in (q or "").lower().split():
        query = query.where(
            or_(
                func.lower(InterestGroup.name).contains(word, autoescape=True),
                func.lower(InterestGroup.institution).contains(word, autoescape=True),
                _has_specialty(func.lower(Specialty.name).contains(word, autoescape=True)),
            )
        )
    if specialty_id is not None:
        query = query.where(_has_specialty(Specialty.id == specialty_id))
    if kind:
        query = query.where(InterestGroup.kind == GroupKind(kind))
    return query.order_by(func.lower(InterestGroup.name), InterestGroup.id)


def _has_specialty(condition):
    return exists(
        select(group_specialties.c.group_id)
        .join(Specialty, Specialty.id == group_specialties.c.specialty_id)
        .where(group_specialties.c.group_id == InterestGroup.id, condition)
    )


def listings(groups: list[InterestGroup], viewer: User | None) -> list[Listing]:
    """``groups`` as listings for ``viewer`` (``None`` for a visitor), in three queries
    whatever their number."""
    ids = [g.id for g in groups]
    if not ids:
        return []
    heads = {}
    for group_id, students, mentors in db.session.execute(
        select(
            Membership.group_id,
            func.count().filter(User.is_student),
            func.count().filter(User.is_mentor),
        )
        .join(User, User.id == Membership.user_id)
        .where(Membership.group_id.in_(ids), Membership.status == MembershipStatus.ACTIVE)
        .group_by(Membership.group_id)
    ):
        heads[group_id, Role.STUDENT], heads[group_id, Role.MENTOR] = students, mentors
    standing = {}
    if viewer is not None:
        standing = dict(
            db.session.execute(
                select(Membership.group_id, Membership.status).where(
                    and_(Membership.group_id.in_(ids), Membership.user_id == viewer.id)
                )
            ).all()
        )
    return [_listing(g, viewer, standing.get(g.id), heads) for g in groups]


def listing(group: InterestGroup, viewer: User | None) -> Listing:
    return listings([group], viewer)[0]


def _listing(group, viewer, status, heads) -> Listing:
    description = group.description.strip()
    return Listing(
        id=group.id,
        name=group.name,
        kind=group.kind.label,
        institution=group.institution,
        specialties=", ".join(s.name for s in group.specialties),
        summary=shorten(" ".join(description.split()), SUMMARY_LENGTH),
        description=description,
        joining=(
            "Joins at once"
            if group.join_policy is JoinPolicy.OPEN
            else "The coordinators approve each request"
        ),
        students=heads.get((group.id, Role.STUDENT), 0),
        mentors=heads.get((group.id, Role.MENTOR), 0),
        action=_action(group, viewer, status),
        standing=_standing(viewer, status),
        member=status is MembershipStatus.ACTIVE,
        signed_in=viewer is not None,
    )


def _action(group, viewer, status) -> str:
    if viewer is None or not viewer.sides:
        return ""
    if status is MembershipStatus.INVITED:
        return "Accept the invitation"
    if status is not None:
        return ""
    return "Join the group" if group.join_policy is JoinPolicy.OPEN else "Ask to join"


def _standing(viewer, status) -> str:
    if viewer is None:
        return "Log in or sign up to join."
    if not viewer.sides:
        return "Students and mentors join groups; coordinators are added by another coordinator."
    return STANDING.get(status, "")
