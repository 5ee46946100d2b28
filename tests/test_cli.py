"""The command line: ``create-admin`` (new or promoted, refusing bad passwords, names and
emails) and ``seed-demo`` (idempotent, realistic, refused in production)."""

import pytest

from matcher import demo
from matcher.extensions import db
from matcher.models import (
    InterestGroup,
    Membership,
    MembershipStatus,
    MentorProfile,
    MentorType,
    Role,
    Round,
    RoundPreference,
    Stage,
    StudentProfile,
    User,
)
from tests.helpers import login


def count(app, role=None):
    with app.app_context():
        query = db.select(db.func.count()).select_from(User)
        if role:
            query = query.where(User.holding(role))
        return db.session.scalar(query)


def test_create_admin_then_log_in(app, runner):
    result = runner.invoke(
        args=["create-admin", "--email", "Boss@Example.org", "--name", "Bo Boss"],
        input="an admin passphrase\nan admin passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "Admin boss@example.org created." in result.output
    assert login(app.test_client(), "boss@example.org", "an admin passphrase").status_code == 302
    assert count(app, Role.ADMIN) == 1


def test_create_admin_refuses_a_common_password(app, runner):
    result = runner.invoke(
        args=["create-admin", "--email", "a@example.org", "--name", "A", "--password", "password1"]
    )
    assert result.exit_code != 0
    assert "too common" in result.output
    assert count(app) == 0


def test_create_admin_promotes_an_existing_account(app, runner, student):
    result = runner.invoke(
        args=[
            "create-admin",
            "--email",
            student.email,
            "--name",
            "x",
            "--password",
            "unused pw 123",
        ]
    )
    assert result.exit_code == 0
    assert count(app, Role.ADMIN) == 1


def test_seed_demo_is_idempotent_and_prints_logins(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Demo data created." in first.output
    assert demo.DEMO_PASSWORD in first.output
    assert count(app, Role.STUDENT) == demo.STUDENT_COUNT
    assert count(app, Role.MENTOR) == demo.MENTOR_COUNT + 1
    assert count(app, Role.COORDINATOR) == 2
    assert count(app, Role.ADMIN) == 1
    before = table_counts(app)
    assert before["interest_groups"] == 2
    assert before["student_profiles"] == demo.STUDENT_COUNT
    assert before["mentor_profiles"] == demo.MENTOR_COUNT + 1
    assert before["group_coordinators"] == 3
    assert before["memberships"] >= demo.STUDENT_COUNT + demo.MENTOR_COUNT
    second = runner.invoke(args=["seed-demo"])
    assert "nothing changed" in second.output
    assert table_counts(app) == before
    assert login(app.test_client(), demo.ADMIN[1], demo.DEMO_PASSWORD).status_code == 302


def test_demo_is_realistic(app, runner):
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        students = db.session.scalars(db.select(StudentProfile)).all()
        mentors = db.session.scalars(db.select(MentorProfile)).all()
        assert {p.stage for p in students} >= {Stage.MS1, Stage.MS2, Stage.MS3, Stage.MS4}
        assert all(1 <= len(p.interests) <= 3 for p in students)
        complete = sum(1 for p in students if not p.missing())
        assert 0.7 * len(students) < complete < len(students)
        assert {p.mentor_type for p in mentors} == set(MentorType)
        assert len({p.institution for p in mentors}) >= 4
        assert len({p.specialty_id for p in mentors}) >= 6
        pending = db.session.scalar(
            db.select(db.func.count())
            .select_from(Membership)
            .where(Membership.status == MembershipStatus.PENDING)
        )
        assert pending >= 1


def demo_account(label: str) -> demo.Person:
    return next(p for p in demo.demo_people() if p.label == label)


def test_the_demo_has_a_peer_mentor_who_is_a_student(app, runner):
    runner.invoke(args=["seed-demo"])
    person = demo_account(demo.PEER_MENTOR)
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == person.email))
        assert user.roles == {Role.STUDENT, Role.MENTOR}
        assert user.student_profile.missing() == []
        assert user.mentor_profile.missing() == []
        assert user.mentor_profile.mentor_type is MentorType.PEER
        assert user.mentor_profile.peer_stage is user.student_profile.stage
        preferences = db.session.scalars(
            db.select(RoundPreference).where(RoundPreference.student_id == user.id)
        ).all()
        assert all(p.mentor_id != user.id for p in preferences)
    client = app.test_client()
    assert login(client, person.email, demo.DEMO_PASSWORD).status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "<h2>Your board of advisors</h2>" in home
    assert "<h2>Requests waiting for your answer</h2>" in home


def test_the_demo_has_a_student_leader(app, runner):
    runner.invoke(args=["seed-demo"])
    person = demo_account(demo.STUDENT_LEADER)
    first, second = demo.GROUPS[0]["name"], demo.GROUPS[1]["name"]
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == person.email))
        assert user.roles == {Role.STUDENT}
        run = db.session.scalar(db.select(InterestGroup).where(InterestGroup.name == first))
        assert user in run.coordinators
        assert (
            next(c for c in run.coordinators if c.is_coordinator).email == demo.COORDINATORS[0][1]
        )
        member_of = {m.group.name for m in user.memberships}
        assert {first, second} <= member_of
        demo_round = db.session.scalar(db.select(Round).where(Round.group_id == run.id))
        assert demo_round.created_by_id != user.id
    client = app.test_client()
    assert login(client, person.email, demo.DEMO_PASSWORD).status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "<h2>Groups you coordinate</h2>" in home
    assert "<h2>Your board of advisors</h2>" in home


def test_the_demo_log_ins_name_the_accounts_with_two_roles():
    text = demo.logins_text()
    for label in (demo.PEER_MENTOR, demo.STUDENT_LEADER):
        assert f"  {label} " in text
        assert demo_account(label).email in text
    lines = text.splitlines()[1:]
    assert [line.split()[0] for line in lines[:4]] == [role.label for role in Role]
    assert len({line.rindex(" ") for line in lines}) == 1
    assert demo.demo_people() == demo.demo_people()


def table_counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            name: db.session.scalar(db.select(db.func.count()).select_from(table))
            for name, table in db.metadata.tables.items()
        }


def test_seed_demo_refuses_production(app, runner):
    app.config["MATCHER_ENV"] = "production"
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "not in production" in result.output
    assert count(app) == 0


@pytest.mark.parametrize(
    ("email", "name", "message"),
    [
        ("a@example.org", "Ana\r\nBcc: x@example.org", "A name is one line"),
        ("a@example.org", "N" * 121, "A name is one line"),
        ("not-an-address", "Ana", "not a valid email address"),
    ],
)
def test_create_admin_refuses_a_name_or_email_the_site_could_not_use(
    app, runner, email, name, message
):
    result = runner.invoke(
        args=["create-admin", "--email", email, "--name", name, "--password", "a fine passphrase"]
    )
    assert result.exit_code != 0
    assert message in result.output
    assert count(app) == 0
