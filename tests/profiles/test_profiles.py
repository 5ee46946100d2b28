"""Student and mentor profiles: completing and editing them, inline errors that change nothing,
focus areas, capacity, the data download and deleting the account."""

import json
import re

import pytest

from matcher.extensions import db
from matcher.models import FocusArea, MentorType, Role, Stage, StudentProfile, User
from tests.helpers import (
    PASSWORD,
    give_mentor_profile,
    hidden_fields,
    logged_in,
    login,
    make_group,
    make_user,
    outbox,
    post_form,
    transactions_begun,
)
from tests.servers import forms_in


def student_answers(specialties, **overrides):
    data = {
        "school": "Westbrook School of Medicine",
        "stage": "ms2",
        "graduation_year": "2029",
        "interest_1": str(specialties["Dermatology"]),
        "interest_2": str(specialties["Plastic Surgery (Integrated)"]),
        "interest_3": "",
        "home_has_department": "no",
        "goals": ["research", "letters"],
        "wanted_types": ["faculty", "external"],
        "contact_preference": "video",
        "statement": "MS2 hoping for dermatology.",
    }
    data.update(overrides)
    return data


def test_new_student_sees_what_is_missing(app, student, specialties):
    client = logged_in(app, student)
    home = client.get("/").get_data(as_text=True)
    assert "Still missing: your profile" in home
    page = client.get(f"/people/{student.id}").get_data(as_text=True)
    assert "Your profile is not complete yet" in page


def test_saving_the_profile_is_one_transaction(app, student, specialties, places):
    """The save reads, writes and commits in one transaction: nothing after the commit reads
    the database again (on SQLite each transaction of a POST waits for the write lock)."""
    client = logged_in(app, student)
    post_form(client, "/profile/edit", student_answers(specialties))
    answers = {**hidden_fields(client, "/profile/edit"), **student_answers(specialties)}
    with transactions_begun(app) as begun:
        response = client.post("/profile/edit", data=answers)
    assert response.status_code == 302
    assert len(begun) == 1, begun


def test_student_completes_the_profile(app, student, specialties, places):
    client = logged_in(app, student)
    assert client.get("/profile/edit").status_code == 200
    response = post_form(client, "/profile/edit", student_answers(specialties))
    assert response.status_code == 302
    with app.app_context():
        profile = db.session.get(StudentProfile, student.id)
        assert profile.stage is Stage.MS2
        assert [i.specialty.name for i in profile.interests] == [
            "Dermatology",
            "Plastic Surgery (Integrated)",
        ]
        assert profile.home_has_department is False
        assert profile.goals == ["letters", "research"]
        assert profile.missing() == []
    page = client.get(f"/people/{student.id}").get_data(as_text=True)
    assert "Your profile is complete." in page
    assert "Plastic Surgery (Integrated)" in page
    edit = client.get("/profile/edit").get_data(as_text=True)
    assert 'value="Westbrook School of Medicine"' in edit


def test_student_reorders_interests(app, student, specialties, places):
    client = logged_in(app, student)
    post_form(client, "/profile/edit", student_answers(specialties))
    swapped = student_answers(
        specialties,
        interest_1=str(specialties["Plastic Surgery (Integrated)"]),
        interest_2=str(specialties["Dermatology"]),
        interest_3=str(specialties["Otolaryngology"]),
    )
    assert post_form(client, "/profile/edit", swapped).status_code == 302
    with app.app_context():
        profile = db.session.get(StudentProfile, student.id)
        assert [i.specialty.name for i in profile.interests] == [
            "Plastic Surgery (Integrated)",
            "Dermatology",
            "Otolaryngology",
        ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"interest_2": "@derm"}, "Choose a different specialty for each rank."),
        ({"interest_1": "", "interest_2": "@derm"}, "Choose a first choice before a second."),
        ({"interest_1": "99999"}, "Not a valid choice"),
        ({"stage": "ms9"}, "Not a valid choice"),
        ({"graduation_year": "1900"}, "Number must be between"),
        ({"goals": ["bribery"]}, "not a valid choice"),
        ({"statement": "x" * 1001}, "Field cannot be longer than 1000 characters."),
    ],
)
def test_bad_student_answers_get_inline_errors_and_change_nothing(
    app, student, specialties, places, overrides, message
):
    client = logged_in(app, student)
    post_form(client, "/profile/edit", student_answers(specialties))
    resolved = {
        k: str(specialties["Dermatology"]) if v == "@derm" else v for k, v in overrides.items()
    }
    response = post_form(client, "/profile/edit", student_answers(specialties, **resolved))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        profile = db.session.get(StudentProfile, student.id)
        assert profile.stage is Stage.MS2
        assert len(profile.interests) == 2


