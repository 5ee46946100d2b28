"""Schools and institutions in roster files: a name or an alias on the list of institutions links
the profile under the institution's name, an unknown one is a row error naming the closest
names (and nothing of the file is saved), and the export writes the institution's name."""

from sqlalchemy import select

from matcher.extensions import db
from matcher.institutions import services as institutions
from matcher.models import MentorProfile, Role, StudentProfile, User
from tests.helpers.places import LAKESIDE, WESTBROOK, WESTBROOK_HOSPITAL
from tests.helpers.rosters import (
    add_member,
    complete_student_profile,
    csv_bytes,
    dump,
    read_csv,
    upload,
)

STUDENT = {"email": "ana@example.edu", "name": "Ana Alvarez", "role": "student"}
MENTOR = {"email": "rae@example.org", "name": "Dr. Rae", "role": "mentor"}
ADVICE = "Use one of these names, or ask an admin to add it."


def linked(app, email: str) -> tuple[str, int | None]:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user.has_role(Role.STUDENT):
            return user.student_profile.school, user.student_profile.institution_id
        return user.mentor_profile.institution, user.mentor_profile.institution_id


def errors_of(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'")


def test_a_name_or_an_alias_links_the_profile_under_the_institutions_name(
    app, group, coord_client, places
):
    data = csv_bytes(
        [
            {**STUDENT, "school": " wsom "},
            {**MENTOR, "institution": "lmc"},
            {"email": "wu@example.org", "name": "Dr. Wu", "role": "mentor", "institution": "WUH"},
        ]
    )
    response = upload(coord_client, group, data)
    assert response.status_code == 302
    assert linked(app, "ana@example.edu") == (WESTBROOK, places[WESTBROOK])
    assert linked(app, "rae@example.org") == (LAKESIDE, places[LAKESIDE])
    assert linked(app, "wu@example.org") == (WESTBROOK_HOSPITAL, places[WESTBROOK_HOSPITAL])
    before = dump(app)
    assert upload(coord_client, group, data).status_code == 302
    assert dump(app) == before


def test_an_unknown_name_is_a_row_error_with_the_closest_names(app, group, coord_client):
    before = dump(app)
    data = csv_bytes(
        [
            {**STUDENT, "school": "State Medical School"},
            {**MENTOR, "institution": "Westbrook"},
            {"email": "bo@example.edu", "name": "Bo", "role": "student", "school": "Westbrok Med"},
            {
                "email": "cy@example.edu",
                "name": "Cy",
                "role": "student",
                "school": "Nowhere Clinic",
            },
        ]
    )
    response = upload(coord_client, group, data)
    assert response.status_code == 400
    page = errors_of(response)
    assert (
        "Row 3 (rae@example.org): unknown institution “Westbrook”. Closest: "
        f"{WESTBROOK}, {WESTBROOK_HOSPITAL}, Westbrook Children's Hospital. {ADVICE}"
    ) in page
    assert f"Row 4 (bo@example.edu): unknown institution “Westbrok Med”. Closest: {WESTBROOK}" in (
        page
    )
    assert (
        "Row 5 (cy@example.edu): unknown institution “Nowhere Clinic”. Use an institution's name "
        "from the site's list, or ask an admin to add it."
    ) in page
    assert "Row 2" not in page
    assert dump(app) == before


def test_an_unknown_name_on_a_person_the_import_may_not_change_is_still_an_error(
    app, group, coord_client
):
    add_member(app, group, email="ana@example.edu", profile=complete_student_profile())
    before = dump(app)
    response = upload(coord_client, group, csv_bytes([{**STUDENT, "school": "Westbrok"}]))
    assert response.status_code == 400
    assert "Row 2 (ana@example.edu): unknown institution “Westbrok”." in errors_of(response)
    assert dump(app) == before


def test_a_name_waiting_for_review_is_known(app, group, coord_client):
    with app.app_context():
        pending = institutions.choose("Harborview College of Osteopathy", None)
        db.session.commit()
        pending_id = pending.id
    data = csv_bytes([{**STUDENT, "school": "harborview college of osteopathy"}])
    assert upload(coord_client, group, data).status_code == 302
    assert linked(app, "ana@example.edu") == ("Harborview College of Osteopathy", pending_id)


def test_a_saved_name_not_on_the_list_written_unchanged_is_kept(app, group, coord_client):
    ana = add_member(
        app,
        group,
        name=STUDENT["name"],
        email="ana@example.edu",
        profile={"school": "Old Name U"},
        imported=True,
    )
    before = dump(app)
    response = upload(coord_client, group, csv_bytes([{**STUDENT, "school": "old name u"}]))
    assert response.status_code == 302
    assert linked(app, ana.email) == ("Old Name U", None)
    assert dump(app) == before


def test_an_import_moves_a_changeable_profile_to_another_institution(
    app, group, coord_client, places
):
    add_member(
        app,
        group,
        email="ana@example.edu",
        profile={"school": "State Medical School"},
        imported=True,
    )
    assert linked(app, "ana@example.edu") == (
        "State Medical School",
        places["State Medical School"],
    )
    assert (
        upload(coord_client, group, csv_bytes([{**STUDENT, "school": "WSOM"}])).status_code == 302
    )
    assert linked(app, "ana@example.edu") == (WESTBROOK, places[WESTBROOK])


def test_the_export_writes_the_institutions_name(app, group, coord_client, places):
    ana = add_member(app, group, email="ana@example.edu", profile={"school": "WSOM"})
    rae = add_member(
        app, group, Role.MENTOR, email="rae@example.org", profile={"institution": "LMC"}
    )
    with app.app_context():
        assert db.session.get(StudentProfile, ana.id).institution_id == places[WESTBROOK]
        assert db.session.get(MentorProfile, rae.id).institution_id == places[LAKESIDE]
    [student] = read_csv(coord_client.get(group.url("students.csv")))
    [mentor] = read_csv(coord_client.get(group.url("mentors.csv")))
    assert (student["school"], mentor["institution"]) == (WESTBROOK, LAKESIDE)


def test_the_import_page_explains_the_list(app, group, coord_client):
    page = coord_client.get(group.url("import")).get_data(as_text=True)
    assert "its name or an alias on the site&#39;s list of institutions" in page
