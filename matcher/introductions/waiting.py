"""The waiting list: seats of students' boards waiting for a mentor, and filling them.

A seat waits for one of two reasons: its introduction ended without a mentorship (declined,
expired or withdrawn and not yet settled, see :func:`services.need_conditions`), or a
published round could not fill it (an open :class:`WaitingSeat`). Both are offered the same
way: a coordinator picks one of the mentors who can fill that seat under the round's rules, or
the joint re-solve (by hand, or by the tick for groups that re-match automatically) proposes
the next best ones with free places.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import selectinload

from matcher import audit, clock
from matcher.database import analyzed
from matcher.extensions import db
from matcher.introductions.services import (
    IntroductionError,
    ask,
    hold_places,
    lock_mentors,
    need_conditions,
    new_introduction,
    note_event,
    release,
)
from matcher.models import (
    ACTIVE_STATUSES,
    HELD_STATUSES,
    NEEDS_STATUSES,
    DraftOutcome,
    InterestGroup,
    Introduction,
    Membership,
    MembershipStatus,
    RematchPolicy,
    Round,
    User,
    WaitingSeat,
)
from matcher.solving import population
from matcher.solving.assignment import ProposedPair
from matcher.solving.rematch import Candidate, eligible_for, next_mentors

Waiting = Introduction | WaitingSeat
"""One entry of the list: a failed introduction or a seat a round left empty."""


# --- what is waiting ------------------------------------------------------------------------


def open_needs(group: InterestGroup) -> list[Introduction]:
    """Failed introductions whose student still waits for another mentor, oldest first."""
    return list(
        db.session.scalars(
            select(Introduction)
            .where(*need_conditions(group))
            .options(selectinload(Introduction.student), selectinload(Introduction.mentor))
            .order_by(Introduction.updated_at)
        )
    )


def open_seats(group: InterestGroup) -> list[WaitingSeat]:
    """Seats a published round left empty and nothing has filled yet, oldest first."""
    return list(
        db.session.scalars(
            select(WaitingSeat)
            .where(WaitingSeat.group_id == group.id, WaitingSeat.closed_at.is_(None))
            .options(selectinload(WaitingSeat.student), selectinload(WaitingSeat.round))
            .order_by(WaitingSeat.since, WaitingSeat.id)
        )
    )


def waiting_count(group: InterestGroup) -> int:
    """How many seats wait: failed introductions and seats rounds left empty."""
    needs = db.session.scalar(select(func.count(Introduction.id)).where(*need_conditions(group)))
    seats = db.session.scalar(
        select(func.count(WaitingSeat.id)).where(
            WaitingSeat.group_id == group.id, WaitingSeat.closed_at.is_(None)
        )
    )
    return (needs or 0) + (seats or 0)


def group_seat(group: InterestGroup, seat_id: int) -> WaitingSeat:
    seat = db.session.get(WaitingSeat, seat_id)
    if seat is None or seat.group_id != group.id:
        raise IntroductionError("That seat is not on this group's list.")
    return seat


@dataclass(frozen=True)
class Entry:
    """One row of the coordinator's waiting list, ready to show."""

    key: str
    source: Waiting
    student: User
    slot: str
    since: datetime
    what_happened: str
    candidates: list[Candidate]

    @property
    def offerable(self) -> list[Candidate]:
        """The candidates with a free place: the ones a coordinator can offer."""
        return [c for c in self.candidates if c.free_places > 0]

    @property
    def is_seat(self) -> bool:
        return isinstance(self.source, WaitingSeat)


SEAT_REASONS = {
    "unmatched": "{round} had no mentor with a free place for this seat",
    "mentor_left": "Their mentor deleted their account",
}
"""What put a seat a round left empty on the list, by :attr:`WaitingSeat.reason`."""


def _what_happened(source: Waiting) -> str:
    if isinstance(source, WaitingSeat):
        name = source.round.name if source.round is not None else "A round"
        return SEAT_REASONS.get(source.reason, SEAT_REASONS["unmatched"]).format(round=name)
    reason = f" “{source.decline_reason}”" if source.decline_reason else ""
    return f"{source.mentor.name}: {source.status.label.lower()}{reason}"


def _since(source: Waiting) -> datetime:
    return source.since if isinstance(source, WaitingSeat) else source.updated_at


