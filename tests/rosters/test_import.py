"""CSV import: everything or nothing, row-by-row errors, idempotent, invitations for new people."""

import pytest
from sqlalchemy import select

from matcher.extensions import db
from matcher.models import (
    InterestGroup,
    Membership,
    MembershipStatus,
    MentorType,
    Role,
    Stage,
    User,
)
from matcher.rosters import csv_import
from tests.helpers import link_in, login, make_user, outbox, post_form
from tests.helpers.rosters import add_member, csv_bytes, dump, upload

STUDENT = {
    "email": "Ana.Alvarez@Example.edu",
    "name": "Ana Alvarez",
    "role": "student",
    "school": "State Medical School",
    "stage": "MS3",
    "graduation_year": "2028",
    "specialties": "Dermatology; plastic surgery (integrated)",
    "focus_areas": "Mohs surgery; Microsurgery",
}
MENTOR = {
    "email": "rae@example.org",
    "name": "Dr. Rae Resident",
    "role": "Mentor",
    "institution": "University Hospital",
    "specialties": "Neurosurgery",
    "focus_areas": "Spine",
    "mentor_type": "resident",
    "pgy": "3",
    "capacity": "4",
    "accepting": "No",
    "region": "Midwest",
}


def person(app, email):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            return None
        profile = user.student_profile or user.mentor_profile
        facts = {
            "name": user.name,
            "roles": user.roles,
            "memberships": {(m.group_id, m.status) for m in user.memberships},
        }
        if user.student_profile is not None:
            p = user.student_profile
            facts |= {
                "school": p.school,
                "stage": p.stage,
                "graduation_year": p.graduation_year,
                "specialties": [s.name for s in p.specialties],
                "updated_at": p.updated_at,
            }
        if user.mentor_profile is not None:
            p = user.mentor_profile
            facts |= {
                "institution": p.institution,
                "mentor_type": p.mentor_type,
                "pgy": p.pgy,
                "peer_stage": p.peer_stage,
                "capacity": p.capacity,
                "accepting": p.accepting,
                "region": p.region,
                "specialties": [p.specialty.name] if p.specialty else [],
            }
        if profile is not None:
            facts["focus_areas"] = sorted(a.name for a in profile.focus_areas)
        return facts


def test_import_creates_invites_updates_its_own_accounts_and_asks_the_rest_to_join(
    app, group, coord_client
):
    add_member(
        app,
        group,
        name="Old Name",
        email="sam@example.edu",
        profile={"school": "Old U"},
        imported=True,
    )
    waiting = add_member(app, group, Role.MENTOR, name="Dr. Wait", status=MembershipStatus.PENDING)
    make_user(app, Role.STUDENT, "outside@example.edu", "Olive Outside")
    data = csv_bytes(
        [
            STUDENT,
            MENTOR,
            {"email": "sam@example.edu", "name": "Sam Student", "role": "student"},
            {"email": waiting.email, "name": "Dr. Wait", "role": "mentor", "capacity": "1"},
            {"email": "outside@example.edu", "name": "Olive Outside", "role": "student"},
        ],
        header=[*MENTOR, "school", "stage", "graduation_year"],
    )
    response = upload(coord_client, group, data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(group.url("students"))
    page = coord_client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        "Imported 5 rows: 2 new people invited by email, 1 updated, 0 unchanged. "
        "1 person with an account already asked to join the group; they become members when "
        "they accept, and nothing of theirs was changed. 1 request to join approved."
    ) in page.replace("&#39;", "'")

    active = {(group.id, MembershipStatus.ACTIVE)}
    ana = person(app, "ana.alvarez@example.edu")
    assert ana.pop("updated_at") is not None
    assert ana == {
        "name": "Ana Alvarez",
        "roles": {Role.STUDENT},
        "memberships": active,
        "school": "State Medical School",
        "stage": Stage.MS3,
        "graduation_year": 2028,
        "specialties": ["Dermatology", "Plastic Surgery (Integrated)"],
        "focus_areas": ["Microsurgery", "Mohs surgery"],
    }
    assert person(app, "rae@example.org") == {
        "name": "Dr. Rae Resident",
        "roles": {Role.MENTOR},
        "memberships": active,
        "institution": "University Hospital",
        "mentor_type": MentorType.RESIDENT,
        "pgy": 3,
        "peer_stage": None,
        "capacity": 4,
        "accepting": False,
        "region": "Midwest",
        "specialties": ["Neurosurgery"],
        "focus_areas": ["Spine"],
    }
    sam = person(app, "sam@example.edu")
    assert (sam["name"], sam["school"], sam["memberships"]) == ("Sam Student", "Old U", active)
    wait = person(app, waiting.email)
    assert (wait["memberships"], wait["name"], "capacity" in wait) == (active, "Dr. Wait", False)
    olive = person(app, "outside@example.edu")
    assert olive["memberships"] == {(group.id, MembershipStatus.INVITED)}

    [invitation] = outbox(app, "ana.alvarez@example.edu")
    assert "/welcome/" in invitation.body_text
    assert len(outbox(app, "rae@example.org")) == 1
    [asked] = outbox(app, "outside@example.edu")
    assert asked.subject == "Surgery Interest Group asks you to join it on matcher"
    assert "/welcome/" not in asked.body_text
    assert "/groups" in asked.body_text
    for existing in ("sam@example.edu", waiting.email):
        assert outbox(app, existing) == []


