"""Load a round's people from the database into the matching engine's arrays.

A few set-based queries, no per-person round trips, so a society-size round loads
in well under a second.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sqlalchemy import Select, Text, and_, cast, exists, func, select

from matcher.extensions import db
from matcher.matching import (
    KIND_FACULTY,
    KIND_FELLOW,
    KIND_PEER,
    KIND_RESIDENT,
    MentorFeatures,
    StudentFeatures,
)
from matcher.models import (
    ACTIVE_STATUSES,
    HELD_STATUSES,
    MAX_PREFERENCES,
    SLOT_MENTOR_TYPES,
    Goal,
    Institution,
    Introduction,
    Membership,
    MembershipStatus,
    MentorProfile,
    MentorType,
    Role,
    Round,
    RoundLike,
    RoundPreference,
    RoundStatus,
    RoundStudent,
    Stage,
    StudentInterest,
    StudentProfile,
    User,
)
from matcher.models.institution import folded, home_key_of, known_home_departments
from matcher.models.profile import mentor_complete, mentor_focus, student_focus

_KIND = {
    MentorType.FACULTY: KIND_FACULTY,
    MentorType.RESIDENT: KIND_RESIDENT,
    MentorType.FELLOW: KIND_FELLOW,
    MentorType.PEER: KIND_PEER,
}
_GOALS = [g.value for g in Goal]
"""Introductions that fill a student's slot: a follow-up round keeps them."""


@dataclass(frozen=True, eq=False)
class Population:
    """The people of a round as engine arrays; index ``i`` is ``student_ids[i]``, etc."""

    student_ids: np.ndarray
    mentor_ids: np.ndarray
    students: StudentFeatures
    mentors: MentorFeatures
    capacity: np.ndarray
    mentor_type: list[MentorType]
    wanted_types: list[frozenset[str]]
    held: dict[int, set[str]]
    never: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    """(k, 2) student and mentor indices never to be paired: a person who is both a student
    and a mentor with themselves, and a peer mentor's own mentor as their mentee."""

    @property
    def first_choice(self) -> np.ndarray:
        """Each student's first-choice specialty id (-1 if none)."""
        return self.students.specialties[:, 0]

    def student_index(self) -> dict[int, int]:
        return {int(u): i for i, u in enumerate(self.student_ids)}

    def mentor_index(self) -> dict[int, int]:
        return {int(u): i for i, u in enumerate(self.mentor_ids)}

    def eligible(self, slot: str) -> np.ndarray:
        """Indices of mentors who can fill ``slot``."""
        kinds = SLOT_MENTOR_TYPES[slot]
        return np.array([i for i, t in enumerate(self.mentor_type) if t in kinds], dtype=np.int64)

    def wants(self, slots: list[str]) -> np.ndarray:
        """(S, len(slots)) bool: student wants the slot and does not hold it already.

        Students who asked for none of the round's slots want them all: they opted in.
        """
        out = np.zeros((self.student_ids.size, len(slots)), dtype=bool)
        for i, sid in enumerate(self.student_ids):
            asked = self.wanted_types[i] & set(slots) or set(slots)
            held = self.held.get(int(sid), set())
            out[i] = [slot in asked and slot not in held for slot in slots]
        return out


def active_members(group_id: int, role: Role) -> Select[tuple[int]]:
    """Ids of the group's active members with ``role`` whose accounts are switched on."""
    return (
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.group_id == group_id,
            Membership.status == MembershipStatus.ACTIVE,
            User.holding(role),
            User.active,
        )
        .correlate(None)
    )


def round_mentors(group_id: int) -> Select[tuple[int]]:
    """Ids of the group's mentors who can take part: active members with a complete
    profile, accepting mentees."""
    return active_members(group_id, Role.MENTOR).where(
        exists().where(MentorProfile.user_id == User.id, MentorProfile.accepting),
        mentor_complete(),
    )


def places_taken() -> Select[tuple[int, int]]:
    """(mentor id, introductions holding one of their places), across all groups."""
    return (
        select(Introduction.mentor_id, func.count())
        .where(Introduction.status.in_(ACTIVE_STATUSES))
        .group_by(Introduction.mentor_id)
    )


def waited_rounds(group_id: int, before_round_id: int | None) -> Select[tuple[int, int]]:
    """(student id, earlier published rounds of the group the student took part in and
    came out of without a standing introduction)."""
    standing = (
        select(Introduction.id)
        .where(
            Introduction.round_id == Round.id,
            Introduction.student_id == RoundStudent.student_id,
            Introduction.status.in_(HELD_STATUSES),
        )
        .exists()
    )
    query = (
        select(RoundStudent.student_id, func.count())
        .join(Round, Round.id == RoundStudent.round_id)
        .where(Round.group_id == group_id, Round.status == RoundStatus.PUBLISHED, ~standing)
        .group_by(RoundStudent.student_id)
    )
    if before_round_id is not None:
        query = query.where(Round.id != before_round_id)
    return query


