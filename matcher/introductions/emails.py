"""The introduction emails: default texts, each group's own wording, placeholders and sending.

Coordinators write plain text with ``{placeholder}`` fields from a fixed list per email; the
text is never run as a template, so a coordinator can insert data but not run code. The default
texts live in ``templates/email/introductions/<key>.txt`` in the same format (first line
``Subject: ...``) and apply wherever a group has not written its own.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from matcher import timezones
from matcher.extensions import db
from matcher.mail import MailRenderer, external_url, header, queue_mail, subject_line
from matcher.models import (
    Goal,
    GroupEmailTemplate,
    InterestGroup,
    Introduction,
    OutboxMessage,
    User,
    WantedMentor,
)

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

PROFILE_FIELDS = {
    "recipient_name": "the name of the person the email goes to",
    "student_name": "the student's name",
    "student_school": "the student's school",
    "student_stage": "the student's stage (MS1–MS4, research year)",
    "student_interests": "the student's specialty interests, in order",
    "student_goals": "what the student wants from a mentor",
    "student_statement": "the student's own statement",
    "mentor_name": "the mentor's name",
    "mentor_title": "the mentor's role, e.g. PGY-3 resident",
    "mentor_specialty": "the mentor's specialty",
    "mentor_institution": "the mentor's institution",
    "mentor_kind": "the kind of advisor this introduction is for, e.g. Faculty mentor",
    "group_name": "the interest group's name",
    "introduction_link": "the introduction's page on the site",
}
ANSWER_FIELDS = {
    "accept_link": "the accept link (it opens a page where the mentor confirms)",
    "decline_link": "the decline link (it opens a page where the mentor confirms)",
    "respond_by": "when the request expires without an answer, in the mentor's time zone",
}
CONTACT_FIELDS = {
    "student_email": "the student's email",
    "student_contact_preference": "how the student prefers to meet",
    "mentor_email": "the mentor's email",
    "agenda": "a suggested first-meeting agenda built from the student's goals",
}
REQUEST_FIELDS = {"request_note": "the student's note to the mentor, with their request"}
FEEDBACK_FIELDS = {"feedback_link": "the page where they rate the mentorship"}
EARLY_FEEDBACK_FIELDS = {"feedback_link": "the page where they rate the start of the mentorship"}
SEVERAL_FIELDS = {
    "recipient_name": "the name of the mentor the email goes to",
    "group_name": "the interest group's name (the groups' names when the requests come from "
    "several groups)",
    "request_count": "how many students the email asks about",
    "requests": "every request: the student, the kind of advisor, what they hope for, its own "
    "accept and decline links and the date to answer by",
    "respond_by": "when the first of the requests expires without an answer, in the mentor's "
    "time zone",
    "dashboard_link": "the mentor's page listing every request",
}


@dataclass(frozen=True)
class EmailKind:
    key: str
    title: str
    when: str
    fields: dict[str, str]


def _kind(key: str, title: str, when: str, *extra: dict[str, str]) -> EmailKind:
    fields = dict(PROFILE_FIELDS)
    for more in extra:
        fields.update(more)
    return EmailKind(key, title, when, fields)


SEVERAL = {"ask": "ask_several", "reminder": "reminder_several"}
"""The one-email-per-mentor wording of each request email, used when one mentor is asked
about several students at once."""


EMAILS: dict[str, EmailKind] = {
    kind.key: kind
    for kind in (
        _kind("ask", "Request to the mentor", "When a pair is proposed.", ANSWER_FIELDS),
        EmailKind(
            "ask_several",
            "Several requests to one mentor",
            "When one mentor is asked about several students at once (a round, a re-match): "
            "one email lists every request, each with its own links.",
            SEVERAL_FIELDS,
        ),
        _kind(
            "request",
            "A student's request to the mentor",
            "When a student asks a mentor directly for a seat between rounds.",
            ANSWER_FIELDS,
            REQUEST_FIELDS,
        ),
        _kind(
            "reminder",
            "Reminder to the mentor",
            "When the mentor has not answered after the response time.",
            ANSWER_FIELDS,
        ),
        _kind(
            "request_reminder",
            "Reminder of a student's request",
            "When the mentor has not answered a student's own request after the response time.",
            ANSWER_FIELDS,
            REQUEST_FIELDS,
        ),
        EmailKind(
            "reminder_several",
            "Reminder of several requests",
            "When a mentor has not answered several requests after the response time: one "
            "reminder lists them all.",
            SEVERAL_FIELDS,
        ),
        _kind(
            "introduction_student",
            "Introduction to the student",
            "When the mentor accepts.",
            CONTACT_FIELDS,
        ),
        _kind(
            "introduction_mentor",
            "Introduction to the mentor",
            "When the mentor accepts.",
            CONTACT_FIELDS,
        ),
        _kind("declined", "Declined, to the student", "When the mentor declines."),
        _kind(
            "expired",
            "Expired, to the student",
            "When the mentor has not answered the request and its reminder.",
        ),
        _kind("checkin", "Check-in with the student", "Some days after the mentor accepted."),
        _kind(
            "early_rating",
            "Early rating, to both",
            "When the first meeting is recorded: a short rating of how the mentorship started.",
            EARLY_FEEDBACK_FIELDS,
        ),
        _kind("thanks", "Thank-you reminder", "The day after the student records the meeting."),
        _kind(
            "closing",
            "End of the cycle, to both",
            "When the mentorship cycle ends.",
            FEEDBACK_FIELDS,
        ),
        _kind(
            "withdrawn",
            "Withdrawn, to the other side",
            "When the student or a coordinator withdraws the introduction.",
        ),
        _kind(
            "request_withdrawn",
            "Request withdrawn, to the mentor",
            "When another mentor accepts the student for the seat first: the student's other "
            "requests for it are withdrawn.",
        ),
    )
}

QUESTIONS = {
    Goal.RESEARCH.value: "Which research projects could a student join, and how to start?",
    Goal.SHADOWING.value: "When and where could I shadow or see the specialty in practice?",
    Goal.CV_REVIEW.value: "What would make my CV and personal statement stronger?",
    Goal.AWAY_ROTATIONS.value: "Which away rotations fit me, and when should I apply?",
    Goal.LETTERS.value: "How do I earn strong letters, and from whom?",
    Goal.MOCK_INTERVIEWS.value: "Could we run a mock interview closer to the season?",
    Goal.SPECIALTY_CHOICE.value: "What convinced you of this specialty, and what should I weigh?",
    Goal.WELLBEING.value: "How do you keep a sustainable pace through training?",
}


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


class TemplateError(ValueError):
    """A template a coordinator wrote that cannot be used; the message is safe to show."""


def unknown_placeholders(text: str, kind: EmailKind) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(text) if name not in kind.fields})


def check(kind: EmailKind, subject: str, body: str) -> None:
    """Refuse placeholders the email does not offer, naming the ones it does."""
    unknown = unknown_placeholders(subject + "\n" + body, kind)
    if unknown:
        raise TemplateError(
            "Unknown placeholder"
            + ("s " if len(unknown) > 1 else " ")
            + ", ".join("{" + name + "}" for name in unknown)
            + ". This email can use: "
            + ", ".join("{" + name + "}" for name in kind.fields)
            + "."
        )


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with each known ``{placeholder}`` replaced; anything else is left as written."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def default_text(key: str) -> Text:
    loader = current_app.jinja_loader
    source = loader.get_source(current_app.jinja_env, f"email/introductions/{key}.txt")[0]
    first, _, body = source.lstrip().partition("\n")
    return Text(first.removeprefix("Subject:").strip(), body.strip() + "\n")


def group_template(group_id: int, key: str) -> GroupEmailTemplate | None:
    return db.session.scalar(
        select(GroupEmailTemplate).where(
            GroupEmailTemplate.group_id == group_id, GroupEmailTemplate.key == key
        )
    )


def text_for(group_id: int, key: str) -> Text:
    """The group's wording of an email, or the default."""
    own = group_template(group_id, key)
    return Text(own.subject, own.body) if own is not None else default_text(key)


