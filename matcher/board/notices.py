"""What students hear when a round is published: one email each, seat by seat (the mentor
proposed and when they answer, or why the seat is empty and what comes next)."""

from dataclasses import dataclass

from sqlalchemy import Row, or_, select
from sqlalchemy.orm import selectinload

from matcher.board.services import (
    LATER_ROUND,
    SEAT_LABELS,
    SEAT_NOUNS,
    empty_reason,
    fit_line,
    mentor_card,
    not_offered_reason,
    proposed_next,
    seats_of,
    waiting_list_next,
)
from matcher.extensions import db
from matcher.introductions.emails import deadline
from matcher.introductions.services import respond_by
from matcher.mail import MailRenderer, Recipient, external_url, queue_mails
from matcher.models import (
    HELD_STATUSES,
    DraftOutcome,
    Introduction,
    IntroStatus,
    Membership,
    MembershipStatus,
    Round,
    RoundDraft,
    RoundStudent,
    StudentProfile,
    User,
)


@dataclass(frozen=True)
class SeatNotice:
    """One seat in the email: its name, what became of it, and the lines that explain."""

    label: str
    headline: str
    lines: list[str]


def _proposed(intro: Introduction, outcome: Row | None, zone: str) -> SeatNotice:
    card = mentor_card(intro.mentor)
    fit = fit_line(outcome)
    lines = [f"Why they fit: {fit}"] if fit else []
    lines.append(
        "What happens next: " + proposed_next(card.name, deadline(respond_by(intro), zone))
    )
    headline = f"{card.name} ({card.details})" if card.details else card.name
    return SeatNotice(SEAT_LABELS[intro.slot], f"Proposed: {headline}", lines)


def _held(intro: Introduction, zone: str) -> SeatNotice:
    name = intro.mentor.name
    if intro.status is IntroStatus.PROPOSED:
        return SeatNotice(
            SEAT_LABELS[intro.slot],
            f"Already proposed: {name}",
            ["What happens next: " + proposed_next(name, deadline(respond_by(intro), zone))],
        )
    return SeatNotice(
        SEAT_LABELS[intro.slot],
        f"Already on your board: {name}",
        ["Nothing changes for this seat."],
    )


def _empty(round_: Round, slot: str, outcome: Row | None) -> SeatNotice:
    noun = SEAT_NOUNS[slot]
    reason = outcome.reason if outcome is not None else ""
    return SeatNotice(
        SEAT_LABELS[slot],
        "No mentor this time",
        [
            "Why: " + empty_reason(reason, round_.name, noun),
            "What happens next: " + waiting_list_next(round_.group.rematch_policy, noun, None),
            "Your coordinators may also open a follow-up round for it; it would show on your "
            "home page.",
        ],
    )


def _not_offered(round_: Round, slot: str) -> SeatNotice:
    return SeatNotice(
        SEAT_LABELS[slot],
        "Not in this round",
        [
            "Why: " + not_offered_reason(round_, SEAT_NOUNS[slot]),
            "What happens next: " + LATER_ROUND,
        ],
    )


def _summary(proposed: int) -> str:
    if proposed:
        mentors = "a mentor" if proposed == 1 else f"{proposed} mentors"
        return (
            f"It proposes {mentors} for your board of advisors. Here is each seat you asked "
            "for, and what happens next."
        )
    return (
        "It could not propose a mentor for you this time. Here is why, seat by seat, and what "
        "happens next."
    )


def round_published(round_: Round, draft: RoundDraft, intros: list[Introduction]) -> int:
    """Queue one email to every student who took part in ``round_`` and is still an active
    member of its group, in the publishing transaction: each seat they asked for with the
    mentor proposed (why they fit, when they answer), already on their board, left empty (why,
    and the waiting list or the automatic re-match per the group's policy) or not in this
    round. How many were queued.

    A national round tells thousands of students: their rows are read in a few queries and
    the emails added in one statement (the mentors of ``intros`` were loaded to ask them).
    """
    taking_part = select(RoundStudent.student_id).where(RoundStudent.round_id == round_.id)
    members = select(Membership.user_id).where(
        Membership.group_id == round_.group_id, Membership.status == MembershipStatus.ACTIVE
    )
    students = db.session.execute(
        select(User.id, User.email, User.name, StudentProfile.wanted_types, User.time_zone)
        .outerjoin(StudentProfile, StudentProfile.user_id == User.id)
        .where(User.id.in_(taking_part), User.id.in_(members), User.active)
        .order_by(User.id)
    ).all()
    if not students:
        return 0
    made = {(i.student_id, i.slot): i for i in intros}
    outcomes = {
        (o.student_id, o.slot): o
        for o in db.session.execute(
            select(
                DraftOutcome.student_id,
                DraftOutcome.slot,
                DraftOutcome.reason,
                DraftOutcome.breakdown,
                DraftOutcome.preference_rank,
            ).where(DraftOutcome.draft_id == draft.id)
        )
    }
    made_ids = {i.id for i in intros}
    held: dict[tuple[int, str], Introduction] = {}
    for intro in db.session.scalars(
        select(Introduction)
        .where(
            Introduction.group_id == round_.group_id,
            Introduction.student_id.in_(taking_part),
            Introduction.status.in_(HELD_STATUSES),
            or_(Introduction.round_id.is_(None), Introduction.round_id != round_.id),
        )
        .options(selectinload(Introduction.mentor))
        .order_by(Introduction.created_at, Introduction.id)
    ):
        if intro.id not in made_ids:
            held[(intro.student_id, intro.slot)] = intro
    group = round_.group
    board_link = external_url("board.index")
    mail = MailRenderer("board/published")
    messages = []
    for student_id, email, name, wanted, zone in students:
        seats = []
        for slot in seats_of(wanted):
            key = (student_id, slot)
            if key in made:
                seats.append(_proposed(made[key], outcomes.get(key), zone))
            elif key in held:
                seats.append(_held(held[key], zone))
            elif slot in round_.slots:
                seats.append(_empty(round_, slot, outcomes.get(key)))
            else:
                seats.append(_not_offered(round_, slot))
        proposed = sum(1 for slot in round_.slots if (student_id, slot) in made)
        messages.append(
            mail(
                Recipient(student_id, email, zone),
                name=name,
                round_name=round_.name,
                group_name=group.name,
                summary=_summary(proposed),
                seats=seats,
                board_link=board_link,
            )
        )
    return queue_mails(messages)
