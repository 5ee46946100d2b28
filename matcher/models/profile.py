"""What students and mentors say about themselves, in the terms residency mentorship uses."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    cast,
    exists,
    func,
    or_,
)
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from matcher import clock
from matcher.database import str_enum
from matcher.extensions import db
from matcher.models.institution import Institution, institution_departments
from matcher.models.user import User
from matcher.models.vocab import (
    ContactPreference,
    FacultyRank,
    FocusArea,
    MentorType,
    Specialty,
    Stage,
)

student_focus = Table(
    "student_focus",
    db.metadata,
    Column(
        "student_id", ForeignKey("student_profiles.user_id", ondelete="CASCADE"), primary_key=True
    ),
    Column("focus_area_id", ForeignKey("focus_areas.id", ondelete="CASCADE"), primary_key=True),
)

mentor_focus = Table(
    "mentor_focus",
    db.metadata,
    Column(
        "mentor_id", ForeignKey("mentor_profiles.user_id", ondelete="CASCADE"), primary_key=True
    ),
    Column("focus_area_id", ForeignKey("focus_areas.id", ondelete="CASCADE"), primary_key=True),
)


class StudentInterest(db.Model):
    """One of a student's up to three ranked specialty interests (rank 1 is the first choice)."""

    __tablename__ = "student_interests"
    __table_args__ = (
        UniqueConstraint("student_id", "rank"),
        UniqueConstraint("student_id", "specialty_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student_profiles.user_id", ondelete="CASCADE")
    )
    rank: Mapped[int] = mapped_column(Integer)
    specialty_id: Mapped[int] = mapped_column(ForeignKey("specialties.id", ondelete="CASCADE"))
    specialty: Mapped[Specialty] = relationship()


class StudentProfile(db.Model):
    __tablename__ = "student_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    school: Mapped[str] = mapped_column(String(160), default="")
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id", ondelete="SET NULL"), index=True
    )
    stage: Mapped[Stage | None] = mapped_column(str_enum(Stage, "stage"))
    graduation_year: Mapped[int | None]
    home_has_department: Mapped[bool | None]
    contact_preference: Mapped[ContactPreference] = mapped_column(
        str_enum(ContactPreference, "contact_preference"), default=ContactPreference.EMAIL
    )
    goals: Mapped[list[str]] = mapped_column(JSON, default=list)
    wanted_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    statement: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    user: Mapped["User"] = relationship(back_populates="student_profile")
    interests: Mapped[list[StudentInterest]] = relationship(
        order_by=StudentInterest.rank, cascade="all, delete-orphan"
    )
    focus_areas: Mapped[list[FocusArea]] = relationship(secondary=student_focus)
    institution_record: Mapped[Institution | None] = relationship()

    @property
    def specialties(self) -> list[Specialty]:
        return [interest.specialty for interest in self.interests]

    def home_department_on_record(self) -> bool | None:
        """Whether the school's home has a department in the first-choice specialty, by the
        institutions' records; ``None`` when the school is not linked, there is no first choice
        or no institution of the home has its departments recorded."""
        school = self.institution_record
        if school is None or not self.interests:
            return None
        head = school.home or school
        recorded = [s.id for i in (head, *head.members) for s in i.departments]
        return self.interests[0].specialty_id in recorded if recorded else None

    def missing(self) -> list[str]:
        """What the profile still lacks before it can be matched well."""
        gaps = []
        if not self.school:
            gaps.append("your school")
        if self.stage is None:
            gaps.append("your stage (MS1–MS4, research year)")
        if not self.interests:
            gaps.append("at least one specialty interest")
        if not self.goals:
            gaps.append("what you want from a mentor (goals)")
        if not self.wanted_types:
            gaps.append("the kinds of mentor you want")
        if self.home_has_department is None and self.home_department_on_record() is None:
            gaps.append("whether your school has a department in your first-choice specialty")
        return gaps