def save_template(group: InterestGroup, key: str, subject: str, body: str) -> GroupEmailTemplate:
    kind = EMAILS[key]
    check(kind, subject, body)
    own = group_template(group.id, key)
    if own is None:
        own = GroupEmailTemplate(group_id=group.id, key=key, subject=subject, body=body)
        db.session.add(own)
    else:
        own.subject, own.body = subject, body
    return own


def reset_template(group: InterestGroup, key: str) -> bool:
    """Go back to the default wording; whether the group had its own."""
    own = group_template(group.id, key)
    if own is not None:
        db.session.delete(own)
    return own is not None


def render(text: Text, values: dict[str, str]) -> Text:
    """The email with ``values`` filled in; in the subject each value is one short line."""
    in_subject = {
        name: header(values[name]) for name in PLACEHOLDER.findall(text.subject) if name in values
    }
    return Text(subject_line(fill(text.subject, in_subject)), fill(text.body, values))


# --- the values ---------------------------------------------------------------------------


def _listing(items: list[str]) -> str:
    return ", ".join(items) if items else "not given"


def agenda(intro: Introduction) -> str:
    """A first-meeting agenda: the student's goals, a CV sent ahead, questions to bring."""
    profile = intro.student.student_profile
    goals = profile.goals if profile else []
    lines = [
        f"- Five minutes each on where you are: {intro.student.name}'s path so far, "
        f"{intro.mentor.name}'s path into the specialty.",
        "- The student's goals: "
        + _listing([Goal._labels().get(g, g) for g in goals])
        + "; agree on the one or two to start with.",
        f"- {intro.student.name} sends a CV (and any draft personal statement) a few days ahead.",
        "- Questions to bring:",
    ]
    questions = [QUESTIONS[g] for g in goals if g in QUESTIONS] or [
        "What do you wish you had known at my stage?"
    ]
    lines += [f"    * {q}" for q in questions]
    lines.append("- Agree how and how often to keep in touch, and set the next date.")
    return "\n".join(lines)


