"""Every free-text field at its longest, walked through the site's HTTP routes from sign-up to a
rated introduction, on SQLite and PostgreSQL: nothing answers 5xx, nothing overflows a column or
is cut on the way in, and every email is sent with a one-line subject that fits the outbox.

Each one-line value is exactly as long as its column (``String(N)``, which is also the
``maxlength`` its form states); each text area is as long as its form allows. Values mix
ASCII with "é", "Ω" and other letters outside ASCII, since PostgreSQL counts characters. The
rate limits count in the site's database (``database://``, the production default), so the
longest addresses also become rate-limit keys.
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from matcher import vocabulary
from matcher.extensions import db, limiter
from matcher.forms import column_length
from matcher.mail import SUBJECT_MAX, header, queue_mail
from matcher.models import (
    FocusArea,
    GroupEmailTemplate,
    Institution,
    InterestGroup,
    Introduction,
    IntroductionFeedback,
    IntroStatus,
    MentorProfile,
    OutboxMessage,
    OutboxStatus,
    Role,
    Round,
    RoundStatus,
    Specialty,
    StudentProfile,
    User,
)
from matcher.models.vocab import Goal, Stage
from tests.helpers import (
    FrozenClock,
    SMTPServer,
    deliver,
    dispose,
    link_in,
    logged_in,
    login,
    make_app,
    make_user,
    post_form,
)
from tests.helpers.rounds import WEIGHTS
from tests.servers import forms_in

WORDS = "Éloïse Ωmega Zoë Ångström Δelta Chloé Ωrion Renée"
EXPECTED = {200, 302, 303}


def longest(limit: int, label: str) -> str:
    """Exactly ``limit`` characters on one line: ``label``, then words with letters outside
    ASCII; no space at either end (a one-line field strips them)."""
    text = " ".join([label] + [WORDS] * (limit // len(WORDS) + 1))[:limit].rstrip()
    return text + "Ω" * (limit - len(text))


def paragraphs(limit: int, label: str) -> str:
    """Exactly ``limit`` characters of lines joined by CRLF, as a browser sends a text area."""
    line = longest(70, label)
    text = "\r\n".join([line] * (limit // len(line) + 1))[:limit].rstrip()
    return text + "Ω" * (limit - len(text))


def address(tag: str) -> str:
    """A valid address as long as the email column: a 64-character local part and a domain of
    labels of at most 63 characters."""
    local = f"{tag}.{'x' * 64}"[:64]
    found = f"{local}@{'a' * 63}.{'b' * 63}.{'c' * 57}.edu"
    assert len(found) == column_length(User.email)
    return found


def stated_limit(page: str, name: str) -> int:
    """The ``maxlength`` the page's field ``name`` states to the browser."""
    tag = re.search(rf'<(?:input|textarea)\b[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    assert tag, f"no field {name!r} on the page"
    length = re.search(r'\bmaxlength="(\d+)"', tag.group(0))
    assert length, f"the field {name!r} states no length: {tag.group(0)}"
    return int(length.group(1))


def column_limit(page: str, name: str, column) -> int:
    """The length of ``column``, which the form field saved to it must state."""
    limit = stated_limit(page, name)
    assert limit == column_length(column), (name, limit, column)
    return limit


@dataclass
class Walk:
    app: Flask
    smtp: SMTPServer
    clock: FrozenClock
    responses: list[tuple[str, str, int]]
    sent: dict[str, Any] = field(default_factory=dict)

    def page(self, client: FlaskClient, url: str) -> str:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.get_data(as_text=True)

    def followed(self, response, *statuses: int) -> str:
        """The page a redirect leads to, after checking the redirect's status."""
        assert response.status_code in (statuses or (302, 303)), (
            response.status_code,
            response.get_data(as_text=True)[:3000],
        )
        return response.headers["Location"]

    def mail(self, to: str, path: str) -> list[str]:
        """Deliver the outbox, then the bodies of the mails ``to`` got holding a ``path`` link."""
        deliver(self.app)
        bodies = [m.get_content() for m in self.smtp.inbox.to(to)]
        return [body for body in bodies if re.search(r"https?://[^/\s]+" + re.escape(path), body)]

    def log_in(self, email: str) -> FlaskClient:
        client = self.app.test_client()
        self.followed(login(client, email, self.sent["passwords"][email]))
        return client

    def status(self, intro_id: int) -> IntroStatus:
        with self.app.app_context():
            return db.session.get(Introduction, intro_id).status

    def specialty(self, name: str) -> int:
        with self.app.app_context():
            return db.session.scalar(select(Specialty.id).where(Specialty.name == name))

    def area(self, specialty: str, name: str) -> int:
        with self.app.app_context():
            return db.session.scalar(
                select(FocusArea.id)
                .join(Specialty)
                .where(Specialty.name == specialty, FocusArea.name == name)
            )


@pytest.fixture
def walk(tmp_path, smtp_server, frozen_clock) -> Iterator[Walk]:
    """A site mailing the loopback SMTP server, counting rate limits in its database, whose
    test clients record every response."""
    app = make_app(
        tmp_path,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_USE_TLS=False,
        MAIL_TIMEOUT=5,
        RATELIMIT_STORAGE_URI="database://",
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=False,
    )
    storage = limiter.storage
    responses: list[tuple[str, str, int]] = []

    class RecordingClient(FlaskClient):
        def open(self, *args, **kwargs):
            response = super().open(*args, **kwargs)
            responses.append((response.request.method, response.request.path, response.status_code))
            return response

    app.test_client_class = RecordingClient
    with app.app_context():
        vocabulary.ensure_seeded()
        db.session.commit()
    yield Walk(app, smtp_server, frozen_clock, responses)
    storage.dispose()
    dispose(app)


def admin_adds_a_specialty_and_a_coordinator(walk: Walk) -> FlaskClient:
    admin = make_user(walk.app, Role.ADMIN, "admin@example.org", "Ada Admin")
    client = logged_in(walk.app, admin)
    page = walk.page(client, "/admin/specialties")
    specialty = longest(column_limit(page, "name", Specialty.name), "Specialty")
    where = walk.followed(post_form(client, "/admin/specialties", {"name": specialty}))
    page = walk.page(client, where)
    area = longest(column_limit(page, "name", FocusArea.name), "Focus")
    response = post_form(client, f"{where}/focus", {"name": area}, page=where)
    assert area in walk.page(client, walk.followed(response))

    page = walk.page(client, "/admin/users")
    coordinator = {
        "name": longest(column_limit(page, "name", User.name), "Coordinator"),
        "email": address("coordinator"),
        "role": "coordinator",
    }
    column_limit(page, "email", User.email)
    walk.followed(post_form(client, "/admin/users", coordinator))
    walk.sent.update(specialty=specialty, area=area, coordinator=coordinator)
    return client


def accept_the_invitation(walk: Walk, email: str) -> FlaskClient:
    """Open the emailed link in a fresh browser, choose the longest password and log in."""
    [body] = walk.mail(email, "/welcome/")
    link = link_in(body, "/welcome/")
    client = walk.app.test_client()
    page = walk.page(client, link)
    password = longest(stated_limit(page, "password"), "Password")
    response = post_form(client, link, {"password": password, "confirm": password})
    assert walk.followed(response) == "/"
    walk.sent.setdefault("passwords", {})[email] = password
    walk.followed(login(walk.app.test_client(), email, password))
    return client


def coordinator_creates_the_group(walk: Walk) -> tuple[FlaskClient, int, str]:
    client = accept_the_invitation(walk, walk.sent["coordinator"]["email"])
    page = walk.page(client, "/groups/new")
    group = {
        "name": longest(column_limit(page, "name", InterestGroup.name), "Group"),
        "kind": "society",
        "institution": longest(column_limit(page, "institution", InterestGroup.institution), "Soc"),
        "specialties": [
            str(walk.specialty(walk.sent["specialty"])),
            str(walk.specialty("Dermatology")),
            str(walk.specialty("Plastic Surgery (Integrated)")),
        ],
        "join_policy": "open",
        "description": paragraphs(stated_limit(page, "description"), "About"),
    }
    where = walk.followed(post_form(client, "/groups/new", group))
    group_id = int(where.rsplit("/", 1)[1])
    page = walk.page(client, where)
    assert group["name"] in page
    code = re.search(r"/join/([\w-]+)", page).group(1)

    edit = walk.page(client, f"/groups/{group_id}/edit")
    [form] = [f for f in forms_in(edit) if any(k == "description" for k, _ in f.fields)]
    response = client.post(f"/groups/{group_id}/edit", data=MultiDict(form.values()))
    walk.followed(response)
    walk.sent["group"] = group
    return client, group_id, code


def student_signs_up_joins_and_completes_the_profile(walk: Walk, code: str) -> FlaskClient:
    client = walk.app.test_client()
    page = walk.page(client, "/signup")
    email = address("student")
    student = {
        "name": longest(column_limit(page, "name", User.name), "Student"),
        "email": email.upper(),
        "role": "student",
    }
    column_limit(page, "email", User.email)
    assert walk.followed(post_form(client, "/signup", student)) == "/signup/sent"
    walk.page(client, "/signup/sent")
    [body] = walk.mail(email, "/signup/confirm/")
    link = link_in(body, "/signup/confirm/")
    page = walk.page(client, link)
    assert f"Welcome, {student['name']}" in page
    password = longest(stated_limit(page, "password"), "Password")
    response = post_form(client, link, {"password": password, "confirm": password})
    assert walk.followed(response) == "/profile/edit"
    walk.sent.setdefault("passwords", {})[email] = password

    walk.page(client, f"/join/{code}")
    joined = walk.page(client, walk.followed(post_form(client, f"/join/{code}")))
    assert f"You are a member of {walk.sent['group']['name']}" in joined

    page = walk.page(client, "/profile/edit")
    profile = {
        "school": longest(column_limit(page, "school", StudentProfile.school), "School"),
        "stage": "ms3",
        "graduation_year": str(date.today().year + 2),
        "interest_1": str(walk.specialty(walk.sent["specialty"])),
        "interest_2": str(walk.specialty("Dermatology")),
        "interest_3": str(walk.specialty("Plastic Surgery (Integrated)")),
        "focus_areas": [
            str(walk.area(walk.sent["specialty"], walk.sent["area"])),
            str(walk.area("Dermatology", "Mohs surgery")),
        ],
        "home_has_department": "no",
        "add_school": "y",
        "goals": [goal.value for goal in Goal],
        "wanted_types": ["faculty", "resident"],
        "contact_preference": "video",
        "statement": paragraphs(stated_limit(page, "statement"), "Statement"),
    }
    saved = walk.page(client, walk.followed(post_form(client, "/profile/edit", profile)))
    assert "Your profile is complete." in saved
    walk.sent.update(student={**student, "email": email}, profile=profile)
    return client


def roster(walk: Walk) -> list[dict[str, str]]:
    """Three mentors and two students, every text cell at its column's length."""
    name, school = column_length(User.name), column_length(StudentProfile.school)
    institution = column_length(MentorProfile.institution)
    region = column_length(MentorProfile.region)
    specialty, area = walk.sent["specialty"], walk.sent["area"]
    mentor = {"role": "mentor", "accepting": "yes", "offers": "research; letters; cv_review"}
    student = {"role": "student", "goals": "research; letters", "home_department": "yes"}
    return [
        {
            **mentor,
            "email": address("mentor.one"),
            "name": longest(name, "Dr. Mentor One"),
            "institution": longest(institution, "Hospital One"),
            "region": longest(region, "Region One"),
            "specialties": specialty,
            "focus_areas": area,
            "mentor_type": "faculty",
            "capacity": "2",
        },
        {
            **mentor,
            "email": address("mentor.two"),
            "name": longest(name, "Dr. Mentor Two"),
            "institution": longest(institution, "Hospital Two"),
            "region": longest(region, "Region Two"),
            "specialties": "Dermatology",
            "focus_areas": "Mohs surgery",
            "mentor_type": "resident",
            "pgy": "3",
            "capacity": "2",
        },
        {
            **mentor,
            "email": address("mentor.three"),
            "name": longest(name, "Dr. Mentor Three"),
            "institution": longest(institution, "Hospital Three"),
            "region": longest(region, "Region Three"),
            "specialties": "Dermatology",
            "mentor_type": "faculty",
            "capacity": "1",
        },
        {
            **student,
            "email": address("student.one"),
            "name": longest(name, "Student One"),
            "school": longest(school, "School One"),
            "stage": "ms2",
            "graduation_year": "2029",
            "specialties": f"{specialty}; Dermatology",
            "focus_areas": f"{area}; Mohs surgery",
            "wanted_mentors": "faculty; resident",
        },
        {
            **student,
            "email": address("student.two"),
            "name": longest(name, "Student Two"),
            "school": longest(school, "School Two"),
            "stage": "ms4",
            "graduation_year": "2027",
            "specialties": "Dermatology",
            "wanted_mentors": "faculty",
        },
    ]


def csv_file(rows: list[dict[str, str]]) -> bytes:
    header = list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(walk: Walk, client: FlaskClient, group_id: int, data: bytes, name: str) -> str:
    url = f"/groups/{group_id}/roster/import"
    response = post_form(
        client, url, {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )
    return walk.page(client, walk.followed(response)).replace("&#39;", "'")


def admin_lists_the_rosters_institutions(walk: Walk, client: FlaskClient) -> None:
    """A roster's schools and institutions must be on the list: the admin adds them."""
    page = walk.page(client, "/admin/institutions/new")
    column_limit(page, "name", Institution.name)
    for row in roster(walk):
        name = row.get("school") or row["institution"]
        kind = "medical_school" if "school" in row else "hospital"
        fields = {"name": name, "kind": kind, "home_id": ""}
        response = post_form(client, "/admin/institutions/new", fields)
        assert name in walk.page(client, walk.followed(response))


def coordinator_imports_the_roster(walk: Walk, client: FlaskClient, group_id: int) -> None:
    rows = roster(walk)
    page = upload(walk, client, group_id, csv_file(rows), "roster.csv")
    assert "Imported 5 rows: 5 new people invited by email, 0 updated, 0 unchanged." in page
    walk.sent["roster"] = rows


def mentor_claims_the_account_and_fills_the_profile(walk: Walk) -> None:
    client = accept_the_invitation(walk, walk.sent["roster"][0]["email"])
    page = walk.page(client, "/profile/edit")
    profile = {
        "mentor_type": "faculty",
        "faculty_rank": "program_director",
        "specialty": str(walk.specialty(walk.sent["specialty"])),
        "focus_areas": [str(walk.area(walk.sent["specialty"], walk.sent["area"]))],
        "institution": longest(
            column_limit(page, "institution", MentorProfile.institution), "Institution"
        ),
        "add_institution": "y",
        "region": longest(column_limit(page, "region", MentorProfile.region), "Region"),
        "offers": [goal.value for goal in Goal],
        "capacity": "2",
        "accepting": "y",
        "preferred_stages": [s.value for s in Stage if s is not Stage.GRADUATED],
        "bio": paragraphs(stated_limit(page, "bio"), "Bio"),
    }
    saved = walk.page(client, walk.followed(post_form(client, "/profile/edit", profile)))
    assert "Your profile is complete." in saved
    walk.sent["mentor_profile"] = profile


def coordinator_words_the_request_email(walk: Walk, client: FlaskClient, group_id: int) -> None:
    url = f"/groups/{group_id}/introductions/emails/ask"
    page = walk.page(client, url)
    opening = (
        "Would you mentor {student_name}? ({group_name}) {mentor_kind}, {mentor_institution}, "
        "{student_school}: "
    )
    limit = column_limit(page, "subject", GroupEmailTemplate.subject)
    subject = opening + longest(limit - len(opening), "Ask")
    head = (
        "Dear {recipient_name},\r\n\r\n{student_name} of {student_school} wrote:\r\n"
        "{student_statement}\r\n\r\nAccept: {accept_link}\r\nDecline: {decline_link}\r\n\r\n"
    )
    body = head + paragraphs(stated_limit(page, "body") - len(head), "Body")
    response = post_form(client, url, {"subject": subject, "body": body, "submit": "Save"})
    saved = walk.page(client, walk.followed(response))
    assert "saved for" in saved
    walk.sent["template"] = {"subject": subject, "body": body}


def coordinator_runs_and_publishes_a_round(walk: Walk, client: FlaskClient, group_id: int) -> int:
    url = f"/groups/{group_id}/rounds/new"
    page = walk.page(client, url)
    name = longest(column_limit(page, "name", Round.name), "Round")
    settings = {
        "name": name,
        "slots": ["faculty", "resident"],
        "shared_specialty": "y",
        "peer_min": "1",
        "peer_max": "2",
        "same_institution": "preferred",
        "external_for_no_home": "y",
        **WEIGHTS,
    }
    where = walk.followed(post_form(client, url, settings))
    round_id = int(where.rsplit("/", 1)[1])
    assert name in walk.page(client, where)

    back = f"/rounds/{round_id}"
    added = post_form(client, f"{back}/students/add-all", page=back)
    assert "Added 3 students" in walk.page(client, walk.followed(added, 303))
    draft = walk.followed(post_form(client, f"{back}/solve", page=back), 303)
    assert draft == f"/rounds/{round_id}/drafts/1"
    walk.page(client, draft)
    walk.page(client, f"{draft}.csv")
    student_id = user_id(walk, walk.sent["student"]["email"])
    walk.page(client, f"{draft}/students/{student_id}")
    published = post_form(client, f"{back}/publish", {"draft": "1"}, page=back)
    assert "Published. 5 introductions" in walk.page(client, walk.followed(published, 303))
    walk.sent["round"] = name
    return round_id


def user_id(walk: Walk, email: str) -> int:
    with walk.app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def mentors_answer_by_the_emailed_links(walk: Walk) -> None:
    first, _, third = (row["email"] for row in walk.sent["roster"][:3])
    [asks] = walk.mail(first, "/introductions/answer/")
    accept = link_in(asks.split(walk.sent["student"]["name"], 1)[1], "/introductions/answer/")
    client = walk.app.test_client()
    assert "Accept" in walk.page(client, accept)
    done = post_form(client, accept)
    assert done.status_code == 200
    assert "Thank you for mentoring" in done.get_data(as_text=True)

    [decline_mail] = walk.mail(third, "/introductions/answer/")
    decline = link_in(decline_mail.split("Decline:")[1], "/introductions/answer/")
    client = walk.app.test_client()
    page = walk.page(client, decline)
    reason = paragraphs(stated_limit(page, "reason"), "Reason")
    assert post_form(client, decline, {"reason": reason}).status_code == 200
    walk.sent["reason"] = reason


def intro_between(walk: Walk, student: str, mentor: str) -> int:
    with walk.app.app_context():
        return db.session.scalar(
            select(Introduction.id).where(
                Introduction.student_id == user_id(walk, student),
                Introduction.mentor_id == user_id(walk, mentor),
            )
        )


def coordinator_withdraws_and_student_meets(
    walk: Walk, coordinator: FlaskClient, student: FlaskClient
) -> None:
    rows = walk.sent["roster"]
    waiting = intro_between(walk, rows[3]["email"], rows[1]["email"])
    page = walk.page(coordinator, f"/introductions/{waiting}")
    reason = paragraphs(stated_limit(page, "reason"), "Withdrawn")
    response = post_form(
        coordinator,
        f"/introductions/{waiting}/withdraw",
        {"reason": reason},
        page=f"/introductions/{waiting}",
    )
    assert "withdrawn" in walk.page(coordinator, walk.followed(response))

    accepted = intro_between(walk, walk.sent["student"]["email"], rows[0]["email"])
    assert walk.status(accepted) is IntroStatus.ACCEPTED
    met_on = walk.clock.now.date().isoformat()
    url = f"/introductions/{accepted}"
    response = post_form(student, f"{url}/met", {"met_on": met_on}, page=url)
    assert "Noted: you have met" in walk.page(student, walk.followed(response))
    walk.sent.update(withdrawn=(waiting, reason), accepted=accepted)


def time_passes(walk: Walk) -> None:
    """The tick, as the worker runs it, over the whole cycle (reminders, expiry, re-matches, the
    thank-you reminder, the closing mails), each batch delivered as it comes."""
    for days in (1, 8, 8, 8, 100):
        walk.clock.advance(days=days)
        result = walk.app.test_cli_runner().invoke(args=["introductions", "tick"])
        assert result.exit_code == 0, result.output
        check_the_outbox(walk)


def student_rates_by_the_emailed_link(walk: Walk) -> None:
    email = walk.sent["student"]["email"]
    [*_, closing] = walk.mail(email, "/introductions/")
    link = link_in(closing, f"/introductions/{walk.sent['accepted']}/feedback")
    client = walk.log_in(email)
    page = walk.page(client, link)
    comment = paragraphs(stated_limit(page, "comment"), "Comment")
    response = post_form(client, link, {"rating": "5", "comment": comment})
    assert "Thank you for your rating" in walk.page(client, walk.followed(response))
    walk.sent["comment"] = comment


def everyone_reads_their_pages(walk: Walk, clients: dict[str, FlaskClient], group_id: int):
    with walk.app.app_context():
        intro_ids = list(db.session.scalars(select(Introduction.id).order_by(Introduction.id)))
        round_id = db.session.scalar(select(Round.id))
        people = list(db.session.scalars(select(User.id).where(User.is_student | User.is_mentor)))
    student_id = user_id(walk, walk.sent["student"]["email"])
    group = f"/groups/{group_id}"
    pages = {
        "coordinator": [
            group,
            f"{group}/dashboard",
            f"{group}/roster/students",
            f"{group}/roster/mentors",
            f"{group}/introductions",
            f"{group}/introductions/emails",
            f"{group}/introductions/report",
            f"{group}/audit",
            f"{group}/rounds",
            f"/rounds/{round_id}",
            *(f"/introductions/{i}" for i in intro_ids),
            *(f"/people/{i}" for i in people),
        ],
        "student": [
            "/",
            f"/people/{student_id}",
            "/profile/data.json",
            "/groups",
            group,
            "/mentors",
            "/introductions",
        ],
        "admin": ["/admin/users", "/admin/outbox", "/admin/audit", "/admin/specialties"],
    }
    for who, urls in pages.items():
        for url in urls:
            walk.page(clients[who], url)


def exports_import_again_to_no_change(walk: Walk, client: FlaskClient, group_id: int) -> None:
    for role in ("students", "mentors"):
        response = client.get(f"/groups/{group_id}/roster/{role}.csv")
        assert response.status_code == 200
        exported = response.get_data()
        rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"))))
        assert len(rows) == 3
        page = upload(walk, client, group_id, exported, f"{role}.csv")
        assert "Imported 3 rows: 0 new people invited by email, 0 updated, 3 unchanged." in page


def check_the_outbox(walk: Walk) -> list[OutboxMessage]:
    """Deliver what is due: every message is sent, with a one-line subject that fits."""
    deliver(walk.app)
    with walk.app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
    assert [
        (r.to_addr, r.status, r.last_error) for r in rows if r.status != OutboxStatus.SENT
    ] == []
    for row in rows:
        assert len(row.subject) <= SUBJECT_MAX, row.subject
        assert not re.search(r"[\r\n\u2028\u2029]", row.subject), row.subject
    delivered = [str(m["Subject"]) for m in walk.smtp.inbox.messages]
    for subject in delivered:
        assert len(subject) <= SUBJECT_MAX, subject
        assert not re.search(r"[\r\n\u2028\u2029]", subject), subject
    assert sorted(delivered) == sorted(r.subject for r in rows)
    assert sorted(m["To"] for m in walk.smtp.inbox.messages) == sorted(r.to_addr for r in rows)
    return rows


def check_what_was_stored(walk: Walk, group_id: int) -> None:
    sent = walk.sent
    with walk.app.app_context():
        group = db.session.get(InterestGroup, group_id)
        assert (group.name, group.institution, group.description) == (
            sent["group"]["name"],
            sent["group"]["institution"],
            sent["group"]["description"],
        )
        users = {u.email: u for u in db.session.scalars(select(User))}
        assert users[sent["coordinator"]["email"]].name == sent["coordinator"]["name"]
        student = users[sent["student"]["email"]]
        assert student.name == sent["student"]["name"]
        assert student.student_profile.school == sent["profile"]["school"]
        assert student.student_profile.statement == sent["profile"]["statement"]
        for row in sent["roster"]:
            assert users[row["email"]].name == row["name"]
        for row in sent["roster"][1:3]:
            assert users[row["email"]].mentor_profile.institution == row["institution"]
            assert users[row["email"]].mentor_profile.region == row["region"]
        for row in sent["roster"][3:]:
            assert users[row["email"]].student_profile.school == row["school"]
        mentor = users[sent["roster"][0]["email"]].mentor_profile
        profile = sent["mentor_profile"]
        assert (mentor.institution, mentor.region, mentor.bio) == (
            profile["institution"],
            profile["region"],
            profile["bio"],
        )
        template = db.session.scalar(select(GroupEmailTemplate))
        assert (template.subject, template.body) == (
            sent["template"]["subject"],
            sent["template"]["body"],
        )
        round_ = db.session.scalar(select(Round))
        assert (round_.name, round_.status) == (sent["round"], RoundStatus.PUBLISHED)
        assert {s.name for s in db.session.scalars(select(Specialty))} >= {sent["specialty"]}
        assert db.session.scalar(select(FocusArea.name).where(FocusArea.name == sent["area"]))
        intros = {i.id: i for i in db.session.scalars(select(Introduction))}
        assert intros[sent["accepted"]].status is IntroStatus.COMPLETED
        [declined] = [i for i in intros.values() if i.status is IntroStatus.DECLINED]
        assert declined.decline_reason == sent["reason"]
        withdrawn, reason = sent["withdrawn"]
        assert intros[withdrawn].status is IntroStatus.WITHDRAWN
        assert intros[withdrawn].events[-1].note == reason
        feedback = db.session.scalar(select(IntroductionFeedback))
        assert (feedback.introduction_id, feedback.rating, feedback.comment) == (
            sent["accepted"],
            5,
            sent["comment"],
        )


def test_the_longest_values_go_from_sign_up_to_a_rated_introduction(walk):
    admin = admin_adds_a_specialty_and_a_coordinator(walk)
    coordinator, group_id, code = coordinator_creates_the_group(walk)
    student = student_signs_up_joins_and_completes_the_profile(walk, code)
    admin_lists_the_rosters_institutions(walk, admin)
    coordinator_imports_the_roster(walk, coordinator, group_id)
    mentor_claims_the_account_and_fills_the_profile(walk)
    coordinator_words_the_request_email(walk, coordinator, group_id)
    coordinator_runs_and_publishes_a_round(walk, coordinator, group_id)

    published = check_the_outbox(walk)
    asks = [r for r in published if "/introductions/answer/" in r.body_text]
    assert len(asks) == 3
    [single] = [r for r in asks if r.subject.startswith("Would you mentor ")]
    assert single.subject.endswith("…")
    several = [r for r in asks if r is not single]
    assert all(r.subject.startswith("2 students would like you as their mentor") for r in several)
    assert all(r.body_text.count("/introductions/answer/") == 4 for r in several)

    mentors_answer_by_the_emailed_links(walk)
    check_the_outbox(walk)
    coordinator_withdraws_and_student_meets(walk, coordinator, student)
    time_passes(walk)
    student_rates_by_the_emailed_link(walk)
    exports_import_again_to_no_change(walk, coordinator, group_id)
    clients = {"coordinator": coordinator, "student": student, "admin": admin}
    everyone_reads_their_pages(walk, clients, group_id)
    check_what_was_stored(walk, group_id)

    assert [r for r in walk.responses if r[2] >= 500] == []
    assert [r for r in walk.responses if r[2] not in EXPECTED] == []


def test_a_long_subject_arrives_with_the_spaces_between_its_words(mail_app, smtp_server):
    name = header(longest(column_length(InterestGroup.name), "Group"))
    subject = f"You have been added to {name} on matcher"
    with mail_app.app_context():
        queue_mail("reader@example.edu", "introductions/_message", subject=subject, body="Hi.")
        db.session.commit()
    deliver(mail_app)
    [message] = smtp_server.inbox.to("reader@example.edu")
    assert str(message["Subject"]) == subject
