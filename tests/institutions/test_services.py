"""Institution rules: names resolve by alias, suggestions, pending names, homes and their
departments, merging, affiliating, edits and likely duplicates."""

import pytest
from sqlalchemy import select

from matcher.extensions import db
from matcher.institutions import services
from matcher.models import (
    AuditEvent,
    Institution,
    InstitutionKind,
    MentorProfile,
    Role,
    Specialty,
    StudentProfile,
    User,
)
from tests.helpers import make_user


def get(name: str) -> Institution:
    return db.session.scalar(select(Institution).where(Institution.name == name))


def specialty(name: str) -> int:
    return db.session.scalar(select(Specialty.id).where(Specialty.name == name))


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_folded_collapses_spacing_and_case():
    assert services.folded("  Westbrook   SCHOOL\tof Medicine ") == "westbrook school of medicine"


def test_resolve_matches_names_and_aliases_of_confirmed_and_pending(app, homes):
    with app.app_context():
        assert services.resolve("westbrook  som").id == homes["Westbrook School of Medicine"]
        assert services.resolve(" WUH ").id == homes["Westbrook University Hospital"]
        assert services.resolve("harbour view medical centre").confirmed is False
        assert services.resolve("Westbrook") is None
        assert services.resolve("   ") is None


def test_suggest_gives_the_closest_confirmed_institutions_best_first(app, homes):
    with app.app_context():
        found = services.suggest("Westbrook Univ Hospital")
        assert found[0].id == homes["Westbrook University Hospital"]
        assert len({i.id for i in found}) == len(found) <= 3
        harbor = services.suggest("Harbour View Medical Centre", limit=5)
        assert homes["Harborview Medical Center"] in [i.id for i in harbor]
        assert all(i.confirmed for i in harbor)
        assert services.suggest("zzzz qqqq") == []
        assert services.suggest("Westbrook", limit=0) == []


def test_choose_resolves_a_known_name_or_adds_one_waiting_for_review(app, homes):
    student = make_user(app, Role.STUDENT, "sam@example.edu", "Sam")
    with app.app_context():
        actor = db.session.get(User, student.id)
        assert services.choose("wuh", actor).id == homes["Westbrook University Hospital"]
        made = services.choose("  Eastgate   School of Medicine ", actor)
        db.session.commit()
        assert (made.name, made.confirmed, made.kind) == (
            "Eastgate School of Medicine",
            False,
            InstitutionKind.OTHER,
        )
        assert made.created_by_id == student.id
        assert services.choose("eastgate school of medicine", actor).id == made.id
        assert actions().count("institution.add_pending") == 2


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("x" * 161, "longer than 160"),
        ("Westbrook\nHospital", "one line"),
        ("Westbrook\x00", "one line"),
    ],
)
def test_choose_refuses_empty_long_or_multi_line_names(app, name, message):
    with app.app_context(), pytest.raises(services.InstitutionError, match=message):
        services.choose(name, None)


def test_picker_names_are_confirmed_names_and_aliases_sorted_ignoring_case(app, homes):
    with app.app_context():
        names = services.picker_names()
        assert "Westbrook SOM" in names
        assert "WUH" in names
        assert "Harbour View Medical Centre" not in names
        assert names == sorted(names, key=str.casefold)


def test_home_has_department_looks_at_every_institution_of_the_home(app, homes):
    with app.app_context():
        derm, peds = specialty("Dermatology"), specialty("Pediatrics")
        hospital = homes["Westbrook University Hospital"]
        assert services.home_has_department(hospital, derm) is True
        assert services.home_has_department(hospital, peds) is False
        assert services.home_has_department(homes["Lakeside Medical Center"], derm) is False
        assert services.home_has_department(homes["Harborview Medical Center"], derm) is None
        assert services.home_has_department(10**6, derm) is None


def test_merge_moves_people_departments_names_and_members_then_deletes(app, homes):
    student = make_user(app, Role.STUDENT, "sam@example.edu", "Sam")
    mentor = make_user(app, Role.MENTOR, "mia@example.org", "Mia")
    with app.app_context():
        lakeside = get("Lakeside College of Medicine")
        pending = get("Harbour View Medical Centre")
        db.session.add(
            StudentProfile(user_id=student.id, school=pending.name, institution_id=pending.id)
        )
        db.session.add(
            MentorProfile(user_id=mentor.id, institution=lakeside.name, institution_id=lakeside.id)
        )
        db.session.commit()

        target = get("Harborview Medical Center")
        assert services.merge(pending, target, None) == 1
        assert services.merge(lakeside, target, None) == 1
        db.session.commit()

        assert get("Harbour View Medical Centre") is None
        assert get("Lakeside College of Medicine") is None
        sam = db.session.get(StudentProfile, student.id)
        mia = db.session.get(MentorProfile, mentor.id)
        assert (sam.institution_id, sam.school) == (target.id, "Harborview Medical Center")
        assert (mia.institution_id, mia.institution) == (target.id, "Harborview Medical Center")
        assert target.aliases == ["Harbour View Medical Centre", "Lakeside College of Medicine"]
        assert {s.name for s in target.departments} == {"Internal Medicine", "Pediatrics"}
        assert get("Lakeside Medical Center").home_id == target.id
        assert services.resolve("harbour view medical centre").id == target.id
        assert actions().count("institution.merge") == 2


