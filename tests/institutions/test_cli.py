"""``flask institutions import FILE`` and ``flask institutions export [FILE]``, and the demo's
institutions: homes, departments and every demo profile linked."""

from sqlalchemy import func, select

from matcher import demo
from matcher.extensions import db
from matcher.institutions import services
from matcher.models import Institution, MentorProfile, Specialty, StudentProfile


def test_export_to_standard_output_and_to_a_file(app, runner, homes, tmp_path):
    shown = runner.invoke(args=["institutions", "export"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("name,kind,aliases,region,home,departments,confirmed")
    assert "Westbrook University Hospital,Hospital,WUH,Northeast,Westbrook School of Medicine" in (
        shown.output
    )
    target = tmp_path / "list.csv"
    written = runner.invoke(args=["institutions", "export", str(target)])
    assert written.exit_code == 0
    assert target.read_text(encoding="utf-8") == shown.output


def test_import_a_file_then_again_changes_nothing(app, runner, homes, tmp_path):
    source = tmp_path / "more.csv"
    source.write_text(
        "name,kind,home,departments\n"
        "Eastgate Hospital,Hospital,Westbrook SOM,Dermatology; Urology\n",
        encoding="utf-8",
    )
    first = runner.invoke(args=["institutions", "import", str(source)])
    assert first.exit_code == 0, first.output
    assert "1 new, 0 updated, 0 unchanged" in first.output
    second = runner.invoke(args=["institutions", "import", str(source)])
    assert "0 new, 0 updated, 1 unchanged" in second.output
    with app.app_context():
        made = services.resolve("Eastgate Hospital")
        assert made.home_id == homes["Westbrook School of Medicine"]
        assert {s.name for s in made.departments} == {"Dermatology", "Urology"}


def test_a_bad_file_prints_each_problem_and_fails(app, runner, homes, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("name,kind\nEastgate,Hospital\nWestgate,Castle\n", encoding="utf-8")
    result = runner.invoke(args=["institutions", "import", str(source)])
    assert result.exit_code != 0
    assert "Line 3 (Westgate): the kind 'Castle'" in result.output
    assert "Nothing was imported." in result.output
    with app.app_context():
        assert services.resolve("Eastgate") is None


def test_the_demo_has_homes_departments_and_linked_profiles(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        unlinked = [
            db.session.scalar(
                select(func.count()).select_from(model).where(model.institution_id.is_(None))
            )
            for model in (StudentProfile, MentorProfile)
        ]
        assert unlinked == [0, 0]
        school = services.resolve("Westbrook School of Medicine")
        hospital = services.resolve("Westbrook University Hospital")
        assert hospital.home_key == school.id
        assert (
            services.resolve("Harborview Medical Center").home_key
            == services.resolve("Harborview School of Medicine").id
        )
        derm = db.session.scalar(select(Specialty.id).where(Specialty.name == "Dermatology"))
        assert services.home_has_department(school.id, derm) is True
        assert (
            services.home_has_department(services.resolve("Lakeside Medical Center").id, derm)
            is False
        )
        assert (
            services.home_has_department(services.resolve("Northgate Medical College").id, derm)
            is None
        )
        assert services.resolve("Riverside Health").kind.value == "health_system"
        assert services.resolve(demo.PENDING_INSTITUTION).confirmed is False
        assert (
            db.session.scalar(select(func.count()).select_from(Institution))
            == len(demo.DEMO_INSTITUTIONS) + 1
        )
    again = runner.invoke(args=["seed-demo"])
    assert "nothing changed" in again.output