def focus_area_ids(app, specialty_id: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                db.select(FocusArea.id)
                .where(FocusArea.specialty_id == specialty_id)
                .order_by(FocusArea.name)
            )
        )


def shown_focus_groups(page: str) -> list[str]:
    """The names of the focus-area groups a profile form shows (those not hidden)."""
    return re.findall(
        r'<fieldset class="choice-group" data-group-key="\d+">\s*<legend>([^<]+)</legend>', page
    )


def checked_focus_areas(page: str) -> list[int]:
    found = re.findall(
        r'<input checked id="[^"]+" name="focus_areas" type="checkbox" value="(\d+)"', page
    )
    return sorted(int(v) for v in found)


def test_the_form_shows_only_the_focus_areas_of_the_chosen_specialties(
    app, student, specialties, places
):
    client = logged_in(app, student)
    assert shown_focus_groups(client.get("/profile/edit").get_data(as_text=True)) == []
    post_form(client, "/profile/edit", student_answers(specialties))
    page = client.get("/profile/edit").get_data(as_text=True)
    assert shown_focus_groups(page) == ["Dermatology", "Plastic Surgery (Integrated)"]
    assert 'type="checkbox"' in page
    assert "Hold Ctrl" not in page
    assert "<select multiple" not in page


def test_show_focus_areas_sends_the_form_back_without_saving(app, student, specialties, places):
    client = logged_in(app, student)
    post_form(client, "/profile/edit", student_answers(specialties))
    changed = student_answers(
        specialties,
        interest_2=str(specialties["Otolaryngology"]),
        statement="Changed my mind.",
        show_focus_areas="1",
    )
    response = post_form(client, "/profile/edit", changed)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert shown_focus_groups(page) == ["Dermatology", "Otolaryngology"]
    assert "Changed my mind." in page
    assert "Nothing is saved yet" in page
    with app.app_context():
        profile = db.session.get(StudentProfile, student.id)
        assert profile.statement == "MS2 hoping for dermatology."
        assert [i.specialty.name for i in profile.interests][1] == "Plastic Surgery (Integrated)"


