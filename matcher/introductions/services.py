"""The introduction life cycle: proposed → accepted → met → completed, or declined, expired or
withdrawn.

Functions change the session and leave committing to the caller, so a change, its timeline
event, its audit record and the mail it causes share one transaction. Every status change is a
compare-and-set ``UPDATE`` on the expected status, so two requests answering the same
introduction (a double click, the email link and the dashboard) change it once.

A student may also ask a mentor directly between rounds (a request: ``requested``, with
``round_id`` empty, see :mod:`matcher.requests`); it runs the same life cycle, and the first
acceptance for a seat withdraws the student's other open requests for it.

Capacity: every introduction in ``ACTIVE_STATUSES`` holds one of the mentor's places for
matching (a proposal is a place the round set aside), but a mentor commits to a student only by
accepting. A mentor may accept while fewer than ``MentorProfile.capacity`` of their
introductions are accepted or met. The check runs with the mentor's profile row locked
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite write transactions begin ``IMMEDIATE``), so two
accepts racing for the last place are serialized and exactly one wins. Every path that creates
an introduction (a published round, a re-match, a coordinator's offer) calls
:func:`hold_places`, which refuses one a mentor has no free place for, under the same lock.
"""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Select, func, insert, or_, select, update
from sqlalchemy.orm import aliased, selectinload

from matcher import audit, clock, timezones
from matcher.database import analyzed
from matcher.extensions import db
from matcher.introductions import emails, signals
from matcher.mail import external_url, queue_mails
from matcher.models import (
    ACTIVE_STATUSES,
    COMMITTED_STATUSES,
    NEEDS_STATUSES,
    InterestGroup,
    Introduction,
    IntroductionEvent,
    IntroductionFeedback,
    IntroStatus,
    MentorProfile,
    RatingStage,
    RematchPolicy,
    Role,
    Round,
    RoundStatus,
    StudentInterest,
    StudentProfile,
    User,
    WantedMentor,
)
from matcher.signing import serializer
from matcher.solving.assignment import ProposedPair

LINK_SALT = "matcher.introduction-answer"
ANSWERS = ("accept", "decline")
LOAD_CHUNK = 1000
"""People loaded per query when many introductions are emailed at once."""


class IntroductionError(ValueError):
    """A change the life-cycle rules refuse; the message is safe to show."""

    status_code = 409


