"""Publishing a draft into introductions, exactly once, never past a mentor's places or a
filled seat and, unless confirmed, never from a draft older than the round's settings, pins
or bars; and starting a follow-up round."""

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from matcher import audit, clock
from matcher.board import notices
from matcher.extensions import db
from matcher.introductions import waiting
from matcher.introductions.services import (
    OverCapacity,
    ask,
    hold_places,
    insert_introductions,
    over_capacity,
)
from matcher.models import (
    HELD_STATUSES,
    DraftOutcome,
    InterestGroup,
    Introduction,
    IntroStatus,
    Membership,
    MembershipStatus,
    Round,
    RoundStatus,
    RoundStudent,
    User,
)
from matcher.rounds.drafts import OnProgress, SinceSolved, changes_since, draft
from matcher.rounds.opening import create_round
from matcher.rounds.rules import AlreadyPublishedError, RoundError
from matcher.rounds.taking_part import participants
from matcher.solving.assignment import ProposedPair
from matcher.text import shorten


@dataclass(frozen=True)
class SeatTaken:
    """A student the draft gives ``mentor_id`` for a seat of their board that ``holder_id``
    already fills in the group (an introduction in ``status``)."""

    student_id: int
    slot: str
    mentor_id: int
    holder_id: int
    status: IntroStatus


class OutdatedDraftError(RoundError):
    """The draft was solved before the round's latest settings, pins or bars, and publishing
    it was not confirmed; nothing was published."""

    def __init__(self, number: int, changes: SinceSolved) -> None:
        super().__init__(
            f"Draft {number} was solved before the changes listed on its page. Solve again, "
            "or tick the box to confirm you want to publish this draft as it is. Nothing was "
            "published."
        )
        self.changes = changes


def require_current(round_: Round, number: int, confirmed: bool) -> None:
    """Refuse to publish a draft older than the round's settings, pins or bars unless the
    coordinator ``confirmed`` they want it as it is."""
    drafted = draft(round_, number)
    if drafted is None:
        raise RoundError("That draft does not exist.")
    changes = changes_since(round_, drafted)
    if changes and not confirmed:
        raise OutdatedDraftError(number, changes)


class StaleDraftError(RoundError):
    """Places or seats the draft uses were taken after it was solved; nothing was published."""

    def __init__(self, number: int, mentors: list[OverCapacity], seats: list[SeatTaken]) -> None:
        super().__init__(
            f"Draft {number} can no longer be published: places or seats it uses were taken "
            "after it was solved. Nothing was published. Solve again to make a draft from the "
            "places free now."
        )
        self.number, self.mentors, self.seats = number, mentors, seats


CHECKING = "Checking places and seats"
MAKING = "Making the introductions"
ASKING = "Asking the mentors"
WAITING = "Putting the empty seats on the waiting list"
TELLING = "Telling the students"
STAGES = (CHECKING, MAKING, ASKING, WAITING, TELLING)


