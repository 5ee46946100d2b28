"""CSV export: the import's columns, the roster's filters, and no formulas."""

from matcher.models import Role
from tests.helpers import outbox
from tests.helpers.rosters import (
    add_member,
    complete_mentor_profile,
    complete_student_profile,
    dump,
    read_csv,
    specialty_id,
    upload,
)


def test_students_csv_is_an_attachment_in_the_import_format(app, group, coord_client):
    add_member(
        app,
        group,
        name="Zoë Ñúñez",
        email="zoe@example.edu",
        profile=complete_student_profile(stage="research", graduation_year=2029),
        specialties=("Plastic Surgery (Integrated)", "Dermatology"),
        focus=(("Dermatology", "Mohs surgery"), ("Plastic Surgery (Integrated)", "Microsurgery")),
    )
    add_member(app, group, name="Bare Student", email="bare@example.edu")
    add_member(app, group, Role.MENTOR, name="Not A Student")
    response = coord_client.get(group.url("students.csv"))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.mimetype_params["charset"] == "utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition == 'attachment; filename="surgery-interest-group-students.csv"'
    assert response.get_data().startswith(b"\xef\xbb\xbfemail,name,role,")
    assert read_csv(response) == [
        {
            "email": "bare@example.edu",
            "name": "Bare Student",
            "role": "student",
            "school": "",
            "stage": "",
            "graduation_year": "",
            "specialties": "",
            "focus_areas": "",
            "goals": "",
            "wanted_mentors": "",
            "home_department": "",
        },
        {
            "email": "zoe@example.edu",
            "name": "Zoë Ñúñez",
            "role": "student",
            "school": "State Medical School",
            "stage": "research",
            "graduation_year": "2029",
            "specialties": "Plastic Surgery (Integrated); Dermatology",
            "focus_areas": "Microsurgery; Mohs surgery",
            "goals": "research",
            "wanted_mentors": "faculty",
            "home_department": "yes",
        },
    ]


def test_mentors_csv_has_the_mentor_columns(app, group, coord_client):
    add_member(
        app,
        group,
        Role.MENTOR,
        name="Dr. Rae Resident",
        email="rae@example.org",
        profile=complete_mentor_profile(
            mentor_type="resident", pgy=3, capacity=4, accepting=False, region="Midwest"
        ),
        specialties=("Neurosurgery",),
        focus=(("Neurosurgery", "Spine"),),
    )
    add_member(
        app,
        group,
        Role.MENTOR,
        name="Pia Peer",
        email="pia@example.edu",
        profile={"mentor_type": "peer", "peer_stage": "ms4"},
    )
    rows = read_csv(coord_client.get(group.url("mentors.csv")))
    assert rows == [
        {
            "email": "rae@example.org",
            "name": "Dr. Rae Resident",
            "role": "mentor",
            "institution": "University Hospital",
            "stage": "",
            "specialties": "Neurosurgery",
            "focus_areas": "Spine",
            "mentor_type": "resident",
            "pgy": "3",
            "capacity": "4",
            "offers": "research",
            "accepting": "no",
            "region": "Midwest",
        },
        {
            "email": "pia@example.edu",
            "name": "Pia Peer",
            "role": "mentor",
            "institution": "",
            "stage": "ms4",
            "specialties": "",
            "focus_areas": "",
            "mentor_type": "peer",
            "pgy": "",
            "capacity": "2",
            "offers": "",
            "accepting": "yes",
            "region": "",
        },
    ]


def test_export_uses_the_same_filters_as_the_table(app, group, coord_client):
    add_member(app, group, name="Derm Student", profile={}, specialties=("Dermatology",))
    add_member(app, group, name="Uro Student", profile={}, specialties=("Urology",))
    derm = specialty_id(app, "Dermatology")
    response = coord_client.get(group.url("students.csv"), query_string={"specialty": derm})
    assert [row["name"] for row in read_csv(response)] == ["Derm Student"]
    page = coord_client.get(group.url("students"), query_string={"specialty": derm})
    assert f"students.csv?specialty={derm}" in page.get_data(as_text=True)


def test_cells_that_look_like_formulas_are_neutralised_and_round_trip(app, group, coord_client):
    add_member(
        app,
        group,
        name='=HYPERLINK("http://evil.example","click")',
        email="formula@example.edu",
        profile={"school": "+1 School"},
    )
    add_member(app, group, name="'-already quoted", email="quoted@example.edu")
    add_member(
        app,
        group,
        Role.MENTOR,
        name="@SUM(A1)",
        email="m@example.org",
        profile={"institution": "-2+3", "region": "=cmd|' /C calc'!A0"},
    )
    students = read_csv(coord_client.get(group.url("students.csv")))
    mentors = read_csv(coord_client.get(group.url("mentors.csv")))
    assert students[0]["name"] == "''-already quoted"
    assert students[1]["name"] == '\'=HYPERLINK("http://evil.example","click")'
    assert students[1]["school"] == "'+1 School"
    assert (mentors[0]["name"], mentors[0]["institution"]) == ("'@SUM(A1)", "'-2+3")
    assert mentors[0]["region"] == "'=cmd|' /C calc'!A0"
    before = dump(app)
    for path in ("students.csv", "mentors.csv"):
        data = coord_client.get(group.url(path)).get_data()
        assert upload(coord_client, group, data).status_code == 302
    assert dump(app) == before


def test_export_then_import_changes_nothing(app, group, coord_client):
    add_member(
        app,
        group,
        name="Ana Anesthesia",
        profile=complete_student_profile(),
        specialties=("Anesthesiology", "Emergency Medicine", "Pediatrics"),
        focus=(("Emergency Medicine", "Critical care"), ("Pediatrics", "Neonatology")),
    )
    add_member(
        app,
        group,
        Role.MENTOR,
        name="Dr. Fay Fellow",
        profile=complete_mentor_profile(mentor_type="fellow", pgy=6),
        specialties=("Orthopaedic Surgery",),
        focus=(("Orthopaedic Surgery", "Hand"), ("Orthopaedic Surgery", "Spine")),
    )
    add_member(app, group, Role.MENTOR, name="Dr. Nobody Yet")
    students = coord_client.get(group.url("students.csv"))
    assert read_csv(students)[0]["focus_areas"] == "Emergency Medicine: Critical care; Neonatology"
    mentors = coord_client.get(group.url("mentors.csv"))
    before, mails = dump(app), len(outbox(app))
    for export in (students, mentors):
        response = upload(coord_client, group, export.get_data())
        assert response.status_code == 302
    flash = coord_client.get(group.url("students")).get_data(as_text=True)
    assert "0 new people invited by email, 0 updated, 2 unchanged" in flash
    assert dump(app) == before
    assert len(outbox(app)) == mails
