"""Requests between rounds: a student asks a mentor of their group for an empty seat of their
board, with a short note, and the request runs the introductions' life cycle.

A request is an :class:`Introduction` with ``requested`` set and no round: the mentor is asked
by email with signed links, reminded and expired by the tick, and answers as for a round's
introduction; the first acceptance for a seat withdraws the student's other open requests for
it (:func:`matcher.introductions.services.withdraw_rival_requests`).

Every rule is checked in the transaction that makes the request, with the group's row locked
as a publish locks it and the mentor's row as every path that makes an introduction locks it
(:func:`matcher.introductions.services.hold_places`), so a request and a publish, a re-match
or another request never over-fill a mentor or fill one seat twice. Functions leave
committing to the caller. Who asks is decided by the student's side of the request (their
profile and memberships), not by the account's role alone.
"""

from dataclasses import dataclass

from sqlalchemy import and_, func, select

from matcher import audit
from matcher.board.services import SEAT_LABELS, SEAT_NOUNS, seats_wanted
from matcher.extensions import db
from matcher.introductions.services import (
    IntroductionError,
    ask,
    hold_places,
    new_introduction,
    withdraw,
)
from matcher.models import (
    HELD_STATUSES,
    SLOTS,
    InterestGroup,
    Introduction,
    IntroStatus,
    Membership,
    MembershipStatus,
    Role,
    User,
)
from matcher.models.introduction import mentoring
from matcher.solving.assignment import ProposedPair
from matcher.solving.rematch import Candidate, eligible_for


class RequestError(IntroductionError):
    """A request the rules refuse; nothing is saved and the message is safe to show."""

    status_code = 409


class MentorNotFoundError(RequestError):
    """The mentor is not one the student may ask (not a mentor, or no group in common)."""

    status_code = 404


def _open_requests(student_id: int, group_id: int):
    return (
        Introduction.group_id == group_id,
        Introduction.student_id == student_id,
        Introduction.requested.is_(True),
        Introduction.status == IntroStatus.PROPOSED,
    )


def open_count(student_id: int, group_id: int) -> int:
    """The student's requests in the group still waiting for an answer."""
    return db.session.scalar(
        select(func.count(Introduction.id)).where(*_open_requests(student_id, group_id))
    )


def shared_groups(student: User, mentor: User) -> list[InterestGroup]:
    """The groups both are active members of, by name."""
    theirs = select(Membership.group_id).where(
        Membership.user_id == mentor.id, Membership.status == MembershipStatus.ACTIVE
    )
    return list(
        db.session.scalars(
            select(InterestGroup)
            .join(Membership, Membership.group_id == InterestGroup.id)
            .where(
                Membership.user_id == student.id,
                Membership.status == MembershipStatus.ACTIVE,
                InterestGroup.id.in_(theirs),
            )
            .order_by(InterestGroup.name, InterestGroup.id)
        )
    )


def askable_mentor(student: User, mentor_id: int) -> User:
    """The mentor a student may open the request page for: a mentor with a profile who shares
    a group with them; :class:`MentorNotFoundError` otherwise (so ids reveal nothing)."""
    mentor = db.session.get(User, mentor_id)
    if (
        mentor is None
        or mentor.id == student.id
        or not mentor.has_role(Role.MENTOR)
        or not mentor.active
        or mentor.mentor_profile is None
        or student.student_profile is None
        or not shared_groups(student, mentor)
    ):
        raise MentorNotFoundError("That mentor is not in a group of yours.")
    return mentor


def _held_seat(group_id: int, student_id: int, slot: str) -> Introduction | None:
    """What fills the seat in the group: an introduction that holds it and is not one of the
    student's own open requests (several of those may wait for one seat at once)."""
    return db.session.scalar(
        select(Introduction)
        .where(
            Introduction.group_id == group_id,
            Introduction.student_id == student_id,
            Introduction.slot == slot,
            Introduction.status.in_(HELD_STATUSES),
            ~and_(Introduction.requested.is_(True), Introduction.status == IntroStatus.PROPOSED),
        )
        .limit(1)
    )


def _asked_already(group_id: int, student_id: int, mentor_id: int) -> Introduction | None:
    return db.session.scalar(
        select(Introduction)
        .where(
            Introduction.group_id == group_id,
            Introduction.student_id == student_id,
            Introduction.mentor_id == mentor_id,
        )
        .order_by(Introduction.id.desc())
        .limit(1)
    )


def group_refusal(group: InterestGroup, student: User) -> str | None:
    """Why the student cannot make a new request in the group now, or ``None``."""
    if not group.requests_open:
        return (
            f"{group.name} does not take requests between rounds right now. Its coordinators "
            "may turn them on again; until then your board fills through its match rounds."
        )
    most = group.requests_per_student
    if open_count(student.id, group.id) >= most:
        return (
            f"You already have {most} open request{'s' if most != 1 else ''} in {group.name}, "
            "the most it allows. Wait for an answer, or withdraw one first."
        )
    return None