class MentorProfile(db.Model):
    __tablename__ = "mentor_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    mentor_type: Mapped[MentorType | None] = mapped_column(str_enum(MentorType, "mentor_type"))
    faculty_rank: Mapped[FacultyRank | None] = mapped_column(str_enum(FacultyRank, "faculty_rank"))
    pgy: Mapped[int | None]
    peer_stage: Mapped[Stage | None] = mapped_column(str_enum(Stage, "peer_stage"))
    specialty_id: Mapped[int | None] = mapped_column(
        ForeignKey("specialties.id", ondelete="SET NULL")
    )
    institution: Mapped[str] = mapped_column(String(160), default="")
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id", ondelete="SET NULL"), index=True
    )
    region: Mapped[str] = mapped_column(String(80), default="")
    offers: Mapped[list[str]] = mapped_column(JSON, default=list)
    preferred_stages: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(default=2)
    accepting: Mapped[bool] = mapped_column(default=True)
    bio: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    user: Mapped["User"] = relationship(back_populates="mentor_profile")
    specialty: Mapped[Specialty | None] = relationship()
    focus_areas: Mapped[list[FocusArea]] = relationship(secondary=mentor_focus)
    institution_record: Mapped[Institution | None] = relationship()

    @property
    def title(self) -> str:
        """A short description such as "PGY-3 resident" or "Program director"."""
        if self.mentor_type is MentorType.FACULTY and self.faculty_rank is not None:
            return self.faculty_rank.label
        if self.mentor_type is MentorType.RESIDENT and self.pgy:
            return f"PGY-{self.pgy} resident"
        if self.mentor_type is MentorType.PEER and self.peer_stage is not None:
            return f"Peer mentor ({self.peer_stage.label})"
        return self.mentor_type.label if self.mentor_type else "Mentor"

    def missing(self) -> list[str]:
        gaps = []
        if self.mentor_type is None:
            gaps.append("your mentor type")
        elif self.mentor_type is MentorType.RESIDENT and not self.pgy:
            gaps.append("your PGY year")
        elif self.mentor_type is MentorType.PEER and self.peer_stage is None:
            gaps.append("your own stage (peer mentors are students)")
        if self.specialty_id is None:
            gaps.append("your specialty")
        if not self.institution:
            gaps.append("your institution")
        if not self.offers:
            gaps.append("what you can offer")
        return gaps


# --- completeness in SQL ----------------------------------------------------------------


def _json_list_nonempty(column) -> ColumnElement[bool]:
    """True where a JSON list column holds at least one item (stored ``[]`` or ``null`` is empty).

    The ORM writes JSON with ``json.dumps``, so an empty list is always the text ``[]``.
    """
    text = cast(column, Text)
    return and_(text.is_not(None), text.not_in(["[]", "null"]))


def _home_department_on_record() -> ColumnElement[bool]:
    """SQL: ``StudentProfile.home_department_on_record()`` is not ``None``."""
    school, recorded = aliased(Institution), aliased(Institution)
    return and_(
        exists().where(StudentInterest.student_id == StudentProfile.user_id),
        exists().where(
            school.id == StudentProfile.institution_id,
            func.coalesce(recorded.home_id, recorded.id)
            == func.coalesce(school.home_id, school.id),
            institution_departments.c.institution_id == recorded.id,
        ),
    )


def student_complete() -> ColumnElement[bool]:
    """SQL for ``user.student_profile is not None and user.student_profile.missing() == []``."""
    return exists().where(
        StudentProfile.user_id == User.id,
        StudentProfile.school != "",
        StudentProfile.stage.is_not(None),
        exists().where(StudentInterest.student_id == StudentProfile.user_id),
        _json_list_nonempty(StudentProfile.goals),
        _json_list_nonempty(StudentProfile.wanted_types),
        or_(StudentProfile.home_has_department.is_not(None), _home_department_on_record()),
    )


def mentor_complete() -> ColumnElement[bool]:
    """SQL for ``user.mentor_profile is not None and user.mentor_profile.missing() == []``."""
    return exists().where(
        MentorProfile.user_id == User.id,
        MentorProfile.mentor_type.is_not(None),
        or_(
            MentorProfile.mentor_type != MentorType.RESIDENT,
            and_(MentorProfile.pgy.is_not(None), MentorProfile.pgy != 0),
        ),
        or_(MentorProfile.mentor_type != MentorType.PEER, MentorProfile.peer_stage.is_not(None)),
        MentorProfile.specialty_id.is_not(None),
        MentorProfile.institution != "",
        _json_list_nonempty(MentorProfile.offers),
    )