def test_importing_the_same_file_again_changes_nothing(app, group, coord_client):
    add_member(app, group, name="Sam Student", email="sam@example.edu", imported=True)
    data = csv_bytes(
        [
            STUDENT,
            {**STUDENT, "email": "ben@example.edu", "name": "Ben", "specialties": "Urology"}
            | {"focus_areas": "", "stage": "Research year"},
            MENTOR,
            {**MENTOR, "email": "pia@example.edu", "mentor_type": "Peer student"}
            | {"pgy": "", "accepting": "true"},
            {"email": "sam@example.edu", "name": "Sam Student", "role": "student"},
        ],
        header=[*STUDENT, "institution", "mentor_type", "pgy", "capacity", "accepting", "region"],
    )
    assert upload(coord_client, group, data).status_code == 302
    coord_client.get(group.url("students"))
    before, mails = dump(app), len(outbox(app))
    response = upload(coord_client, group, data)
    assert response.status_code == 302
    page = coord_client.get(group.url("students")).get_data(as_text=True)
    assert "Imported 5 rows: 0 new people invited by email, 0 updated, 5 unchanged." in page
    assert dump(app) == before
    assert len(outbox(app)) == mails


def test_empty_cells_leave_saved_values_and_new_specialties_drop_stale_focus_areas(
    app, group, coord_client, frozen_clock
):
    add_member(
        app,
        group,
        name="Ana",
        email="ana@example.edu",
        profile={"school": "Old U", "stage": "ms2", "graduation_year": 2029},
        specialties=("Dermatology", "Urology"),
        focus=(("Dermatology", "Mohs surgery"), ("Urology", "Endourology")),
        imported=True,
    )
    data = csv_bytes(
        [
            {
                "email": "ana@example.edu",
                "name": "Ana",
                "role": "student",
                "school": "",
                "stage": "",
                "specialties": "Urology; Pediatrics",
            }
        ]
    )
    later = frozen_clock.advance(days=1)
    assert upload(coord_client, group, data).status_code == 302
    ana = person(app, "ana@example.edu")
    assert ana["updated_at"] == later
    assert (ana["school"], ana["stage"], ana["graduation_year"]) == ("Old U", Stage.MS2, 2029)
    assert ana["specialties"] == ["Urology", "Pediatrics"]
    assert ana["focus_areas"] == ["Endourology"]


def test_header_names_ignore_case_order_and_a_byte_order_mark(app, group, coord_client):
    data = "\ufeffROLE, Name ,EMAIL,Stage\r\nstudent,Bo,bo@example.edu,ms1\r\n\r\n".encode()
    assert upload(coord_client, group, data).status_code == 302
    assert person(app, "bo@example.edu")["stage"] is Stage.MS1


def test_peer_mentor_stage_and_qualified_focus_areas(app, group, coord_client):
    data = csv_bytes(
        [
            {
                "email": "pia@example.edu",
                "name": "Pia Peer",
                "role": "mentor",
                "mentor_type": "peer",
                "stage": "MS4",
                "specialties": "Emergency Medicine",
                "focus_areas": "Emergency Medicine: Critical care",
            },
            {
                "email": "cal@example.edu",
                "name": "Cal",
                "role": "student",
                "mentor_type": "",
                "stage": "",
                "specialties": "Anesthesiology; Emergency Medicine",
                "focus_areas": "anesthesiology: critical care; Toxicology",
            },
        ]
    )
    assert upload(coord_client, group, data).status_code == 302
    pia = person(app, "pia@example.edu")
    assert (pia["mentor_type"], pia["peer_stage"]) == (MentorType.PEER, Stage.MS4)
    assert pia["focus_areas"] == ["Critical care"]
    assert person(app, "cal@example.edu")["focus_areas"] == ["Critical care", "Toxicology"]


