"""Institutions as records: schools, hospitals and health systems, their homes and departments.

A *home* is a medical school and its teaching hospitals (or a health system and its members):
an institution with ``home_id`` set belongs to the home headed by that institution; one without
heads its own. Homes are one level deep: a head never belongs to another home. "Same institution"
and "external" are decided by home (``home_key``), never by the names people type.
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ColumnElement,
    ForeignKey,
    String,
    Table,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matcher import clock
from matcher.database import str_enum
from matcher.extensions import db
from matcher.models.user import User
from matcher.models.vocab import LabelledEnum, Specialty

NAME_LENGTH = 160
REGION_LENGTH = 80

institution_departments = Table(
    "institution_departments",
    db.metadata,
    Column("institution_id", ForeignKey("institutions.id", ondelete="CASCADE"), primary_key=True),
    Column("specialty_id", ForeignKey("specialties.id", ondelete="CASCADE"), primary_key=True),
)

institution_distinct_pairs = Table(
    "institution_distinct_pairs",
    db.metadata,
    Column("first_id", ForeignKey("institutions.id", ondelete="CASCADE"), primary_key=True),
    Column("second_id", ForeignKey("institutions.id", ondelete="CASCADE"), primary_key=True),
    CheckConstraint("first_id < second_id", name="ordered"),
)
"""Pairs of look-alike institutions an admin said are not the same (kept off the duplicates
list); the lower id first."""


class InstitutionKind(LabelledEnum):
    MEDICAL_SCHOOL = "medical_school"
    HOSPITAL = "hospital"
    HEALTH_SYSTEM = "health_system"
    OTHER = "other"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {
            "medical_school": "Medical school",
            "hospital": "Hospital",
            "health_system": "Health system",
            "other": "Other",
        }


class Institution(db.Model):
    """A school, hospital or health system; ``confirmed`` is False while a name someone typed
    waits for an admin to confirm, merge or affiliate it."""

    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    kind: Mapped[InstitutionKind] = mapped_column(
        str_enum(InstitutionKind, "institution_kind"), default=InstitutionKind.OTHER
    )
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    region: Mapped[str] = mapped_column(String(REGION_LENGTH), default="")
    home_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id", ondelete="SET NULL"), index=True
    )
    confirmed: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    home: Mapped["Institution | None"] = relationship(
        remote_side=[id], back_populates="members", foreign_keys=[home_id]
    )
    members: Mapped[list["Institution"]] = relationship(
        back_populates="home", order_by="Institution.name", foreign_keys=[home_id]
    )
    departments: Mapped[list[Specialty]] = relationship(
        secondary=institution_departments, order_by=Specialty.name
    )
    created_by: Mapped[User | None] = relationship()

    @property
    def home_key(self) -> int:
        """The id of the institution heading this one's home."""
        return self.home_id or self.id

    @property
    def names(self) -> list[str]:
        """The name followed by every alias."""
        return [self.name, *(self.aliases or [])]

    def __repr__(self) -> str:
        return f"<Institution {self.id} {self.name}>"


def folded(name: str) -> str:
    """``name`` with runs of white space as one and case folded: the key names match on."""
    return " ".join(name.split()).casefold()


def home_key_of() -> ColumnElement[int]:
    """SQL for ``Institution.home_key``: the id of the institution heading the home."""
    return func.coalesce(Institution.home_id, Institution.id)


def known_home_departments(home_keys: Iterable[int] | None = None) -> dict[int, set[int]]:
    """Home key → the specialty ids of the departments of every institution in that home, for
    the homes with at least one department recorded (all such homes when ``home_keys`` is None).
    One query."""
    key = home_key_of()
    query = select(key, institution_departments.c.specialty_id).join(
        institution_departments, institution_departments.c.institution_id == Institution.id
    )
    if home_keys is not None:
        query = query.where(key.in_(sorted(set(home_keys))))
    found: dict[int, set[int]] = {}
    for home_key, specialty_id in db.session.execute(query):
        found.setdefault(home_key, set()).add(specialty_id)
    return found