class LinkError(IntroductionError):
    """An answer link that cannot be used: forged (400), or used, replaced or expired (410)."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


# --- proposing ----------------------------------------------------------------------------


def new_introduction(
    group_id: int, round_id: int | None, pair: ProposedPair, actor: User | None, note: str
) -> Introduction:
    intro = Introduction(
        group_id=group_id,
        round_id=round_id,
        student_id=pair.student_id,
        mentor_id=pair.mentor_id,
        slot=pair.slot,
        score=pair.score,
        status=IntroStatus.PROPOSED,
        link_nonce=secrets.token_urlsafe(16),
        asked_at=clock.now(),
    )
    intro.events.append(
        IntroductionEvent(
            status=IntroStatus.PROPOSED, actor_id=actor.id if actor else None, note=note
        )
    )
    db.session.add(intro)
    return intro


def insert_introductions(
    group_id: int,
    round_id: int | None,
    pairs: list[ProposedPair],
    actor: User | None,
    note: str,
) -> list[Introduction]:
    """Proposed introductions for ``pairs`` (in their order), each with its first timeline
    event, added set-wise: a statement per thousand rows, not one per row (a national round
    proposes thousands). The caller checks places (:func:`hold_places`)."""
    if not pairs:
        return []
    now = clock.now()
    rows = [
        {
            "group_id": group_id,
            "round_id": round_id,
            "student_id": pair.student_id,
            "mentor_id": pair.mentor_id,
            "slot": pair.slot,
            "score": pair.score,
            "status": IntroStatus.PROPOSED,
            "link_nonce": secrets.token_urlsafe(16),
            "created_at": now,
            "updated_at": now,
            "asked_at": now,
            "decline_reason": "",
            "rematched": False,
        }
        for pair in pairs
    ]
    order = {row["link_nonce"]: k for k, row in enumerate(rows)}
    intros = sorted(
        db.session.scalars(insert(Introduction).returning(Introduction), rows),
        key=lambda intro: order[intro.link_nonce],
    )
    actor_id = actor.id if actor else None
    db.session.execute(
        insert(IntroductionEvent),
        [
            {
                "introduction_id": intro.id,
                "at": now,
                "status": IntroStatus.PROPOSED,
                "actor_id": actor_id,
                "note": note,
            }
            for intro in intros
        ],
    )
    analyzed(db.session, len(intros), Introduction.__tablename__, IntroductionEvent.__tablename__)
    return intros


def load_people(intros: list[Introduction]) -> list:
    """Load the students, mentors (with their profiles) and groups of ``intros`` in a few
    queries, so that the emails about them read no row one at a time; the loaded objects,
    to keep while they are read (the session holds them only while someone does)."""
    student_profile = (
        selectinload(User.student_profile)
        .selectinload(StudentProfile.interests)
        .joinedload(StudentInterest.specialty)
    )
    mentor_profile = selectinload(User.mentor_profile).joinedload(MentorProfile.specialty)
    loaded: list = []
    for ids, option in (
        (sorted({i.student_id for i in intros}), student_profile),
        (sorted({i.mentor_id for i in intros}), mentor_profile),
    ):
        for start in range(0, len(ids), LOAD_CHUNK):
            chunk = ids[start : start + LOAD_CHUNK]
            loaded += db.session.scalars(
                select(User).where(User.id.in_(chunk)).options(option)
            ).all()
    groups = sorted({i.group_id for i in intros})
    loaded += db.session.scalars(select(InterestGroup).where(InterestGroup.id.in_(groups))).all()
    return loaded


def ask(intros: list[Introduction], reminder: bool = False) -> None:
    """Email each mentor once about all of ``intros`` that are theirs (the request, or the one
    reminder): every request listed with its own signed answer links and respond-by date."""
    db.session.flush()
    by_mentor: dict[int, list[Introduction]] = {}
    for intro in intros:
        by_mentor.setdefault(intro.mentor_id, []).append(intro)
    if not by_mentor:
        return
    loaded = load_people(intros)
    batch = emails.Batch()
    link = AnswerLinks()
    queue_mails(
        emails.request_mail(
            [
                emails.Request(
                    intro, link(intro, "accept"), link(intro, "decline"), respond_by(intro)
                )
                for intro in theirs
            ],
            batch,
            reminder=reminder,
        )
        for theirs in by_mentor.values()
    )
    del loaded


def propose(round_: Round, pairs: list[ProposedPair], actor: User | None) -> list[Introduction]:
    """One proposed introduction per published pair, each mentor asked by email; the caller
    commits."""
    intros = insert_introductions(
        round_.group_id, round_.id, pairs, actor, f"Proposed by {round_.name}"
    )
    hold_places(intros)
    ask(intros)
    return intros


def respond_by(intro: Introduction) -> datetime:
    """When an unanswered request expires: after the ask and its one reminder."""
    return intro.asked_at + 2 * timedelta(days=intro.group.response_days)


# --- places: the one capacity check of every path that creates an introduction ----------


@dataclass(frozen=True)
class OverCapacity:
    """A mentor who would hold ``over`` more places than their capacity: ``held`` by active
    introductions now, ``asked`` more wanted."""

    mentor_id: int
    capacity: int
    held: int
    asked: int

    @property
    def over(self) -> int:
        return self.held + self.asked - self.capacity


class NoFreePlaceError(IntroductionError):
    """New introductions would hold more places than their mentors have; nothing is made."""

    def __init__(self, message: str, conflicts: list[OverCapacity]) -> None:
        super().__init__(message)
        self.conflicts = conflicts


def lock_mentors(mentor_ids) -> dict[int, int]:
    """Lock the mentors' profile rows for the rest of the transaction; their capacities.

    ``SELECT ... FOR UPDATE`` in id order on PostgreSQL, so callers wanting the same mentors
    queue in one order and never deadlock, and a count read after it sees every place
    committed before; SQLite's write transaction already holds the whole database.
    """
    ids = sorted(set(mentor_ids))
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(MentorProfile.user_id, MentorProfile.capacity)
            .where(MentorProfile.user_id.in_(ids))
            .order_by(MentorProfile.user_id)
            .with_for_update()
        ).all()
    )


def over_capacity(asked: dict[int, int]) -> list[OverCapacity]:
    """The mentors of ``asked`` (mentor id: places wanted beyond the ones held now) whose
    active introductions would exceed their capacity, in id order; counted under
    :func:`lock_mentors`."""
    ids = sorted(asked)
    capacity = lock_mentors(ids)
    if not ids:
        return []
    held = dict(
        db.session.execute(
            select(Introduction.mentor_id, func.count())
            .where(Introduction.mentor_id.in_(ids), Introduction.status.in_(ACTIVE_STATUSES))
            .group_by(Introduction.mentor_id)
        ).all()
    )
    found = [OverCapacity(m, capacity.get(m, 0), held.get(m, 0), asked[m]) for m in ids]
    return [c for c in found if c.over > 0]


def hold_places(intros: list[Introduction]) -> None:
    """Refuse introductions just added to the session that hold more places than their
    mentors have (they are counted, so nothing more is asked)."""
    conflicts = over_capacity({i.mentor_id: 0 for i in intros if i.status.active})
    if conflicts:
        names = dict(
            db.session.execute(
                select(User.id, User.name).where(User.id.in_([c.mentor_id for c in conflicts]))
            ).all()
        )
        raise NoFreePlaceError(
            "No free place left for "
            + ", ".join(names.get(c.mentor_id, "a mentor") for c in conflicts)
            + ": someone else took it first. Choose another mentor.",
            conflicts,
        )


# --- signed answer links ------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return serializer(LINK_SALT)


def answer_token(intro: Introduction, answer: str) -> str:
    """A signed token for one answer; it dies on first use (the nonce rotates) or expiry."""
    return _serializer().dumps({"i": intro.id, "n": intro.link_nonce, "a": answer})


def answer_link(intro: Introduction, answer: str) -> str:
    return external_url("introductions.answer", token=answer_token(intro, answer))


class AnswerLinks:
    """:func:`answer_link` for many introductions: one serializer and one link for all."""

    def __init__(self) -> None:
        self._serializer = _serializer()
        self._head, _, self._tail = external_url(
            "introductions.answer", token=self.SPOT
        ).rpartition(self.SPOT)

    SPOT = "signed-token"

    def __call__(self, intro: Introduction, answer: str) -> str:
        token = self._serializer.dumps({"i": intro.id, "n": intro.link_nonce, "a": answer})
        return self._head + token + self._tail


def link_lifetime(group: InterestGroup) -> timedelta:
    """A link lives as long as a request may be answered: two response periods."""
    return 2 * timedelta(days=group.response_days)


def introduction_for_token(token: str) -> tuple[Introduction, str]:
    """The introduction and answer a usable link is for; ``LinkError`` otherwise."""
    try:
        data, signed_at = _serializer().loads(token, return_timestamp=True)
    except BadSignature:
        raise LinkError(
            "This link is not valid. Open it straight from the email, or answer from your "
            "dashboard.",
            400,
        ) from None
    valid = isinstance(data, dict) and data.get("a") in ANSWERS and isinstance(data.get("i"), int)
    intro = db.session.get(Introduction, data["i"]) if valid else None
    if intro is None:
        raise LinkError("This link is not valid, or its introduction no longer exists.", 400)
    if not intro.mentor.active:
        raise LinkError(
            "This link no longer works: the account it was sent to is switched off.", 410
        )
    if intro.status is not IntroStatus.PROPOSED:
        raise LinkError(
            f"This link has already been used: the introduction is {intro.status.label.lower()}.",
            410,
        )
    if data.get("n") != intro.link_nonce:
        raise LinkError("This link has been replaced. Answer from your dashboard.", 410)
    if clock.now() - signed_at > link_lifetime(intro.group):
        raise LinkError("This link has expired. Answer from your dashboard if you still can.", 410)
    return intro, data["a"]


# --- changes ------------------------------------------------------------------------------


def _move(
    intro: Introduction,
    expected: tuple[IntroStatus, ...],
    new: IntroStatus,
    actor: User | None,
    note: str = "",
    **values,
) -> None:
    """Compare-and-set the status; refuse when someone else changed it first."""
    result = db.session.execute(
        update(Introduction)
        .where(Introduction.id == intro.id, Introduction.status.in_(expected))
        .values(status=new, updated_at=clock.now(), **values)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        db.session.refresh(intro)
        raise IntroductionError(f"This introduction is already {intro.status.label.lower()}.")
    intro.events.append(
        IntroductionEvent(status=new, actor_id=actor.id if actor else None, note=note)
    )
    if not new.active:
        signals.ended.send(intro)


def note_event(intro: Introduction, note: str, actor: User | None = None) -> None:
    """A timeline entry that does not change the status (a reminder, a re-match offer)."""
    intro.events.append(
        IntroductionEvent(status=intro.status, actor_id=actor.id if actor else None, note=note)
    )


def committed_count(mentor_id: int, *, excluding: int | None = None) -> int:
    query = select(func.count(Introduction.id)).where(
        Introduction.mentor_id == mentor_id, Introduction.status.in_(COMMITTED_STATUSES)
    )
    if excluding is not None:
        query = query.where(Introduction.id != excluding)
    return db.session.scalar(query) or 0


def accept(intro: Introduction, actor: User) -> None:
    """The mentor says yes: both get a warm introduction email."""
    if not intro.mentor.active:
        raise IntroductionError("This mentor's account is switched off.")
    capacity = db.session.scalar(
        select(MentorProfile.capacity)
        .where(MentorProfile.user_id == intro.mentor_id)
        .with_for_update()
    )
    lock_seat(intro)
    taken = committed_count(intro.mentor_id, excluding=intro.id)
    if intro.status is IntroStatus.PROPOSED and taken >= (capacity or 0):
        raise IntroductionError(
            f"No free place: {intro.mentor.name} already mentors {taken} "
            f"student{'s' if taken != 1 else ''}, the capacity set on the profile. Raise the "
            "capacity on the profile to accept, or decline."
        )
    _move(
        intro,
        (IntroStatus.PROPOSED,),
        IntroStatus.ACCEPTED,
        actor,
        responded_at=clock.now(),
        link_nonce=secrets.token_urlsafe(16),
    )
    emails.send("introduction_student", intro, intro.student)
    emails.send("introduction_mentor", intro, intro.mentor)
    audit.record("introduction.accept", actor=actor, group_id=intro.group_id, target=intro)
    withdraw_rival_requests(intro)


def _rival_requests(intro: Introduction) -> Select[tuple[Introduction]]:
    """The student's other open requests for the seat ``intro`` is for, in its group."""
    return (
        select(Introduction)
        .where(
            Introduction.group_id == intro.group_id,
            Introduction.student_id == intro.student_id,
            Introduction.slot == intro.slot,
            Introduction.id != intro.id,
            Introduction.requested.is_(True),
            Introduction.status == IntroStatus.PROPOSED,
        )
        .order_by(Introduction.id)
    )


