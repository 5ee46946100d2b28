"""Institution fixtures: the specialty list and two homes of a school and its teaching
hospital, a school without a dermatology department, and a name waiting for review."""

import pytest

from matcher import vocabulary
from matcher.extensions import db
from matcher.institutions import services
from matcher.models import InstitutionKind, Specialty


@pytest.fixture
def homes(app) -> dict[str, int]:
    """Institution name → id (see the module's docstring)."""
    with app.app_context():
        vocabulary.ensure_seeded()
        spec = {s.name: s.id for s in db.session.scalars(db.select(Specialty))}

        def add(name, kind, *, home=None, aliases=(), region="", departments=()):
            details = services.Details(
                name=name,
                kind=kind,
                aliases=list(aliases),
                region=region,
                home_id=made[home] if home else None,
                department_ids=[spec[d] for d in departments],
            )
            made[name] = services.create(details, None).id

        made: dict[str, int] = {}
        add(
            "Westbrook School of Medicine",
            InstitutionKind.MEDICAL_SCHOOL,
            aliases=["Westbrook SOM"],
            region="Northeast",
            departments=["Dermatology", "Internal Medicine"],
        )
        add(
            "Westbrook University Hospital",
            InstitutionKind.HOSPITAL,
            home="Westbrook School of Medicine",
            aliases=["WUH"],
            region="Northeast",
        )
        add(
            "Lakeside College of Medicine",
            InstitutionKind.MEDICAL_SCHOOL,
            departments=["Internal Medicine", "Pediatrics"],
        )
        add(
            "Lakeside Medical Center", InstitutionKind.HOSPITAL, home="Lakeside College of Medicine"
        )
        add("Harborview Medical Center", InstitutionKind.HOSPITAL, region="West")
        made["Harbour View Medical Centre"] = services.choose(
            "Harbour View Medical Centre", None
        ).id
        db.session.commit()
        return made
