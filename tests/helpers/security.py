"""Security helpers: a site with two of everything, for the route walk and the form fuzz.

Group A ("Alpha") and group B ("Bravo") each have a coordinator, students and mentors with
complete profiles, an open round with a solved draft, and a published round with
introductions (one waiting for the mentor, one declined and waiting for a re-match); group A
also has a join request and a background job of its coordinator's. Every
name belonging to group A's owners carries ``MARK``, so a page that leaks group A's data to
an outsider shows it.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from matcher import clock, vocabulary
from matcher.auth import services as accounts
from matcher.extensions import db
from matcher.introductions import services as intro_services
from matcher.jobs import services as jobs
from matcher.mail.tokens import unsubscribe_token
from matcher.models import (
    AuditEvent,
    FocusArea,
    Institution,
    InstitutionKind,
    InterestGroup,
    Introduction,
    JoinPolicy,
    Meeting,
    MeetingOption,
    MeetingStatus,
    Membership,
    MembershipStatus,
    OutboxMessage,
    Role,
    Round,
    Specialty,
    User,
    WaitingSeat,
)
from tests.helpers import csrf_token, logged_in, make_group, make_user
from tests.helpers.rounds import World

MARK = "Alpha"
ACCESS_ACTIONS = frozenset({"profile.view", "profile.export", "roster.export", "round.export"})
ACTORS = (
    "anonymous",
    "admin",
    "coord_a",
    "coord_b",
    "student_a",
    "student_a2",
    "student_b",
    "mentor_a",
    "mentor_a2",
    "mentor_b",
)


@dataclass
class Site:
    """The world, its people by actor name and its objects by name (ids and tokens)."""

    app: Flask
    users: dict[str, User] = field(default_factory=dict)
    ids: dict[str, object] = field(default_factory=dict)
    clients: dict[str, FlaskClient] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, actor: str) -> FlaskClient:
        """A client for ``actor``, logged in once and kept (anonymous: a plain one)."""
        if actor not in self.clients:
            if actor == "anonymous":
                self.clients[actor] = self.app.test_client()
            else:
                self.clients[actor] = logged_in(self.app, self.users[actor])
        return self.clients[actor]

    def fresh_client(self, actor: str) -> FlaskClient:
        if actor == "anonymous":
            return self.app.test_client()
        return logged_in(self.app, self.users[actor])

    def token(self, actor: str) -> str:
        """A valid CSRF token for the actor's kept client."""
        if actor not in self.tokens:
            page = "/login" if actor == "anonymous" else "/"
            self.tokens[actor] = csrf_token(self.client(actor), page)
        return self.tokens[actor]

    def snapshot(self) -> dict[str, list[tuple]]:
        """Every row of every table, except audit records of reads (which are intended)."""
        with self.app.app_context():
            rows = {}
            for table in db.metadata.sorted_tables:
                query = select(table)
                if table.name == AuditEvent.__tablename__:
                    query = query.where(AuditEvent.action.not_in(ACCESS_ACTIONS))
                rows[table.name] = sorted((tuple(r) for r in db.session.execute(query)), key=repr)
            db.session.rollback()
            return rows


