"""Accounts and roles."""

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matcher import clock
from matcher.database import str_enum
from matcher.extensions import db


class Role(StrEnum):
    STUDENT = "student"
    MENTOR = "mentor"
    COORDINATOR = "coordinator"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.capitalize()


SELF_SERVICE_ROLES = (Role.STUDENT, Role.MENTOR)


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
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
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

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def end_sessions(self) -> None:
        """Make every session cookie issued so far useless."""
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"
