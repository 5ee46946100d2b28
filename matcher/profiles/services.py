"""Profile rules: saving profiles, their schools and institutions, what a profile page shows,
who may see whom, the mentor directory, deleting an account."""

from dataclasses import dataclass

from sqlalchemy import (
    Select,
    delete,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import aliased, selectinload

from matcher import audit, clock
from matcher.auth import passwords
from matcher.extensions import db
from matcher.institutions import services as institutions
from matcher.introductions import waiting
from matcher.models import (
    SIDES,
    ContactPreference,
    FacultyRank,
    FocusArea,
    Institution,
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
from matcher.models.introduction import mentoring


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


class UnknownPlaceError(ProfileError):
    """The school or institution typed matches no institution's name or alias; ``suggestions``
    are the closest known names, best first."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        super().__init__(f"We don’t know “{name}” yet.")
        self.name = name
        self.suggestions = suggestions


# --- schools and institutions ------------------------------------------------------------------


def place_names() -> list[str]:
    """The names (and aliases) a school or institution field suggests as one types."""
    return institutions.picker_names()


def _known_place(name: str, current: str, current_id: int | None) -> tuple[str, int | None] | None:
    """The (canonical name, institution id) ``name`` stands for: the institution whose name or
    alias it is, or the profile's own saved value sent back unchanged; ``None`` when unknown."""
    if not name:
        return "", None
    found = institutions.resolve(name)
    if found is not None:
        return found.name, found.id
    if institutions.folded(name) == institutions.folded(current):
        return current, current_id
    return None


def _place(
    name: str, current: str, current_id: int | None, *, add: bool, actor: User
) -> tuple[str, int | None]:
    """What a profile saves for the school or institution typed: a known one, or, when ``add``
    is ticked, a new one waiting for an admin's review. ``UnknownPlaceError`` otherwise."""
    known = _known_place(name, current, current_id)
    if known is not None:
        return known
    if not add:
        raise UnknownPlaceError(name, [i.name for i in institutions.suggest(name)])
    try:
        chosen = institutions.choose(name, actor)
    except institutions.InstitutionError as exc:
        raise ProfileError(str(exc)) from None
    return chosen.name, chosen.id


def unknown_place(user: User, side: Role, name: str) -> UnknownPlaceError | None:
    """The question to ask about ``name``, typed as the school (student side) or institution
    (mentor side) of ``user``, when it is unknown (the form is shown again for another reason);
    ``None`` when it is known."""
    current, current_id = _saved_place(user, side)
    if _known_place(name, current, current_id) is not None:
        return None
    return UnknownPlaceError(name, [i.name for i in institutions.suggest(name)])


def _saved_place(user: User, side: Role) -> tuple[str, int | None]:
    if side is Role.STUDENT:
        profile = user.student_profile
        return (profile.school, profile.institution_id) if profile else ("", None)
    profile = user.mentor_profile
    return (profile.institution, profile.institution_id) if profile else ("", None)


def _focus_areas(ids: list[int], specialty_ids: list[int]) -> tuple[list[FocusArea], list[str]]:
    """The focus areas ``ids`` within the specialties ``specialty_ids``, and the names of those
    left out because their specialty is not among them."""
    if not ids:
        return [], []
    areas = db.session.scalars(select(FocusArea).where(FocusArea.id.in_(ids))).all()
    kept = [a for a in areas if a.specialty_id in specialty_ids]
    return kept, sorted(a.name for a in areas if a.specialty_id not in specialty_ids)


def _enum_or_none(enum_cls, value: str | None):
    return enum_cls(value) if value else None


def save_student_profile(
    user: User,
    *,
    school: str,
    add_school: bool = False,
    stage: str | None,
    graduation_year: int | None,
    interests: list[int],
    focus_area_ids: list[int],
    home_has_department: str | None,
    goals: list[str],
    wanted_types: list[str],
    contact_preference: str,
    statement: str,
) -> list[str]:
    """Replace the student's profile with these answers (specialty ids in rank order); returns
    the names of the focus areas left out because their specialty is not chosen.

    The school is linked to the institution whose name or alias was typed and saved under its
    name; an unknown one raises ``UnknownPlaceError`` unless ``add_school`` adds it for an
    admin to review.
    """
    if len(interests) > 3 or len(set(interests)) != len(interests):
        raise ProfileError("Choose up to three different specialties.")
    saved = user.student_profile
    school, institution_id = _place(
        school,
        saved.school if saved else "",
        saved.institution_id if saved else None,
        add=add_school,
        actor=user,
    )
    profile = student_profile(user)
    profile.school = school
    profile.institution_id = institution_id
    profile.stage = _enum_or_none(Stage, stage)
    profile.graduation_year = graduation_year
    profile.home_has_department = None if not home_has_department else home_has_department == "yes"
    profile.goals = sorted(goals)
    profile.wanted_types = sorted(wanted_types)
    profile.contact_preference = ContactPreference(contact_preference)
    profile.statement = statement
    profile.focus_areas, dropped = _focus_areas(focus_area_ids, interests)
    current = [i.specialty_id for i in profile.interests]
    if current != interests:
        profile.interests.clear()
        db.session.flush()
        profile.interests.extend(
            StudentInterest(rank=rank, specialty_id=sid)
            for rank, sid in enumerate(interests, start=1)
        )
    profile.updated_at = clock.now()
    return dropped


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
    add_institution: bool = False,
    region: str,
    offers: list[str],
    capacity: int,
    accepting: bool,
    preferred_stages: list[str],
    bio: str,
) -> list[str]:
    """Replace the mentor's profile with these answers; returns the names of the focus areas
    left out because they belong to another specialty than the one chosen."""
    if not 1 <= capacity <= 10:
        raise ProfileError("Capacity must be between 1 and 10 mentees.")
    kind = _enum_or_none(MentorType, mentor_type)
    if kind is MentorType.PEER and peer_stage in (None, "", Stage.MS1.value):
        raise ProfileError("A peer mentor is a student at least one year ahead (MS2 or later).")
    saved = user.mentor_profile
    institution, institution_id = _place(
        institution,
        saved.institution if saved else "",
        saved.institution_id if saved else None,
        add=add_institution,
        actor=user,
    )
    profile = mentor_profile(user)
    profile.mentor_type = kind
    profile.faculty_rank = (
        _enum_or_none(FacultyRank, faculty_rank) if kind is MentorType.FACULTY else None
    )
    profile.pgy = pgy if kind is MentorType.RESIDENT else None
    profile.peer_stage = _enum_or_none(Stage, peer_stage) if kind is MentorType.PEER else None
    profile.specialty_id = specialty_id
    profile.focus_areas, dropped = _focus_areas(
        focus_area_ids, [specialty_id] if specialty_id else []
    )
    profile.institution = institution
    profile.institution_id = institution_id
    profile.region = region
    profile.offers = sorted(offers)
    profile.capacity = capacity
    profile.accepting = accepting
    profile.preferred_stages = sorted(preferred_stages)
    profile.bio = bio
    profile.updated_at = clock.now()
    return dropped


# --- what a profile page shows ----------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A school or institution as profiles show it: ``label`` names its home too where that
    differs, ``note`` says when the name waits for an admin's review."""

    label: str
    note: str = ""


def place(name: str, record: Institution | None) -> Place:
    """How a profile shows the school or institution saved as ``name`` (linked to ``record``)."""
    if record is None:
        return Place(name)
    home = record.home
    label = record.name if home is None else f"{record.name} ({home.name})"
    if record.confirmed:
        return Place(label)
    return Place(
        label,
        f"“{record.name}” is new to the list of institutions and waits for an admin’s review.",
    )


def home_department(profile: StudentProfile | None, own: bool = True) -> str:
    """What the school's records say about a department in the first-choice specialty, as a
    sentence; "" when they say nothing (the student's own answer counts then)."""
    if profile is None or profile.institution_record is None or not profile.interests:
        return ""
    first = profile.interests[0].specialty
    known = institutions.home_has_department(profile.institution_id, first.id)
    if known is None:
        return ""
    school, specialty = profile.institution_record.name, first.name.lower()
    if known:
        return f"{school} has a {specialty} department."
    who = "you" if own else "this student"
    return f"{school} has no {specialty} department: an external faculty mentor matters for {who}."


@dataclass(frozen=True)
class ProfilePage:
    """What a profile page shows beyond the profile's own fields."""

    place: Place
    home_department: str = ""


def profile_page(person: User, viewer: User, side: Role) -> ProfilePage:
    """What ``person``'s profile page shows of ``side`` (student or mentor) to ``viewer``."""
    if side is Role.STUDENT and person.student_profile is not None:
        p = person.student_profile
        own = person.id == viewer.id
        return ProfilePage(place(p.school, p.institution_record), home_department(p, own))
    if side is Role.MENTOR and person.mentor_profile is not None:
        p = person.mentor_profile
        return ProfilePage(place(p.institution, p.institution_record))
    return ProfilePage(Place(""))


NOT_SAVED_YET = (
    "The focus areas of the specialties you chose are below. Nothing is saved yet: "
    "choose them, then save your profile."
)


def saved_message(dropped: list[str]) -> str:
    """What saving a profile says; what is still missing is the profile page's to say."""
    if not dropped:
        return "Profile saved."
    return (
        "Profile saved. These focus areas were left out because their specialty is no longer "
        f"chosen: {', '.join(dropped)}."
    )


def missing(user: User, side: Role | None = None) -> list[str]:
    """What ``user``'s profile of ``side`` still lacks, or of every side the account holds
    (nothing for an account with neither side)."""
    held = user.sides
    gaps: list[str] = []
    for each in held if side is None else [side]:
        profile = user.student_profile if each is Role.STUDENT else user.mentor_profile
        if profile is None:
            gaps.append(f"your {each.value} profile" if len(held) > 1 else "your profile")
        else:
            gaps.extend(gap for gap in profile.missing() if gap not in gaps)
    return gaps


def add_side(user: User, side: Role) -> None:
    """Let ``user`` also be a student (to find mentors) or a mentor (a peer mentor, say); the
    new side starts with an empty profile."""
    if side not in SIDES:
        raise ProfileError("Choose student or mentor.")
    if user.has_role(side):
        raise ProfileError(f"You are already a {side.value} here.")
    user.roles = user.roles | {side}
    if side is Role.STUDENT:
        student_profile(user)
    else:
        mentor_profile(user)
    audit.record("account.add_side", actor=user, target=user, side=side.value)


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


def visible_sides(viewer: User, person: User) -> list[Role]:
    """The sides of ``person`` (student, mentor) whose profile ``viewer`` may see.

    Everyone sees their own; admins see all; coordinators see the members (and join requests)
    of the groups they run; students see the mentors of their own groups and any mentor they
    have an introduction with, never other students; mentors see a student only once
    introduced to them, never other mentors. A person who is both is seen by each rule on its
    own side: a fellow student sees a peer mentor's mentor profile, never their student one.
    """
    held = person.sides
    if not held:
        return []
    if viewer.id == person.id or viewer.has_role(Role.ADMIN):
        return held
    if db.session.scalar(select(_coordinates_a_group_of(viewer.id, person.id))):
        return held
    seen = []
    mentee = Role.STUDENT in held and viewer.has_role(Role.MENTOR)
    if mentee and db.session.scalar(select(_introduced(person.id, viewer.id))):
        seen.append(Role.STUDENT)
    if Role.MENTOR in held and viewer.has_role(Role.STUDENT):
        shared = or_(_shares_group(viewer.id, person.id), _introduced(viewer.id, person.id))
        if db.session.scalar(select(shared)):
            seen.append(Role.MENTOR)
    return seen


def can_view(viewer: User, person: User) -> bool:
    """Whether ``viewer`` may see any side of ``person``'s profile."""
    return bool(visible_sides(viewer, person))


@dataclass(frozen=True)
class ProfileSection:
    """One side of a profile page: the profile (``None`` while not begun), what it still
    lacks (for its owner) and the page's facts beyond its fields."""

    side: str
    title: str
    profile: StudentProfile | MentorProfile | None
    page: ProfilePage
    gaps: list[str]


SIDE_TITLES = {Role.STUDENT: "As a student", Role.MENTOR: "As a mentor"}


def profile_sections(person: User, viewer: User) -> list[ProfileSection]:
    """The sides of ``person``'s profile page ``viewer`` may see (none: the page is refused)."""
    own = person.id == viewer.id
    return [
        ProfileSection(
            side.value,
            SIDE_TITLES[side],
            person.student_profile if side is Role.STUDENT else person.mentor_profile,
            profile_page(person, viewer, side),
            missing(person, side) if own else [],
        )
        for side in visible_sides(viewer, person)
    ]


def side_to_add(user: User) -> Role | None:
    """The side ``user`` could take on too (a student may peer-mentor, a mentor may look for
    mentors), or ``None`` when they hold both or neither."""
    held = user.sides
    if len(held) != 1:
        return None
    return Role.MENTOR if held[0] is Role.STUDENT else Role.STUDENT


SIDE_ADDED = {
    Role.MENTOR.value: "You are a mentor too now. Fill in your mentor profile so coordinators "
    "and students can find you.",
    Role.STUDENT.value: "You can look for mentors now. Fill in your student profile so "
    "coordinators can introduce you.",
}


def may_ask(viewer: User, person: User) -> bool:
    """Whether ``viewer`` may ask ``person`` to mentor them from the person's profile."""
    return (
        viewer.id != person.id
        and viewer.has_role(Role.STUDENT)
        and person.has_role(Role.MENTOR)
        and person.mentor_profile is not None
        and not db.session.scalar(select(mentoring(viewer.id, person.id)))
    )


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
        .where(User.is_mentor, User.active, User.id != viewer.id)
        .options(
            selectinload(User.mentor_profile).selectinload(MentorProfile.specialty),
            selectinload(User.mentor_profile).selectinload(MentorProfile.focus_areas),
            selectinload(User.mentor_profile)
            .selectinload(MentorProfile.institution_record)
            .selectinload(Institution.home),
        )
        .order_by(func.lower(User.name))
    )
    if not viewer.has_role(Role.ADMIN):
        query = query.where(
            or_(
                _coordinates_a_group_of(viewer.id, User.id),
                _shares_group(viewer.id, User.id),
            )
        )
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


def mentor_places(mentors: list[User]) -> dict[int, Place]:
    """Each mentor's institution as the directory shows it, by user id."""
    return {
        m.id: place(m.mentor_profile.institution, m.mentor_profile.institution_record)
        for m in mentors
        if m.mentor_profile is not None
    }


# --- deleting an account ---------------------------------------------------------------------


def delete_account(user: User, password: str) -> None:
    """Remove the account and every piece of personal data tied to it."""
    if not passwords.verify_password(user.password_hash, password):
        raise ProfileError("That password is not right.")
    if user.has_role(Role.ADMIN):
        admins = db.session.scalar(
            select(func.count()).select_from(User).where(User.is_admin, User.active)
        )
        if admins <= 1:
            raise ProfileError("You are the last admin; make another admin first.")
    waiting.account_leaving(user)
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.to_addr == user.email))
    db.session.execute(delete(group_coordinators).where(group_coordinators.c.user_id == user.id))
    db.session.delete(user)