def lock_seat(intro: Introduction) -> None:
    """Lock ``intro`` and the student's other open requests for its seat, in id order, so two
    mentors accepting requests for one seat at once take turns (SQLite's write transaction
    already holds the whole database): the second finds its request withdrawn."""
    ids = sorted([intro.id, *(rival.id for rival in db.session.scalars(_rival_requests(intro)))])
    db.session.execute(
        select(Introduction.id)
        .where(Introduction.id.in_(ids))
        .order_by(Introduction.id)
        .with_for_update()
    ).all()


def withdraw_rival_requests(intro: Introduction) -> list[Introduction]:
    """The first acceptance for a seat wins: the student's other open requests for it are
    withdrawn (settled: the seat is filled), each mentor told with a note; those withdrawn."""
    rivals = list(db.session.scalars(_rival_requests(intro)))
    for rival in rivals:
        _withdraw(
            rival,
            None,
            f"{intro.mentor.name} accepted {intro.student.name} for this seat first",
            [],
            rematched=True,
            filled_by=intro.id,
        )
        emails.send("request_withdrawn", rival, rival.mentor)
    return rivals


def decline(intro: Introduction, actor: User, reason: str = "") -> None:
    """The mentor says no; the student is told and waits for a re-match."""
    reason = reason.strip()
    _move(
        intro,
        (IntroStatus.PROPOSED,),
        IntroStatus.DECLINED,
        actor,
        responded_at=clock.now(),
        decline_reason=reason,
        link_nonce=secrets.token_urlsafe(16),
    )
    emails.send("declined", intro, intro.student)
    audit.record("introduction.decline", actor=actor, group_id=intro.group_id, target=intro)