def waiting_list(group: InterestGroup) -> list[Entry]:
    """The group's waiting list, oldest first, each seat with the mentors who can fill it
    under the round's rules (kind, home or external, specialty, peer years), best first."""
    sources: list[Waiting] = [*open_needs(group), *open_seats(group)]
    candidates = eligible_for(group.id, [(s.student_id, s.slot) for s in sources])
    entries = [
        Entry(
            key=f"{'w' if isinstance(s, WaitingSeat) else 'n'}{s.id}",
            source=s,
            student=s.student,
            slot=s.slot,
            since=_since(s),
            what_happened=_what_happened(s),
            candidates=candidates.get((s.student_id, s.slot), []),
        )
        for s in sources
    ]
    return sorted(entries, key=lambda e: (e.since, e.key))


# --- publishing -----------------------------------------------------------------------------


def open_for_round(round_: Round, draft_id: int, filled: Iterable[tuple[int, str]]) -> int:
    """Put every seat the published draft left empty on the list from this moment (a seat
    already waiting keeps its place), and close the waiting seats this round filled. Returns
    how many seats now wait because of this round."""
    now = clock.now()
    filled = set(filled)
    waiting = {
        (s.student_id, s.slot): s
        for s in db.session.scalars(
            select(WaitingSeat).where(
                WaitingSeat.group_id == round_.group_id, WaitingSeat.closed_at.is_(None)
            )
        )
    }
    for key in filled & set(waiting):
        _close(waiting[key], f"Filled by {round_.name}", now)
    empty = [
        (s, slot)
        for s, slot in db.session.execute(
            select(DraftOutcome.student_id, DraftOutcome.slot)
            .where(DraftOutcome.draft_id == draft_id, DraftOutcome.mentor_id.is_(None))
            .order_by(DraftOutcome.student_id, DraftOutcome.slot)
        )
        if (s, slot) not in waiting
    ]
    if empty:
        db.session.execute(
            insert(WaitingSeat),
            [
                {
                    "group_id": round_.group_id,
                    "student_id": s,
                    "slot": slot,
                    "round_id": round_.id,
                    "reason": "unmatched",
                    "since": now,
                    "closed_note": "",
                }
                for s, slot in empty
            ],
        )
        analyzed(db.session, len(empty), WaitingSeat.__tablename__)
    return len(empty)


def account_leaving(person: User) -> int:
    """Before ``person``'s account is deleted (its introductions go with it): end their open
    introductions, telling the other side, and put every seat they filled as a mentor on the
    waiting list. Returns how many seats now wait."""
    seats = [
        (intro.group_id, intro.student_id, intro.slot, intro.round_id)
        for intro in db.session.scalars(
            select(Introduction).where(
                Introduction.mentor_id == person.id, Introduction.status.in_(ACTIVE_STATUSES)
            )
        )
    ]
    release(person, person)
    now = clock.now()
    for group_id, student_id, slot, round_id in seats:
        db.session.add(
            WaitingSeat(
                group_id=group_id,
                student_id=student_id,
                slot=slot,
                round_id=round_id,
                reason="mentor_left",
                since=now,
                closed_note="",
            )
        )
    return len(seats)


# --- filling a seat -------------------------------------------------------------------------


def _close(seat: WaitingSeat, note: str, at: datetime | None = None) -> None:
    seat.closed_at = at or clock.now()
    seat.closed_note = note


def _settle(source: Waiting, note: str, actor: User | None) -> None:
    if isinstance(source, WaitingSeat):
        _close(source, note)
    else:
        source.rematched = True
        note_event(source, note, actor)


def _is_open(source: Waiting) -> bool:
    if isinstance(source, WaitingSeat):
        return source.closed_at is None
    return not source.rematched and source.status in NEEDS_STATUSES


def still_needed(group: InterestGroup, source: Waiting) -> bool:
    """The student is still an active member and holds no introduction for the seat."""
    member = db.session.scalar(
        select(Membership.status).where(
            Membership.group_id == group.id, Membership.user_id == source.student_id
        )
    )
    if member is not MembershipStatus.ACTIVE or not source.student.active:
        return False
    return not db.session.scalar(
        select(func.count(Introduction.id)).where(
            Introduction.group_id == group.id,
            Introduction.student_id == source.student_id,
            Introduction.slot == source.slot,
            Introduction.status.in_(HELD_STATUSES),
        )
    )