# --- bad files change nothing ------------------------------------------------------------------


def ok_row(**cells) -> dict:
    return {"email": "fine@example.edu", "name": "Fine Row", "role": "student", **cells}


BAD_FILES = {
    "missing columns": (
        b"email,school\r\nx@example.edu,U\r\n",
        "Missing required columns: name, role.",
    ),
    "unknown columns": (
        csv_bytes([ok_row(phone="555", notes="")]),
        "Unknown columns: 'phone', 'notes'.",
    ),
    "repeated column": (
        b"email,name,role,Email\r\nx@example.edu,X,student,y@example.edu\r\n",
        "These columns appear more than once: email.",
    ),
    "unknown specialty": (
        csv_bytes([ok_row(), ok_row(email="ana@x.edu", specialties="Dermatolgy")]),
        "Row 3 (ana@x.edu): unknown specialty 'Dermatolgy'",
    ),
    "focus area of another specialty": (
        csv_bytes([ok_row(specialties="Urology", focus_areas="Mohs surgery")]),
        "Row 2 (fine@example.edu): unknown focus area 'Mohs surgery' for Urology",
    ),
    "ambiguous focus area": (
        csv_bytes(
            [
                ok_row(specialties="Anesthesiology; Emergency Medicine")
                | {"focus_areas": "Critical care"}
            ]
        ),
        "write 'Anesthesiology: Critical care' or 'Emergency Medicine: Critical care'",
    ),
    "focus areas without specialties": (
        csv_bytes([ok_row(specialties="", focus_areas="Spine")]),
        "focus areas need the row's specialties in the same row",
    ),
    "bad email": (
        csv_bytes([ok_row(), ok_row(email="ana(at)x.edu")]),
        "Row 3 (ana(at)x.edu): 'ana(at)x.edu' is not a valid email address",
    ),
    "empty email": (csv_bytes([ok_row(email="")]), "Row 2: the email is empty"),
    "empty name": (csv_bytes([ok_row(name=" ")]), "Row 2 (fine@example.edu): the name is empty"),
    "name too long": (csv_bytes([ok_row(name="N" * 121)]), "name is longer than 120 characters"),
    "line break in a name": (
        csv_bytes([ok_row(name="Ana\r\nBcc: all@example.com")]),
        "name has a line break or another control character",
    ),
    "tab in a school": (
        csv_bytes([ok_row(school="State\tMedical")]),
        "school has a line break or another control character",
    ),
    "line separator in a region": (
        csv_bytes([ok_row(role="mentor", region="North\u2028East")]),
        "region has a line break or another control character",
    ),
    "bad role": (
        csv_bytes([ok_row(role="coordinator")]),
        "role must be student or mentor, not 'coordinator'",
    ),
    "duplicate email": (
        csv_bytes([ok_row(), ok_row(), ok_row(email="FINE@example.edu ")]),
        "Row 4 (FINE@example.edu): the same email is already on row 2",
    ),
    "unknown stage": (csv_bytes([ok_row(stage="MS5")]), "unknown stage 'MS5'"),
    "unknown mentor type": (
        csv_bytes([ok_row(role="mentor", mentor_type="attending")]),
        "unknown mentor type 'attending'",
    ),
    "pgy out of range": (
        csv_bytes([ok_row(role="mentor", pgy="8")]),
        "pgy must be a whole number from 1 to 7, not '8'",
    ),
    "capacity out of range": (
        csv_bytes([ok_row(role="mentor", capacity="0")]),
        "capacity must be a whole number from 1 to 10, not '0'",
    ),
    "graduation year not a number": (
        csv_bytes([ok_row(graduation_year="20x8")]),
        "graduation_year must be a whole number from 1950 to 2100, not '20x8'",
    ),
    "bad accepting": (
        csv_bytes([ok_row(role="mentor", accepting="maybe")]),
        "accepting must be yes or no, not 'maybe'",
    ),
    "more than 3 student specialties": (
        csv_bytes([ok_row(specialties="Urology; Neurology; Pathology; Psychiatry")]),
        "students list at most 3 specialties, not 4",
    ),
    "specialty listed twice": (
        csv_bytes([ok_row(specialties="Urology; urology")]),
        "specialty 'Urology' is listed twice",
    ),
    "mentor with two specialties": (
        csv_bytes([ok_row(role="mentor", specialties="Urology; Neurology")]),
        "a mentor has exactly one specialty, not 2",
    ),
    "mentor column on a student": (
        csv_bytes([ok_row(capacity="3")]),
        "capacity is for mentors only",
    ),
    "stage for a faculty mentor": (
        csv_bytes([ok_row(role="mentor", mentor_type="faculty", stage="ms4")]),
        "stage is only for peer mentors, and this mentor is Faculty",
    ),
    "peer mentor in MS1": (
        csv_bytes([ok_row(role="mentor", mentor_type="peer", stage="MS1")]),
        "a peer mentor is a student at least one year ahead (MS2 or later)",
    ),
    "pgy for a fellow": (
        csv_bytes([ok_row(role="mentor", mentor_type="fellow", pgy="5")]),
        "pgy is only for residents, and this mentor is Fellow",
    ),
    "wrong encoding": (
        "email,name,role\r\nzoe@example.edu,Zoë Ñúñez,student\r\n".encode("latin-1"),
        "The file is not UTF-8 text (the first unreadable byte is on line 2).",
    ),
    "utf-16": (
        "email,name,role\r\nzoe@example.edu,Zoe,student\r\n".encode("utf-16"),
        "The file is not UTF-8 text",
    ),
    "empty file": (b"", "The file is empty."),
    "blank lines only": (b"\r\n \r\n", "The file is empty."),
    "header only": (b"email,name,role\r\n,,\r\n", "The file has a header row but no people in it."),
    "semicolons": (
        b"email;name;role\r\nx@example.edu;X;student\r\n",
        "The columns seem to be separated by semicolons.",
    ),
    "too many rows": (
        b"email,name,role\r\n"
        + b"".join(b"p%d@example.edu,P,student\r\n" % i for i in range(csv_import.MAX_ROWS + 1)),
        "The file has more than 10,000 rows.",
    ),
    "cell beyond the header": (
        b"email,name,role\r\nx@example.edu,X,student,surprise\r\n",
        "has a value in column 4, which has no column name",
    ),
    "broken quoting": (
        b'email,name,role\r\nx@example.edu,"X,student\r\n' + b"y" * 200_000,
        "could not be read as CSV",
    ),
    "unknown goal": (
        csv_bytes([ok_row(goals="research; fame")]),
        "Row 2 (fine@example.edu): unknown goals entry 'fame' (use away_rotations, cv_review",
    ),
    "unknown kind of mentor wanted": (
        csv_bytes([ok_row(wanted_mentors="faculty; chair")]),
        "unknown wanted mentors entry 'chair' (use external, faculty, peer, resident)",
    ),
    "home department not yes or no": (
        csv_bytes([ok_row(home_department="maybe")]),
        "Row 2 (fine@example.edu): home_department must be yes or no, not 'maybe'",
    ),
    "a student's column on a mentor row": (
        csv_bytes([ok_row(role="mentor", goals="research")]),
        "goals",
    ),
    "binary bytes": (bytes(range(256)) * 4, "The file is not UTF-8 text"),
    "nul bytes": (b"email,name,role\r\nx@example.edu,X\x00,student\r\n", "NUL bytes"),
    "random text": (
        b"Dear coordinator,\nplease find attached the list.\nThanks!\n",
        "Missing required columns: email, name, role.",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_changes_nothing_and_says_what_is_wrong(app, group, coord_client, case):
    add_member(
        app, group, name="Fine Row", email="fine@example.edu", status=MembershipStatus.PENDING
    )
    data, message = BAD_FILES[case]
    before, mails = dump(app), len(outbox(app))
    response = upload(coord_client, group, data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was imported" in html
    assert message in html.replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&")
    assert dump(app) == before
    assert len(outbox(app)) == mails


def test_one_bad_row_keeps_every_good_row_out_and_all_errors_are_listed(
    app, group, coord_client, coordinator
):
    rows = [{**STUDENT, "email": f"s{i}@example.edu"} for i in range(5)]
    rows[1]["specialties"] = "Dermatolgy"
    rows[3]["email"] = coordinator.email
    rows.append(dict(MENTOR))
    before, mails = dump(app), len(outbox(app))
    response = upload(coord_client, group, csv_bytes(rows))
    assert response.status_code == 400
    html = response.get_data(as_text=True).replace("&#39;", "'")
    assert "Row 3 (s1@example.edu): unknown specialty 'Dermatolgy'" in html
    assert (
        "Row 5 (coord@example.edu): coord@example.edu cannot be used for a student here. "
        "Check the address, or use the one this person uses on matcher"
    ) in html
    assert "Coordinator" not in html.replace("Coordinators", "")
    assert dump(app) == before
    assert len(outbox(app)) == mails


def test_an_existing_mentor_cannot_be_imported_as_a_student(app, group, coord_client, mentor):
    before = dump(app)
    response = upload(
        coord_client, group, csv_bytes([{"email": mentor.email, "name": "M", "role": "student"}])
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f"{mentor.email} cannot be used for a student here" in html
    assert "Mentor" not in html.replace("Mentors", "")
    assert dump(app) == before


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR, Role.MENTOR, Role.STUDENT])
def test_a_refused_email_never_names_the_accounts_role(app, group, coord_client, role):
    make_user(app, role, "taken@example.org", "Taken")
    other = "mentor" if role is Role.STUDENT else "student"
    response = upload(
        coord_client,
        group,
        csv_bytes([{"email": "taken@example.org", "name": "X", "role": other}]),
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "taken@example.org cannot be used for a" in html
    assert "already has an account" not in html
    for word in ("Admin", "Coordinator", "has an account as"):
        assert f"as {word}" not in html
        assert f"an {word}" not in html


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("roster.xlsx", b"PK\x03\x04 not really a spreadsheet", "Upload a .csv file"),
        ("", b"", "Choose a CSV file to upload."),
    ],
)
def test_upload_form_errors_are_400(app, group, coord_client, filename, data, message):
    before = dump(app)
    response = upload(coord_client, group, data, filename=filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert dump(app) == before


def test_an_upload_over_max_content_length_is_413(app, group, coord_client):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    before = dump(app)
    data = csv_bytes([ok_row(email=f"p{i}@example.edu") for i in range(200)])
    response = upload(coord_client, group, data)
    assert response.status_code == 413
    assert dump(app) == before


def test_an_account_created_between_checking_and_writing_is_a_conflict(app, group):
    with app.app_context():
        row = db.session.get(InterestGroup, group.id)
        plan = csv_import.validate(row, csv_bytes([ok_row(email="late@example.edu")]))
        db.session.commit()
        make_user(app, Role.STUDENT, "late@example.edu", "Late Comer")
        with pytest.raises(csv_import.RosterConflictError):
            csv_import.apply(plan)
        db.session.rollback()
        memberships = db.session.scalars(select(Membership)).all()
        assert memberships == []


def test_imported_people_get_the_groups_invitation_and_can_log_in(app, group, coord_client):
    rows = [{"email": "new.person@example.edu", "name": "New Person", "role": "student"}]
    assert upload(coord_client, group, csv_bytes(rows)).status_code == 302
    [invitation] = outbox(app, "new.person@example.edu")
    assert invitation.subject == "You have been added to Surgery Interest Group on matcher"
    client = app.test_client()
    link = link_in(invitation.body_text, "/welcome/")
    passphrase = "a passphrase of my own"
    assert (
        post_form(client, link, {"password": passphrase, "confirm": passphrase}).status_code == 302
    )
    assert login(app.test_client(), "new.person@example.edu", passphrase).status_code == 302


def test_goals_wanted_mentors_home_department_and_offers_make_profiles_complete(
    app, group, coord_client
):
    """A roster can carry everything a round needs, so imported people can be matched
    before they ever log in."""
    rows = [
        ok_row(
            email="ava@example.edu",
            name="Ava Chen",
            school="State Medical School",
            stage="MS3",
            specialties="Dermatology",
            goals="Research involvement; letters; research",
            wanted_mentors="faculty; Peer mentor 1–2 years ahead",
            home_department="no",
        ),
        ok_row(
            email="ines@example.org",
            name="Dr. Ines Okafor",
            role="mentor",
            institution="University Hospital",
            specialties="Dermatology",
            mentor_type="faculty",
            offers="research; mock_interviews",
        ),
    ]
    assert upload(coord_client, group, csv_bytes(rows)).status_code == 302
    with app.app_context():
        users = {u.email: u for u in db.session.scalars(select(User))}
        ava = users["ava@example.edu"].student_profile
        ines = users["ines@example.org"].mentor_profile
        assert (ava.goals, ava.wanted_types, ava.home_has_department) == (
            ["research", "letters"],
            ["faculty", "peer"],
            False,
        )
        assert ines.offers == ["research", "mock_interviews"]
        assert ava.missing() == []
        assert ines.missing() == []