def expire(intro: Introduction) -> None:
    """No answer to the request and its reminder."""
    _move(
        intro,
        (IntroStatus.PROPOSED,),
        IntroStatus.EXPIRED,
        None,
        note="No answer after the request and one reminder",
        link_nonce=secrets.token_urlsafe(16),
    )
    emails.send("expired", intro, intro.student)
    audit.record("introduction.expire", group_id=intro.group_id, target=intro)


def meeting_moment(met_on: date, zone: str = timezones.DEFAULT_ZONE) -> datetime:
    """A meeting day in ``zone`` as a moment: now for today, midday there for an earlier day."""
    now = clock.now()
    if met_on >= timezones.to_local(now, zone).date():
        return now
    return timezones.from_local(datetime.combine(met_on, time(12)), zone)


def mark_met(intro: Introduction, actor: User, met_on: date) -> None:
    """The first meeting happened (the student says so), on ``met_on``, a day of the
    ``actor``'s calendar (their time zone's)."""
    zone = actor.time_zone
    if met_on > timezones.to_local(clock.now(), zone).date():
        raise IntroductionError("The meeting date cannot be in the future.")
    accepted = intro.responded_at
    if accepted is not None and met_on < timezones.to_local(accepted, zone).date():
        raise IntroductionError("The meeting date cannot be before the mentor accepted.")
    met_at = meeting_moment(met_on, zone)
    _move(intro, (IntroStatus.ACCEPTED,), IntroStatus.MET, actor, met_at=met_at)
    audit.record("introduction.met", actor=actor, group_id=intro.group_id, target=intro)


