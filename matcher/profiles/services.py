"""Profile rules: saving profiles, who may see whom, the mentor directory, own data."""

from typing import Any

from sqlalchemy import (
    Select,
    delete,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import aliased, selectinload

from matcher import clock
from matcher.auth import passwords
from matcher.extensions import db
from matcher.models import (
    ContactPreference,
    FacultyRank,
    FocusArea,
    InterestGroup,
    Introduction,
    Membership,
    MembershipStatus,
    MentorProfile,
    MentorType,
    OutboxMessage,
    Role,
    Stage,
    StudentInterest,
    StudentProfile,
    User,
)
from matcher.models.group import group_coordinators


class ProfileError(ValueError):
    """A profile change the rules refuse; the message is safe to show."""


def student_profile(user: User) -> StudentProfile:
    """The student's profile, created empty the first time it is asked for."""
    if user.student_profile is None:
        user.student_profile = StudentProfile()
    return user.student_profile


def mentor_profile(user: User) -> MentorProfile:
    if user.mentor_profile is None:
        user.mentor_profile = MentorProfile()
    return user.mentor_profile


def _focus_areas(ids: list[int]) -> list[FocusArea]:
    if not ids:
        return []
    return list(db.session.scalars(select(FocusArea).where(FocusArea.id.in_(ids))))


def _enum_or_none(enum_cls, value: str | None):
    return enum_cls(value) if value else None


def save_student_profile(
    user: User,
    *,
    school: str,
    stage: str | None,
    graduation_year: int | None,
    interests: list[int],
    focus_area_ids: list[int],
    home_has_department: str | None,
    goals: list[str],
    wanted_types: list[str],
    contact_preference: str,
    statement: str,
) -> StudentProfile:
    """Replace the student's profile with these answers (specialty ids in rank order)."""
    if len(interests) > 3 or len(set(interests)) != len(interests):
        raise ProfileError("Choose up to three different specialties.")
    profile = student_profile(user)
    profile.school = school
    profile.stage = _enum_or_none(Stage, stage)
    profile.graduation_year = graduation_year
    profile.home_has_department = None if not home_has_department else home_has_department == "yes"
    profile.goals = sorted(goals)
    profile.wanted_types = sorted(wanted_types)
    profile.contact_preference = ContactPreference(contact_preference)
    profile.statement = statement
    profile.focus_areas = _focus_areas(focus_area_ids)
    current = [i.specialty_id for i in profile.interests]
    if current != interests:
        profile.interests.clear()
        db.session.flush()
        profile.interests.extend(
            StudentInterest(rank=rank, specialty_id=sid)
            for rank, sid in enumerate(interests, start=1)
        )
    profile.updated_at = clock.now()
    return profile


def save_mentor_profile(
    user: User,
    *,
    mentor_type: str | None,
    faculty_rank: str | None,
    pgy: int | None,
    peer_stage: str | None,
    specialty_id: int | None,
    focus_area_ids: list[int],
    institution: str,
    region: str,
    offers: list[str],
    capacity: int,
    accepting: bool,
    preferred_stages: list[str],
    bio: str,
) -> MentorProfile:
    if not 1 <= capacity <= 10:
        raise ProfileError("Capacity must be between 1 and 10 mentees.")
    kind = _enum_or_none(MentorType, mentor_type)
    if kind is MentorType.PEER and peer_stage in (None, "", Stage.MS1.value):
        raise ProfileError("A peer mentor is a student at least one year ahead (MS2 or later).")
    profile = mentor_profile(user)
    profile.mentor_type = kind
    profile.faculty_rank = (
        _enum_or_none(FacultyRank, faculty_rank) if kind is MentorType.FACULTY else None
    )
    profile.pgy = pgy if kind is MentorType.RESIDENT else None
    profile.peer_stage = _enum_or_none(Stage, peer_stage) if kind is MentorType.PEER else None
    profile.specialty_id = specialty_id
    profile.focus_areas = _focus_areas(focus_area_ids)
    profile.institution = institution
    profile.region = region
    profile.offers = sorted(offers)
    profile.capacity = capacity
    profile.accepting = accepting
    profile.preferred_stages = sorted(preferred_stages)
    profile.bio = bio
    profile.updated_at = clock.now()
    return profile


def missing(user: User) -> list[str]:
    """What ``user``'s profile still lacks (nothing for coordinators and admins)."""
    if user.role not in (Role.STUDENT, Role.MENTOR):
        return []
    profile = user.student_profile if user.role is Role.STUDENT else user.mentor_profile
    return profile.missing() if profile is not None else ["your profile"]


# --- who sees whom ---------------------------------------------------------------------------


def _shares_group(viewer_id: int, other_id: int, *, other_pending_ok: bool = False):
    """SQL: viewer and other are both active members of one group."""
    mine, theirs = aliased(Membership), aliased(Membership)
    statuses = [MembershipStatus.ACTIVE]
    if other_pending_ok:
        statuses.append(MembershipStatus.PENDING)
    return (
        exists()
        .where(mine.user_id == viewer_id, mine.status == MembershipStatus.ACTIVE)
        .where(theirs.group_id == mine.group_id, theirs.user_id == other_id)
        .where(theirs.status.in_(statuses))
    )


def _coordinates_a_group_of(viewer_id: int, other_id: int):
    """SQL: viewer coordinates a group that other belongs to or has asked to join (an
    invitation the person has not accepted shows the group nothing)."""
    return (
        exists()
        .where(group_coordinators.c.user_id == viewer_id)
        .where(Membership.group_id == group_coordinators.c.group_id)
        .where(Membership.user_id == other_id)
        .where(Membership.status.in_((MembershipStatus.ACTIVE, MembershipStatus.PENDING)))
    )


def can_view(viewer: User, person: User) -> bool:
    """Whether ``viewer`` may see ``person``'s profile.

    Everyone sees their own; admins see all; coordinators see the members (and join requests)
    of the groups they run; students see the mentors of their own groups and any mentor they
    have an introduction with, never other students; mentors see a student only once
    introduced to them, never other mentors.
    """
    if viewer.id == person.id or viewer.role is Role.ADMIN:
        return True
    if viewer.role is Role.COORDINATOR:
        return bool(db.session.scalar(select(_coordinates_a_group_of(viewer.id, person.id))))
    if viewer.role is Role.STUDENT and person.role is Role.MENTOR:
        shared = or_(_shares_group(viewer.id, person.id), _introduced(viewer.id, person.id))
        return bool(db.session.scalar(select(shared)))
    if viewer.role is Role.MENTOR and person.role is Role.STUDENT:
        return bool(db.session.scalar(select(_introduced(person.id, viewer.id))))
    return False


def _introduced(student_id: int, mentor_id: int):
    """SQL: the student and the mentor have (or had) an introduction."""
    return exists().where(
        Introduction.student_id == student_id, Introduction.mentor_id == mentor_id
    )


def directory(
    viewer: User,
    *,
    q: str | None = None,
    specialty_id: int | None = None,
    mentor_type: str | None = None,
    accepting_only: bool = False,
) -> Select[tuple[User]]:
    """The mentors ``viewer`` may browse: those of the viewer's groups (all, for admins)."""
    query = (
        select(User)
        .join(MentorProfile, MentorProfile.user_id == User.id)
        .where(User.role == Role.MENTOR, User.active)
        .options(
            selectinload(User.mentor_profile).selectinload(MentorProfile.specialty),
            selectinload(User.mentor_profile).selectinload(MentorProfile.focus_areas),
        )
        .order_by(func.lower(User.name))
    )
    if viewer.role is Role.COORDINATOR:
        query = query.where(_coordinates_a_group_of(viewer.id, User.id))
    elif viewer.role is not Role.ADMIN:
        query = query.where(_shares_group(viewer.id, User.id))
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(
            or_(
                func.lower(User.name).like(pattern),
                func.lower(MentorProfile.institution).like(pattern),
                func.lower(MentorProfile.bio).like(pattern),
            )
        )
    if specialty_id:
        query = query.where(MentorProfile.specialty_id == specialty_id)
    if mentor_type:
        query = query.where(MentorProfile.mentor_type == MentorType(mentor_type))
    if accepting_only:
        query = query.where(MentorProfile.accepting)
    return query


# --- a person's own data ---------------------------------------------------------------------


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def export_data(user: User) -> dict[str, Any]:
    """Everything the site holds on ``user``, as plain JSON-ready data."""
    data: dict[str, Any] = {
        "account": {
            "email": user.email,
            "name": user.name,
            "role": user.role.value,
            "active": user.active,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
            "password_changed_at": _iso(user.password_changed_at),
        },
        "exported_at": _iso(clock.now()),
    }
    if user.student_profile is not None:
        p = user.student_profile
        data["student_profile"] = {
            "school": p.school,
            "stage": p.stage.value if p.stage else None,
            "graduation_year": p.graduation_year,
            "specialty_interests": [i.specialty.name for i in p.interests],
            "focus_areas": sorted(a.name for a in p.focus_areas),
            "home_has_department": p.home_has_department,
            "goals": p.goals,
            "wanted_mentor_types": p.wanted_types,
            "contact_preference": p.contact_preference.value,
            "statement": p.statement,
            "updated_at": _iso(p.updated_at),
        }
    if user.mentor_profile is not None:
        p = user.mentor_profile
        data["mentor_profile"] = {
            "mentor_type": p.mentor_type.value if p.mentor_type else None,
            "faculty_rank": p.faculty_rank.value if p.faculty_rank else None,
            "pgy": p.pgy,
            "peer_stage": p.peer_stage.value if p.peer_stage else None,
            "specialty": p.specialty.name if p.specialty else None,
            "focus_areas": sorted(a.name for a in p.focus_areas),
            "institution": p.institution,
            "region": p.region,
            "offers": p.offers,
            "capacity": p.capacity,
            "accepting": p.accepting,
            "preferred_stages": p.preferred_stages,
            "bio": p.bio,
            "updated_at": _iso(p.updated_at),
        }
    data["memberships"] = [
        {"group": m.group.name, "status": m.status.value, "joined_at": _iso(m.joined_at)}
        for m in user.memberships
    ]
    data["coordinates"] = [
        g.name
        for g in db.session.scalars(
            select(InterestGroup)
            .join(group_coordinators)
            .where(group_coordinators.c.user_id == user.id)
        )
    ]
    data["emails"] = [
        {
            "subject": m.subject,
            "queued_at": _iso(m.created_at),
            "status": m.status.value,
            "body": m.body_text,
        }
        for m in db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.to_addr == user.email)
            .order_by(OutboxMessage.id)
        )
    ]
    return data


def delete_account(user: User, password: str) -> None:
    """Remove the account and every piece of personal data tied to it."""
    if not passwords.verify_password(user.password_hash, password):
        raise ProfileError("That password is not right.")
    if user.role is Role.ADMIN:
        admins = db.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active)
        )
        if admins <= 1:
            raise ProfileError("You are the last admin; make another admin first.")
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.to_addr == user.email))
    db.session.execute(delete(group_coordinators).where(group_coordinators.c.user_id == user.id))
    db.session.delete(user)
