"""Group rules: creating and editing groups, joining by code or from the directory,
approving, coordinators, leaving."""

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from matcher import timezones
from matcher.auth import services as accounts
from matcher.extensions import db
from matcher.mail import queue_mail
from matcher.models import (
    GroupKind,
    InterestGroup,
    JoinPolicy,
    Membership,
    MembershipStatus,
    MentorProfile,
    Role,
    Specialty,
    User,
)
from matcher.models.group import new_invite_code
from matcher.models.profile import mentor_complete, student_complete

INVITE_CODE = re.compile(rf"[A-Za-z0-9_-]{{1,{InterestGroup.invite_code.type.length}}}")


class GroupError(ValueError):
    """A group change the rules refuse; the message is safe to show."""


def _specialties(ids: list[int]) -> list[Specialty]:
    found = list(db.session.scalars(select(Specialty).where(Specialty.id.in_(ids))))
    if len(found) != len(set(ids)):
        raise GroupError("One of the chosen specialties does not exist.")
    return found


def create_group(creator: User, **fields) -> InterestGroup:
    """A new group, ``fields`` as for ``update_group``; whoever creates it runs it (an admin
    runs every group already)."""
    group = InterestGroup()
    update_group(group, **fields)
    if not creator.has_role(Role.ADMIN):
        group.coordinators.append(creator)
    db.session.add(group)
    return group


def update_group(
    group: InterestGroup,
    *,
    name: str,
    kind: str,
    institution: str,
    description: str,
    specialty_ids: list[int],
    join_policy: str,
    listed: bool = False,
    time_zone: str = timezones.DEFAULT_ZONE,
) -> None:
    group.name, group.kind = name, GroupKind(kind)
    group.institution, group.description = institution, description
    group.join_policy = JoinPolicy(join_policy)
    group.listed = bool(listed)
    if not timezones.valid_zone(time_zone):
        raise GroupError("Choose the group's time zone from the list.")
    group.time_zone = time_zone
    group.specialties = _specialties(specialty_ids)


def invite_code_from(typed: str | None) -> str | None:
    """The invite code in what someone typed or pasted: the code itself with stray spaces, or a
    whole invite link (``https://…/join/<code>``); ``None`` when it cannot be a code."""
    text = "".join((typed or "").split())
    if "/join/" in text:
        text = text.rsplit("/join/", 1)[1]
    text = re.split(r"[?#]", text, maxsplit=1)[0].strip("/")
    return text if INVITE_CODE.fullmatch(text) else None


def group_for_code(typed: str) -> InterestGroup | None:
    code = invite_code_from(typed)
    if code is None:
        return None
    return db.session.scalar(select(InterestGroup).where(InterestGroup.invite_code == code))


def listed_group(group_id: int) -> InterestGroup | None:
    """The group if it is listed in the directory; unlisted groups are found by code only."""
    group = db.session.get(InterestGroup, group_id)
    return group if group is not None and group.listed else None


def membership(group_id: int, user_id: int) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(Membership.group_id == group_id, Membership.user_id == user_id)
    )


def join(user: User, group: InterestGroup) -> Membership:
    """Join by invite link: at once for an open group, as a request for an approval group."""
    if not user.sides:
        raise GroupError("Only students and mentors join groups; coordinators are added by one.")
    existing = membership(group.id, user.id)
    if existing is not None and existing.status is MembershipStatus.INVITED:
        existing.status = MembershipStatus.ACTIVE
    if existing is not None:
        return existing
    status = (
        MembershipStatus.ACTIVE
        if group.join_policy is JoinPolicy.OPEN
        else MembershipStatus.PENDING
    )
    member = Membership(group=group, user=user, status=status)
    db.session.add(member)
    if status is MembershipStatus.PENDING:
        for coordinator in group.coordinators:
            queue_mail(
                coordinator,
                "groups/join_request",
                coordinator=coordinator,
                user=user,
                group=group,
            )
    return member


def waiting_memberships(user: User) -> tuple[list[Membership], list[Membership]]:
    """The groups asking ``user`` to join (a roster import named their account), and those
    ``user`` asked to join whose coordinators have not yet decided; oldest first, one query."""
    waiting = (MembershipStatus.INVITED, MembershipStatus.PENDING)
    found = db.session.scalars(
        select(Membership)
        .where(Membership.user_id == user.id, Membership.status.in_(waiting))
        .order_by(Membership.joined_at)
    ).all()
    return (
        [m for m in found if m.status is MembershipStatus.INVITED],
        [m for m in found if m.status is MembershipStatus.PENDING],
    )