def _withdraw(
    intro: Introduction,
    actor: User | None,
    note: str,
    told: list[User],
    *,
    rematched: bool,
    **audited,
) -> None:
    """End an active introduction: its links stop working, ``told`` are emailed, and unless
    ``rematched`` (settled) the student waits on the re-match list for that seat."""
    was = intro.status
    _move(
        intro,
        ACTIVE_STATUSES,
        IntroStatus.WITHDRAWN,
        actor,
        note=note,
        closed_at=clock.now(),
        link_nonce=secrets.token_urlsafe(16),
        rematched=rematched,
    )
    for person in told:
        emails.send("withdrawn", intro, person)
    audit.record(
        "introduction.withdraw",
        actor=actor,
        group_id=intro.group_id,
        target=intro,
        was=was.value,
        **audited,
    )


def withdraw(intro: Introduction, actor: User, reason: str = "") -> None:
    """The student or a coordinator ends the introduction; the other side(s) are told. Nobody
    waits for another mentor because of it."""
    told = [intro.mentor] if actor.id == intro.student_id else [intro.student, intro.mentor]
    _withdraw(intro, actor, reason.strip(), told, rematched=True)


def open_count(person: User, side: Role) -> int:
    """How many introductions ``person`` has open as ``side`` (student or mentor)."""
    column = Introduction.student_id if side is Role.STUDENT else Introduction.mentor_id
    return db.session.scalar(
        select(func.count()).where(column == person.id, Introduction.status.in_(ACTIVE_STATUSES))
    )


def release(person: User, actor: User | None) -> int:
    """End the open introductions of a person whose account was switched off, and say how
    many: their links stop working, the other side is told, the mentor's places are freed, and
    a student who loses a mentor goes back to matching for that seat (the re-match list)."""
    intros = db.session.scalars(
        select(Introduction)
        .where(
            or_(Introduction.student_id == person.id, Introduction.mentor_id == person.id),
            Introduction.status.in_(ACTIVE_STATUSES),
        )
        .order_by(Introduction.id)
    ).all()
    for intro in intros:
        student_left = intro.student_id == person.id
        _withdraw(
            intro,
            actor,
            f"{person.name}'s account was switched off",
            [intro.mentor if student_left else intro.student],
            rematched=student_left,
            switched_off=person.id,
        )
    return len(intros)


def close(intro: Introduction) -> None:
    """The cycle is over: both sides are asked for a rating and a comment."""
    now = clock.now()
    _move(
        intro,
        COMMITTED_STATUSES,
        IntroStatus.COMPLETED,
        None,
        note="End of the mentorship cycle",
        closed_at=now,
        closing_sent_at=now,
    )
    link = external_url("introductions.feedback", intro_id=intro.id)
    for person in (intro.student, intro.mentor):
        emails.send("closing", intro, person, feedback_link=link)
    audit.record("introduction.complete", group_id=intro.group_id, target=intro)


RATINGS_OPEN = {
    RatingStage.EARLY: "Early ratings open once the first meeting is recorded.",
    RatingStage.CLOSING: "Ratings open when the mentorship cycle ends.",
}


def rating_refusal(intro: Introduction, stage: RatingStage) -> str | None:
    """Why ``stage``'s rating cannot be given now, or ``None`` when it can: the early rating
    from the first recorded meeting until the cycle ends, the closing one once it has."""
    if stage is RatingStage.CLOSING:
        return None if intro.status is IntroStatus.COMPLETED else RATINGS_OPEN[stage]
    if intro.status is IntroStatus.MET:
        return None
    if intro.status is IntroStatus.COMPLETED:
        return "The mentorship cycle has ended: give your closing rating instead."
    if intro.met_at is not None:
        return "This introduction has ended, so it takes no more ratings."
    return RATINGS_OPEN[stage]


def feedback_of(
    intro: Introduction, user: User, stage: RatingStage = RatingStage.CLOSING
) -> IntroductionFeedback | None:
    return db.session.scalar(
        select(IntroductionFeedback).where(
            IntroductionFeedback.introduction_id == intro.id,
            IntroductionFeedback.user_id == user.id,
            IntroductionFeedback.stage == stage,
        )
    )


def ratings_of(intro: Introduction, user: User) -> dict[RatingStage, IntroductionFeedback]:
    """The early and closing ratings ``user`` gave ``intro``, by stage."""
    return {
        given.stage: given
        for given in db.session.scalars(
            select(IntroductionFeedback).where(
                IntroductionFeedback.introduction_id == intro.id,
                IntroductionFeedback.user_id == user.id,
            )
        )
    }


