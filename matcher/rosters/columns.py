"""The roster CSV format: its columns, how cells are read and written, formula escaping.

Export and import share this module, so what a coordinator exports re-imports to no change.
"""

from dataclasses import dataclass

from matcher.models import (
    FocusArea,
    Goal,
    Institution,
    MentorProfile,
    MentorType,
    Role,
    Specialty,
    Stage,
    StudentProfile,
    User,
    WantedMentor,
)

LIST_SEPARATOR = ";"
QUALIFIER = ":"
MAX_STUDENT_SPECIALTIES = 3
PGY_RANGE = (1, 7)
CAPACITY_RANGE = (1, 10)
YEAR_RANGE = (1950, 2100)
YES = frozenset({"yes", "true", "1"})
NO = frozenset({"no", "false", "0"})


@dataclass(frozen=True)
class Column:
    name: str
    applies_to: str
    required: bool
    meaning: str


COLUMNS: tuple[Column, ...] = (
    Column("email", "both", True, "The person's email; rows are matched to accounts by it."),
    Column("name", "both", True, "Full name; replaces the account's name when different."),
    Column("role", "both", True, "student or mentor."),
    Column(
        "school",
        "students",
        False,
        "Medical school: its name or an alias on the site's list of institutions (exported "
        "under its name). A name not on the list is refused with the closest names.",
    ),
    Column(
        "institution",
        "mentors",
        False,
        "Hospital, school or health system: its name or an alias on the site's list of "
        "institutions, as for school.",
    ),
    Column(
        "stage",
        "students, peer mentors",
        False,
        "ms1, ms2, ms3, ms4, research or graduated (labels such as MS3 or Research year work "
        "too). For a mentor it is a peer mentor's own stage, MS2 or later.",
    ),
    Column("graduation_year", "students", False, "Expected graduation year, e.g. 2028."),
    Column(
        "specialties",
        "both",
        False,
        "Specialty names separated by semicolons: students up to 3 in order of preference, "
        "mentors exactly 1.",
    ),
    Column(
        "focus_areas",
        "both",
        False,
        "Focus areas separated by semicolons, each belonging to one of the row's specialties. "
        "A name two of them share is written Specialty: Focus area.",
    ),
    Column(
        "goals",
        "students",
        False,
        "What the student wants from a mentor, separated by semicolons: research, shadowing, "
        "cv_review, away_rotations, letters, mock_interviews, specialty_choice, wellbeing "
        "(the labels shown on the profile page work too).",
    ),
    Column(
        "wanted_mentors",
        "students",
        False,
        "The mentors on the student's board of advisors, separated by semicolons: faculty, "
        "resident, external, peer.",
    ),
    Column(
        "home_department",
        "students",
        False,
        "Whether the student's school has a department in their first-choice specialty: yes "
        "or no. Students without one are matched with external mentors first.",
    ),
    Column("mentor_type", "mentors", False, "faculty, resident, fellow or peer."),
    Column("pgy", "residents", False, "Postgraduate year, 1 to 7."),
    Column("capacity", "mentors", False, "How many students the mentor takes, 1 to 10."),
    Column(
        "offers",
        "mentors",
        False,
        "What the mentor offers, separated by semicolons, from the same list as students' goals.",
    ),
    Column("accepting", "mentors", False, "Taking new students: yes or no (true/false, 1/0)."),
    Column("region", "mentors", False, "Region or city."),
)

NAMES: tuple[str, ...] = tuple(column.name for column in COLUMNS)
REQUIRED: tuple[str, ...] = tuple(column.name for column in COLUMNS if column.required)
STUDENT_ONLY = frozenset(
    {"school", "graduation_year", "goals", "wanted_mentors", "home_department"}
)
MENTOR_ONLY = frozenset(
    {"institution", "mentor_type", "pgy", "capacity", "offers", "accepting", "region"}
)

_EXPORT = {
    Role.STUDENT: [name for name in NAMES if name not in MENTOR_ONLY],
    Role.MENTOR: [name for name in NAMES if name not in STUDENT_ONLY],
}


def export_columns(role: Role) -> list[str]:
    return list(_EXPORT[role])


def split_list(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]


def folded(text: str) -> str:
    """Lower case with runs of spaces as one, for matching names people type."""
    return " ".join(text.split()).lower()


