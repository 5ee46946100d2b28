"""Reading and editing the specialty vocabulary."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from matcher.data.specialties import SPECIALTIES_V1
from matcher.extensions import db
from matcher.models import FocusArea, Specialty


class VocabularyError(ValueError):
    """A vocabulary edit the rules refuse; the message is safe to show."""


def ensure_seeded() -> int:
    """Add any first-release specialty or focus area that is missing; returns how many rows."""
    existing = {s.name: s for s in db.session.scalars(select(Specialty))}
    added = 0
    for name, areas in SPECIALTIES_V1.items():
        specialty = existing.get(name)
        if specialty is None:
            specialty = Specialty(name=name)
            db.session.add(specialty)
            added += 1
        have = {area.name for area in specialty.focus_areas}
        for area in areas:
            if area not in have:
                specialty.focus_areas.append(FocusArea(name=area))
                added += 1
    return added


def specialties(active_only: bool = True) -> list[Specialty]:
    query = select(Specialty).options(selectinload(Specialty.focus_areas)).order_by(Specialty.name)
    if active_only:
        query = query.where(Specialty.active)
    return list(db.session.scalars(query))


def specialty_by_name() -> dict[str, Specialty]:
    """Active specialties keyed by lower-case name, for imports."""
    return {s.name.lower(): s for s in specialties()}


def add_specialty(name: str) -> Specialty:
    name = name.strip()
    if db.session.scalar(
        select(Specialty).where(db.func.lower(Specialty.name) == db.func.lower(name))
    ):
        raise VocabularyError(f"A specialty called {name!r} already exists.")
    specialty = Specialty(name=name)
    db.session.add(specialty)
    return specialty


def rename_specialty(specialty: Specialty, name: str, active: bool) -> None:
    name = name.strip()
    clash = db.session.scalar(
        select(Specialty).where(
            db.func.lower(Specialty.name) == db.func.lower(name), Specialty.id != specialty.id
        )
    )
    if clash is not None:
        raise VocabularyError(f"A specialty called {name!r} already exists.")
    specialty.name, specialty.active = name, active


def add_focus_area(specialty: Specialty, name: str) -> FocusArea:
    name = name.strip()
    if any(area.name.lower() == name.lower() for area in specialty.focus_areas):
        raise VocabularyError(f"{specialty.name} already has the focus area {name!r}.")
    area = FocusArea(name=name)
    specialty.focus_areas.append(area)
    return area


def remove_focus_area(area: FocusArea) -> None:
    db.session.delete(area)
