"""A group's coordinator dashboard: the student funnel, supply against demand, rounds and
stalled introductions, each from one set-based query (the number of queries does not grow
with the group)."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, distinct, func, or_, select

from matcher.charts import Balance, Step
from matcher.extensions import db
from matcher.groups import services as groups
from matcher.introductions import services as introductions
from matcher.introductions import waiting
from matcher.introductions.report import EVER_ACCEPTED
from matcher.models import (
    HELD_STATUSES,
    SLOT_MENTOR_TYPES,
    InterestGroup,
    Introduction,
    IntroStatus,
    Membership,
    MembershipStatus,
    MentorProfile,
    MentorType,
    Round,
    RoundDraft,
    RoundStudent,
    Specialty,
    StudentInterest,
    StudentProfile,
    User,
    WantedMentor,
)
from matcher.rounds import opening, taking_part
from matcher.solving import population

STALLED_SHOWN = 10


@dataclass(frozen=True)
class RoundRow:
    id: int
    name: str
    status: str
    status_label: str
    slots: list[str]
    drafts: int
    students: int
    preference_deadline: datetime | None
    preferences_open: bool
    created_at: datetime


@dataclass(frozen=True)
class Dashboard:
    members: int
    mentors: int
    pending: int
    funnel: list[Step]
    by_specialty: list[Balance]
    by_kind: list[Balance]
    rounds: list[RoundRow]
    stalled: list[Introduction]
    stalled_count: int
    waiting_rematch: int


def build(group: InterestGroup) -> Dashboard:
    """Everything the dashboard shows, as plain data."""
    counts = groups.counts(group)
    by_specialty, by_kind = supply_and_demand(group)
    stalled = introductions.stalled(group)
    return Dashboard(
        members=counts.students,
        mentors=counts.mentors,
        pending=counts.pending,
        funnel=funnel(group, counts),
        by_specialty=by_specialty,
        by_kind=by_kind,
        rounds=round_rows(group),
        stalled=stalled[:STALLED_SHOWN],
        stalled_count=len(stalled),
        waiting_rematch=waiting.waiting_count(group),
    )


def _member_students(group_id: int):
    return (
        select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.group_id == group_id,
            Membership.status == MembershipStatus.ACTIVE,
            User.is_student,
        )
        .scalar_subquery()
    )


def funnel(group: InterestGroup, counts: groups.GroupCounts | None = None) -> list[Step]:
    """Student members → complete profiles → matched (introduced to a mentor) → accepted by a
    mentor → met their mentor. Each count is of the group's active student members."""
    counts = counts or groups.counts(group)
    members = _member_students(group.id)

    def students(*conditions):
        return (
            select(func.count(distinct(Introduction.student_id)))
            .where(Introduction.group_id == group.id, Introduction.student_id.in_(members))
            .where(*conditions)
            .scalar_subquery()
        )

    accepted = or_(
        Introduction.status.in_(EVER_ACCEPTED),
        and_(Introduction.status == IntroStatus.WITHDRAWN, Introduction.responded_at.is_not(None)),
    )
    matched, accepted_count, met = db.session.execute(
        select(students(), students(accepted), students(Introduction.met_at.is_not(None)))
    ).one()
    return [
        Step("Student members", counts.students),
        Step("Complete profiles", counts.complete_students),
        Step("Matched", matched),
        Step("Accepted", accepted_count),
        Step("Met", met),
    ]


def supply_and_demand(group: InterestGroup) -> tuple[list[Balance], list[Balance]]:
    """Per specialty and per kind of mentor: the free places of the mentors who can take part
    in a round (accepting, complete profile) against the places the group's students with
    complete profiles still want (each kind they asked for and do not hold yet).

    A student's wanted places count under their first-choice specialty. Faculty places fill
    both faculty and external-faculty requests.
    """
    taken = population.places_taken().subquery()
    held = func.coalesce(taken.c[1], 0)
    free = case((MentorProfile.capacity > held, MentorProfile.capacity - held), else_=0)
    mentor_rows = db.session.execute(
        select(MentorProfile.mentor_type, MentorProfile.specialty_id, func.sum(free))
        .outerjoin(taken, taken.c[0] == MentorProfile.user_id)
        .where(MentorProfile.user_id.in_(population.round_mentors(group.id).scalar_subquery()))
        .group_by(MentorProfile.mentor_type, MentorProfile.specialty_id)
    ).all()

    eligible = taking_part.eligible_students(group.id).scalar_subquery()
    student_rows = db.session.execute(
        select(StudentProfile.user_id, StudentProfile.wanted_types, StudentInterest.specialty_id)
        .outerjoin(
            StudentInterest,
            and_(StudentInterest.student_id == StudentProfile.user_id, StudentInterest.rank == 1),
        )
        .where(StudentProfile.user_id.in_(eligible))
    ).all()
    holding: dict[int, set[str]] = {}
    for student_id, slot in db.session.execute(
        select(Introduction.student_id, Introduction.slot).where(
            Introduction.group_id == group.id,
            Introduction.status.in_(HELD_STATUSES),
            Introduction.student_id.in_(eligible),
        )
    ):
        holding.setdefault(student_id, set()).add(slot)

    supply_kind: Counter[str] = Counter()
    supply_specialty: Counter[int] = Counter()
    for mentor_type, specialty_id, places in mentor_rows:
        places = int(places or 0)
        supply_specialty[specialty_id] += places
        for slot, types in SLOT_MENTOR_TYPES.items():
            if MentorType(mentor_type) in types:
                supply_kind[slot] += places
    demand_kind: Counter[str] = Counter()
    demand_specialty: Counter[int] = Counter()
    for student_id, wanted, specialty_id in student_rows:
        still = [s for s in (wanted or []) if s in SLOT_MENTOR_TYPES]
        still = [s for s in still if s not in holding.get(student_id, ())]
        demand_kind.update(still)
        if specialty_id is not None:
            demand_specialty[specialty_id] += len(still)

    ids = sorted((set(supply_specialty) | set(demand_specialty)) - {None})
    names = dict(
        db.session.execute(select(Specialty.id, Specialty.name).where(Specialty.id.in_(ids))).all()
    )
    by_specialty = sorted(
        (
            Balance(names[i], supply_specialty[i], demand_specialty[i])
            for i in ids
            if supply_specialty[i] or demand_specialty[i]
        ),
        key=lambda b: (-b.gap, b.label),
    )
    by_kind = [
        Balance(kind.label, supply_kind[kind.value], demand_kind[kind.value])
        for kind in WantedMentor
    ]
    return by_specialty, by_kind


def round_rows(group: InterestGroup) -> list[RoundRow]:
    drafts = (
        select(func.count(RoundDraft.id))
        .where(RoundDraft.round_id == Round.id)
        .correlate(Round)
        .scalar_subquery()
    )
    students = (
        select(func.count())
        .select_from(RoundStudent)
        .where(RoundStudent.round_id == Round.id)
        .correlate(Round)
        .scalar_subquery()
    )
    query = opening.group_rounds(group.id).add_columns(drafts, students)
    return [
        RoundRow(
            id=r.id,
            name=r.name,
            status=opening.phase(r).key,
            status_label=opening.phase(r).label,
            slots=list(r.slots),
            drafts=n_drafts,
            students=n_students,
            preference_deadline=r.preference_deadline,
            preferences_open=r.preferences_open(),
            created_at=r.created_at,
        )
        for r, n_drafts, n_students in db.session.execute(query)
    ]
