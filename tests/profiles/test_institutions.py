"""Students pick their school and mentors their institution from the list of institutions: a
name or an alias links the profile, an unknown name is asked about (closest names, or add it for
an admin to review) with nothing typed lost, and a school's departments on record answer the
home-department question."""

import html
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from matcher.extensions import db
from matcher.forms import ONE_LINE
from matcher.institutions import services as institutions
from matcher.models import FocusArea, Institution, MentorProfile, StudentProfile, User
from matcher.profiles import services
from tests.helpers import give_mentor_profile, logged_in, make_group, post_form
from tests.helpers.places import LAKESIDE, WESTBROOK, WESTBROOK_HOSPITAL
from tests.profiles.test_profiles import mentor_answers, student_answers
from tests.servers import forms_in

TYPO = "Westbrok School of Medicin"
NEW = "Harborview College of Osteopathy"


def shown(response) -> list[tuple[str, str]]:
    """The profile form's fields as the page shows them (what a browser would send back)."""
    [form] = [f for f in forms_in(response.get_data(as_text=True)) if "focus_areas" in f.choices]
    return sorted((k, v) for k, v in form.fields if k != "csrf_token")


def sent(data: dict) -> list[tuple[str, str]]:
    pairs = [
        (k, v) for k, value in data.items() for v in (value if isinstance(value, list) else [value])
    ]
    return sorted(pairs)


def student_row(app, user: User) -> tuple[str, int | None] | None:
    with app.app_context():
        profile = db.session.get(StudentProfile, user.id)
        return (profile.school, profile.institution_id) if profile else None


def institution_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Institution))


# --- the picker -------------------------------------------------------------------------------


def test_the_school_field_suggests_the_known_names_as_one_types(app, student, places):
    with app.app_context():
        pending = institutions.choose("Unreviewed Academy", None)
        db.session.commit()
        assert pending.confirmed is False
    page = logged_in(app, student).get("/profile/edit").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="school"[^>]*>', page).group(0)
    assert 'list="school-names"' in field
    assert 'maxlength="160"' in field
    datalist = re.search(r'<datalist id="school-names">(.*?)</datalist>', page).group(1)
    options = [html.unescape(o) for o in re.findall(r'<option value="([^"]*)">', datalist)]
    with app.app_context():
        assert options == institutions.picker_names()
    for name in (WESTBROOK, "WSOM", LAKESIDE, "LMC", "State Medical School"):
        assert name in options
    assert "Unreviewed Academy" not in options
    assert "school_suggestion" not in page
    assert "add_school" not in page


def test_the_institution_field_of_mentors_is_a_picker_too(app, mentor, places):
    page = logged_in(app, mentor).get("/profile/edit").get_data(as_text=True)
    assert re.search(r'<input[^>]*list="institution-names"[^>]*name="institution"', page)
    assert '<option value="Westbrook University Hospital">' in page


def test_an_alias_typed_saves_the_institutions_name_and_links_it(app, student, specialties, places):
    client = logged_in(app, student)
    response = post_form(client, "/profile/edit", student_answers(specialties, school="  wsom "))
    assert response.status_code == 302
    assert student_row(app, student) == (WESTBROOK, places[WESTBROOK])
    edit = client.get("/profile/edit").get_data(as_text=True)
    assert f'value="{WESTBROOK}"' in edit


def test_a_mentors_alias_links_the_mentor(app, mentor, specialties, places):
    client = logged_in(app, mentor)
    response = post_form(client, "/profile/edit", mentor_answers(specialties, institution="LMC"))
    assert response.status_code == 302
    with app.app_context():
        profile = db.session.get(MentorProfile, mentor.id)
        assert (profile.institution, profile.institution_id) == (LAKESIDE, places[LAKESIDE])
        assert profile.missing() == []


def test_an_unknown_name_is_asked_about_and_nothing_typed_is_lost(
    app, student, specialties, places
):
    with app.app_context():
        mohs = db.session.scalar(select(FocusArea.id).where(FocusArea.name == "Mohs surgery"))
    client = logged_in(app, student)
    answers = student_answers(specialties, school=TYPO, focus_areas=[str(mohs)])
    before = institution_count(app)
    response = post_form(client, "/profile/edit", answers)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"We don’t know “{TYPO}” yet. Did you mean: {WESTBROOK}" in page
    assert re.search(rf'type="radio" value="{WESTBROOK}"', page)
    assert f"Add “{TYPO}” as a new institution (an admin will review it)" in page
    assert shown(response) == sent(answers)
    assert student_row(app, student) is None
    assert institution_count(app) == before


