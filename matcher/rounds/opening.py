"""Opening and changing rounds, the seats a new round starts with, each round's phase, and the
rounds a group or a member sees."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from matcher import audit, clock, timezones
from matcher.extensions import db
from matcher.models import (
    SLOTS,
    InterestGroup,
    Membership,
    MembershipStatus,
    Role,
    Round,
    RoundLike,
    RoundPreference,
    RoundStatus,
    RoundStudent,
    StudentProfile,
    User,
)
from matcher.rounds.rules import RoundError, require_open
from matcher.solving import settings as round_settings


def _checked(
    name: str, slots: list[str], settings: dict | None
) -> tuple[str, list[str], round_settings.RoundSettings]:
    """The round's name, its slots in board order, and its parsed settings, or a refusal."""
    name = name.strip()
    if not name:
        raise RoundError("Give the round a name.")
    in_order = [s for s in SLOTS if s in slots]
    if not in_order or len(in_order) != len(set(slots)):
        raise RoundError("Choose at least one kind of mentor for the round to fill.")
    return name, in_order, round_settings.parse(settings)


def _check_results_date(
    results_expected_on: date | None, preference_deadline: datetime | None, *, changed: bool
) -> None:
    """The day results are expected is never before the preference deadline, and a new one
    is not in the past."""
    if results_expected_on is None:
        return
    zone = timezones.viewer_zone()
    if changed and results_expected_on < timezones.to_local(clock.now(), zone).date():
        raise RoundError("The date results are expected cannot be in the past.")
    if (
        preference_deadline is not None
        and results_expected_on < timezones.to_local(preference_deadline, zone).date()
    ):
        raise RoundError(
            "The date results are expected cannot be before the preference deadline "
            f"({timezones.format_day(preference_deadline, zone)})."
        )


def create_round(
    group: InterestGroup,
    actor: User,
    *,
    name: str,
    slots: list[str],
    preference_deadline: datetime | None = None,
    results_expected_on: date | None = None,
    follow_up_of: Round | None = None,
    settings: dict | None = None,
) -> Round:
    if preference_deadline is not None and preference_deadline <= clock.now():
        raise RoundError("The preference deadline must be in the future.")
    _check_results_date(results_expected_on, preference_deadline, changed=True)
    name, slots, parsed = _checked(name, slots, settings)
    round_ = Round(
        group_id=group.id,
        name=name,
        slots=slots,
        preference_deadline=preference_deadline,
        results_expected_on=results_expected_on,
        settings=parsed.to_json(),
        follow_up_of=follow_up_of,
        created_by_id=actor.id,
    )
    db.session.add(round_)
    db.session.flush()
    audit.record("round.create", actor=actor, group_id=group.id, target=round_, name=name)
    return round_


def update_round(
    round_: Round,
    actor: User,
    *,
    name: str,
    slots: list[str],
    preference_deadline: datetime | None,
    settings: dict,
    results_expected_on: date | None = None,
) -> None:
    require_open(round_)
    _check_results_date(
        results_expected_on,
        preference_deadline,
        changed=results_expected_on != round_.results_expected_on,
    )
    round_.name, round_.slots, parsed = _checked(name, slots, settings)
    round_.preference_deadline = preference_deadline
    round_.results_expected_on = results_expected_on
    round_.settings = parsed.to_json()
    audit.record(
        "round.settings",
        actor=actor,
        group_id=round_.group_id,
        target=round_,
        results_expected_on=results_expected_on.isoformat() if results_expected_on else None,
        **parsed.to_json(),
    )


def default_slots(group: InterestGroup) -> list[str]:
    """The seats a new round of ``group`` starts with: those of its latest round, else the
    seats its students ask for on their boards, else a faculty mentor."""
    latest = db.session.scalar(
        select(Round.slots)
        .where(Round.group_id == group.id)
        .order_by(Round.created_at.desc(), Round.id.desc())
        .limit(1)
    )
    if latest:
        return [s for s in SLOTS if s in latest]
    asked: set[str] = set()
    for wanted in db.session.scalars(
        select(StudentProfile.wanted_types)
        .join(Membership, Membership.user_id == StudentProfile.user_id)
        .where(Membership.group_id == group.id, Membership.status == MembershipStatus.ACTIVE)
    ):
        asked.update(wanted or [])
    return [s for s in SLOTS if s in asked] or ["faculty"]