def _institution_ids(people: list[tuple[int | None, str]]) -> np.ndarray:
    """Each person's institution code: the id of their institution's home, so everyone of one
    school and its teaching hospitals shares a code. Someone not linked to an institution yet
    gets the home of the institution their typed name names, or else a code of its own per
    folded name, above every institution id; -1 when they gave no name. One query."""
    homes: dict[int, int] = {}
    by_name: dict[str, int] = {}
    for inst_id, home, name, aliases in db.session.execute(
        select(Institution.id, home_key_of(), Institution.name, Institution.aliases)
    ):
        homes[inst_id] = home
        for text in [name, *(aliases or [])]:
            by_name.setdefault(folded(text), home)
    first_free = max(homes, default=0) + 1
    codes: dict[str, int] = {}
    out = np.full(len(people), -1, dtype=np.int64)
    for k, (inst_id, name) in enumerate(people):
        if inst_id is not None and inst_id in homes:
            out[k] = homes[inst_id]
            continue
        key = folded(name or "")
        if key in by_name:
            out[k] = by_name[key]
        elif key:
            out[k] = codes.setdefault(key, first_free + len(codes))
    return out


def _home_department(
    homes: np.ndarray, first_choice: np.ndarray, answers: list[bool | None]
) -> np.ndarray:
    """Whether each student's home has a department in their first-choice specialty: known
    where an institution of the home lists its departments, else the student's own answer
    (unanswered counts as yes). One query."""
    known = known_home_departments()
    out = np.array([answer is not False for answer in answers], dtype=bool)
    for k, home in enumerate(homes.tolist()):
        if home in known and first_choice[k] >= 0:
            out[k] = int(first_choice[k]) in known[home]
    return out


def _json_lists(texts: list[str | None]) -> list[list]:
    """JSON list columns read as text, decoded in one parse (one ``json.loads`` per value
    costs more than the rest of loading a national round's students)."""
    values = json.loads("[" + ",".join("null" if t is None else t for t in texts) + "]")
    return [value or [] for value in values]


def _bool_rows(rows: dict[int, list[int]], ids: np.ndarray, columns: dict[int, int]) -> np.ndarray:
    out = np.zeros((ids.size, len(columns)), dtype=bool)
    for i, uid in enumerate(ids):
        for value in rows.get(int(uid), ()):
            out[i, columns[value]] = True
    return out