def _memberships(status: MembershipStatus, *conditions) -> list[Membership]:
    """The memberships in ``status`` that meet ``conditions``, oldest first."""
    return list(
        db.session.scalars(
            select(Membership)
            .where(*conditions, Membership.status == status)
            .order_by(Membership.joined_at)
        )
    )


def _invitation(user: User, group_id: int) -> Membership:
    member = membership(group_id, user.id)
    if member is None or member.status is not MembershipStatus.INVITED:
        raise GroupError("There is no invitation from that group.")
    return member


def _settle(member: Membership, accept: bool) -> Membership:
    """Make a waiting membership active, or delete it."""
    if accept:
        member.status = MembershipStatus.ACTIVE
    else:
        db.session.delete(member)
    return member


def answer_invitation(user: User, group_id: int, accept: bool) -> Membership:
    """Join a group that invited ``user``, or turn the invitation down (the group can invite
    again with a later import)."""
    return _settle(_invitation(user, group_id), accept)


def _pending(group: InterestGroup, membership_id: int) -> Membership:
    member = db.session.get(Membership, membership_id)
    if member is None or member.group_id != group.id:
        raise GroupError("That request does not exist.")
    if member.status is not MembershipStatus.PENDING:
        raise GroupError(f"{member.user.name} is already a member.")
    return member


def decide_request(group: InterestGroup, membership_id: int, approve: bool) -> Membership:
    """Approve a request to join ``group`` (the person is told by email), or decline it."""
    member = _settle(_pending(group, membership_id), approve)
    if approve:
        queue_mail(member.user, "groups/request_approved", user=member.user, group=group)
    return member


def remove_member(group: InterestGroup, user_id: int) -> User:
    member = membership(group.id, user_id)
    if member is None:
        raise GroupError("That person is not in this group.")
    db.session.delete(member)
    return member.user


def leave(user: User, group: InterestGroup) -> Membership:
    """Leave ``group``, or withdraw a request to join it; the membership as it was."""
    member = membership(group.id, user.id)
    if member is None:
        raise GroupError("You are not in this group.")
    db.session.delete(member)
    return member


def rotate_invite_code(group: InterestGroup) -> None:
    """A new invite link; the old one stops working."""
    group.invite_code = new_invite_code()


def add_coordinator(group: InterestGroup, email: str) -> User:
    """Make a member of the group (a student leader, say) or a coordinator account one of the
    group's coordinators; they run this group only, and keep their own sides in it."""
    user = accounts.find_user(email)
    standing = None if user is None else membership(group.id, user.id)
    member = standing is not None and standing.status is MembershipStatus.ACTIVE
    if user is None or not (member or user.has_role(Role.COORDINATOR, Role.ADMIN)):
        raise GroupError(
            "No member of this group has that email. Ask the person to join the group first "
            "(or an admin can add them as a coordinator)."
        )
    if user in group.coordinators:
        raise GroupError(f"{user.name} already coordinates this group.")
    group.coordinators.append(user)
    return user


def remove_coordinator(actor: User, group: InterestGroup, user_id: int) -> User:
    user = next((c for c in group.coordinators if c.id == user_id), None)
    if user is None:
        raise GroupError("That person does not coordinate this group.")
    if len(group.coordinators) == 1 and not actor.has_role(Role.ADMIN):
        raise GroupError("A group needs at least one coordinator.")
    group.coordinators.remove(user)
    return user


def group_count() -> int:
    """How many groups the site has."""
    return db.session.scalar(select(func.count()).select_from(InterestGroup))


@dataclass(frozen=True)
class GroupCounts:
    students: int
    mentors: int
    pending: int
    complete_students: int
    complete_mentors: int
    mentor_places: int


def counts(group: InterestGroup) -> GroupCounts:
    """Head-counts for the group's overview, in one query."""

    def members(*conditions, status=MembershipStatus.ACTIVE, value=None):
        return (
            select(func.coalesce(func.sum(value), 0) if value is not None else func.count())
            .select_from(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.group_id == group.id, Membership.status == status, *conditions)
            .scalar_subquery()
        )

    row = db.session.execute(
        select(
            members(User.is_student),
            members(User.is_mentor),
            members(status=MembershipStatus.PENDING),
            members(User.is_student, student_complete()),
            members(User.is_mentor, mentor_complete()),
            members(
                User.is_mentor,
                MentorProfile.user_id == User.id,
                MentorProfile.accepting,
                value=MentorProfile.capacity,
            ),
        )
    ).one()
    return GroupCounts(*row)


def pending_requests(group: InterestGroup) -> list[Membership]:
    return _memberships(MembershipStatus.PENDING, Membership.group_id == group.id)
