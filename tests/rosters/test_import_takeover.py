"""A roster import changes only the accounts it created; everyone else is asked to join."""

from datetime import UTC, datetime

from sqlalchemy import select

from matcher.extensions import db
from matcher.models import Membership, MembershipStatus, Role, User
from tests.helpers import logged_in, login, outbox, post_form
from tests.helpers.rosters import Group, add_member, csv_bytes, make_group, upload

HIJACK = {
    "name": "Renamed By Someone Else",
    "role": "student",
    "school": "Elsewhere Medical School",
    "stage": "MS1",
}


def facts(app, email: str) -> dict:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        profile = user.student_profile
        return {
            "name": user.name,
            "school": profile.school if profile else None,
            "stage": profile.stage if profile else None,
            "memberships": {(m.group_id, m.status) for m in user.memberships},
        }


def other_group(app, coordinator) -> Group:
    return make_group(app, "Dermatology Interest Group", coordinators=[coordinator])


def test_another_groups_member_is_invited_and_nothing_of_theirs_changes(
    app, group, coord_client, coordinator
):
    theirs = other_group(app, coordinator)
    ana = add_member(app, theirs, email="ana@example.edu", name="Ana", profile={"school": "Home U"})
    before = facts(app, ana.email)
    response = upload(coord_client, group, csv_bytes([{"email": ana.email, **HIJACK}]))
    assert response.status_code == 302
    after = facts(app, ana.email)
    assert (after["name"], after["school"], after["stage"]) == ("Ana", "Home U", None)
    assert after["memberships"] == before["memberships"] | {(group.id, MembershipStatus.INVITED)}
    [asked] = outbox(app, ana.email)
    assert asked.subject == f"{group.name} asks you to join it on matcher"


def test_an_account_created_by_another_groups_import_is_not_changed(
    app, group, coord_client, coordinator
):
    theirs = other_group(app, coordinator)
    ana = add_member(app, theirs, email="ana@example.edu", name="Ana", imported=True)
    upload(coord_client, group, csv_bytes([{"email": ana.email, **HIJACK}]))
    assert facts(app, ana.email)["name"] == "Ana"
    assert (group.id, MembershipStatus.INVITED) in facts(app, ana.email)["memberships"]


def test_an_imported_account_its_owner_took_over_is_no_longer_changed(app, group, coord_client):
    ana = add_member(app, group, email="ana@example.edu", name="Ana", imported=True)
    with app.app_context():
        db.session.get(User, ana.id).last_login_at = datetime(2026, 9, 1, tzinfo=UTC)
        db.session.commit()
    response = upload(coord_client, group, csv_bytes([{"email": ana.email, **HIJACK}]))
    assert response.status_code == 302
    assert facts(app, ana.email) == {
        "name": "Ana",
        "school": None,
        "stage": None,
        "memberships": {(group.id, MembershipStatus.ACTIVE)},
    }
    assert outbox(app, ana.email) == []


def test_an_imported_account_in_a_second_group_is_no_longer_changed(
    app, group, coord_client, coordinator
):
    ana = add_member(app, group, email="ana@example.edu", name="Ana", imported=True)
    with app.app_context():
        theirs = other_group(app, coordinator)
        db.session.add(Membership(group_id=theirs.id, user_id=ana.id))
        db.session.commit()
    upload(coord_client, group, csv_bytes([{"email": ana.email, **HIJACK}]))
    assert facts(app, ana.email)["name"] == "Ana"


def test_an_admins_account_in_the_file_is_refused_and_unchanged(app, group, coord_client, admin):
    response = upload(coord_client, group, csv_bytes([{"email": admin.email, **HIJACK}]))
    assert response.status_code == 400
    with app.app_context():
        row = db.session.get(User, admin.id)
        assert (row.name, row.roles, row.memberships) == (admin.name, {Role.ADMIN}, [])


def test_invited_people_are_not_on_the_roster_until_they_accept(app, group, coord_client, student):
    upload(coord_client, group, csv_bytes([{"email": student.email, **HIJACK}]))
    roster = coord_client.get(group.url("students")).get_data(as_text=True)
    assert student.email not in roster

    client = logged_in(app, student)
    page = client.get("/groups").get_data(as_text=True)
    assert "Invitations" in page
    assert group.name in page
    assert "asks you to join" in client.get("/").get_data(as_text=True)
    response = answer(client, group, "accept")
    assert response.status_code == 303
    assert facts(app, student.email)["memberships"] == {(group.id, MembershipStatus.ACTIVE)}
    assert student.email in coord_client.get(group.url("students")).get_data(as_text=True)
    assert facts(app, student.email)["name"] == student.name


def test_an_invitation_can_be_declined_and_a_second_import_asks_again_once(
    app, group, coord_client, student
):
    row = csv_bytes([{"email": student.email, **HIJACK}])
    upload(coord_client, group, row)
    upload(coord_client, group, row)
    assert len(outbox(app, student.email)) == 1
    client = logged_in(app, student)
    assert answer(client, group, "decline").status_code == 303
    assert facts(app, student.email)["memberships"] == set()
    assert answer(client, group, "accept").status_code == 303
    assert facts(app, student.email)["memberships"] == set()
    upload(coord_client, group, row)
    assert facts(app, student.email)["memberships"] == {(group.id, MembershipStatus.INVITED)}


def answer(client, group: Group, decision: str):
    return post_form(client, f"/groups/{group.id}/invitation/{decision}", {}, page="/groups")


def test_the_invite_link_accepts_an_invitation(app, group, coord_client, student):
    upload(coord_client, group, csv_bytes([{"email": student.email, **HIJACK}]))
    with app.app_context():
        code = db.session.scalar(select(Membership).where(Membership.user_id == student.id))
        code = code.group.invite_code
    client = app.test_client()
    login(client, student.email)
    assert "This group has invited you" in client.get(f"/join/{code}").get_data(as_text=True)
    assert post_form(client, f"/join/{code}", {}).status_code == 302
    assert facts(app, student.email)["memberships"] == {(group.id, MembershipStatus.ACTIVE)}


def test_an_invitation_shows_the_inviting_coordinator_nothing_until_accepted(
    app, group, coord_client, student
):
    upload(coord_client, group, csv_bytes([{"email": student.email, **HIJACK}]))
    assert coord_client.get(f"/people/{student.id}").status_code == 404
    directory = coord_client.get("/mentors").get_data(as_text=True)
    assert student.email not in directory
    answer(logged_in(app, student), group, "accept")
    assert coord_client.get(f"/people/{student.id}").status_code == 200
