"""Interest groups: a school's specialty interest group or a society's national program."""

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matcher import clock
from matcher.database import str_enum
from matcher.extensions import db
from matcher.models.vocab import Specialty


class GroupKind(StrEnum):
    SCHOOL = "school"
    SOCIETY = "society"

    @property
    def label(self) -> str:
        return {"school": "School interest group", "society": "Society program"}[self.value]


class JoinPolicy(StrEnum):
    OPEN = "open"
    APPROVAL = "approval"

    @property
    def label(self) -> str:
        return {
            "open": "Anyone with the link, or who finds the group listed, joins at once",
            "approval": (
                "Anyone with the link, or who finds the group listed, asks; a coordinator approves"
            ),
        }[self.value]


class RematchPolicy(StrEnum):
    AUTO = "auto"
    COORDINATOR = "coordinator"

    @property
    def label(self) -> str:
        return {
            "auto": "Offer the next best mentor with a free place automatically",
            "coordinator": "Put the student on the coordinators' list",
        }[self.value]


class MembershipStatus(StrEnum):
    """``pending``: the person asked and a coordinator decides; ``invited``: a coordinator
    asked (a roster import named an existing account) and the person decides."""

    ACTIVE = "active"
    PENDING = "pending"
    INVITED = "invited"


def new_invite_code() -> str:
    return secrets.token_urlsafe(9)


group_specialties = Table(
    "group_specialties",
    db.metadata,
    Column("group_id", ForeignKey("interest_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("specialty_id", ForeignKey("specialties.id", ondelete="CASCADE"), primary_key=True),
)

group_coordinators = Table(
    "group_coordinators",
    db.metadata,
    Column("group_id", ForeignKey("interest_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class InterestGroup(db.Model):
    """A group; ``listed`` puts it in the public group directory, where anyone may find it
    and ask to join (unlisted groups are reached only by their invite code); with
    ``requests_open`` its students may ask its mentors for a seat between rounds, at most
    ``requests_per_student`` open requests each."""

    __tablename__ = "interest_groups"
    __table_args__ = (Index("ix_interest_groups_listed_name", "listed", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[GroupKind] = mapped_column(str_enum(GroupKind, "group_kind"))
    institution: Mapped[str] = mapped_column(String(160), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    invite_code: Mapped[str] = mapped_column(String(32), unique=True, default=new_invite_code)
    join_policy: Mapped[JoinPolicy] = mapped_column(
        str_enum(JoinPolicy, "join_policy"), default=JoinPolicy.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    response_days: Mapped[int] = mapped_column(default=7, server_default="7")
    rematch_policy: Mapped[RematchPolicy] = mapped_column(
        str_enum(RematchPolicy, "rematch_policy"),
        default=RematchPolicy.AUTO,
        server_default=RematchPolicy.AUTO.value,
    )
    checkin_days: Mapped[int] = mapped_column(default=5, server_default="5")
    cycle_days: Mapped[int] = mapped_column(default=120, server_default="120")
    listed: Mapped[bool] = mapped_column(default=False, server_default=false())
    requests_open: Mapped[bool] = mapped_column(default=False, server_default=false())
    requests_per_student: Mapped[int] = mapped_column(default=3, server_default="3")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")

    specialties: Mapped[list[Specialty]] = relationship(
        secondary=group_specialties, order_by=Specialty.name
    )
    coordinators: Mapped[list["User"]] = relationship(  # noqa: F821
        secondary=group_coordinators, order_by="User.name"
    )
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<InterestGroup {self.id} {self.name}>"


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("interest_groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[MembershipStatus] = mapped_column(
        str_enum(MembershipStatus, "membership_status"), default=MembershipStatus.ACTIVE
    )
    joined_at: Mapped[datetime] = mapped_column(default=clock.now)

    group: Mapped[InterestGroup] = relationship(back_populates="memberships")
    user: Mapped["User"] = relationship(back_populates="memberships")  # noqa: F821
