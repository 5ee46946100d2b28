"""Who takes part in a round: students opting in and out, the mentors it can give, the
mentors students rank (offered best fit first, each with why) and the students mentors mark."""

from dataclasses import dataclass

from sqlalchemy import Select, delete, insert, select
from sqlalchemy.orm import selectinload

from matcher import audit
from matcher.access import is_member
from matcher.board.services import FIT_PHRASES, SEAT_NOUNS, SEAT_PLURALS, listing
from matcher.extensions import db
from matcher.matching import CRITERIA
from matcher.models import (
    MAX_PREFERENCES,
    Introduction,
    MentorProfile,
    Role,
    Round,
    RoundLike,
    RoundPreference,
    RoundStudent,
    User,
)
from matcher.models.introduction import mentoring
from matcher.models.profile import student_complete
from matcher.profiles.services import missing
from matcher.rounds.rules import RoundError, require_open, require_preferences_open
from matcher.solving import population, rematch


def participants(round_id: int) -> Select[tuple[int]]:
    return select(RoundStudent.student_id).where(RoundStudent.round_id == round_id)


def is_participant(round_: Round, user: User) -> bool:
    return db.session.get(RoundStudent, (round_.id, user.id)) is not None


def opt_in(round_: Round, student: User) -> None:
    require_open(round_)
    if not student.has_role(Role.STUDENT) or not is_member(student, round_.group_id):
        raise RoundError("Only students of this group can take part.")
    gaps = missing(student)
    if gaps:
        raise RoundError("Complete your profile first: " + ", ".join(gaps) + ".")
    if not is_participant(round_, student):
        db.session.add(RoundStudent(round_id=round_.id, student_id=student.id))
        audit.record("round.opt_in", actor=student, group_id=round_.group_id, target=round_)


def opt_out(round_: Round, student: User) -> None:
    require_open(round_)
    db.session.execute(
        delete(RoundStudent).where(
            RoundStudent.round_id == round_.id, RoundStudent.student_id == student.id
        )
    )
    db.session.execute(
        delete(RoundPreference).where(
            RoundPreference.round_id == round_.id, RoundPreference.student_id == student.id
        )
    )
    audit.record("round.opt_out", actor=student, group_id=round_.group_id, target=round_)


def eligible_students(group_id: int) -> Select[tuple[int]]:
    """Ids of the group's active student members with a complete profile."""
    return population.active_members(group_id, Role.STUDENT).where(student_complete())


def add_all_students(round_: Round, actor: User) -> int:
    """Enrol every eligible student not yet in the round; returns how many were added."""
    require_open(round_)
    have = participants(round_.id)
    ids = list(db.session.scalars(eligible_students(round_.group_id).where(User.id.not_in(have))))
    if ids:
        db.session.execute(
            insert(RoundStudent), [{"round_id": round_.id, "student_id": i} for i in ids]
        )
    audit.record(
        "round.add_students", actor=actor, group_id=round_.group_id, target=round_, added=len(ids)
    )
    return len(ids)


def round_mentor_ids(round_: Round) -> set[int]:
    return set(db.session.scalars(population.round_mentors(round_.group_id)))


def round_mentor_rows(round_: Round) -> list[tuple[User, MentorProfile, int]]:
    """The round's mentors with their free places, for the directory and the coordinator."""
    mentors = population.round_mentors(round_.group_id).scalar_subquery()
    taken = dict(
        db.session.execute(
            population.places_taken().where(Introduction.mentor_id.in_(mentors))
        ).all()
    )
    users = db.session.scalars(
        select(User)
        .where(User.id.in_(mentors))
        .options(selectinload(User.mentor_profile).selectinload(MentorProfile.specialty))
        .order_by(User.name)
    )
    return [
        (u, u.mentor_profile, max(u.mentor_profile.capacity - taken.get(u.id, 0), 0)) for u in users
    ]


@dataclass(frozen=True)
class RankOption:
    """A mentor the round can give the student, as the ranking page offers them."""

    mentor_id: int
    name: str
    title: str
    specialty: str
    institution: str
    free_places: int
    seat: str
    why: str

    @property
    def choice_label(self) -> str:
        return f"{self.name} — {self.title}, {self.specialty}"


@dataclass(frozen=True)
class RankingPage:
    """The ranking page's view: the mentors to rank, best fit first; what the round looks for;
    the ranked mentors the round can no longer give; what to say when there is no one; and the
    student's ranking as saved (mentor ids, best first)."""

    options: list[RankOption]
    looks_for: str
    gone: list[str]
    empty: str
    ranking: list[int]