def student_values(student: User) -> dict[str, str]:
    """The placeholders' values that describe the student."""
    sp = student.student_profile
    return {
        "student_name": student.name,
        "student_school": (sp.school if sp else "") or "not given",
        "student_stage": sp.stage.label if sp and sp.stage else "not given",
        "student_interests": _listing([s.name for s in sp.specialties] if sp else []),
        "student_goals": _listing([Goal._labels().get(g, g) for g in sp.goals] if sp else []),
        "student_statement": (sp.statement if sp else "").strip() or "(no statement yet)",
        "student_email": student.email,
        "student_contact_preference": sp.contact_preference.label if sp else "Email first",
    }


def values_for(intro: Introduction, recipient: User, **links: str) -> dict[str, str]:
    """Every placeholder's value for one introduction and one recipient."""
    mentor = intro.mentor
    mp = mentor.mentor_profile
    return {
        "recipient_name": recipient.name,
        **student_values(intro.student),
        "mentor_name": mentor.name,
        "mentor_title": mp.title if mp else "Mentor",
        "mentor_specialty": mp.specialty.name if mp and mp.specialty else "not given",
        "mentor_institution": (mp.institution if mp else "") or "not given",
        "mentor_email": mentor.email,
        "mentor_kind": WantedMentor._labels().get(intro.slot, intro.slot),
        "group_name": intro.group.name,
        "introduction_link": external_url("introductions.show", intro_id=intro.id),
        "agenda": agenda(intro),
        "request_note": intro.request_note.strip() or "(no note)",
        **links,
    }