def publish(
    round_: Round, number: int, actor: User, on_progress: OnProgress | None = None
) -> list[Introduction]:
    """Turn draft ``number`` into introductions and lock the round, exactly once.

    The status flips with a compare-and-set UPDATE, so of two concurrent publishes one
    changes a row and the other sees :class:`AlreadyPublishedError`. A draft solved before
    other introductions took its places (another round of the group, a re-match, another
    group sharing the mentors) is refused with :class:`StaleDraftError`: the group's row is
    locked first, so its publishes and re-matches take turns, and the mentors' rows next (see
    :func:`matcher.introductions.services.over_capacity`), so places are counted as committed.

    Every table is written set-wise (one statement per table, the emails read their people in
    a few queries), so a national round's thousands of introductions publish in seconds.
    ``on_progress(done, total, stage)`` is called at each of :data:`STAGES`.
    """
    report = on_progress or (lambda done, total, stage: None)
    report(0, len(STAGES), CHECKING)
    drafted = draft(round_, number)
    if drafted is None:
        raise RoundError("That draft does not exist.")
    db.session.execute(
        select(InterestGroup.id)
        .where(InterestGroup.id == round_.group_id)
        .with_for_update(key_share=True)
    )
    flipped = db.session.execute(
        update(Round)
        .where(Round.id == round_.id, Round.status == RoundStatus.OPEN)
        .values(status=RoundStatus.PUBLISHED, published_at=clock.now(), published_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if flipped != 1:
        raise AlreadyPublishedError("This round has already been published.")
    db.session.refresh(round_)
    pairs = [
        ProposedPair(*row)
        for row in db.session.execute(
            select(
                DraftOutcome.student_id,
                DraftOutcome.mentor_id,
                DraftOutcome.slot,
                DraftOutcome.score,
            )
            .where(DraftOutcome.draft_id == drafted.id, DraftOutcome.mentor_id.is_not(None))
            .order_by(DraftOutcome.student_id, DraftOutcome.slot)
        )
    ]
    mentors = over_capacity(Counter(pair.mentor_id for pair in pairs))
    seats = seats_taken(round_.group_id, drafted.id)
    if mentors or seats:
        raise StaleDraftError(number, mentors, seats)
    drafted.published = True
    report(1, len(STAGES), MAKING)
    intros = insert_introductions(
        round_.group_id, round_.id, pairs, actor, f"Proposed by {round_.name}"
    )
    hold_places(intros)
    report(2, len(STAGES), ASKING)
    ask(intros)
    report(3, len(STAGES), WAITING)
    left_empty = waiting.open_for_round(round_, drafted.id, ((p.student_id, p.slot) for p in pairs))
    report(4, len(STAGES), TELLING)
    notices.round_published(round_, drafted, intros)
    audit.record(
        "round.publish",
        actor=actor,
        group_id=round_.group_id,
        target=round_,
        draft=number,
        introductions=len(intros),
        waiting=left_empty,
    )
    report(len(STAGES), len(STAGES), TELLING)
    _untrack(intros)
    return intros


def _untrack(intros: list[Introduction]) -> None:
    """Stop the session tracking the introductions a publish made and the people their emails
    read (tens of thousands of objects on a national round): committing then has nothing of
    theirs to check or expire, and the introductions returned keep what they hold."""
    people = {id(p): p for i in intros for p in (i.student, i.mentor)}
    for obj in [*intros, *people.values()]:
        if obj in db.session:
            db.session.expunge(obj)


def seats_taken(group_id: int, draft_id: int) -> list[SeatTaken]:
    """The draft's pairs for a seat its student already holds in the group (the statuses a
    solve keeps, :data:`HELD_STATUSES`), by student and slot."""
    drafted = (
        select(DraftOutcome.student_id, DraftOutcome.slot, DraftOutcome.mentor_id)
        .where(DraftOutcome.draft_id == draft_id, DraftOutcome.mentor_id.is_not(None))
        .subquery()
    )
    rows = db.session.execute(
        select(
            drafted.c.student_id,
            drafted.c.slot,
            drafted.c.mentor_id,
            Introduction.mentor_id,
            Introduction.status,
        )
        .join(
            Introduction,
            (Introduction.student_id == drafted.c.student_id)
            & (Introduction.slot == drafted.c.slot),
        )
        .where(
            Introduction.group_id == group_id,
            Introduction.status.in_(HELD_STATUSES),
        )
        .order_by(drafted.c.student_id, drafted.c.slot, Introduction.id)
    )
    seats: dict[tuple[int, str], SeatTaken] = {}
    for student_id, slot, mentor_id, holder_id, status in rows:
        seats.setdefault(
            (student_id, slot), SeatTaken(student_id, slot, mentor_id, holder_id, status)
        )
    return list(seats.values())


FOLLOW_UP = ": follow-up"


def follow_up_name(name: str) -> str:
    """The default name of a follow-up round, cut to fit the column."""
    return shorten(name, Round.__table__.c.name.type.length - len(FOLLOW_UP)) + FOLLOW_UP


def follow_up(round_: Round, actor: User, name: str | None = None) -> Round:
    """A new round for the students still without a standing introduction from ``round_``:
    unmatched, declined, expired or withdrawn. Accepted pairs stay as they are."""
    if round_.is_open:
        raise RoundError("Publish this round before starting a follow-up.")
    standing = select(Introduction.student_id).where(
        Introduction.round_id == round_.id, Introduction.status.in_(HELD_STATUSES)
    )
    waiting = list(
        db.session.scalars(
            participants(round_.id)
            .where(RoundStudent.student_id.not_in(standing))
            .where(
                RoundStudent.student_id.in_(
                    select(Membership.user_id).where(
                        Membership.group_id == round_.group_id,
                        Membership.status == MembershipStatus.ACTIVE,
                    )
                )
            )
        )
    )
    new = create_round(
        round_.group,
        actor,
        name=name or follow_up_name(round_.name),
        slots=list(round_.slots),
        follow_up_of=round_,
        settings=round_.settings,
    )
    if waiting:
        db.session.execute(
            insert(RoundStudent), [{"round_id": new.id, "student_id": s} for s in waiting]
        )
    return new