def offer(group: InterestGroup, source: Waiting, mentor_id: int, actor: User) -> Introduction:
    """A coordinator picks the next mentor for a waiting seat, among those who can fill it
    and have a free place."""
    if not _is_open(source) or not still_needed(group, source):
        raise IntroductionError("That student is no longer waiting for a mentor.")
    allowed = eligible_for(group.id, [(source.student_id, source.slot)])
    if mentor_id not in {c.mentor_id for c in allowed.get((source.student_id, source.slot), [])}:
        raise IntroductionError(
            "That mentor cannot fill this seat: not in the group, not accepting, another kind "
            "of mentor or specialty, at a home the round's rules exclude, or already "
            "introduced to the student."
        )
    intro = new_introduction(
        group.id,
        source.round_id,
        ProposedPair(source.student_id, mentor_id, source.slot),
        actor,
        "Offered by a coordinator",
    )
    hold_places([intro])
    _settle(source, f"Offered to {intro.mentor.name} by {actor.name}", actor)
    ask([intro])
    audit.record(
        "introduction.offer",
        actor=actor,
        group_id=group.id,
        target=intro,
        **({"seat": source.id} if isinstance(source, WaitingSeat) else {"replaces": source.id}),
    )
    return intro


def dismiss(group: InterestGroup, source: Waiting, actor: User) -> None:
    """Take a seat off the list without another introduction."""
    if not _is_open(source):
        raise IntroductionError("That student is no longer on the list.")
    _settle(source, f"Taken off the waiting list by {actor.name}", actor)
    audit.record(
        "introduction.dismiss",
        actor=actor,
        group_id=group.id,
        target=source if isinstance(source, Introduction) else group,
        **({"seat": source.id} if isinstance(source, WaitingSeat) else {}),
    )


@dataclass(frozen=True)
class RematchResult:
    proposed: list[Introduction]
    waiting: int


def rematch(
    group: InterestGroup,
    actor: User | None,
    only: set[int] | None = None,
    only_seats: set[int] | None = None,
) -> RematchResult:
    """Offer every seat on the group's list the next best mentor with a free place, in one
    joint re-solve with the waiting bonus; ``only`` (introduction ids) and ``only_seats``
    (waiting-seat ids) narrow it to some entries.

    The group's row is locked first, so two re-matches of a group (two ticks, or a tick and a
    coordinator) never offer the same seat twice.
    """
    db.session.execute(
        select(InterestGroup.id).where(InterestGroup.id == group.id).with_for_update()
    )
    everything = only is None and only_seats is None
    sources: list[Waiting] = [
        *(n for n in open_needs(group) if everything or n.id in (only or ())),
        *(s for s in open_seats(group) if everything or s.id in (only_seats or ())),
    ]
    by_want: dict[tuple[int, str], list[Waiting]] = {}
    for source in sources:
        if still_needed(group, source):
            by_want.setdefault((source.student_id, source.slot), []).append(source)
        else:
            _settle(source, "No longer needed", actor)
    if not by_want:
        return RematchResult([], 0)
    exclude = set(
        db.session.execute(
            select(Introduction.student_id, Introduction.mentor_id).where(
                Introduction.group_id == group.id
            )
        )
    )
    lock_mentors(db.session.scalars(population.round_mentors(group.id)))
    proposed = []
    for pair in next_mentors(group, list(by_want), exclude):
        found = by_want.pop((pair.student_id, pair.slot), None)
        if not found or (pair.student_id, pair.mentor_id) in exclude:
            continue
        intro = new_introduction(group.id, found[0].round_id, pair, actor, "Re-matched")
        proposed.append(intro)
        db.session.flush()
        for source in found:
            _settle(source, f"Re-matched: offered to {intro.mentor.name}", actor)
        audit.record(
            "introduction.rematch",
            actor=actor,
            group_id=group.id,
            target=intro,
            replaces=[s.id for s in found if isinstance(s, Introduction)],
            seats=[s.id for s in found if isinstance(s, WaitingSeat)],
        )
    hold_places(proposed)
    ask(proposed)
    return RematchResult(proposed, len(by_want))


def auto_groups() -> list[int]:
    """Groups that re-match automatically and have a seat waiting."""
    from_needs = select(Introduction.group_id).where(
        Introduction.status.in_(NEEDS_STATUSES), Introduction.rematched.is_(False)
    )
    from_seats = select(WaitingSeat.group_id).where(WaitingSeat.closed_at.is_(None))
    return list(
        db.session.scalars(
            select(InterestGroup.id)
            .where(
                InterestGroup.rematch_policy == RematchPolicy.AUTO,
                InterestGroup.id.in_(from_needs.union(from_seats)),
            )
            .order_by(InterestGroup.id)
        )
    )