SAMPLE = {
    "recipient_name": "Dr. Alex Example",
    "student_name": "Jordan Sample",
    "student_school": "Westbrook School of Medicine",
    "student_stage": "MS2",
    "student_interests": "Dermatology, Plastic Surgery (Integrated)",
    "student_goals": "Research involvement, CV and personal-statement review",
    "student_statement": "I found dermatology through a research year on melanoma screening.",
    "student_email": "jordan.sample@example.edu",
    "student_contact_preference": "Video call",
    "mentor_name": "Dr. Alex Example",
    "mentor_title": "Program director",
    "mentor_specialty": "Dermatology",
    "mentor_institution": "Westbrook University Hospital",
    "mentor_email": "alex.example@example.org",
    "mentor_kind": "Faculty mentor",
    "introduction_link": "https://matcher.example.org/introductions/1",
    "accept_link": "https://matcher.example.org/introductions/answer/(signed-accept-link)",
    "decline_link": "https://matcher.example.org/introductions/answer/(signed-decline-link)",
    "respond_by": "Tuesday 8 September 2026, 17:00 EDT (America/New_York)",
    "feedback_link": "https://matcher.example.org/introductions/1/feedback",
    "request_note": "Your work on melanoma screening is why I chose dermatology.",
    "request_count": "2",
    "requests": "1. Jordan Sample — Faculty mentor\n"
    "   MS2 at Westbrook School of Medicine; interested in Dermatology\n"
    "   Hoping for: Research involvement\n"
    "   Accept:  https://matcher.example.org/introductions/answer/(signed-accept-link)\n"
    "   Decline: https://matcher.example.org/introductions/answer/(signed-decline-link)\n"
    "   Please answer by Tuesday 8 September 2026.\n\n"
    "2. Riley Example — Resident or fellow\n"
    "   MS1 at Westbrook School of Medicine; interested in Dermatology\n"
    "   Hoping for: Shadowing\n"
    "   Accept:  https://matcher.example.org/introductions/answer/(signed-accept-link)\n"
    "   Decline: https://matcher.example.org/introductions/answer/(signed-decline-link)\n"
    "   Please answer by Tuesday 8 September 2026.",
    "dashboard_link": "https://matcher.example.org/introductions#pending",
    "agenda": "- Five minutes each on where you are...\n- The student's goals: ...\n"
    "- Jordan Sample sends a CV a few days ahead.\n- Questions to bring: ...",
}


def preview(group: InterestGroup, subject: str, body: str) -> Text:
    """The email as it would read, with sample people filled in."""
    return render(Text(subject, body), {**SAMPLE, "group_name": group.name})


class Batch:
    """What many introduction emails share, read once: each group's wording of each email and
    the message template (a published round asks thousands of mentors)."""

    def __init__(self) -> None:
        self._read: dict[tuple[int | None, str], Text] = {}
        self._render = MailRenderer(MESSAGE)

    def wording(self, group_id: int | None, key: str) -> Text:
        """The group's wording of ``key`` (the default for ``None``: several groups)."""
        if (group_id, key) not in self._read:
            self._read[group_id, key] = (
                default_text(key) if group_id is None else text_for(group_id, key)
            )
        return self._read[group_id, key]

    def mail(self, to: User, text: Text, key: str) -> dict:
        """The outbox row of ``text`` (the email ``key``) to ``to`` (as ``render_mail``
        makes it)."""
        return self._render(to, kind=kind_of(key), subject=text.subject, body=text.body)


MESSAGE = "introductions/_message"


def kind_of(key: str) -> str:
    """The mail kind (see ``matcher.mail.kinds``) of the introduction email ``key``."""
    return f"introductions/{key}"


def send(key: str, intro: Introduction, recipient: User, **links: str) -> OutboxMessage | None:
    """Queue the group's wording of ``key`` to ``recipient`` in the caller's transaction (sent
    now, held for their digest, or ``None`` if they unsubscribed from it)."""
    text = render(text_for(intro.group_id, key), values_for(intro, recipient, **links))
    return queue_mail(recipient, MESSAGE, kind=kind_of(key), subject=text.subject, body=text.body)