@dataclass(frozen=True)
class Phase:
    """Where a round stands for everyone who reads its pages: ``open`` (preferences open),
    ``closed`` (the preference deadline passed, not yet published) or ``published``; a
    short label and the sentence about preferences that fits."""

    key: str
    label: str
    preferences: str


def _when(moment: datetime) -> str:
    return timezones.format_when(moment, timezones.viewer_zone())


def phase(round_: Round) -> Phase:
    """The round's phase and what it means for preferences."""
    if not round_.is_open:
        published = (
            f" on {timezones.format_day(round_.published_at, timezones.viewer_zone())}"
            if round_.published_at
            else ""
        )
        return Phase(
            "published",
            "Published",
            f"The round was published{published}: preferences are closed and the round is locked.",
        )
    if not round_.preferences_open():
        return Phase(
            "closed",
            "Preferences closed",
            f"Preferences closed {_when(round_.preference_deadline)}; the coordinators are "
            "reviewing drafts, and nothing is sent until they publish.",
        )
    if round_.preference_deadline is not None:
        return Phase("open", "Open", f"Preferences close {_when(round_.preference_deadline)}.")
    return Phase("open", "Open", "Preferences stay open until the round is published.")


def group_rounds(group_id: int) -> Select[tuple[Round]]:
    return select(Round).where(Round.group_id == group_id).order_by(Round.created_at.desc())


def open_rounds_for(user: User) -> Select[tuple[Round]]:
    """Open rounds of the groups ``user`` is an active member of."""
    return (
        select(Round)
        .join(Membership, Membership.group_id == Round.group_id)
        .where(
            Membership.user_id == user.id,
            Membership.status == MembershipStatus.ACTIVE,
            Round.status == RoundStatus.OPEN,
        )
        .options(selectinload(Round.group))
        .order_by(Round.created_at.desc())
    )


@dataclass(frozen=True)
class OpenRound:
    """An open round as a member's home shows it, for one ``side`` of theirs: whether the
    student takes part and how many mentors they ranked, or how many students the mentor
    marked."""

    round: Round
    taking_part: bool
    marked: int
    side: str = Role.STUDENT.value


def open_rounds_overview(user: User) -> list[OpenRound]:
    """The open rounds of ``user``'s groups with their part in each, as a student and as a
    mentor (both, for a peer mentor who is also a mentee), in a query per side."""
    rounds_ = list(db.session.scalars(open_rounds_for(user)))
    ids = [r.id for r in rounds_]
    if not ids:
        return []
    overview = []
    if user.has_role(Role.STUDENT):
        counts = dict(
            db.session.execute(
                select(RoundStudent.round_id, func.count(RoundPreference.mentor_id))
                .outerjoin(
                    RoundPreference,
                    (RoundPreference.round_id == RoundStudent.round_id)
                    & (RoundPreference.student_id == RoundStudent.student_id),
                )
                .where(RoundStudent.round_id.in_(ids), RoundStudent.student_id == user.id)
                .group_by(RoundStudent.round_id)
            ).all()
        )
        overview += [OpenRound(r, r.id in counts, counts.get(r.id, 0)) for r in rounds_]
    if user.has_role(Role.MENTOR):
        likes = dict(
            db.session.execute(
                select(RoundLike.round_id, func.count())
                .where(RoundLike.round_id.in_(ids), RoundLike.mentor_id == user.id)
                .group_by(RoundLike.round_id)
            ).all()
        )
        overview += [OpenRound(r, True, likes.get(r.id, 0), Role.MENTOR.value) for r in rounds_]
    return overview
