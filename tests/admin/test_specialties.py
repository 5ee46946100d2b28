"""The specialty vocabulary: complete after the migration, edited by admins only (add, rename,
hide, focus areas), hidden specialties leaving the profile choices."""

from matcher.extensions import db
from matcher.models import FocusArea, Specialty
from tests.helpers import logged_in, post_form


def test_migration_vocabulary_is_complete(app, specialties):
    for name in (
        "Dermatology",
        "Plastic Surgery (Integrated)",
        "Orthopaedic Surgery",
        "Neurosurgery",
        "Otolaryngology",
        "Ophthalmology",
        "Diagnostic Radiology",
        "Neurology",
        "General Surgery",
        "Internal Medicine",
    ):
        assert name in specialties
    with app.app_context():
        plastics = db.session.get(Specialty, specialties["Plastic Surgery (Integrated)"])
        assert {"Microsurgery", "Craniofacial", "Hand", "Gender-affirming"} <= {
            a.name for a in plastics.focus_areas
        }


def test_admin_adds_renames_hides_and_edits_focus_areas(app, admin, specialties):
    client = logged_in(app, admin)
    response = post_form(client, "/admin/specialties", {"name": "Allergy and Immunology"})
    assert response.status_code == 302
    url = response.headers["Location"]
    duplicate = post_form(client, "/admin/specialties", {"name": "dermatology"})
    assert duplicate.status_code == 400
    assert "already exists" in duplicate.get_data(as_text=True)
    focus = f"{url}/focus"
    assert post_form(client, focus, {"name": "Food allergy"}, page=url).status_code == 302
    again = post_form(client, focus, {"name": "food allergy"}, page=url)
    assert again.status_code == 400
    assert "already has the focus area" in again.get_data(as_text=True)
    assert post_form(client, url, {"name": "Allergy & Immunology"}).status_code == 302
    with app.app_context():
        item = db.session.scalar(
            db.select(Specialty).where(Specialty.name == "Allergy & Immunology")
        )
        assert item.active is False
        assert [a.name for a in item.focus_areas] == ["Food allergy"]
        area_id = item.focus_areas[0].id
        item_id = item.id
    removal = post_form(client, f"/admin/specialties/{item_id}/focus/{area_id}/remove", page=url)
    assert removal.status_code == 302
    with app.app_context():
        assert db.session.get(FocusArea, area_id) is None


def test_hidden_specialties_leave_the_profile_choices(app, admin, student, specialties):
    client = logged_in(app, admin)
    derm = specialties["Dermatology"]
    post_form(client, f"/admin/specialties/{derm}", {"name": "Dermatology"})
    form = logged_in(app, student).get("/profile/edit").get_data(as_text=True)
    assert f'<option value="{derm}">Dermatology</option>' not in form
    assert 'label="Dermatology"' not in form
    assert f'<option value="{specialties["Neurology"]}">Neurology</option>' in form


def test_specialty_pages_are_for_admins(app, coordinator, specialties):
    client = logged_in(app, coordinator)
    assert client.get("/admin/specialties").status_code == 403


def test_a_name_with_capital_accents_is_refused_the_second_time(app, admin, specialties):
    """SQLite's lower() leaves "Ä" alone: both sides are compared in the database."""
    client = logged_in(app, admin)
    assert post_form(client, "/admin/specialties", {"name": "Ärztliche Ethik"}).status_code == 302
    again = post_form(client, "/admin/specialties", {"name": "Ärztliche Ethik"})
    assert again.status_code == 400
    assert "already exists" in again.get_data(as_text=True)
    page = "/admin/specialties/" + str(specialties["Dermatology"])
    renamed = post_form(client, page, {"name": "Ärztliche Ethik", "active": "y"})
    assert renamed.status_code == 400
