"""The institution list as CSV: export then import into an empty list gives the same list;
an import updates by name, only the columns it has, and refuses a bad file whole."""

import pytest
from sqlalchemy import func, select

from matcher.extensions import db
from matcher.institutions import csv_io, services
from matcher.models import AuditEvent, Institution, InstitutionKind


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Institution))


def get(name: str) -> Institution:
    return db.session.scalar(select(Institution).where(Institution.name == name))


def test_export_then_import_into_an_empty_list_gives_the_same_list(app, homes):
    with app.app_context():
        services.update(
            get("Harborview Medical Center"),
            services.Details(
                "Harborview Medical Center",
                InstitutionKind.HOSPITAL,
                aliases=["=HMC", "Harborview, the hospital"],
                region='West "coast"',
            ),
            None,
        )
        db.session.commit()
        exported = services.export_csv()
        db.session.execute(Institution.__table__.delete())
        db.session.commit()
        assert count() == 0

        summary = services.import_csv(exported, None)
        db.session.commit()

        assert summary.ok
        assert (summary.created, summary.updated) == (6, 0)
        assert services.export_csv() == exported
        assert get("Westbrook University Hospital").home.name == "Westbrook School of Medicine"
        assert get("Harbour View Medical Centre").confirmed is False
        assert get("Harborview Medical Center").aliases == ["=HMC", "Harborview, the hospital"]


def test_export_lists_every_column_and_escapes_formulas(app, homes):
    with app.app_context():
        services.create(services.Details("=HYPERLINK(1)"), None)
        db.session.commit()
        rows = csv_io.read(services.export_csv())
        by_name = {cells["name"]: cells for _, cells in rows}
        assert by_name["Westbrook University Hospital"] == {
            "name": "Westbrook University Hospital",
            "kind": "Hospital",
            "aliases": "WUH",
            "region": "Northeast",
            "home": "Westbrook School of Medicine",
            "departments": "",
            "confirmed": "yes",
        }
        assert by_name["Westbrook School of Medicine"]["departments"] == (
            "Dermatology; Internal Medicine"
        )
        assert "'=HYPERLINK(1)" in services.export_csv()
        assert "=HYPERLINK(1)" in by_name


def test_importing_the_same_file_again_changes_nothing(app, homes):
    with app.app_context():
        exported = services.export_csv()
        summary = services.import_csv(exported, None)
        assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 6)


def test_a_row_updates_the_institution_of_its_name_and_only_the_columns_given(app, homes):
    with app.app_context():
        text = (
            "name,region,home\r\n"
            "harborview medical center,Pacific Northwest,westbrook som\r\n"
            "Eastgate Hospital,,Lakeside College of Medicine\r\n"
        )
        summary = services.import_csv(text, None)
        db.session.commit()
        assert summary.errors == []
        assert (summary.created, summary.updated, summary.unchanged) == (1, 1, 0)
        harbor = db.session.scalar(
            select(Institution).where(func.lower(Institution.name) == "harborview medical center")
        )
        assert harbor.name == "harborview medical center"
        assert harbor.region == "Pacific Northwest"
        assert harbor.kind is InstitutionKind.HOSPITAL
        assert harbor.home_id is not None
        assert harbor.home.name == "Westbrook School of Medicine"
        eastgate = get("Eastgate Hospital")
        assert (eastgate.confirmed, eastgate.kind) == (True, InstitutionKind.OTHER)
        assert eastgate.home.name == "Lakeside College of Medicine"
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"institution.import", "institution.create", "institution.update"} <= actions


def test_a_row_that_moves_a_head_into_another_home_brings_its_members(app, homes):
    with app.app_context():
        text = "name,home\nLakeside College of Medicine,Westbrook School of Medicine\n"
        assert services.import_csv(text, None).ok
        db.session.commit()
        assert get("Lakeside Medical Center").home.name == "Westbrook School of Medicine"


def test_a_confirmed_column_confirms_names_waiting_for_review(app, homes):
    with app.app_context():
        text = "name,kind,confirmed\nHarbour View Medical Centre,Hospital,yes\n"
        assert services.import_csv(text, None).updated == 1
        assert get("Harbour View Medical Centre").confirmed is True


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name,kind\nEastgate,Clinic\n", "the kind 'Clinic' is not one of"),
        ("name,departments\nEastgate,Dermatolgy\n", "Did you mean 'Dermatology'?"),
        ("name,home\nEastgate,Westbrok School of Medicine\n", "no institution called"),
        ("name,home\nEastgate,Westbrook University Hospital\n", "homes are one level deep"),
        ("name,home\nEastgate,Eastgate\n", "cannot be its own home"),
        ("name,aliases\nEastgate,WUH\n", "'WUH' is already a name of"),
        ("name\nWUH\n", "is an alias of Westbrook University Hospital"),
        ("name\nEastgate\neastgate\n", "already on line 2"),
        ("name\n" + "x" * 161 + "\n", "longer than 160"),
        ("name,confirmed\nEastgate,maybe\n", "confirmed must be yes or no"),
        ('name\n"East\ngate"\n', "one line"),
        ("name,region\nEastgate," + "r" * 81 + "\n", "longer than 80"),
        ("name,aliases\nEastgate,A;;" + "a" * 161 + "\n", "longer than 160"),
        ("", "The file is empty"),
        ("name\n", "no institutions in it"),
        ("name;kind\nA;Hospital\n", "separated by semicolons"),
        ("kind\nHospital\n", "Missing required columns: name"),
        ("name,colour\nA,red\n", "Unknown columns: 'colour'"),
        ("name,name\nA,B\n", "more than once"),
        ("name\nA,B\n", "more cells than the header"),
        ("name\n\x00\n", "NUL"),
    ],
)
def test_a_bad_file_is_refused_whole_with_a_message_per_problem(app, homes, text, problem):
    with app.app_context():
        before = services.export_csv()
        summary = services.import_csv(text, None)
        assert not summary.ok
        assert any(problem in error for error in summary.errors), summary.errors
        assert "Nothing was imported" in summary.message()
        db.session.commit()
        assert services.export_csv() == before


def test_good_rows_are_not_saved_beside_a_bad_one(app, homes):
    with app.app_context():
        before = count()
        text = "name,kind\nEastgate Hospital,Hospital\nWestgate Hospital,Clinic\n"
        summary = services.import_csv(text, None)
        db.session.commit()
        assert summary.errors == [
            "Line 3 (Westgate Hospital): the kind 'Clinic' is not one of: Medical school, "
            "Hospital, Health system, Other"
        ]
        assert count() == before


def test_an_upload_that_is_not_utf8_is_refused(app, homes):
    with app.app_context(), pytest.raises(services.InstitutionImportError) as refused:
        services.import_upload("name\nKöln\n".encode("latin-1"), None)
    assert "not UTF-8" in refused.value.errors[0]
