"""Accounts and roles."""

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matcher import clock
from matcher.extensions import db


class Role(StrEnum):
    """What an account may be, several at once. Student and mentor are the two sides a person
    takes in introductions; coordinator lets an account start groups (running a particular group
    is that group's own list of coordinators); admin runs the site."""

    STUDENT = "student"
    MENTOR = "mentor"
    COORDINATOR = "coordinator"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.capitalize()


SIDES = (Role.STUDENT, Role.MENTOR)
"""The two sides a person takes in introductions, and the roles one may sign up with."""


def normalize_email(email: str) -> str:
    """The stored form of an email: trimmed and lower case, so log-in ignores case."""
    return email.strip().lower()


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    """A person who can log in. ``session_token`` is part of the session's user id, so rotating
    it ends every session issued before (log-out, password change, account deletion)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    is_student: Mapped[bool] = mapped_column(default=False, server_default=false())
    is_mentor: Mapped[bool] = mapped_column(default=False, server_default=false())
    is_coordinator: Mapped[bool] = mapped_column(default=False, server_default=false())
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    password_hash: Mapped[str] = mapped_column(String(255))
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    active: Mapped[bool] = mapped_column(default=True)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    imported_by_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("interest_groups.id", ondelete="SET NULL"), index=True
    )

    student_profile: Mapped["StudentProfile | None"] = relationship(  # noqa: F821
        back_populates="user", cascade="all, delete-orphan", uselist=False
    )
    mentor_profile: Mapped["MentorProfile | None"] = relationship(  # noqa: F821
        back_populates="user", cascade="all, delete-orphan", uselist=False
    )
    memberships: Mapped[list["Membership"]] = relationship(  # noqa: F821
        back_populates="user", cascade="all, delete-orphan"
    )

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def claimed(self) -> bool:
        """Whether the owner has taken the account over: logged in or chosen a password."""
        return self.last_login_at is not None or self.password_changed_at is not None

    @classmethod
    def holding(cls, role: Role):
        """The column that says whether an account holds ``role``, for queries."""
        return getattr(cls, f"is_{role.value}")

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(role for role in Role if self.has_role(role))

    @roles.setter
    def roles(self, roles) -> None:
        held = set(roles)
        for role in Role:
            setattr(self, f"is_{role.value}", role in held)

    @property
    def sides(self) -> list[Role]:
        """The sides the account takes in introductions: student, mentor, both or none."""
        return [side for side in SIDES if self.has_role(side)]

    @property
    def role_names(self) -> str:
        """The account's roles as the audit log records them, e.g. "student,mentor"."""
        return ",".join(role.value for role in Role if self.has_role(role))

    @property
    def role_labels(self) -> str:
        """The account's roles in words, e.g. "Student, Mentor"."""
        return ", ".join(role.label for role in Role if self.has_role(role)) or "No role"

    def has_role(self, *roles: Role) -> bool:
        """Whether the account holds any of ``roles``."""
        return any(getattr(self, f"is_{role.value}") for role in roles)

    def end_sessions(self) -> None:
        """Make every session cookie issued so far useless."""
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.id} {'+'.join(sorted(self.roles))}>"
