"""Institutions for profile and roster tests: a school with its teaching hospitals (departments
on record), a hospital of its own with none recorded, and the names the roster files use; made
through the institution services an admin's pages use."""

from flask import Flask
from sqlalchemy import select

from matcher import vocabulary
from matcher.extensions import db
from matcher.institutions import services as institutions
from matcher.models import InstitutionKind, Specialty

WESTBROOK = "Westbrook School of Medicine"
WESTBROOK_HOSPITAL = "Westbrook University Hospital"
WESTBROOK_CHILDRENS = "Westbrook Children's Hospital"
LAKESIDE = "Lakeside Medical Center"

PLACES: tuple[tuple[str, InstitutionKind, tuple[str, ...], str | None, tuple[str, ...]], ...] = (
    (
        WESTBROOK,
        InstitutionKind.MEDICAL_SCHOOL,
        ("WSOM", "Westbrook Med"),
        None,
        ("Internal Medicine", "General Surgery"),
    ),
    (
        WESTBROOK_HOSPITAL,
        InstitutionKind.HOSPITAL,
        ("WUH",),
        WESTBROOK,
        ("Plastic Surgery (Integrated)",),
    ),
    (WESTBROOK_CHILDRENS, InstitutionKind.HOSPITAL, (), WESTBROOK, ("Pediatrics",)),
    (LAKESIDE, InstitutionKind.HOSPITAL, ("LMC", "Lakeside"), None, ()),
    ("State Medical School", InstitutionKind.MEDICAL_SCHOOL, ("SMS",), None, ()),
    ("University Hospital", InstitutionKind.HOSPITAL, (), None, ()),
    ("Elsewhere Medical School", InstitutionKind.MEDICAL_SCHOOL, (), None, ()),
    ("Eastlake Medical Center", InstitutionKind.HOSPITAL, (), None, ()),
)


def make_places(app: Flask) -> dict[str, int]:
    """The institutions of ``PLACES``, confirmed; name → id. Westbrook's home (the school and
    its two hospitals) has departments on record, but none in dermatology; the others have no
    departments recorded."""
    with app.app_context():
        vocabulary.ensure_seeded()
        specialty = dict(db.session.execute(select(Specialty.name, Specialty.id)).all())
        ids: dict[str, int] = {}
        for name, kind, aliases, home, departments in PLACES:
            made = institutions.create(
                institutions.Details(
                    name=name,
                    kind=kind,
                    aliases=list(aliases),
                    home_id=ids[home] if home else None,
                    department_ids=[specialty[d] for d in departments],
                ),
                actor=None,
            )
            ids[name] = made.id
        db.session.commit()
        return ids


def link_by_name(profile, name: str) -> None:
    """Link a profile made directly in the database to the institution ``name`` names, as the
    migration links every saved name."""
    if name and (found := institutions.resolve(name)) is not None:
        profile.institution_id = found.id