def seat_refusal(
    group: InterestGroup,
    student: User,
    mentor: User,
    slot: str,
    able: dict[tuple[int, str], list[Candidate]] | None = None,
) -> str | None:
    """Why the student cannot ask the mentor for ``slot`` in the group, or ``None``: the seat
    must be one they want and still empty, the mentor not asked or introduced before in the
    group, able to fill it under the group's rules (the re-match's, see
    :func:`matcher.solving.rematch.eligible_for`, or ``able`` when the caller has it for
    every seat at once) and with a free place."""
    if slot not in SLOTS or slot not in seats_wanted(student):
        return "That seat is not on your board. Choose one of the seats your profile asks for."
    if db.session.scalar(select(mentoring(student.id, mentor.id))):
        return f"You mentor {mentor.name}, so {mentor.name} cannot be your mentor too."
    label = SEAT_LABELS[slot].lower()
    held = _held_seat(group.id, student.id, slot)
    if held is not None:
        state = "filled" if held.status is not IntroStatus.PROPOSED else "already proposed"
        return f"Your {label} seat in {group.name} is {state}: {held.mentor.name}."
    earlier = _asked_already(group.id, student.id, mentor.id)
    if earlier is not None:
        if earlier.requested and earlier.status is IntroStatus.PROPOSED:
            return (
                f"You have already asked {mentor.name}"
                + (" for this seat" if earlier.slot == slot else "")
                + "; the request is waiting for their answer."
            )
        return (
            f"{mentor.name} and you were introduced before in {group.name} "
            f"({earlier.status.label.lower()}): ask another mentor."
        )
    if able is None:
        able = eligible_for(group.id, [(student.id, slot)])
    found = able.get((student.id, slot), [])
    candidate = next((c for c in found if c.mentor_id == mentor.id), None)
    if candidate is None:
        return (
            f"{mentor.name} cannot be your {SEAT_NOUNS[slot]} under {group.name}'s rules: "
            "another kind of mentor or specialty, at a home the rules exclude, or not taking "
            "mentees."
        )
    if candidate.free_places <= 0:
        return f"{mentor.name} has no free place right now. Ask another mentor."
    return None


@dataclass(frozen=True)
class SeatOption:
    """A seat the student may ask the mentor for, in one group: the form's value and label
    (which names the group when the two share several)."""

    value: str
    label: str


@dataclass(frozen=True)
class GroupOutlook:
    """One group the student and the mentor share: the seats the student may ask for there,
    or why none (a sentence for each seat that cannot be asked for)."""

    name: str
    refusal: str | None
    seats: list[SeatOption]
    not_now: list[str]
    open_line: str = ""


@dataclass(frozen=True)
class RequestPage:
    """What the request page shows: the groups in common, each with its seats."""

    mentor: User
    groups: list[GroupOutlook]

    @property
    def options(self) -> list[SeatOption]:
        return [seat for group in self.groups for seat in group.seats]


def seat_value(group_id: int, slot: str) -> str:
    return f"{group_id}:{slot}"


def request_page(student: User, mentor: User) -> RequestPage:
    """The seats of the student's board each shared group lets them ask the mentor for."""
    outlooks = []
    groups = shared_groups(student, mentor)
    for group in groups:
        refusal = group_refusal(group, student)
        seats, not_now = [], []
        if refusal is None:
            wanted = seats_wanted(student)
            able = eligible_for(group.id, [(student.id, slot) for slot in wanted])
            for slot in wanted:
                why = seat_refusal(group, student, mentor, slot, able)
                if why is None:
                    label = SEAT_LABELS[slot] + (f" · {group.name}" if len(groups) > 1 else "")
                    seats.append(SeatOption(seat_value(group.id, slot), label))
                else:
                    not_now.append(f"{SEAT_LABELS[slot]}: {why}")
        mine, most = open_count(student.id, group.id), group.requests_per_student
        open_line = (
            f"You have {mine} of the {most} open request{'s' if most != 1 else ''} "
            f"{group.name} allows."
            if group.requests_open
            else ""
        )
        outlooks.append(GroupOutlook(group.name, refusal, seats, not_now, open_line))
    return RequestPage(mentor, outlooks)


def parse_seat(value: str) -> tuple[int, str] | None:
    """The (group id, slot) of a seat option's value, or ``None``."""
    group, _, slot = (value or "").partition(":")
    if not group.isascii() or not group.isdigit() or len(group) > 9 or slot not in SLOTS:
        return None
    return int(group), slot


def make_request(student: User, mentor: User, seat: str, note: str) -> Introduction:
    """The student asks the mentor for a seat with a note: a proposed introduction marked as a
    request, the mentor emailed; :class:`RequestError` (nothing saved) when a rule refuses.

    The group's row is locked first, as a publish and a re-match lock it, so the open-request
    count, the seat and the mentor's places are read after any of theirs committed."""
    parsed = parse_seat(seat)
    if parsed is None:
        raise RequestError("Choose one of the seats listed.")
    if not note.strip():
        raise RequestError("Write a short note to the mentor: why you are asking them.")
    group_id, slot = parsed
    group = db.session.get(InterestGroup, group_id)
    if group is None or group not in shared_groups(student, mentor):
        raise RequestError(
            f"You and {mentor.name} are not both members of that group, so you cannot ask "
            "them there."
        )
    db.session.execute(
        select(InterestGroup.id).where(InterestGroup.id == group.id).with_for_update(key_share=True)
    )
    refusal = group_refusal(group, student) or seat_refusal(group, student, mentor, slot)
    if refusal is not None:
        raise RequestError(refusal)
    intro = new_introduction(
        group.id,
        None,
        ProposedPair(student.id, mentor.id, slot),
        student,
        f"Asked for by {student.name}",
    )
    intro.requested = True
    intro.request_note = note.strip()
    db.session.flush()
    hold_places([intro])
    ask([intro])
    audit.record("introduction.request", actor=student, group_id=group.id, target=intro)
    return intro


def withdraw_request(intro: Introduction, student: User) -> None:
    """The student withdraws an open request: its links stop working and the mentor is told;
    the seat is theirs to ask for again."""
    if not intro.requested or intro.student_id != student.id:
        raise RequestError("That is not one of your requests.")
    if intro.status is not IntroStatus.PROPOSED:
        raise RequestError(
            f"That request is no longer open: it is {intro.status.label.lower()}. Withdraw an "
            "accepted introduction from its page."
        )
    withdraw(intro, student, "Withdrawn by the student")