def load(
    group_id: int,
    student_ids: Select[tuple[int]],
    mentor_ids: Select[tuple[int]] | None = None,
    *,
    round_id: int | None = None,
    extra_wait: int = 0,
) -> Population:
    """Build a :class:`Population` of the given students and mentors.

    ``mentor_ids`` defaults to :func:`round_mentors`. With ``round_id``, the round's
    stated preferences and likes are included. ``extra_wait`` adds to every
    student's count of rounds waited (a re-match after a decline).
    """
    mentor_ids = round_mentors(group_id) if mentor_ids is None else mentor_ids
    s_subq = student_ids.correlate(None).scalar_subquery()
    m_subq = mentor_ids.correlate(None).scalar_subquery()

    s_rows = db.session.execute(
        select(
            StudentProfile.user_id,
            StudentProfile.school,
            StudentProfile.institution_id,
            StudentProfile.stage,
            StudentProfile.home_has_department,
            cast(StudentProfile.goals, Text).label("goals"),
            cast(StudentProfile.wanted_types, Text).label("wanted_types"),
        )
        .where(StudentProfile.user_id.in_(s_subq))
        .order_by(StudentProfile.user_id)
    ).all()
    m_rows = db.session.execute(
        select(
            MentorProfile.user_id,
            MentorProfile.mentor_type,
            MentorProfile.peer_stage,
            MentorProfile.specialty_id,
            MentorProfile.institution,
            MentorProfile.institution_id,
            cast(MentorProfile.offers, Text).label("offers"),
            MentorProfile.capacity,
        )
        .where(MentorProfile.user_id.in_(m_subq))
        .order_by(MentorProfile.user_id)
    ).all()
    goals = _json_lists([r.goals for r in s_rows])
    wanted = _json_lists([r.wanted_types for r in s_rows])
    offers = _json_lists([r.offers for r in m_rows])
    sids = np.array([r.user_id for r in s_rows], dtype=np.int64)
    mids = np.array([r.user_id for r in m_rows], dtype=np.int64)
    s_index = {int(u): i for i, u in enumerate(sids)}
    m_index = {int(u): i for i, u in enumerate(mids)}

    interests: dict[int, list[int]] = defaultdict(list)
    for sid, spec in db.session.execute(
        select(StudentInterest.student_id, StudentInterest.specialty_id)
        .where(StudentInterest.student_id.in_(s_subq))
        .order_by(StudentInterest.student_id, StudentInterest.rank)
    ):
        interests[sid].append(spec)
    n_choices = max((len(v) for v in interests.values()), default=0)
    specialties = np.full((sids.size, max(n_choices, 1)), -1, dtype=np.int64)
    for sid, specs in interests.items():
        specialties[s_index[sid], : len(specs)] = specs

    s_focus: dict[int, list[int]] = defaultdict(list)
    for sid, area in db.session.execute(
        select(student_focus.c.student_id, student_focus.c.focus_area_id).where(
            student_focus.c.student_id.in_(s_subq)
        )
    ):
        s_focus[sid].append(area)
    m_focus: dict[int, list[int]] = defaultdict(list)
    for mid, area in db.session.execute(
        select(mentor_focus.c.mentor_id, mentor_focus.c.focus_area_id).where(
            mentor_focus.c.mentor_id.in_(m_subq)
        )
    ):
        m_focus[mid].append(area)
    areas = sorted({a for v in (*s_focus.values(), *m_focus.values()) for a in v})
    area_col = {a: k for k, a in enumerate(areas)}
    goal_col = {g: k for k, g in enumerate(_GOALS)}

    institutions = _institution_ids(
        [(r.institution_id, r.school) for r in s_rows]
        + [(r.institution_id, r.institution) for r in m_rows]
    )
    taken = dict(db.session.execute(places_taken().where(Introduction.mentor_id.in_(m_subq))).all())
    waited = dict(db.session.execute(waited_rounds(group_id, round_id)).all())

    preferences = np.full((sids.size, MAX_PREFERENCES), -1, dtype=np.int64)
    like_rows: list[int] = []
    like_cols: list[int] = []
    if round_id is not None:
        for sid, mid, rank in db.session.execute(
            select(
                RoundPreference.student_id, RoundPreference.mentor_id, RoundPreference.rank
            ).where(RoundPreference.round_id == round_id)
        ):
            if sid in s_index and mid in m_index and 1 <= rank <= MAX_PREFERENCES:
                preferences[s_index[sid], rank - 1] = m_index[mid]
        for mid, sid in db.session.execute(
            select(RoundLike.mentor_id, RoundLike.student_id).where(RoundLike.round_id == round_id)
        ):
            if sid in s_index and mid in m_index:
                like_rows.append(m_index[mid])
                like_cols.append(s_index[sid])
    likes = sparse.csr_array(
        (np.ones(len(like_rows), dtype=bool), (like_rows, like_cols)), shape=(mids.size, sids.size)
    )

    held: dict[int, set[str]] = defaultdict(set)
    for sid, slot in db.session.execute(
        select(Introduction.student_id, Introduction.slot).where(
            and_(
                Introduction.group_id == group_id,
                Introduction.status.in_(HELD_STATUSES),
                Introduction.student_id.in_(s_subq),
            )
        )
    ):
        held[sid].add(slot)

    students = StudentFeatures(
        specialties=specialties,
        focus=_bool_rows(s_focus, sids, area_col),
        goals=_bool_rows(dict(zip(sids.tolist(), goals, strict=True)), sids, goal_col),
        year=np.array([(r.stage or Stage.MS1).year for r in s_rows], dtype=np.int64),
        institution=institutions[: sids.size],
        home_department=_home_department(
            institutions[: sids.size], specialties[:, 0], [r.home_has_department for r in s_rows]
        ),
        waited=np.array([waited.get(int(u), 0) + extra_wait for u in sids], dtype=np.int64),
        preferences=preferences,
    )
    mentor_types = [r.mentor_type for r in m_rows]
    mentors = MentorFeatures(
        specialty=np.array([r.specialty_id or -1 for r in m_rows], dtype=np.int64),
        focus=_bool_rows(m_focus, mids, area_col),
        offers=_bool_rows(dict(zip(mids.tolist(), offers, strict=True)), mids, goal_col),
        kind=np.array([_KIND[t] for t in mentor_types], dtype=np.int64),
        year=np.array([r.peer_stage.year if r.peer_stage else 0 for r in m_rows], dtype=np.int64),
        institution=institutions[sids.size :],
        likes=likes,
    )
    capacity = np.array(
        [max(r.capacity - taken.get(r.user_id, 0), 0) for r in m_rows], dtype=np.int64
    )
    return Population(
        student_ids=sids,
        mentor_ids=mids,
        students=students,
        mentors=mentors,
        capacity=capacity,
        mentor_type=mentor_types,
        wanted_types=[frozenset(w) for w in wanted],
        held=dict(held),
        never=_never_pairs(s_index, m_index),
    )


def _never_pairs(s_index: dict[int, int], m_index: dict[int, int]) -> np.ndarray:
    """The (student, mentor) index pairs of :attr:`Population.never`. Both people of a
    reversed pair hold both roles, so only those accounts' introductions are read."""
    pairs = [(s_index[u], m_index[u]) for u in s_index.keys() & m_index.keys()]
    both = select(User.id).where(User.is_student, User.is_mentor)
    for own_mentor, mentee in db.session.execute(
        select(Introduction.mentor_id, Introduction.student_id).where(
            Introduction.student_id.in_(both),
            Introduction.mentor_id.in_(both),
            Introduction.status.in_(HELD_STATUSES),
        )
    ):
        if own_mentor in s_index and mentee in m_index:
            pairs.append((s_index[own_mentor], m_index[mentee]))
    return np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