def test_a_name_close_to_none_offers_only_to_add_it(app, student, specialties, places):
    client = logged_in(app, student)
    response = post_form(client, "/profile/edit", student_answers(specialties, school=NEW))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"We don’t know “{NEW}” yet.</p>" in page
    assert "school_suggestion" not in page
    assert 'name="add_school"' in page


def test_the_question_stays_while_another_answer_is_fixed(app, student, specialties, places):
    client = logged_in(app, student)
    answers = student_answers(specialties, school=TYPO, graduation_year="1900")
    response = post_form(client, "/profile/edit", answers)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Number must be between" in page
    assert f"We don’t know “{TYPO}” yet." in page
    ticked = post_form(client, "/profile/edit", {**answers, "add_school": "y"})
    assert ticked.status_code == 400
    assert ("add_school", "y") in shown(ticked)
    assert institution_count(app) == len(places)


def test_a_suggestion_picked_links_the_profile(app, student, specialties, places):
    client = logged_in(app, student)
    answers = student_answers(specialties, school=TYPO)
    page = post_form(client, "/profile/edit", answers)
    [form] = [f for f in forms_in(page.get_data(as_text=True)) if "focus_areas" in f.choices]
    assert WESTBROOK in form.choices["school_suggestion"]
    response = client.post(
        "/profile/edit", data=MultiDict(form.values(school_suggestion=WESTBROOK))
    )
    assert response.status_code == 302
    assert student_row(app, student) == (WESTBROOK, places[WESTBROOK])


def test_adding_a_new_name_links_a_record_waiting_for_review(app, student, specialties, places):
    client = logged_in(app, student)
    answers = student_answers(specialties, school=NEW, add_school="y")
    response = post_form(client, "/profile/edit", answers)
    assert response.status_code == 302
    with app.app_context():
        added = db.session.scalar(select(Institution).where(Institution.name == NEW))
        assert (added.confirmed, added.created_by_id) == (False, student.id)
        added_id = added.id
    assert student_row(app, student) == (NEW, added_id)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Waiting for review" in page
    assert f"“{NEW}” is new to the list of institutions and waits for an admin’s review." in page
    assert f'<option value="{NEW}">' not in client.get("/profile/edit").get_data(as_text=True)
    assert client.post("/profile/edit", data=MultiDict(shown_form(client))).status_code == 302
    assert student_row(app, student) == (NEW, added_id)
    assert institution_count(app) == len(places) + 1


def test_a_name_waiting_for_review_links_the_next_person_without_asking(
    app, student, mentor, specialties, places
):
    post_form(
        logged_in(app, student),
        "/profile/edit",
        student_answers(specialties, school=NEW, add_school="y"),
    )
    response = post_form(
        logged_in(app, mentor),
        "/profile/edit",
        mentor_answers(specialties, institution=NEW.upper()),
    )
    assert response.status_code == 302
    with app.app_context():
        profile = db.session.get(MentorProfile, mentor.id)
        assert profile.institution == NEW
        assert profile.institution_id == db.session.get(StudentProfile, student.id).institution_id
    assert institution_count(app) == len(places) + 1


def shown_form(client) -> list[tuple[str, str]]:
    page = client.get("/profile/edit").get_data(as_text=True)
    [form] = [f for f in forms_in(page) if "focus_areas" in f.choices]
    return form.fields


def test_a_saved_name_not_on_the_list_is_kept_when_sent_back_unchanged(
    app, student, specialties, places
):
    with app.app_context():
        db.session.get(User, student.id).student_profile = StudentProfile(school="Old Name U")
        db.session.commit()
    client = logged_in(app, student)
    assert client.post("/profile/edit", data=MultiDict(shown_form(client))).status_code == 302
    assert student_row(app, student) == ("Old Name U", None)
    assert institution_count(app) == len(places)


LONG = "S" * 161


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"school": LONG}, "Field cannot be longer than 160 characters."),
        ({"school": LONG, "add_school": "y"}, "Field cannot be longer than 160 characters."),
        ({"school": "West\tbrook", "add_school": "y"}, ONE_LINE),
        ({"school": "West\u2028brook"}, ONE_LINE),
        (
            {"school": TYPO, "school_suggestion": LONG},
            "Field cannot be longer than 160 characters.",
        ),
        ({"school": TYPO, "school_suggestion": "Westbrook\r\nBcc: x@example.org"}, ONE_LINE),
    ],
)
def test_over_long_or_control_character_names_are_refused(
    app, student, specialties, places, fields, message
):
    client = logged_in(app, student)
    response = post_form(client, "/profile/edit", student_answers(specialties, **fields))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert student_row(app, student) is None
    assert institution_count(app) == len(places)