def _by_label_or_value(enum_cls) -> dict[str, object]:
    lookup = {}
    for member in enum_cls:
        lookup[member.value.lower()] = member
        lookup[member.label.lower()] = member
    return lookup


STAGES: dict[str, Stage] = _by_label_or_value(Stage)  # type: ignore[assignment]
GOALS: dict[str, Goal] = _by_label_or_value(Goal)  # type: ignore[assignment]
WANTED: dict[str, WantedMentor] = _by_label_or_value(WantedMentor)  # type: ignore[assignment]
MENTOR_TYPES: dict[str, MentorType] = _by_label_or_value(MentorType)  # type: ignore[assignment]


@dataclass(frozen=True)
class VocabularyIndex:
    """Specialty names and their focus-area names by specialty id, for writing cells."""

    names: dict[int, str]
    area_names: dict[int, list[str]]

    @classmethod
    def of(cls, specialties: list[Specialty]) -> "VocabularyIndex":
        return cls(
            names={s.id: s.name for s in specialties},
            area_names={s.id: [a.name.lower() for a in s.focus_areas] for s in specialties},
        )


def focus_cell(areas: list[FocusArea], specialty_ids: list[int], index: VocabularyIndex) -> str:
    """Focus areas in the order of the person's specialties, qualified where a name is shared."""
    rank = {sid: position for position, sid in enumerate(specialty_ids)}
    ordered = sorted(areas, key=lambda a: (rank.get(a.specialty_id, len(rank)), a.name.lower()))
    shared = [name for sid in specialty_ids for name in index.area_names.get(sid, [])]
    parts = []
    for area in ordered:
        if shared.count(area.name.lower()) > 1:
            parts.append(f"{index.names[area.specialty_id]}{QUALIFIER} {area.name}")
        else:
            parts.append(area.name)
    return f"{LIST_SEPARATOR} ".join(parts)


def profile_cells(user: User, role: Role, index: VocabularyIndex) -> dict[str, str]:
    """One person's cells, unescaped; blank where the profile has no value."""
    cells = {"email": user.email, "name": user.name, "role": role.value}
    if role is Role.STUDENT and user.student_profile is not None:
        cells.update(_student_cells(user.student_profile, index))
    elif role is Role.MENTOR and user.mentor_profile is not None:
        cells.update(_mentor_cells(user.mentor_profile, index))
    return cells


def _student_cells(profile: StudentProfile, index: VocabularyIndex) -> dict[str, str]:
    specialty_ids = [interest.specialty_id for interest in profile.interests]
    return {
        "school": place_cell(profile.school, profile.institution_record),
        "stage": profile.stage.value if profile.stage else "",
        "graduation_year": str(profile.graduation_year) if profile.graduation_year else "",
        "specialties": f"{LIST_SEPARATOR} ".join(index.names[i] for i in specialty_ids),
        "focus_areas": focus_cell(profile.focus_areas, specialty_ids, index),
        "goals": f"{LIST_SEPARATOR} ".join(profile.goals or []),
        "wanted_mentors": f"{LIST_SEPARATOR} ".join(profile.wanted_types or []),
        "home_department": yes_no(profile.home_has_department),
    }


def place_cell(name: str, record: Institution | None) -> str:
    """A school or institution under its institution's current name."""
    return record.name if record is not None else name or ""


def yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _mentor_cells(profile: MentorProfile, index: VocabularyIndex) -> dict[str, str]:
    specialty_ids = [profile.specialty_id] if profile.specialty_id else []
    peer = profile.mentor_type is MentorType.PEER
    resident = profile.mentor_type is MentorType.RESIDENT
    return {
        "institution": place_cell(profile.institution, profile.institution_record),
        "stage": profile.peer_stage.value if peer and profile.peer_stage else "",
        "specialties": index.names[specialty_ids[0]] if specialty_ids else "",
        "focus_areas": focus_cell(profile.focus_areas, specialty_ids, index),
        "mentor_type": profile.mentor_type.value if profile.mentor_type else "",
        "pgy": str(profile.pgy) if resident and profile.pgy else "",
        "capacity": str(profile.capacity),
        "offers": f"{LIST_SEPARATOR} ".join(profile.offers or []),
        "accepting": yes_no(profile.accepting),
        "region": profile.region or "",
    }
