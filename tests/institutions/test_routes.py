"""The admin's institution pages: admins only; search and review; add and edit; confirm,
merge, affiliate and delete; likely duplicates settled in one click; the CSV download and
upload."""

import io
import re

import pytest
from sqlalchemy import select

from matcher.extensions import db
from matcher.models import Institution, Role, Specialty, StudentProfile
from tests.helpers import logged_in, make_user, post_form

LIST = "/admin/institutions"


def get(app, name: str) -> Institution | None:
    with app.app_context():
        inst = db.session.scalar(select(Institution).where(Institution.name == name))
        if inst is not None:
            db.session.expunge(inst)
        return inst


def specialty(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Specialty.id).where(Specialty.name == name))


def edit_form(**overrides) -> dict:
    return {
        "name": "Eastgate School of Medicine",
        "kind": "medical_school",
        "aliases": "Eastgate SOM\r\nEGSOM",
        "region": "Northeast",
        "home_id": "",
        **overrides,
    }


@pytest.mark.parametrize("role", [Role.STUDENT, Role.MENTOR, Role.COORDINATOR])
def test_only_admins_see_or_change_the_list(app, homes, role):
    client = logged_in(app, make_user(app, role, f"{role.value}@example.edu"))
    school = homes["Westbrook School of Medicine"]
    for url in (LIST, f"{LIST}/new", f"{LIST}/{school}", f"{LIST}/export.csv"):
        assert client.get(url).status_code == 403
    for url in (f"{LIST}/{school}/confirm", f"{LIST}/{school}/delete", f"{LIST}/import"):
        assert client.post(url).status_code in (400, 403)
    anonymous = app.test_client().get(LIST)
    assert anonymous.status_code == 302
    assert "/login" in anonymous.headers["Location"]


def test_the_list_searches_names_aliases_and_regions_and_filters_those_waiting(app, admin, homes):
    client = logged_in(app, admin)
    page = client.get(LIST).get_data(as_text=True)
    assert "Westbrook University Hospital" in page
    assert "1 waiting for review" in page
    assert 'href="/admin/institutions?waiting=y"' in page
    assert "Likely duplicates" in page
    assert "Harbour View Medical Centre" in page

    found = client.get(f"{LIST}?q=wuh").get_data(as_text=True)
    assert "Westbrook University Hospital" in found
    assert "Lakeside Medical Center" not in found
    assert "Lakeside Medical Center" in client.get(f"{LIST}?q=lakeside").get_data(as_text=True)
    assert "Northeast" in client.get(f"{LIST}?q=northeast").get_data(as_text=True)

    waiting = client.get(f"{LIST}?waiting=y").get_data(as_text=True)
    assert "Harbour View Medical Centre" in waiting.split("Likely duplicates")[0]
    assert "Westbrook University Hospital" not in waiting.split("Likely duplicates")[0]
    assert client.get(f"{LIST}?q=" + "x" * 500).status_code == 200


def test_the_nav_links_the_list_for_admins(app, admin, homes):
    page = logged_in(app, admin).get("/admin/users").get_data(as_text=True)
    assert 'href="/admin/institutions"' in page