def build(app: Flask, *, log_in: bool = True) -> Site:
    """Two groups with everything a route can name, built through the services."""
    with app.app_context():
        vocabulary.ensure_seeded()
        db.session.commit()
    site = Site(app)
    users = site.users
    users["admin"] = make_user(app, Role.ADMIN, "admin@example.org", "Ada Admin")
    users["coord_a"] = make_user(app, Role.COORDINATOR, "cora@example.edu", f"{MARK} Cora")
    users["coord_b"] = make_user(app, Role.COORDINATOR, "bert@example.edu", "Bert Bravo")
    group_a = make_group(app, f"{MARK} Interest Group", coordinators=(users["coord_a"],))
    group_b = make_group(app, "Bravo Interest Group", coordinators=(users["coord_b"],))
    counter = [0]
    world_a = World(app, group_a, users["coord_a"], counter)
    world_b = World(app, group_b, users["coord_b"], counter)

    users["student_a"] = world_a.student(f"{MARK} Ann")
    users["student_a2"] = world_a.student("Pat Peer")
    users["mentor_a"] = world_a.mentor(f"{MARK} Mina", capacity=3)
    users["mentor_a2"] = world_a.mentor("Paul Peer", capacity=3)
    users["student_b"] = world_b.student("Bea Bravo")
    users["mentor_b"] = world_b.mentor("Max Bravo", capacity=3)
    pending = make_user(app, Role.STUDENT, "pending@example.edu", f"{MARK} Pending")

    for world, key, students in (
        (world_a, "a", (users["student_a"], users["student_a2"])),
        (world_b, "b", (users["student_b"],)),
    ):
        open_round = world.round(name=f"{key} open round")
        world.enrol(open_round, *students)
        world.solve(open_round)
        site.ids[f"round_{key}"] = open_round
        site.ids[f"published_{key}"] = world.round(name=f"{key} published round")

    with app.app_context():
        a, b = db.session.get(InterestGroup, group_a), db.session.get(InterestGroup, group_b)
        a.join_policy = JoinPolicy.APPROVAL
        b.listed = True
        request = Membership(group_id=a.id, user_id=pending.id, status=MembershipStatus.PENDING)
        db.session.add(request)
        coord_a = db.session.get(User, users["coord_a"].id)
        coord_b = db.session.get(User, users["coord_b"].id)
        intro_a, need_a = _introductions(
            site.ids["published_a"], coord_a, users["student_a"], users["mentor_a"], users
        )
        intro_b, need_b = _introductions(
            site.ids["published_b"], coord_b, users["student_b"], users["mentor_b"], users
        )
        seat_a = WaitingSeat(
            group_id=a.id, student_id=users["student_a2"].id, slot="faculty", reason="unmatched"
        )
        db.session.add(seat_a)
        soon = clock.now() + timedelta(days=2)
        meeting_a = Meeting(
            introduction_id=intro_a.id,
            status=MeetingStatus.SCHEDULED,
            starts_at=soon,
            minutes=30,
            place=f"{MARK} Clinic, room 4",
            options=[MeetingOption(starts_at=soon, minutes=30)],
        )
        db.session.add(meeting_a)
        place = Institution(
            name="Route Walk School of Medicine", kind=InstitutionKind.MEDICAL_SCHOOL, aliases=[]
        )
        db.session.add(place)
        job = jobs.create(
            kind="import", title=f"{MARK} roster", owner=coord_a, group_id=a.id, retry_url="/"
        )
        invited = accounts.invite_user("invited@example.edu", "Ivy Invited", Role.MENTOR)
        derm = db.session.scalar(select(Specialty).where(Specialty.name == "Dermatology"))
        other = db.session.scalar(select(Specialty).where(Specialty.name != "Dermatology"))
        db.session.commit()
        site.ids.update(
            group_a=a.id,
            group_b=b.id,
            code_a=a.invite_code,
            membership_a=request.id,
            intro_a=intro_a.id,
            intro_b=intro_b.id,
            need_a=need_a.id,
            need_b=need_b.id,
            seat_a=seat_a.id,
            meeting_a=meeting_a.id,
            institution=place.id,
            job=job.id,
            specialty=derm.id,
            area=derm.focus_areas[0].id,
            other_area=db.session.scalar(
                select(FocusArea.id).where(FocusArea.specialty_id == other.id)
            ),
            message=db.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id)),
            answer_token=intro_services.answer_token(intro_a, "accept"),
            reset_token=accounts.reset_token(db.session.get(User, users["student_a"].id)),
            invitation_token=accounts.invitation_token(invited),
            unsubscribe_token=unsubscribe_token(users["student_a"].id),
            signup_token=accounts._serializer(accounts.SIGNUP_SALT).dumps(
                {"email": "new@example.edu", "name": "New Person", "role": "student"}
            ),
        )
    for actor in ACTORS if log_in else ():
        site.client(actor)
        site.token(actor)
    return site


def _introductions(
    round_id: int, coordinator: User, student: User, mentor: User, users: dict[str, User]
) -> tuple[Introduction, Introduction]:
    """Publish-style proposals: ``student`` with ``mentor`` waiting for an answer, and a
    second student declined by the other mentor (a need for a re-match)."""
    round_ = db.session.get(Round, round_id)
    peers = {u.id: u for u in users.values()}
    others = [
        m.user_id
        for m in db.session.scalars(
            select(Membership).where(Membership.group_id == round_.group_id)
        )
        if m.user_id not in (student.id, mentor.id) and m.user_id in peers
    ]
    other_student = next((i for i in others if peers[i].has_role(Role.STUDENT)), student.id)
    other_mentor = next((i for i in others if peers[i].has_role(Role.MENTOR)), mentor.id)
    pairs = [
        intro_services.ProposedPair(student.id, mentor.id, "faculty", 0.8),
        intro_services.ProposedPair(other_student, other_mentor, "resident", 0.5),
    ]
    intro, need = intro_services.propose(round_, pairs, coordinator)
    intro_services.decline(need, db.session.get(User, other_mentor), "No time this term.")
    return intro, need