def test_merging_a_head_into_its_own_member_makes_the_member_head(app, homes):
    with app.app_context():
        school = get("Westbrook School of Medicine")
        hospital = get("Westbrook University Hospital")
        services.merge(school, hospital, None)
        db.session.commit()
        assert hospital.home_id is None
        assert "Westbrook School of Medicine" in hospital.aliases
        with pytest.raises(services.InstitutionError):
            services.merge(hospital, hospital, None)


def test_affiliating_joins_the_head_of_a_home_and_brings_members_along(app, homes):
    with app.app_context():
        harbor = get("Harborview Medical Center")
        moved = services.affiliate(harbor, get("Westbrook University Hospital"), None)
        db.session.commit()
        assert moved == []
        assert harbor.home_id == homes["Westbrook School of Medicine"]

        lakeside = get("Lakeside College of Medicine")
        moved = services.affiliate(lakeside, get("Westbrook School of Medicine"), None)
        db.session.commit()
        assert moved == ["Lakeside Medical Center"]
        assert get("Lakeside Medical Center").home_id == homes["Westbrook School of Medicine"]
        assert lakeside.home_key == homes["Westbrook School of Medicine"]

        services.affiliate(lakeside, None, None)
        db.session.commit()
        assert lakeside.home_id is None
        assert "institution.affiliate" in actions()


def test_an_institution_cannot_join_its_own_home(app, homes):
    with app.app_context():
        school = get("Westbrook School of Medicine")
        with pytest.raises(services.InstitutionError, match="its own home"):
            services.affiliate(school, school, None)
        with pytest.raises(services.InstitutionError, match="already belongs to the home"):
            services.affiliate(school, get("Westbrook University Hospital"), None)


def test_update_checks_names_against_every_other_institution(app, homes):
    student = make_user(app, Role.STUDENT, "sam@example.edu", "Sam")
    with app.app_context():
        harbor = get("Harborview Medical Center")
        db.session.add(
            StudentProfile(user_id=student.id, school="harborview mc", institution_id=harbor.id)
        )
        db.session.commit()
        taken = services.Details("Harborview Medical Center", aliases=["WUH"])
        with pytest.raises(services.InstitutionError, match="WUH"):
            services.update(harbor, taken, None)
        db.session.rollback()

        details = services.Details(
            "Harborview University Medical Center",
            InstitutionKind.HOSPITAL,
            aliases=["HUMC", "humc", " ", "Harborview University Medical Center"],
            region="West",
            department_ids=[specialty("Dermatology")],
        )
        changed = services.update(harbor, details, None)
        db.session.commit()
        assert set(changed) == {"name", "aliases", "departments"}
        assert harbor.aliases == ["HUMC"]
        assert db.session.get(StudentProfile, student.id).school == harbor.name
        assert services.update(harbor, details, None) == []


def test_create_refuses_a_semicolon_in_an_alias_and_a_long_region(app, homes):
    with app.app_context():
        with pytest.raises(services.InstitutionError, match="semicolon"):
            services.create(services.Details("Eastgate", aliases=["A; B"]), None)
        with pytest.raises(services.InstitutionError, match="80"):
            services.create(services.Details("Eastgate", region="r" * 81), None)


def test_likely_duplicates_pairs_look_alikes_outside_one_home(app, homes):
    with app.app_context():
        pairs = {(a.name, b.name) for a, b, _ in services.likely_duplicates()}
        assert ("Harborview Medical Center", "Harbour View Medical Centre") in pairs
        assert all(
            a.home_key != b.home_key for a, b, score in services.likely_duplicates() if score
        )
        first, second = get("Harborview Medical Center"), get("Harbour View Medical Centre")
        services.mark_distinct(second, first, None)
        db.session.commit()
        pairs = {(a.name, b.name) for a, b, _ in services.likely_duplicates()}
        assert ("Harborview Medical Center", "Harbour View Medical Centre") not in pairs


def test_one_home_is_never_a_likely_duplicate(app, homes):
    with app.app_context():
        services.create(services.Details("Westbrook Univ. Hospital"), None)
        db.session.commit()
        pairs = {frozenset((a.name, b.name)) for a, b, _ in services.likely_duplicates(cutoff=80)}
        assert frozenset(("Westbrook University Hospital", "Westbrook Univ. Hospital")) in pairs
        services.affiliate(
            get("Westbrook Univ. Hospital"), get("Westbrook School of Medicine"), None
        )
        db.session.commit()
        pairs = {frozenset((a.name, b.name)) for a, b, _ in services.likely_duplicates(cutoff=80)}
        assert frozenset(("Westbrook University Hospital", "Westbrook Univ. Hospital")) not in pairs


def test_an_institution_with_people_cannot_be_deleted(app, homes):
    student = make_user(app, Role.STUDENT, "sam@example.edu", "Sam")
    with app.app_context():
        harbor = get("Harborview Medical Center")
        db.session.add(
            StudentProfile(user_id=student.id, school=harbor.name, institution_id=harbor.id)
        )
        db.session.commit()
        with pytest.raises(services.InstitutionError, match="merge"):
            services.delete_institution(harbor, None)
        school = get("Lakeside College of Medicine")
        services.delete_institution(school, None)
        db.session.commit()
        assert get("Lakeside Medical Center").home_id is None
        assert services.linked_counts() == {harbor.id: 1}