def test_an_admin_adds_an_institution_with_home_and_departments(app, admin, homes):
    client = logged_in(app, admin)
    form = client.get(f"{LIST}/new").get_data(as_text=True)
    assert "Surgical specialties" in form
    assert "Dermatology" in form
    response = post_form(
        client,
        f"{LIST}/new",
        edit_form(
            home_id=str(homes["Westbrook School of Medicine"]),
            departments=[str(specialty(app, "Dermatology")), str(specialty(app, "Urology"))],
        ),
    )
    assert response.status_code == 302
    with app.app_context():
        made = db.session.scalar(
            select(Institution).where(Institution.name == "Eastgate School of Medicine")
        )
        assert made.confirmed
        assert made.aliases == ["Eastgate SOM", "EGSOM"]
        assert made.home_id == homes["Westbrook School of Medicine"]
        assert {s.name for s in made.departments} == {"Dermatology", "Urology"}
        assert response.headers["Location"].endswith(f"/admin/institutions/{made.id}")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "x" * 161}, "Field cannot be longer than 160 characters."),
        ({"name": "East\tgate"}, "Write this on one line"),
        ({"region": "r" * 81}, "Field cannot be longer than 80 characters."),
        ({"aliases": "a" * 161}, "Each alias is at most 160 characters"),
        ({"aliases": "A; B"}, "semicolons"),
        ({"aliases": "A\x1bB"}, "not tabs or other control characters"),
        ({"kind": "castle"}, "Not a valid choice"),
        ({"home_id": "999999"}, "Not a valid choice"),
        ({"home_id": "abc"}, "Invalid Choice"),
        ({"name": "WUH"}, "Another institution already uses these names: &#39;WUH&#39;"),
    ],
)
def test_bad_input_is_refused_with_a_message(app, admin, homes, overrides, message):
    client = logged_in(app, admin)
    response = post_form(client, f"{LIST}/new", edit_form(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert get(app, "Eastgate School of Medicine") is None


def test_an_admin_edits_an_institution(app, admin, homes):
    client = logged_in(app, admin)
    harbor = homes["Harborview Medical Center"]
    page = client.get(f"{LIST}/{homes['Westbrook School of Medicine']}").get_data(as_text=True)
    assert 'name="name" required type="text" value="Westbrook School of Medicine"' in page
    assert "Westbrook SOM</textarea>" in page
    derm = specialty(app, "Dermatology")
    assert re.search(rf'<input checked id="departments-\d+" [^>]*value="{derm}">', page)
    response = post_form(
        client,
        f"{LIST}/{harbor}",
        edit_form(
            name="Harborview Medical Center",
            kind="hospital",
            aliases="HMC",
            region="West",
            departments=[str(specialty(app, "Dermatology"))],
        ),
    )
    assert response.status_code == 302
    assert "Saved." in client.get(response.headers["Location"]).get_data(as_text=True)
    edited = get(app, "Harborview Medical Center")
    assert edited.aliases == ["HMC"]
    member = client.get(f"{LIST}/{homes['Westbrook University Hospital']}").get_data(as_text=True)
    school = homes["Westbrook School of Medicine"]
    assert f'Part of the home of <a href="/admin/institutions/{school}">Westbrook School' in member
    own = homes["Westbrook School of Medicine"]
    refused = post_form(
        client,
        f"{LIST}/{own}",
        edit_form(name="Westbrook School of Medicine", home_id=str(own)),
    )
    assert refused.status_code == 400


def test_a_name_waiting_for_review_is_confirmed_from_the_list(app, admin, homes):
    client = logged_in(app, admin)
    pending = homes["Harbour View Medical Centre"]
    detail = client.get(f"{LIST}/{pending}").get_data(as_text=True)
    assert "Waiting for review" in detail
    assert "Looks like" in detail
    response = post_form(client, f"{LIST}/{pending}/confirm", {"next": "list"}, page=LIST)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/institutions?waiting=y")
    assert get(app, "Harbour View Medical Centre").confirmed is True


def test_merge_into_a_named_institution(app, admin, homes):
    student = make_user(app, Role.STUDENT, "sam@example.edu", "Sam")
    pending = homes["Harbour View Medical Centre"]
    with app.app_context():
        db.session.add(
            StudentProfile(
                user_id=student.id, school="Harbour View Medical Centre", institution_id=pending
            )
        )
        db.session.commit()
    client = logged_in(app, admin)
    page = f"{LIST}/{pending}"
    assert "Sam" in client.get(page).get_data(as_text=True)

    unknown = post_form(client, f"{page}/merge", {"target": "Harborview Medcal Center"}, page=page)
    assert unknown.status_code == 400
    assert "Did you mean Harborview Medical Center?" in unknown.get_data(as_text=True)

    response = post_form(
        client, f"{page}/merge", {"target": "harborview medical center"}, page=page
    )
    assert response.status_code == 302
    assert get(app, "Harbour View Medical Centre") is None
    with app.app_context():
        profile = db.session.get(StudentProfile, student.id)
        assert profile.school == "Harborview Medical Center"
        assert profile.institution_id == homes["Harborview Medical Center"]


def test_affiliate_with_a_home_from_the_list_of_heads(app, admin, homes):
    client = logged_in(app, admin)
    harbor = homes["Harborview Medical Center"]
    page = f"{LIST}/{harbor}"
    school = homes["Westbrook School of Medicine"]
    response = post_form(client, f"{page}/affiliate", {"home_id": str(school)}, page=page)
    assert response.status_code == 302
    assert get(app, "Harborview Medical Center").home_id == school
    member = homes["Westbrook University Hospital"]
    refused = post_form(client, f"{page}/affiliate", {"home_id": str(member)}, page=page)
    assert refused.status_code == 400
    back = post_form(client, f"{page}/affiliate", {"home_id": ""}, page=page)
    assert back.status_code == 302
    assert get(app, "Harborview Medical Center").home_id is None


def test_one_click_merge_and_not_the_same_on_the_duplicates_list(app, admin, homes):
    client = logged_in(app, admin)
    pair = {
        "source_id": str(homes["Harbour View Medical Centre"]),
        "target_id": str(homes["Harborview Medical Center"]),
    }
    kept = post_form(client, f"{LIST}/duplicates/distinct", pair, page=LIST)
    assert kept.status_code == 302
    page = client.get(LIST).get_data(as_text=True)
    assert "are kept apart" in page
    assert "No look-alike names right now." in page

    merged = post_form(client, f"{LIST}/duplicates/merge", pair, page=LIST)
    assert merged.status_code == 302
    assert get(app, "Harbour View Medical Centre") is None
    missing = post_form(client, f"{LIST}/duplicates/merge", pair, page=LIST)
    assert missing.status_code == 404
    same = {"source_id": pair["target_id"], "target_id": pair["target_id"]}
    assert post_form(client, f"{LIST}/duplicates/merge", same, page=LIST).status_code == 409
    assert post_form(client, f"{LIST}/duplicates/merge", {}, page=LIST).status_code == 400
    assert client.post(f"{LIST}/duplicates/merge", data=pair).status_code == 400


def test_delete_only_an_institution_nobody_is_linked_to(app, admin, homes):
    client = logged_in(app, admin)
    lakeside = homes["Lakeside Medical Center"]
    response = post_form(client, f"{LIST}/{lakeside}/delete", page=f"{LIST}/{lakeside}")
    assert response.status_code == 302
    assert get(app, "Lakeside Medical Center") is None


def test_download_and_upload_the_list(app, admin, homes):
    client = logged_in(app, admin)
    download = client.get(f"{LIST}/export.csv")
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    text = download.get_data(as_text=True)
    assert text.startswith("\ufeffname,kind,aliases,region,home,departments,confirmed")

    data = b"name,kind,home\r\nEastgate Hospital,Hospital,Westbrook SOM\r\n"
    response = post_form(
        client,
        f"{LIST}/import",
        {"file": (io.BytesIO(data), "list.csv")},
        page=LIST,
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert "1 new" in client.get(LIST).get_data(as_text=True)
    assert get(app, "Eastgate Hospital").home_id == homes["Westbrook School of Medicine"]


def test_a_bad_upload_lists_its_problems_and_saves_nothing(app, admin, homes):
    client = logged_in(app, admin)
    data = b"name,kind\r\nWestgate Hospital,Hospital\r\nNorthgate,Castle\r\n"
    response = post_form(
        client,
        f"{LIST}/import",
        {"file": (io.BytesIO(data), "list.csv")},
        page=LIST,
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page
    assert "Line 3 (Northgate)" in page
    assert get(app, "Westgate Hospital") is None

    for upload in (
        {},
        {"file": (io.BytesIO(b"\xff\xfe"), "list.csv")},
        {"file": (io.BytesIO(b"name\n"), "list.txt")},
    ):
        refused = post_form(
            client, f"{LIST}/import", upload, page=LIST, content_type="multipart/form-data"
        )
        assert refused.status_code == 400