def give_feedback(
    intro: Introduction,
    user: User,
    rating: int,
    comment: str,
    stage: RatingStage = RatingStage.CLOSING,
) -> None:
    """One side's early or closing rating (1 to 5) and comment; giving it again replaces it."""
    if (refused := rating_refusal(intro, stage)) is not None:
        raise IntroductionError(refused)
    if not 1 <= rating <= 5:
        raise IntroductionError("Choose a rating from 1 to 5.")
    given = feedback_of(intro, user, stage)
    if given is None:
        db.session.add(
            IntroductionFeedback(
                introduction_id=intro.id,
                user_id=user.id,
                stage=stage,
                rating=rating,
                comment=comment.strip(),
            )
        )
    else:
        given.rating, given.comment, given.at = rating, comment.strip(), clock.now()
    audit.record(
        "introduction.feedback",
        actor=user,
        group_id=intro.group_id,
        target=intro,
        stage=stage.value,
    )


@dataclass(frozen=True)
class RatingBox:
    """One of a person's ratings on an introduction's page: the one they gave (if any), and
    whether they can give or change it now."""

    stage: RatingStage
    given: IntroductionFeedback | None
    open: bool


def rating_boxes(intro: Introduction, user: User, side: str) -> list[RatingBox]:
    """The student's or mentor's ratings of ``intro`` to show: each stage that is open now or
    that they rated, early first; none for coordinators."""
    if side not in ("student", "mentor"):
        return []
    given = ratings_of(intro, user)
    boxes = [
        RatingBox(stage, given.get(stage), rating_refusal(intro, stage) is None)
        for stage in RatingStage
    ]
    return [box for box in boxes if box.open or box.given is not None]


@dataclass(frozen=True)
class GivenRating:
    """One rating as the coordinators read it: who gave it, from which side, at which stage."""

    intro: Introduction
    author: User
    side: str
    stage: RatingStage
    rating: int
    comment: str


def given_ratings(intro: Introduction) -> list[GivenRating]:
    """Every rating of ``intro``, early first, the student's before the mentor's."""
    rows = db.session.execute(
        select(IntroductionFeedback, User)
        .join(User, User.id == IntroductionFeedback.user_id)
        .where(IntroductionFeedback.introduction_id == intro.id)
    ).all()
    order = {stage: k for k, stage in enumerate(RatingStage)}
    found = [
        GivenRating(
            intro,
            author,
            "student" if author.id == intro.student_id else "mentor",
            given.stage,
            given.rating,
            given.comment,
        )
        for given, author in rows
    ]
    return sorted(found, key=lambda g: (order[g.stage], g.side != "student"))


def ask_early_rating(intro: Introduction) -> list[User]:
    """Email each side of a met introduction who has not yet given the early rating a link to
    give it; the people asked."""
    link = external_url("introductions.early_feedback", intro_id=intro.id)
    asked = [
        person
        for person in (intro.student, intro.mentor)
        if person.active and feedback_of(intro, person, RatingStage.EARLY) is None
    ]
    for person in asked:
        emails.send("early_rating", intro, person, feedback_link=link)
    return asked


# --- who sees what ------------------------------------------------------------------------


RATING_DUE_DAYS = 60
"""Days after the end of the cycle that a closing rating not yet given is listed as waiting on
the person's pages (the rating page itself stays open)."""


@dataclass(frozen=True)
class RatingDue:
    """A rating ``user`` can give now and has not: the introduction, the stage and the other
    person of it."""

    intro: Introduction
    stage: RatingStage
    other: User


def ratings_due(user: User, side: Role | None = None) -> list[RatingDue]:
    """The early and closing ratings waiting for ``user`` (in the introductions where they are
    ``side``, or either), the oldest introduction first."""
    recent = clock.now() - timedelta(days=RATING_DUE_DAYS)
    taking_part = {
        Role.STUDENT: Introduction.student_id == user.id,
        Role.MENTOR: Introduction.mentor_id == user.id,
        None: or_(Introduction.student_id == user.id, Introduction.mentor_id == user.id),
    }[side]
    intros = db.session.scalars(
        select(Introduction)
        .where(
            taking_part,
            or_(
                Introduction.status == IntroStatus.MET,
                (Introduction.status == IntroStatus.COMPLETED) & (Introduction.closed_at >= recent),
            ),
        )
        .options(selectinload(Introduction.student), selectinload(Introduction.mentor))
        .order_by(Introduction.id)
    ).all()
    given = set(
        db.session.execute(
            select(IntroductionFeedback.introduction_id, IntroductionFeedback.stage).where(
                IntroductionFeedback.user_id == user.id,
                IntroductionFeedback.introduction_id.in_([i.id for i in intros]),
            )
        ).all()
    )
    due = []
    for intro in intros:
        stage = RatingStage.EARLY if intro.status is IntroStatus.MET else RatingStage.CLOSING
        if (intro.id, stage) not in given:
            other = intro.mentor if intro.student_id == user.id else intro.student
            due.append(RatingDue(intro, stage, other))
    return due


