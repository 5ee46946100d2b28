"""Migration 0017 turns each account's one role into role flags and keeps everything tied to the
account (on SQLite too, where the users table is copied and the old one dropped); downgrading
keeps one role per account."""

from datetime import datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import IntegrityError

from matcher.extensions import db
from matcher.models import Membership, Role, User
from matcher.models.group import group_coordinators

NOW = datetime(2026, 9, 1, 12, 0)
ROLES = ("student", "mentor", "coordinator", "admin")

users = sa.table(
    "users",
    *(sa.column(c) for c in ("id", "email", "name", "role", "password_hash")),
    *(sa.column(c) for c in ("session_token", "active", "created_at", "time_zone")),
)
groups = sa.table(
    "interest_groups",
    *(sa.column(c) for c in ("id", "name", "kind", "institution", "description")),
    *(sa.column(c) for c in ("invite_code", "join_policy", "created_at")),
)
memberships = sa.table(
    "memberships", *(sa.column(c) for c in ("id", "group_id", "user_id", "status", "joined_at"))
)
coordinators = sa.table("group_coordinators", sa.column("group_id"), sa.column("user_id"))


def _old_account(number: int, email: str, role: str) -> None:
    """An account as revision 0016 stores it, with its one role."""
    db.session.execute(
        users.insert().values(
            id=number,
            email=email,
            name=email.split("@")[0].title(),
            role=role,
            password_hash="x",
            session_token=f"t{number}",
            active=True,
            created_at=NOW,
            time_zone="UTC",
        )
    )


def _accounts_at_0016() -> None:
    """One account of each role, a group the coordinator runs and the student and mentor
    belong to."""
    for number, role in enumerate(ROLES, start=1):
        _old_account(number, f"{role}@example.edu", role)
    db.session.execute(
        groups.insert().values(
            id=1,
            name="Derm Interest Group",
            kind="school",
            institution="",
            description="",
            invite_code="code-1",
            join_policy="open",
            created_at=NOW,
        )
    )
    for number in (1, 2):
        db.session.execute(
            memberships.insert().values(
                id=number, group_id=1, user_id=number, status="active", joined_at=NOW
            )
        )
    db.session.execute(coordinators.insert().values(group_id=1, user_id=3))
    db.session.commit()


def test_each_account_keeps_its_role_and_everything_tied_to_it(app):
    with app.app_context():
        db.drop_all()
        upgrade(revision="0016_mail_preferences")
        _accounts_at_0016()
        upgrade(revision="0017_roles")

        held = {u.email: u.roles for u in db.session.scalars(sa.select(User))}
        assert held == {f"{role}@example.edu": {Role(role)} for role in ROLES}
        kept = db.session.execute(sa.select(Membership.user_id).order_by(Membership.user_id))
        assert kept.scalars().all() == [1, 2]
        assert db.session.execute(sa.select(group_coordinators)).all() == [(1, 3)]

        both = db.session.get(User, 1)
        both.roles = {Role.STUDENT, Role.MENTOR}
        db.session.commit()
        downgrade(revision="0016_mail_preferences")
        old = dict(db.session.execute(sa.select(users.c.email, users.c.role)).all())
        assert old == {
            "student@example.edu": "mentor",
            "mentor@example.edu": "mentor",
            "coordinator@example.edu": "coordinator",
            "admin@example.edu": "admin",
        }
        assert db.session.scalar(sa.select(sa.func.count()).select_from(memberships)) == 2
        db.session.commit()
        upgrade()


def test_migration_0017_downgrades_several_roles_to_the_highest_one(app):
    """Downgrading keeps the highest role held (admin, coordinator, mentor, student), an
    account with none becomes a student, and the old column takes the four roles only."""
    with app.app_context():
        db.drop_all()
        upgrade(revision="0016_mail_preferences")
        _old_account(1, "old@example.edu", "coordinator")
        db.session.commit()
        upgrade(revision="0017_roles")
        assert db.session.get(User, 1).roles == {Role.COORDINATOR}
        held = {
            "leader@example.edu": {Role.STUDENT},
            "peer@example.edu": {Role.STUDENT, Role.MENTOR},
            "chief@example.edu": {Role.MENTOR, Role.COORDINATOR, Role.ADMIN},
            "none@example.edu": set(),
        }
        for number, (email, roles) in enumerate(held.items(), start=2):
            db.session.add(User(id=number, email=email, name=email, password_hash="x", roles=roles))
        db.session.commit()
        db.session.remove()

        downgrade(revision="0016_mail_preferences")
        kept = dict(db.session.execute(sa.select(users.c.email, users.c.role)).all())
        assert kept == {
            "old@example.edu": "coordinator",
            "leader@example.edu": "student",
            "peer@example.edu": "mentor",
            "chief@example.edu": "admin",
            "none@example.edu": "student",
        }
        columns = {c["name"] for c in sa.inspect(db.session.connection()).get_columns("users")}
        assert not {"is_student", "is_mentor", "is_coordinator", "is_admin"} & columns
        with pytest.raises(IntegrityError):
            db.session.execute(users.update().where(users.c.id == 1).values(role="wizard"))
        db.session.rollback()
        upgrade()