def why_line(candidate: rematch.Candidate) -> str:
    """Why a mentor fits, in one line, from the parts of the pair's score (largest first)."""
    parts = sorted(
        zip(CRITERIA, candidate.breakdown, strict=False), key=lambda item: item[1], reverse=True
    )
    phrases = [FIT_PHRASES[name] for name, value in parts if value > 0 and name in FIT_PHRASES]
    if not phrases:
        return "Can fill this seat under the round's rules."
    line = listing(phrases[:3])
    return line[0].upper() + line[1:] + "."


def ranking_page(round_: Round, student: User) -> RankingPage:
    """The mentors ``round_`` can give ``student`` (the solver's own rules: seat kinds, home or
    external, specialty, peer years, bars), best fit first with why."""
    found = rematch.round_choices(round_, student.id)
    options = [
        RankOption(
            c.mentor_id,
            c.name,
            c.kind,
            c.specialty,
            c.institution,
            c.free_places,
            f"For your {SEAT_NOUNS[c.seat]} seat",
            why_line(c),
        )
        for c in found
    ]
    offered = {o.mentor_id for o in options}
    ranking = preferences(round_.id, student.id)
    ranked = [m for m in ranking if m not in offered]
    names = (
        dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ranked))).all())
        if ranked
        else {}
    )
    looks_for = listing([SEAT_PLURALS[s] for s in round_.slots])
    empty = (
        f"No mentor in this round can fill a seat you are looking for. {round_.name} looks for "
        f"{looks_for}; your profile says which seats you want and your board shows the ones "
        "already filled."
    )
    return RankingPage(options, looks_for, [names[m] for m in ranked if m in names], empty, ranking)


def round_students(round_id: int) -> Select[tuple[User]]:
    return (
        select(User)
        .where(User.id.in_(participants(round_id).scalar_subquery()))
        .order_by(User.name)
    )


def markable_students(round_id: int, mentor: User) -> Select[tuple[User]]:
    """The round's students ``mentor`` may mark: all but the mentor themselves and the students
    who mentor them (a peer mentor who takes part as a student too), whom the round never
    pairs with them."""
    return round_students(round_id).where(User.id != mentor.id, ~mentoring(User.id, mentor.id))


def preferences(round_id: int, student_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(RoundPreference.mentor_id)
            .where(RoundPreference.round_id == round_id, RoundPreference.student_id == student_id)
            .order_by(RoundPreference.rank)
        )
    )


def set_preferences(round_: Round, student: User, mentor_ids: list[int]) -> None:
    """Replace the student's ranking (best first, at most five, no repeats)."""
    require_preferences_open(round_)
    if not is_participant(round_, student):
        raise RoundError("Take part in the round before ranking mentors.")
    ranked = [m for m in mentor_ids if m]
    if len(ranked) > MAX_PREFERENCES:
        raise RoundError(f"Rank at most {MAX_PREFERENCES} mentors.")
    if len(set(ranked)) != len(ranked):
        raise RoundError("Each mentor can appear only once in your ranking.")
    if not set(ranked) <= round_mentor_ids(round_):
        raise RoundError("Rank only mentors taking part in this round.")
    db.session.execute(
        delete(RoundPreference).where(
            RoundPreference.round_id == round_.id, RoundPreference.student_id == student.id
        )
    )
    db.session.add_all(
        RoundPreference(round_id=round_.id, student_id=student.id, mentor_id=m, rank=r)
        for r, m in enumerate(ranked, start=1)
    )
    audit.record(
        "round.preferences", actor=student, group_id=round_.group_id, target=round_, ranked=ranked
    )


def likes(round_id: int, mentor_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(RoundLike.student_id).where(
                RoundLike.round_id == round_id, RoundLike.mentor_id == mentor_id
            )
        )
    )


def set_likes(round_: Round, mentor: User, student_ids: list[int]) -> None:
    require_preferences_open(round_)
    if mentor.id not in round_mentor_ids(round_):
        raise RoundError("Only mentors taking part in this round can mark students.")
    wanted = set(student_ids)
    if not wanted <= {s.id for s in db.session.scalars(markable_students(round_.id, mentor))}:
        raise RoundError("Mark only students taking part in this round, other than yourself.")
    db.session.execute(
        delete(RoundLike).where(RoundLike.round_id == round_.id, RoundLike.mentor_id == mentor.id)
    )
    db.session.add_all(
        RoundLike(round_id=round_.id, mentor_id=mentor.id, student_id=s) for s in sorted(wanted)
    )
    audit.record(
        "round.likes", actor=mentor, group_id=round_.group_id, target=round_, count=len(wanted)
    )