def home_summary(user: User) -> dict:
    """What the home page shows of ``user``'s introductions: as a student, their
    introductions; as a mentor, requests waiting for an answer and current mentees (both, for
    a peer mentor who has mentors); and the ratings waiting for them."""
    summary: dict = {"ratings_due": ratings_due(user)}
    if user.has_role(Role.STUDENT):
        summary["intros"] = for_student(user)
    if user.has_role(Role.MENTOR):
        intros = for_mentor(user)
        summary["pending"] = [i for i in intros if i.status is IntroStatus.PROPOSED]
        summary["current"] = [i for i in intros if i.status in COMMITTED_STATUSES]
    return summary


def _newest_first(*conditions) -> list[Introduction]:
    return list(
        db.session.scalars(
            select(Introduction)
            .where(*conditions)
            .order_by(Introduction.created_at.desc(), Introduction.id.desc())
        )
    )


def for_student(student: User) -> list[Introduction]:
    return _newest_first(Introduction.student_id == student.id)


def for_mentor(mentor: User) -> list[Introduction]:
    return _newest_first(Introduction.mentor_id == mentor.id)


@dataclass(frozen=True)
class PendingRequest:
    """A request waiting for the mentor's answer: until when, and single-use tokens for the
    emailed-link pages (which work without logging in, as the email's links do)."""

    intro: Introduction
    respond_by: datetime
    accept_token: str
    decline_token: str


def pending_requests(mentor_id: int, *, excluding: int | None = None) -> list[PendingRequest]:
    """The mentor's requests still waiting for an answer, the first to expire first."""
    query = (
        select(Introduction)
        .where(Introduction.mentor_id == mentor_id, Introduction.status == IntroStatus.PROPOSED)
        .options(selectinload(Introduction.student), selectinload(Introduction.group))
        .order_by(Introduction.asked_at, Introduction.id)
    )
    if excluding is not None:
        query = query.where(Introduction.id != excluding)
    intros = sorted(db.session.scalars(query), key=lambda i: (respond_by(i), i.id))
    return [
        PendingRequest(i, respond_by(i), answer_token(i, "accept"), answer_token(i, "decline"))
        for i in intros
    ]


@dataclass(frozen=True)
class OpenRequest:
    """One of a student's requests still waiting for the mentor's answer, ready to show."""

    intro_id: int
    mentor_id: int
    mentor_name: str
    seat: str
    group_name: str
    asked_at: datetime
    respond_by: datetime
    note: str


def open_requests(student_id: int, group_id: int | None = None) -> list[OpenRequest]:
    """The student's requests waiting for an answer (in one group, or all), oldest first."""
    query = (
        select(Introduction)
        .where(
            Introduction.student_id == student_id,
            Introduction.requested.is_(True),
            Introduction.status == IntroStatus.PROPOSED,
        )
        .options(selectinload(Introduction.mentor), selectinload(Introduction.group))
        .order_by(Introduction.asked_at, Introduction.id)
    )
    if group_id is not None:
        query = query.where(Introduction.group_id == group_id)
    return [
        OpenRequest(
            i.id,
            i.mentor_id,
            i.mentor.name,
            WantedMentor._labels()[i.slot],
            i.group.name,
            i.asked_at,
            respond_by(i),
            i.request_note,
        )
        for i in db.session.scalars(query)
    ]


# --- coordinators -------------------------------------------------------------------------


def requests_sentence(group: InterestGroup) -> str:
    """The group's request setting in a sentence for its coordinators, with a hint while a
    round is open (a request takes its seat, so a draft that fills that seat must be solved
    again before it can be published)."""
    if not group.requests_open:
        return (
            "Students cannot ask mentors directly between rounds: requests are off. Turn them "
            "on in the settings."
        )
    most = group.requests_per_student
    sentence = (
        "Students may ask mentors directly between rounds, with at most "
        f"{most} open request{'s' if most != 1 else ''} each."
    )
    open_round = db.session.scalar(
        select(Round.name)
        .where(Round.group_id == group.id, Round.status == RoundStatus.OPEN)
        .order_by(Round.created_at)
        .limit(1)
    )
    if open_round is not None:
        sentence += (
            f" {open_round} is open: a request takes the seat it asks for, so a draft that "
            "fills that seat must be solved again. You may want to turn requests off until "
            "the round is published."
        )
    return sentence