def test_focus_areas_are_kept_and_those_of_a_dropped_specialty_left_out_with_a_message(
    app, student, specialties, places
):
    derm = focus_area_ids(app, specialties["Dermatology"])[:2]
    plastics = focus_area_ids(app, specialties["Plastic Surgery (Integrated)"])[:1]
    client = logged_in(app, student)
    post_form(
        client,
        "/profile/edit",
        student_answers(specialties, focus_areas=[str(a) for a in derm + plastics]),
    )
    with app.app_context():
        profile = db.session.get(StudentProfile, student.id)
        assert sorted(a.id for a in profile.focus_areas) == sorted(derm + plastics)
    edit = client.get("/profile/edit").get_data(as_text=True)
    assert checked_focus_areas(edit) == sorted(derm + plastics)
    response = post_form(
        client,
        "/profile/edit",
        student_answers(
            specialties,
            interest_2=str(specialties["Otolaryngology"]),
            focus_areas=[str(a) for a in derm + plastics],
        ),
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "left out because their specialty is no longer chosen" in page
    with app.app_context():
        profile = db.session.get(StudentProfile, student.id)
        assert sorted(a.id for a in profile.focus_areas) == sorted(derm)


def test_the_mentor_form_offers_the_focus_areas_of_the_chosen_specialty(
    app, mentor, specialties, places
):
    derm = focus_area_ids(app, specialties["Dermatology"])[:1]
    ortho = focus_area_ids(app, specialties["Orthopaedic Surgery"])[:1]
    client = logged_in(app, mentor)
    response = post_form(
        client,
        "/profile/edit",
        mentor_answers(specialties, focus_areas=[str(a) for a in derm + ortho]),
    )
    assert response.status_code == 302
    assert "left out" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert [a.id for a in db.session.get(User, mentor.id).mentor_profile.focus_areas] == derm
    page = client.get("/profile/edit").get_data(as_text=True)
    assert shown_focus_groups(page) == ["Dermatology"]


def test_a_focus_area_that_does_not_exist_is_refused(app, student, specialties, places):
    client = logged_in(app, student)
    response = post_form(
        client, "/profile/edit", student_answers(specialties, focus_areas=["999999"])
    )
    assert response.status_code == 400
    assert "not a valid choice" in response.get_data(as_text=True)


def test_saving_says_once_what_is_still_missing(app, student, specialties, places):
    client = logged_in(app, student)
    response = post_form(client, "/profile/edit", student_answers(specialties, stage=""))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Profile saved." in page
    assert page.count("Still missing") == 1
    home = client.get("/").get_data(as_text=True)
    assert home.count("Still missing") == 1


def mentor_answers(specialties, **overrides):
    data = {
        "mentor_type": "resident",
        "pgy": "3",
        "specialty": str(specialties["Dermatology"]),
        "institution": "Lakeside Medical Center",
        "region": "Midwest",
        "offers": ["research", "cv_review"],
        "capacity": "3",
        "accepting": "y",
        "preferred_stages": ["ms3", "ms4"],
        "bio": "PGY-3 in dermatology.",
    }
    data.update(overrides)
    return data


def test_mentor_completes_the_profile(app, mentor, specialties, places):
    client = logged_in(app, mentor)
    assert post_form(client, "/profile/edit", mentor_answers(specialties)).status_code == 302
    with app.app_context():
        profile = db.session.get(User, mentor.id).mentor_profile
        assert profile.mentor_type is MentorType.RESIDENT
        assert profile.title == "PGY-3 resident"
        assert profile.capacity == 3
        assert profile.accepting is True
        assert profile.missing() == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"capacity": "0"}, "Number must be between 1 and 10."),
        ({"capacity": "11"}, "Number must be between 1 and 10."),
        ({"pgy": ""}, "Residents: give your PGY year."),
        ({"mentor_type": "peer", "pgy": ""}, "Peer mentors: give your own stage"),
        ({"mentor_type": "peer", "peer_stage": "ms1"}, "Not a valid choice"),
        ({"faculty_rank": "chair"}, "Only faculty have a faculty role."),
    ],
)
def test_bad_mentor_answers_are_refused(app, mentor, specialties, places, overrides, message):
    client = logged_in(app, mentor)
    response = post_form(client, "/profile/edit", mentor_answers(specialties, **overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, mentor.id).mentor_profile is None


def test_capacity_off_and_back_on(app, mentor, specialties, places):
    client = logged_in(app, mentor)
    post_form(client, "/profile/edit", mentor_answers(specialties, accepting=""))
    with app.app_context():
        assert db.session.get(User, mentor.id).mentor_profile.accepting is False


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_only_students_and_mentors_have_profiles(app, role):
    client = logged_in(app, make_user(app, role))
    assert client.get("/profile/edit").status_code == 403


def test_download_my_data(app, student, specialties, places):
    client = logged_in(app, student)
    post_form(client, "/profile/edit", student_answers(specialties))
    group_id = make_group(app, members=(student,))
    response = client.get("/profile/data.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == student.email
    assert data["student_profile"]["specialty_interests"] == [
        "Dermatology",
        "Plastic Surgery (Integrated)",
    ]
    assert data["memberships"][0]["group"] == "Derm Interest Group"
    assert group_id
    assert [e["subject"] for e in data["emails"]] == [m.subject for m in outbox(app, student.email)]


def test_delete_account_removes_personal_data_and_sessions(app, student, specialties, places):
    client = logged_in(app, student)
    other_device = logged_in(app, student)
    post_form(client, "/profile/edit", student_answers(specialties))
    make_group(app, members=(student,))
    post_form(app.test_client(), "/reset", {"email": student.email})
    wrong = post_form(client, "/profile/delete", {"password": "nope nope", "confirm": "y"})
    assert wrong.status_code == 400
    response = post_form(client, "/profile/delete", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, student.id) is None
        assert db.session.get(StudentProfile, student.id) is None
        from matcher.models import Membership, OutboxMessage

        assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 0
        assert (
            db.session.scalar(
                db.select(db.func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.to_addr == student.email)
            )
            == 0
        )
    assert other_device.get("/profile/edit").status_code == 302
    assert login(app.test_client(), student.email).status_code == 200


def test_the_last_admin_cannot_delete_the_account(app, admin):
    client = logged_in(app, admin)
    response = post_form(client, "/profile/delete", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 400
    assert "last admin" in response.get_data(as_text=True)


def test_mentor_profile_page(app, student, mentor):
    give_mentor_profile(app, mentor, pgy=None)
    make_group(app, members=(student, mentor))
    page = logged_in(app, student).get(f"/people/{mentor.id}").get_data(as_text=True)
    assert "Westbrook University Hospital" in page
    assert "Letters and sponsorship" in page


def retire(app, name: str) -> None:
    from matcher.models import Specialty

    with app.app_context():
        db.session.scalar(db.select(Specialty).where(Specialty.name == name)).active = False
        db.session.commit()


def sent_back_unchanged(client) -> list[tuple[str, str]]:
    """The profile form as shown, posted back as shown; the fields it showed."""
    from werkzeug.datastructures import MultiDict

    page = client.get("/profile/edit").get_data(as_text=True)
    [form] = [f for f in forms_in(page) if "focus_areas" in f.choices]
    response = client.post("/profile/edit", data=MultiDict(form.fields))
    assert response.status_code == 302, response.get_data(as_text=True)
    return form.fields


def test_a_retired_specialty_stays_on_a_profile_saved_unchanged(
    app, student, mentor, specialties, places
):
    from matcher.models import FocusArea, MentorProfile

    plastics = specialties["Plastic Surgery (Integrated)"]
    with app.app_context():
        area = db.session.scalar(db.select(FocusArea.id).where(FocusArea.specialty_id == plastics))
    client = logged_in(app, student)
    answers = student_answers(specialties, focus_areas=[str(area)])
    assert post_form(client, "/profile/edit", answers).status_code == 302
    give_mentor_profile(app, mentor, "Plastic Surgery (Integrated)")
    retire(app, "Plastic Surgery (Integrated)")
    shown = sent_back_unchanged(client)
    assert ("interest_2", str(plastics)) in shown
    assert ("focus_areas", str(area)) in shown
    with app.app_context():
        profile = db.session.get(StudentProfile, student.id)
        assert [i.specialty_id for i in profile.interests] == [specialties["Dermatology"], plastics]
        assert [a.id for a in profile.focus_areas] == [area]
    assert ("specialty", str(plastics)) in sent_back_unchanged(logged_in(app, mentor))
    with app.app_context():
        assert db.session.get(MentorProfile, mentor.id).specialty_id == plastics