@pytest.mark.parametrize("name", ["M" * 161, "Mercy\nGeneral", "Mercy\x00General"])
def test_a_mentors_bad_institution_is_refused(app, mentor, specialties, places, name):
    client = logged_in(app, mentor)
    answers = mentor_answers(specialties, institution=name, add_institution="y")
    response = post_form(client, "/profile/edit", answers)
    assert response.status_code == 400
    assert institution_count(app) == len(places)
    with app.app_context():
        assert db.session.get(MentorProfile, mentor.id) is None


# --- what profiles show -----------------------------------------------------------------------


def test_a_mentors_institution_shows_its_home(app, student, mentor, specialties, places):
    client = logged_in(app, mentor)
    answers = mentor_answers(specialties, institution="WUH")
    assert post_form(client, "/profile/edit", answers).status_code == 302
    make_group(app, members=(student, mentor))
    label = f"{WESTBROOK_HOSPITAL} ({WESTBROOK})"
    viewer = logged_in(app, student)
    assert label in viewer.get(f"/people/{mentor.id}").get_data(as_text=True)
    assert label in viewer.get("/mentors").get_data(as_text=True)


def test_a_school_heading_its_home_shows_its_name_alone(app, student, specialties, places):
    client = logged_in(app, student)
    post_form(client, "/profile/edit", student_answers(specialties, school=WESTBROOK))
    page = client.get(f"/people/{student.id}").get_data(as_text=True)
    assert f"<dd>{WESTBROOK}</dd>" in page


def test_a_mentor_not_linked_shows_the_saved_name(app, student, mentor):
    give_mentor_profile(app, mentor, institution="Somewhere Clinic")
    make_group(app, members=(student, mentor))
    assert "Somewhere Clinic" in logged_in(app, student).get("/mentors").get_data(as_text=True)


# --- the home department, from the school's records -------------------------------------------


def unanswered(specialties, first: str, school: str = WESTBROOK) -> dict:
    return student_answers(
        specialties,
        school=school,
        interest_1=str(specialties[first]),
        interest_2="",
        home_has_department="",
    )


def test_a_department_on_record_is_stated_and_not_asked_as_required(
    app, student, specialties, places
):
    client = logged_in(app, student)
    response = post_form(client, "/profile/edit", unanswered(specialties, "Dermatology"))
    assert response.status_code == 302
    with app.app_context():
        profile = db.session.get(StudentProfile, student.id)
        assert profile.home_has_department is None
        assert profile.home_department_on_record() is False
        assert profile.missing() == []
    page = client.get(f"/people/{student.id}").get_data(as_text=True)
    assert "Your profile is complete." in page
    assert (
        f"{WESTBROOK} has no dermatology department: an external faculty mentor matters for you."
        in page
    )
    edit = client.get("/profile/edit").get_data(as_text=True)
    assert "in your first-choice specialty? (optional)" in edit
    assert "used only where a school’s departments are not on record" in edit


def test_a_department_of_a_teaching_hospital_counts_for_the_school(
    app, student, mentor, specialties, places
):
    client = logged_in(app, student)
    answers = unanswered(specialties, "Plastic Surgery (Integrated)")
    assert post_form(client, "/profile/edit", answers).status_code == 302
    page = client.get(f"/people/{student.id}").get_data(as_text=True)
    assert f"{WESTBROOK} has a plastic surgery (integrated) department." in page
    with app.app_context():
        assert db.session.get(StudentProfile, student.id).missing() == []
        assert services.home_department(db.session.get(StudentProfile, student.id), own=False) == (
            f"{WESTBROOK} has a plastic surgery (integrated) department."
        )


def test_without_departments_on_record_the_question_is_asked_as_today(
    app, student, specialties, places
):
    client = logged_in(app, student)
    answers = unanswered(specialties, "Dermatology", school="State Medical School")
    response = post_form(client, "/profile/edit", answers)
    assert response.status_code == 302
    assert "Still missing: whether your school has a department" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    edit = client.get("/profile/edit").get_data(as_text=True)
    assert "first-choice specialty? (optional)" not in edit
    assert "Students without a home department are matched with external mentors first." in edit
    assert (
        post_form(client, "/profile/edit", {**answers, "home_has_department": "no"}).status_code
        == 302
    )
    page = client.get(f"/people/{student.id}").get_data(as_text=True)
    assert "No: external mentors matter most" in page
    assert "Your profile is complete." in page