@dataclass(frozen=True)
class IntroFilters:
    status: str = ""
    slot: str = ""
    q: str = ""
    attention: str = ""
    origin: str = ""


def stalled_since(group: InterestGroup, now: datetime) -> datetime:
    """Accepted before this moment and still not met: stalled (a check-in period went by
    after the check-in)."""
    return now - 2 * timedelta(days=group.checkin_days)


def group_introductions(group: InterestGroup, filters: IntroFilters) -> Select[tuple[Introduction]]:
    """The group's introductions, newest first, narrowed by the coordinator's filters."""
    student, mentor = aliased(User), aliased(User)
    query = (
        select(Introduction)
        .join(student, Introduction.student_id == student.id)
        .join(mentor, Introduction.mentor_id == mentor.id)
        .where(Introduction.group_id == group.id)
        .order_by(Introduction.created_at.desc(), Introduction.id.desc())
    )
    if filters.status:
        query = query.where(Introduction.status == IntroStatus(filters.status))
    if filters.slot:
        query = query.where(Introduction.slot == filters.slot)
    if filters.q:
        pattern = f"%{filters.q.lower()}%"
        query = query.where(
            or_(func.lower(student.name).like(pattern), func.lower(mentor.name).like(pattern))
        )
    if filters.origin == "round":
        query = query.where(Introduction.round_id.is_not(None), Introduction.requested.is_(False))
    elif filters.origin == "request":
        query = query.where(Introduction.requested.is_(True))
    elif filters.origin == "other":
        query = query.where(Introduction.round_id.is_(None), Introduction.requested.is_(False))
    if filters.attention == "stalled":
        query = query.where(*stalled_conditions(group))
    elif filters.attention == "rematch":
        query = query.where(*need_conditions(group))
    return query


def stalled_conditions(group: InterestGroup) -> tuple:
    return (
        Introduction.status == IntroStatus.ACCEPTED,
        Introduction.responded_at <= stalled_since(group, clock.now()),
    )


def need_conditions(group: InterestGroup) -> tuple:
    """A declined or expired introduction whose student still waits for another mentor."""
    return (
        Introduction.group_id == group.id,
        Introduction.status.in_(NEEDS_STATUSES),
        Introduction.rematched.is_(False),
    )


def stalled(group: InterestGroup) -> list[Introduction]:
    """The group's stalled introductions, longest waiting first, with both people loaded."""
    return list(
        db.session.scalars(
            select(Introduction)
            .where(Introduction.group_id == group.id, *stalled_conditions(group))
            .options(selectinload(Introduction.student), selectinload(Introduction.mentor))
            .order_by(Introduction.responded_at)
        )
    )


def open_needs(group: InterestGroup) -> list[Introduction]:
    """The coordinator's list: students waiting for another mentor, oldest first."""
    return list(
        db.session.scalars(
            select(Introduction).where(*need_conditions(group)).order_by(Introduction.updated_at)
        )
    )


def group_intro(group: InterestGroup, intro_id: int) -> Introduction:
    intro = db.session.get(Introduction, intro_id)
    if intro is None or intro.group_id != group.id:
        raise IntroductionError("That introduction is not in this group.")
    return intro


def free_places(mentor_id: int) -> int:
    """Places not held by an active introduction (proposals hold theirs)."""
    capacity = db.session.scalar(
        select(MentorProfile.capacity).where(MentorProfile.user_id == mentor_id)
    )
    held = db.session.scalar(
        select(func.count(Introduction.id)).where(
            Introduction.mentor_id == mentor_id, Introduction.status.in_(ACTIVE_STATUSES)
        )
    )
    return (capacity or 0) - (held or 0)


def update_settings(
    group: InterestGroup,
    *,
    response_days: int,
    rematch_policy: str,
    checkin_days: int,
    cycle_days: int,
    requests_open: bool | None = None,
    requests_per_student: int | None = None,
) -> None:
    """The group's introduction settings; the request settings stay as they are where not
    given. Turning requests off stops new ones: open requests keep their life cycle."""
    group.response_days, group.checkin_days, group.cycle_days = (
        response_days,
        checkin_days,
        cycle_days,
    )
    group.rematch_policy = RematchPolicy(rematch_policy)
    if requests_open is not None:
        group.requests_open = requests_open
    if requests_per_student is not None:
        group.requests_per_student = requests_per_student
    audit.record(
        "introduction.settings",
        group_id=group.id,
        target=group,
        response_days=response_days,
        rematch_policy=rematch_policy,
        checkin_days=checkin_days,
        cycle_days=cycle_days,
        requests_open=group.requests_open,
        requests_per_student=group.requests_per_student,
    )
