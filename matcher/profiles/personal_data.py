"""A person's own data, as the download on their profile page gives it: everything the site keeps
about them, one section per kind of record.

``SECTIONS`` says which section holds the rows of each table with a column naming a person, so
a test can check that no such table is left out.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased, selectinload

from matcher import clock
from matcher.extensions import db
from matcher.models import (
    AuditEvent,
    DraftOutcome,
    FormSubmission,
    Institution,
    InterestGroup,
    Introduction,
    IntroductionEvent,
    IntroductionFeedback,
    Job,
    MailPreference,
    Meeting,
    OutboxMessage,
    Round,
    RoundConstraint,
    RoundDraft,
    RoundLike,
    RoundPreference,
    RoundStudent,
    User,
    WaitingSeat,
)
from matcher.models.group import group_coordinators

SECTIONS = {
    "users": "account",
    "student_profiles": "student_profile",
    "mentor_profiles": "mentor_profile",
    "memberships": "memberships",
    "group_coordinators": "coordinates",
    "round_students": "rounds_taken_part_in",
    "round_preferences": "rankings",
    "round_likes": "marks",
    "round_constraints": "pins_and_bars",
    "draft_outcomes": "round_results",
    "rounds": "rounds_run",
    "round_drafts": "drafts_made",
    "introductions": "introductions",
    "introduction_events": "introduction_steps_taken",
    "introduction_feedback": "feedback_given",
    "waiting_seats": "waiting_seats",
    "institutions": "institutions_added",
    "jobs": "jobs",
    "form_submissions": "forms_sent",
    "audit_events": "audit_log",
    "outbox": "emails",
    "mail_preferences": "mail_preference",
}
"""Table → the section of the download that holds its rows about the person."""


def _iso(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment else None


def _value(enum) -> str | None:
    return enum.value if enum is not None else None


def _name(user: User | None) -> str | None:
    return user.name if user is not None else None


def export(user: User) -> dict[str, Any]:
    """Everything the site holds on ``user``, as plain JSON-ready data."""
    data: dict[str, Any] = {"exported_at": _iso(clock.now())}
    data["account"] = _account(user)
    data["student_profile"] = _student_profile(user)
    data["mentor_profile"] = _mentor_profile(user)
    data["memberships"] = [
        {"group": m.group.name, "status": m.status.value, "joined_at": _iso(m.joined_at)}
        for m in user.memberships
    ]
    data["coordinates"] = list(
        db.session.scalars(
            select(InterestGroup.name)
            .join(group_coordinators)
            .where(group_coordinators.c.user_id == user.id)
            .order_by(InterestGroup.name)
        )
    )
    data.update(_rounds(user))
    data.update(_introductions(user))
    data["waiting_seats"] = [
        {
            "group": seat_group,
            "seat": seat.slot,
            "round": seat.round.name if seat.round else None,
            "reason": seat.reason,
            "since": _iso(seat.since),
            "closed_at": _iso(seat.closed_at),
            "closed_note": seat.closed_note,
        }
        for seat, seat_group in db.session.execute(
            select(WaitingSeat, InterestGroup.name)
            .join(InterestGroup, InterestGroup.id == WaitingSeat.group_id)
            .where(WaitingSeat.student_id == user.id)
            .order_by(WaitingSeat.id)
        )
    ]
    data["institutions_added"] = [
        {
            "name": i.name,
            "kind": i.kind.value,
            "confirmed": i.confirmed,
            "created_at": _iso(i.created_at),
        }
        for i in db.session.scalars(
            select(Institution).where(Institution.created_by_id == user.id).order_by(Institution.id)
        )
    ]
    data["jobs"] = [
        {
            "kind": j.kind,
            "title": j.title,
            "status": j.status.value,
            "message": j.message,
            "created_at": _iso(j.created_at),
        }
        for j in db.session.scalars(select(Job).where(Job.owner_id == user.id).order_by(Job.id))
    ]
    data["forms_sent"] = [
        {"sent_at": _iso(f.created_at), "result": f.result_url}
        for f in db.session.scalars(
            select(FormSubmission)
            .where(FormSubmission.user_id == user.id)
            .order_by(FormSubmission.created_at)
        )
    ]
    data["audit_log"] = _audit(user)
    preference = db.session.get(MailPreference, user.id)
    data["mail_preference"] = (
        {
            "delivery": preference.delivery.value,
            "unsubscribed_at": _iso(preference.unsubscribed_at),
            "updated_at": _iso(preference.updated_at),
        }
        if preference
        else None
    )
    data["emails"] = [
        {
            "subject": m.subject,
            "queued_at": _iso(m.created_at),
            "sent_at": _iso(m.sent_at),
            "status": m.status.value,
            "body": m.body_text,
        }
        for m in db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.to_addr == user.email)
            .order_by(OutboxMessage.id)
        )
    ]
    return data


def _account(user: User) -> dict[str, Any]:
    imported_by = (
        db.session.get(InterestGroup, user.imported_by_group_id)
        if user.imported_by_group_id
        else None
    )
    return {
        "email": user.email,
        "name": user.name,
        "roles": sorted(role.value for role in user.roles),
        "active": user.active,
        "time_zone": user.time_zone,
        "created_at": _iso(user.created_at),
        "last_login_at": _iso(user.last_login_at),
        "password_changed_at": _iso(user.password_changed_at),
        "imported_by_group": imported_by.name if imported_by else None,
    }


def _student_profile(user: User) -> dict[str, Any] | None:
    p = user.student_profile
    if p is None:
        return None
    return {
        "school": p.school,
        "school_on_record": p.institution_record.name if p.institution_record else None,
        "stage": _value(p.stage),
        "graduation_year": p.graduation_year,
        "specialty_interests": [i.specialty.name for i in p.interests],
        "focus_areas": sorted(a.name for a in p.focus_areas),
        "home_has_department": p.home_has_department,
        "goals": p.goals,
        "wanted_mentor_types": p.wanted_types,
        "contact_preference": p.contact_preference.value,
        "statement": p.statement,
        "updated_at": _iso(p.updated_at),
    }


def _mentor_profile(user: User) -> dict[str, Any] | None:
    p = user.mentor_profile
    if p is None:
        return None
    return {
        "mentor_type": _value(p.mentor_type),
        "faculty_rank": _value(p.faculty_rank),
        "pgy": p.pgy,
        "peer_stage": _value(p.peer_stage),
        "specialty": p.specialty.name if p.specialty else None,
        "focus_areas": sorted(a.name for a in p.focus_areas),
        "institution": p.institution,
        "institution_on_record": p.institution_record.name if p.institution_record else None,
        "region": p.region,
        "offers": p.offers,
        "capacity": p.capacity,
        "accepting": p.accepting,
        "preferred_stages": p.preferred_stages,
        "bio": p.bio,
        "updated_at": _iso(p.updated_at),
    }


def _rounds(user: User) -> dict[str, Any]:
    """Rounds taken part in, rankings, marks, pins and bars, draft results, and the rounds and
    drafts the person made as a coordinator.

    Another person appears by name where the site already shows them to this person (the
    mentors they ranked, the students they marked, the pairs of a published draft); in an
    unpublished draft, and where someone ranked or marked them, only the count or the seat."""
    mentor, student = aliased(User), aliased(User)
    out: dict[str, Any] = {}
    out["rounds_taken_part_in"] = [
        {"round": name, "group": group, "joined_at": _iso(joined)}
        for name, group, joined in db.session.execute(
            select(Round.name, InterestGroup.name, RoundStudent.joined_at)
            .select_from(RoundStudent)
            .join(Round, Round.id == RoundStudent.round_id)
            .join(InterestGroup, InterestGroup.id == Round.group_id)
            .where(RoundStudent.student_id == user.id)
            .order_by(RoundStudent.joined_at)
        )
    ]
    out["rankings"] = {
        "you_ranked": [
            {"round": name, "rank": rank, "mentor": mentor_name}
            for name, rank, mentor_name in db.session.execute(
                select(Round.name, RoundPreference.rank, mentor.name)
                .select_from(RoundPreference)
                .join(Round, Round.id == RoundPreference.round_id)
                .join(mentor, mentor.id == RoundPreference.mentor_id)
                .where(RoundPreference.student_id == user.id)
                .order_by(Round.id, RoundPreference.rank)
            )
        ],
        "students_who_ranked_you": _counts(
            select(Round.name, RoundPreference.student_id)
            .select_from(RoundPreference)
            .join(Round, Round.id == RoundPreference.round_id)
            .where(RoundPreference.mentor_id == user.id)
        ),
    }
    out["marks"] = {
        "you_marked": [
            {"round": name, "student": student_name}
            for name, student_name in db.session.execute(
                select(Round.name, student.name)
                .select_from(RoundLike)
                .join(Round, Round.id == RoundLike.round_id)
                .join(student, student.id == RoundLike.student_id)
                .where(RoundLike.mentor_id == user.id)
                .order_by(Round.id, student.name)
            )
        ],
        "mentors_who_marked_you": _counts(
            select(Round.name, RoundLike.mentor_id)
            .select_from(RoundLike)
            .join(Round, Round.id == RoundLike.round_id)
            .where(RoundLike.student_id == user.id)
        ),
    }
    out["pins_and_bars"] = [
        {
            "round": name,
            "kind": c.kind.value,
            "student": student_name,
            "mentor": mentor_name,
            "set_at": _iso(c.created_at),
        }
        for c, name, student_name, mentor_name in db.session.execute(
            select(RoundConstraint, Round.name, student.name, mentor.name)
            .select_from(RoundConstraint)
            .join(Round, Round.id == RoundConstraint.round_id)
            .join(student, student.id == RoundConstraint.student_id)
            .join(mentor, mentor.id == RoundConstraint.mentor_id)
            .where(or_(RoundConstraint.student_id == user.id, RoundConstraint.mentor_id == user.id))
            .order_by(Round.id, RoundConstraint.created_at)
        )
    ]
    out["round_results"] = _round_results(user)
    out["rounds_run"] = [
        {
            "round": r.name,
            "group": r.group.name,
            "created_by_you": r.created_by_id == user.id,
            "published_by_you": r.published_by_id == user.id,
            "created_at": _iso(r.created_at),
            "published_at": _iso(r.published_at),
        }
        for r in db.session.scalars(
            select(Round)
            .where(or_(Round.created_by_id == user.id, Round.published_by_id == user.id))
            .options(selectinload(Round.group))
            .order_by(Round.id)
        )
    ]
    out["drafts_made"] = [
        {"round": name, "draft": number, "created_at": _iso(at)}
        for name, number, at in db.session.execute(
            select(Round.name, RoundDraft.number, RoundDraft.created_at)
            .select_from(RoundDraft)
            .join(Round, Round.id == RoundDraft.round_id)
            .where(RoundDraft.created_by_id == user.id)
            .order_by(RoundDraft.id)
        )
    ]
    return out


def _counts(query) -> list[dict[str, Any]]:
    """(round name, person id) rows as how many people per round."""
    counts: dict[str, set[int]] = {}
    for name, person in db.session.execute(query):
        counts.setdefault(name, set()).add(person)
    return [{"round": name, "people": len(people)} for name, people in counts.items()]


def _round_results(user: User) -> list[dict[str, Any]]:
    """Each draft outcome that names the person: as the student, the mentor proposed, or the
    best-scoring mentor a student did not get."""
    rows = db.session.execute(
        select(DraftOutcome, RoundDraft.number, RoundDraft.published, Round.name)
        .join(RoundDraft, RoundDraft.id == DraftOutcome.draft_id)
        .join(Round, Round.id == RoundDraft.round_id)
        .where(
            or_(
                DraftOutcome.student_id == user.id,
                DraftOutcome.mentor_id == user.id,
                DraftOutcome.best_mentor_id == user.id,
            )
        )
        .options(selectinload(DraftOutcome.student), selectinload(DraftOutcome.mentor))
        .order_by(DraftOutcome.id)
    )
    out = []
    for o, number, published, name in rows:
        if o.student_id == user.id:
            you_are, other = "student", o.mentor
        elif o.mentor_id == user.id:
            you_are, other = "mentor", o.student
        else:
            you_are, other = "best-scoring mentor, not proposed", None
        out.append(
            {
                "round": name,
                "draft": number,
                "published": published,
                "seat": o.slot,
                "you_are": you_are,
                "with": _name(other) if published else None,
                "score": o.score,
                "reason": o.reason,
                "choice_rank": o.preference_rank if o.student_id == user.id else None,
            }
        )
    return out


def _introductions(user: User) -> dict[str, Any]:
    """Introductions on either side with their steps, the steps the person took on any
    introduction, and the feedback they gave."""
    intros = db.session.scalars(
        select(Introduction)
        .where(or_(Introduction.student_id == user.id, Introduction.mentor_id == user.id))
        .options(
            selectinload(Introduction.student),
            selectinload(Introduction.mentor),
            selectinload(Introduction.group),
            selectinload(Introduction.events).selectinload(IntroductionEvent.actor),
        )
        .order_by(Introduction.id)
    ).all()
    meetings: dict[int, list[dict[str, Any]]] = {}
    for m in db.session.scalars(
        select(Meeting)
        .where(Meeting.introduction_id.in_([i.id for i in intros]))
        .options(selectinload(Meeting.options))
        .order_by(Meeting.id)
    ):
        meetings.setdefault(m.introduction_id, []).append(
            {
                "status": m.status.value,
                "starts_at": _iso(m.starts_at),
                "minutes": m.minutes,
                "times_offered": [_iso(o.starts_at) for o in m.options],
                "place": m.place,
                "video_link": m.video_url,
                "booking_link": m.booking_url,
                "note": m.note,
                "cancelled_by": m.cancelled_by or None,
            }
        )
    return {
        "introductions": [
            {
                "group": i.group.name,
                "seat": i.slot,
                "you_are": "student" if i.student_id == user.id else "mentor",
                "student": i.student.name,
                "mentor": i.mentor.name,
                "status": i.status.value,
                "asked_at": _iso(i.asked_at),
                "responded_at": _iso(i.responded_at),
                "decline_reason": i.decline_reason,
                "requested_by_the_student": i.requested,
                "request_note": i.request_note,
                "met_at": _iso(i.met_at),
                "closed_at": _iso(i.closed_at),
                "meetings": meetings.get(i.id, []),
                "steps": [
                    {
                        "at": _iso(e.at),
                        "status": e.status.value,
                        "by": _name(e.actor),
                        "note": e.note,
                    }
                    for e in i.events
                ],
            }
            for i in intros
        ],
        "introduction_steps_taken": [
            {
                "at": _iso(e.at),
                "status": e.status.value,
                "student": i.student.name,
                "mentor": i.mentor.name,
                "note": e.note,
            }
            for e, i in db.session.execute(
                select(IntroductionEvent, Introduction)
                .join(Introduction, Introduction.id == IntroductionEvent.introduction_id)
                .where(IntroductionEvent.actor_id == user.id)
                .order_by(IntroductionEvent.id)
            )
        ],
        "feedback_given": [
            {
                "student": i.student.name,
                "mentor": i.mentor.name,
                "stage": f.stage.value,
                "rating": f.rating,
                "comment": f.comment,
                "at": _iso(f.at),
            }
            for f, i in db.session.execute(
                select(IntroductionFeedback, Introduction)
                .join(Introduction, Introduction.id == IntroductionFeedback.introduction_id)
                .where(IntroductionFeedback.user_id == user.id)
                .order_by(IntroductionFeedback.id)
            )
        ],
    }


def _audit(user: User) -> list[dict[str, Any]]:
    """Audit entries the person made or that are about them."""
    return [
        {
            "at": _iso(e.at),
            "action": e.action,
            "by": "you" if e.actor_id == user.id else e.actor_email,
            "about": e.target_label,
            "address": e.ip if e.actor_id == user.id else None,
            "detail": e.detail,
        }
        for e in db.session.scalars(
            select(AuditEvent)
            .where(
                or_(
                    AuditEvent.actor_id == user.id,
                    (AuditEvent.target_type == "User") & (AuditEvent.target_id == user.id),
                )
            )
            .order_by(AuditEvent.id)
        )
    ]