def deadline(moment: datetime, zone: str = timezones.DEFAULT_ZONE) -> str:
    """``moment`` in ``zone`` (the recipient's), written out with the zone's name: "Tuesday 8
    September 2026, 17:00 EDT (America/New_York)"."""
    return timezones.format_when(moment, zone, "long")


# --- asking mentors: one email per mentor -------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One introduction a mentor is asked to answer, with its signed links and the moment it
    expires without an answer."""

    intro: Introduction
    accept_link: str
    decline_link: str
    respond_by: datetime


def _indented(text: str, indent: str = "     ") -> str:
    return "\n".join(indent + line if line.strip() else "" for line in text.splitlines())


def request_listing(requests: list[Request], *, with_groups: bool) -> str:
    """The ``{requests}`` block: each request numbered, with who the student is, its own
    accept and decline links and the date to answer by."""
    blocks = []
    for number, request in enumerate(requests, start=1):
        intro = request.intro
        values = student_values(intro.student)
        values["mentor_kind"] = WantedMentor._labels().get(intro.slot, intro.slot)
        values["group_name"] = intro.group.name
        lines = [
            f"{number}. {values['student_name']} — {values['mentor_kind']}",
            f"   {values['student_stage']} at {values['student_school']}; interested in "
            f"{values['student_interests']}",
            f"   Hoping for: {values['student_goals']}",
            "   In their own words:",
            _indented(values["student_statement"]),
        ]
        if intro.requested:
            lines += [
                "   They asked you themselves, with this note:",
                _indented(intro.request_note.strip() or "(no note)"),
            ]
        if with_groups:
            lines.append(f"   Group: {values['group_name']}")
        lines += [
            f"   Accept:  {request.accept_link}",
            f"   Decline: {request.decline_link}",
            f"   Please answer by {deadline(request.respond_by, intro.mentor.time_zone)}.",
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def request_mail(requests: list[Request], batch: Batch, *, reminder: bool = False) -> dict:
    """The one email (an outbox row, as ``render_mail`` makes it) to the mentor of
    ``requests`` (all theirs) asking about every one: a single request in the group's request
    (or reminder) wording, several in the several-requests wording, each listed with its own
    links. Requests from one group use that group's wording; from several groups, the default
    wording naming them all."""
    return batch.mail(*_request_text(batch.wording, requests, reminder))


def _request_text(wording, requests: list[Request], reminder: bool) -> tuple[User, Text, str]:
    """The recipient, text and key of the email asking about ``requests``;
    ``wording(group_id, key)`` gives a group's wording (the default for ``None``)."""
    key = "reminder" if reminder else "ask"
    first = requests[0]
    if len(requests) == 1 and first.intro.requested:
        key = "request_reminder" if reminder else "request"
    mentor = first.intro.mentor
    if len(requests) == 1:
        values = values_for(
            first.intro,
            mentor,
            accept_link=first.accept_link,
            decline_link=first.decline_link,
            respond_by=deadline(first.respond_by, mentor.time_zone),
        )
        return mentor, render(wording(first.intro.group_id, key), values), key
    groups = list(dict.fromkeys(r.intro.group_id for r in requests))
    names = list(dict.fromkeys(r.intro.group.name for r in requests))
    several = SEVERAL[key]
    text = wording(groups[0], several) if len(groups) == 1 else default_text(several)
    values = {
        "recipient_name": mentor.name,
        "group_name": _names(names),
        "request_count": str(len(requests)),
        "requests": request_listing(requests, with_groups=len(groups) > 1),
        "respond_by": deadline(min(r.respond_by for r in requests), mentor.time_zone),
        "dashboard_link": external_url("introductions.index") + "#pending",
    }
    return mentor, render(text, values), several
