"""A student's board of advisors as the pages and emails show it: each seat they want, filled,
proposed, searched for, waiting for a place, in a round, not offered or not started, with what
happens next and when.

Everything here reads; the view models carry finished sentences and dates, so templates only
lay them out.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from matcher import timezones
from matcher.access import member_groups
from matcher.extensions import db
from matcher.introductions.services import respond_by
from matcher.matching import CRITERIA
from matcher.models import (
    HELD_STATUSES,
    NEEDS_STATUSES,
    SLOTS,
    DraftOutcome,
    InterestGroup,
    Introduction,
    IntroStatus,
    RematchPolicy,
    Round,
    RoundDraft,
    RoundStatus,
    RoundStudent,
    User,
    WaitingSeat,
    WantedMentor,
)
from matcher.solving import rematch

FILLED = "filled"
PROPOSED = "proposed"
SEARCHING = "searching"
WAITING = "waiting"
IN_ROUND = "in_round"
NOT_OFFERED = "not_offered"
NOT_STARTED = "not_started"

STATE_LABELS = {
    FILLED: "Filled",
    PROPOSED: "Proposed: waiting for the mentor's answer",
    SEARCHING: "Searching",
    WAITING: "Waiting for a place",
    IN_ROUND: "In a match round",
    NOT_OFFERED: "Not offered by this round",
    NOT_STARTED: "Not started",
}

SEAT_LABELS = WantedMentor._labels()
SEAT_NOUNS = {
    "faculty": "faculty mentor",
    "resident": "resident or fellow",
    "external": "external faculty mentor",
    "peer": "peer mentor",
}
"""A seat as a sentence names the mentor who fills it."""
SEAT_PLURALS = {
    "faculty": "faculty mentors",
    "resident": "residents or fellows",
    "external": "external faculty mentors",
    "peer": "peer mentors",
}


def rematch_every() -> str:
    """How often the introductions tick re-matches: the worker's ``INTRODUCTIONS_TICK_SECONDS``
    as words ("every 5 minutes")."""
    seconds = int(current_app.config["INTRODUCTIONS_TICK_SECONDS"])
    if seconds % 60:
        return f"every {seconds} seconds"
    minutes = seconds // 60
    return "every minute" if minutes == 1 else f"every {minutes} minutes"


FIT_PHRASES = {
    "specialty": "works in a specialty on your list",
    "focus": "works in your focus areas",
    "goals": "offers what you are hoping for",
    "stage": "suits your stage",
    "institution": "is at the right kind of institution for this seat",
    "mentor_preference": "asked to mentor you",
}
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}


def day(moment: date | datetime, zone: str | None = None) -> str:
    """A date as the site shows dates, the day it is in ``zone`` (default: the viewer's)."""
    return timezones.format_day(moment, zone or timezones.viewer_zone())


def deadline(moment: datetime, zone: str | None = None) -> str:
    """A deadline as the site shows deadlines: local time in ``zone`` (default: the
    viewer's), named."""
    return timezones.format_when(moment, zone or timezones.viewer_zone())


def seats_wanted(student: User) -> list[str]:
    """The seats the student's profile asks for, in board order (every seat when none)."""
    profile = student.student_profile
    return seats_of(profile.wanted_types if profile else None)


def seats_of(wanted_types: list[str] | None) -> list[str]:
    """The seats of a profile's wanted mentors, in board order (every seat when none)."""
    wanted = set(wanted_types) if wanted_types else set(SLOTS)
    return [slot for slot in SLOTS if slot in wanted]


def listing(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# --- the view model -----------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A link a seat offers: ``url_for(endpoint, **args)`` labelled ``label``."""

    endpoint: str
    args: dict
    label: str


@dataclass(frozen=True)
class MentorCard:
    name: str
    title: str
    institution: str

    @property
    def details(self) -> str:
        return ", ".join(part for part in (self.title, self.institution) if part)


@dataclass(frozen=True)
class Seat:
    """One seat of a student's board in one group, in one of the states of ``STATE_LABELS``:
    the mentor (filled since ``since``, or proposed and answering by ``until``), why it is
    empty, what happens next and the links to act on it."""

    slot: str
    state: str
    mentor: MentorCard | None = None
    intro_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    why: str = ""
    fit: str = ""
    next: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()

    @property
    def label(self) -> str:
        return SEAT_LABELS[self.slot]

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass(frozen=True)
class GroupBoard:
    """The seats of one student's board in one group they are an active member of."""

    group_id: int
    group_name: str
    seats: list[Seat]

    @property
    def filled(self) -> int:
        return sum(seat.state == FILLED for seat in self.seats)


# --- sentences shared by the board and the publish email ------------------------------------


def results_sentence(round_: Round) -> str:
    if round_.results_expected_on is not None:
        return f"Results are expected on {day(round_.results_expected_on)}."
    return "The coordinators have not set a date for the results yet."


def preferences_sentence(round_: Round) -> str:
    if not round_.is_open:
        return ""
    if round_.preference_deadline is None:
        return "You can rank up to five mentors until the round is published."
    if round_.preferences_open():
        return f"You can rank up to five mentors until {deadline(round_.preference_deadline)}."
    return f"Preferences closed on {deadline(round_.preference_deadline)}."


def waiting_list_next(policy: RematchPolicy, noun: str, place_free: bool | None) -> str:
    """What happens to an empty seat on the waiting list, by the group's re-match policy;
    ``place_free`` says whether a mentor who fits has a free place now (None: not known)."""
    if policy is RematchPolicy.AUTO:
        if place_free is False:
            return (
                f"No {noun} who fits you has a free place right now. You stay on the waiting "
                f"list: as soon as a place frees up, the next re-match run ({rematch_every()}) "
                "asks that mentor for you, and you get an email."
            )
        return (
            f"The site looks for your next {noun} automatically: the next re-match run "
            f"({rematch_every()}) asks the best-fitting one with a free place, and you get an "
            "email when they are asked."
        )
    if place_free is False:
        return (
            f"You are on your coordinators' waiting list for this seat. No {noun} who fits you "
            "has a free place right now; the coordinators ask one as soon as a place frees up, "
            "and you get an email."
        )
    return (
        f"You are on your coordinators' waiting list for this seat: they choose your next "
        f"{noun} from the mentors with a free place, and you get an email when one is asked."
    )


def proposed_next(name: str, until: str) -> str:
    return (
        f"{name} answers by {until}. You get an email either way: their contact details if "
        "they accept, or news of your next mentor if not."
    )


def empty_reason(reason: str, round_name: str, noun: str) -> str:
    """Why a round left a seat empty, in plain words (``reason`` as drafts store it)."""
    if reason == "no_allowed":
        return f"{round_name} found no {noun} the round's rules allow who had a free place."
    if reason == "all_full":
        return (
            f"In {round_name}, every {noun} who fits you was full with students whose pairs "
            "scored at least as high."
        )
    return f"{round_name} could not fill this seat."


def not_offered_reason(round_: Round, noun: str) -> str:
    fills = listing([SEAT_PLURALS[s] for s in round_.slots])
    return f"{round_.name} fills {fills} only; it does not look for a {noun}."


LATER_ROUND = (
    "A later round may: your coordinators choose which seats each round fills, and a new "
    "round shows on your home page."
)


def fit_line(outcome: DraftOutcome | None) -> str:
    """Why a proposed mentor fits, in one line, from the draft outcome's score breakdown (the
    criteria that added most first); empty without a breakdown."""
    if outcome is None or not outcome.breakdown:
        return ""
    parts = []
    ranked = sorted(
        zip(CRITERIA, outcome.breakdown, strict=False), key=lambda item: item[1], reverse=True
    )
    for name, value in ranked:
        if value <= 0:
            continue
        if name == "student_preference":
            rank = ORDINALS.get(outcome.preference_rank or 0)
            parts.append(f"you ranked them {rank}" if rank else "you ranked them")
        elif name in FIT_PHRASES:
            parts.append(FIT_PHRASES[name])
    if not parts:
        return ""
    line = listing(parts[:3])
    return line[0].upper() + line[1:] + "."


def mentor_card(mentor: User) -> MentorCard:
    profile = mentor.mentor_profile
    return MentorCard(
        mentor.name, profile.title if profile else "Mentor", profile.institution if profile else ""
    )


def published_outcome(intro: Introduction) -> DraftOutcome | None:
    """The published draft's outcome an introduction came from, if a round made it."""
    if intro.round_id is None:
        return None
    return db.session.scalar(
        select(DraftOutcome)
        .join(RoundDraft, RoundDraft.id == DraftOutcome.draft_id)
        .where(
            RoundDraft.round_id == intro.round_id,
            RoundDraft.published.is_(True),
            DraftOutcome.student_id == intro.student_id,
            DraftOutcome.slot == intro.slot,
            DraftOutcome.mentor_id == intro.mentor_id,
        )
        .limit(1)
    )


def places_free(group_id: int, student_id: int, slots: list[str]) -> dict[str, bool]:
    """For each of the student's waiting seats, whether a mentor who can fill it under the
    round rules has a free place now (one load of the group's mentors for all of them)."""
    if not slots:
        return {}
    found = rematch.eligible_for(group_id, [(student_id, slot) for slot in slots])
    return {
        slot: any(c.free_places > 0 for c in found.get((student_id, slot), [])) for slot in slots
    }


# --- one group's board ----------------------------------------------------------------------


@dataclass
class _Known:
    """What one group's board is made from, loaded in a few queries."""

    group: InterestGroup
    student: User
    intros: list[Introduction]
    waiting: list[WaitingSeat]
    rounds: list[Round]
    joined: set[int]
    complete: bool
    by_slot: dict[str, list[Introduction]] = field(default_factory=dict)
    free: dict[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for intro in self.intros:
            self.by_slot.setdefault(intro.slot, []).append(intro)

    def held(self, slot: str) -> Introduction | None:
        return next((i for i in self.by_slot.get(slot, []) if i.status in HELD_STATUSES), None)

    def need(self, slot: str) -> Introduction | None:
        return next(
            (
                i
                for i in self.by_slot.get(slot, [])
                if i.status in NEEDS_STATUSES and not i.rematched
            ),
            None,
        )

    def waiting_seat(self, slot: str) -> WaitingSeat | None:
        return next((w for w in self.waiting if w.slot == slot), None)

    def is_waiting(self, slot: str) -> bool:
        """The seat is on the waiting list: nothing holds it, and a failed introduction or a
        seat a round left empty waits for a mentor."""
        return self.held(slot) is None and (
            self.need(slot) is not None or self.waiting_seat(slot) is not None
        )


def _load(group: InterestGroup, student: User) -> _Known:
    intros = list(
        db.session.scalars(
            select(Introduction)
            .where(Introduction.group_id == group.id, Introduction.student_id == student.id)
            .options(selectinload(Introduction.mentor).selectinload(User.mentor_profile))
            .order_by(Introduction.created_at.desc(), Introduction.id.desc())
        )
    )
    waiting = list(
        db.session.scalars(
            select(WaitingSeat)
            .where(
                WaitingSeat.group_id == group.id,
                WaitingSeat.student_id == student.id,
                WaitingSeat.closed_at.is_(None),
            )
            .options(selectinload(WaitingSeat.round))
            .order_by(WaitingSeat.since.desc(), WaitingSeat.id.desc())
        )
    )
    rounds = list(
        db.session.scalars(
            select(Round)
            .where(Round.group_id == group.id, Round.status == RoundStatus.OPEN)
            .order_by(Round.created_at, Round.id)
        )
    )
    joined = set(
        db.session.scalars(
            select(RoundStudent.round_id).where(
                RoundStudent.student_id == student.id,
                RoundStudent.round_id.in_([r.id for r in rounds]),
            )
        )
    )
    profile = student.student_profile
    complete = profile is not None and not profile.missing()
    return _Known(group, student, intros, waiting, rounds, joined, complete)


def _intro_link(intro: Introduction) -> Link:
    return Link("introductions.show", {"intro_id": intro.id}, "Open the introduction")


def _round_link(round_: Round, joined: bool) -> Link:
    label = f"Open {round_.name}" if joined else f"Take part in {round_.name}"
    return Link("rounds.show", {"round_id": round_.id}, label)


def _filled(intro: Introduction) -> Seat:
    name = intro.mentor.name
    if intro.status is IntroStatus.ACCEPTED:
        steps = (
            f"Write to {name} to set up a first meeting, then mark it on the introduction's page.",
        )
    elif intro.status is IntroStatus.MET:
        steps = (f"You met on {day(intro.met_at)}." if intro.met_at else "You have met.",)
    else:
        ended = f" on {day(intro.closed_at)}" if intro.closed_at else ""
        steps = (f"The mentorship cycle ended{ended}; you are welcome to keep in touch.",)
    return Seat(
        intro.slot,
        FILLED,
        mentor=mentor_card(intro.mentor),
        intro_id=intro.id,
        since=intro.responded_at or intro.updated_at,
        next=steps,
        links=(_intro_link(intro),),
    )


def _proposed(intro: Introduction) -> Seat:
    until = respond_by(intro)
    return Seat(
        intro.slot,
        PROPOSED,
        mentor=mentor_card(intro.mentor),
        intro_id=intro.id,
        until=until,
        fit=fit_line(published_outcome(intro)),
        next=(proposed_next(intro.mentor.name, day(until)),),
        links=(_intro_link(intro),),
    )


def _requested(known: _Known, slot: str) -> Seat:
    """A seat the student asked mentors for themselves: every request still open for it."""
    asked = [
        i
        for i in reversed(known.by_slot.get(slot, []))
        if i.requested and i.status is IntroStatus.PROPOSED
    ]
    first = asked[0]
    names = listing([i.mentor.name for i in asked])
    if len(asked) == 1:
        step = proposed_next(first.mentor.name, day(respond_by(first)))
    else:
        step = (
            f"You asked {names} for this seat. The first to accept fills it, and your other "
            "requests for it are withdrawn; you get an email when each answers."
        )
    return Seat(
        slot,
        PROPOSED,
        mentor=mentor_card(first.mentor) if len(asked) == 1 else None,
        intro_id=first.id,
        until=min(respond_by(i) for i in asked),
        why="You asked for this seat yourself.",
        next=(step,),
        links=(Link("board.index", {"_anchor": "requests"}, "Your open requests"),),
    )


def _need_reason(need: Introduction) -> str:
    name = need.mentor.name
    if need.status is IntroStatus.DECLINED:
        when = need.responded_at or need.updated_at
        return f"{name} could not take you on (declined on {day(when)})."
    if need.status is IntroStatus.EXPIRED:
        return f"{name} did not answer in time (the request expired on {day(need.updated_at)})."
    when = need.closed_at or need.updated_at
    return f"The introduction to {name} was withdrawn on {day(when)}."


def _open_rounds_with(known: _Known, slot: str) -> list[Round]:
    return [r for r in known.rounds if slot in r.slots]


def _round_steps(known: _Known, slot: str, *, also: bool) -> tuple[list[str], list[Link]]:
    """The open rounds of the group that fill ``slot``: a sentence and a link each."""
    steps, links = [], []
    for round_ in _open_rounds_with(known, slot):
        joined = round_.id in known.joined
        if joined:
            lead = f"You {'also ' if also else ''}take part in {round_.name}"
            steps.append(f"{lead}, which fills this seat. {results_sentence(round_)}")
        else:
            steps.append(
                f"{round_.name} is open and fills this seat: take part to be matched. "
                f"{results_sentence(round_)}"
            )
        links.append(_round_link(round_, joined))
    return steps, links


def _searching(known: _Known, slot: str, need: Introduction | None, seat: WaitingSeat | None):
    noun = SEAT_NOUNS[slot]
    if need is not None:
        why = _need_reason(need)
    else:
        why = empty_reason(seat.reason, seat.round.name if seat.round else "The round", noun)
    free = known.free[slot]
    steps, links = _round_steps(known, slot, also=True)
    return Seat(
        slot,
        SEARCHING if free else WAITING,
        why=why,
        next=(waiting_list_next(known.group.rematch_policy, noun, free), *steps),
        links=tuple(links),
    )


def _in_round(known: _Known, slot: str, round_: Round) -> Seat:
    steps = [
        f"{round_.name} looks for your {SEAT_NOUNS[slot]}.",
        preferences_sentence(round_),
        results_sentence(round_),
        "When it is published you get an email with the mentor proposed for you.",
    ]
    return Seat(
        slot,
        IN_ROUND,
        next=tuple(s for s in steps if s),
        links=(_round_link(round_, True),),
    )


def _not_offered(known: _Known, slot: str, round_: Round) -> Seat:
    steps, links = _round_steps(known, slot, also=False)
    return Seat(
        slot,
        NOT_OFFERED,
        why=not_offered_reason(round_, SEAT_NOUNS[slot]),
        next=tuple(steps) or (LATER_ROUND,),
        links=tuple(links),
    )


def _not_started(known: _Known, slot: str) -> Seat:
    steps, links = _round_steps(known, slot, also=False)
    if not steps:
        steps = [
            "No round is looking for this seat right now. When your group opens one, it shows "
            "on your home page: take part there."
        ]
    if not known.complete:
        steps.append("Complete your profile first: rounds take students with complete profiles.")
        links.append(Link("profiles.edit", {"side": "student"}, "Complete your profile"))
    return Seat(slot, NOT_STARTED, next=tuple(steps), links=tuple(links))


def _seat(known: _Known, slot: str) -> Seat:
    held = known.held(slot)
    if held is not None and held.status is IntroStatus.PROPOSED and held.requested:
        return _requested(known, slot)
    if held is not None:
        return _proposed(held) if held.status is IntroStatus.PROPOSED else _filled(held)
    if known.is_waiting(slot):
        return _searching(known, slot, known.need(slot), known.waiting_seat(slot))
    taking_part = [r for r in known.rounds if r.id in known.joined]
    fills = [r for r in taking_part if slot in r.slots]
    if fills:
        return _in_round(known, slot, fills[0])
    if taking_part:
        return _not_offered(known, slot, taking_part[0])
    return _not_started(known, slot)


def group_board(group: InterestGroup, student: User) -> GroupBoard:
    known = _load(group, student)
    wanted = seats_wanted(student)
    known.free = places_free(group.id, student.id, [s for s in wanted if known.is_waiting(s)])
    return GroupBoard(group.id, group.name, [_seat(known, s) for s in wanted])


def boards(student: User, groups: list[InterestGroup] | None = None) -> list[GroupBoard]:
    """The student's board in each group they are an active member of (``groups``, when the
    caller has them already)."""
    if groups is None:
        groups = list(db.session.scalars(member_groups(student)))
    return [group_board(g, student) for g in groups]


# --- a round as a student sees it -----------------------------------------------------------


@dataclass(frozen=True)
class RoundOutlook:
    """What a round means for one student: the seats it fills, which of theirs it looks for,
    which are already on their board or not offered, its dates and what follows."""

    fills: list[str]
    for_you: list[str]
    on_board: list[str]
    not_offered: list[str]
    deadline: datetime | None
    results_expected_on: date | None
    follows: list[str]
    published_at: datetime | None


def _held_slots(group_id: int, student_id: int) -> set[str]:
    return set(
        db.session.scalars(
            select(Introduction.slot).where(
                Introduction.group_id == group_id,
                Introduction.student_id == student_id,
                Introduction.status.in_(HELD_STATUSES),
            )
        )
    )


def _labels(slots: Iterable[str]) -> list[str]:
    return [SEAT_LABELS[s] for s in slots]


def round_outlook(round_: Round, student: User) -> RoundOutlook:
    wanted = seats_wanted(student)
    held = _held_slots(round_.group_id, student.id)
    in_round = [s for s in wanted if s in round_.slots]
    group = round_.group
    follows = [
        preferences_sentence(round_),
        results_sentence(round_) if round_.is_open else "",
        "When the round is published you get one email: the mentor proposed for each seat, "
        "and what happens next for any seat left empty.",
        f"Each proposed mentor has {2 * group.response_days} days to answer; you get an email "
        "when they do.",
        "A seat the round cannot fill goes on the waiting list: "
        + (
            "the site asks the next mentor with a free place for you automatically."
            if group.rematch_policy is RematchPolicy.AUTO
            else "your coordinators pick your next mentor from the mentors with a free place."
        ),
    ]
    skipped = [s for s in wanted if s not in round_.slots]
    if skipped:
        follows.append(
            f"This round does not look for your {listing([SEAT_NOUNS[s] for s in skipped])}. "
            + LATER_ROUND
        )
    return RoundOutlook(
        fills=_labels(round_.slots),
        for_you=_labels(s for s in in_round if s not in held),
        on_board=_labels(s for s in in_round if s in held),
        not_offered=_labels(skipped),
        deadline=round_.preference_deadline,
        results_expected_on=round_.results_expected_on,
        follows=[f for f in follows if f],
        published_at=round_.published_at,
    )
