"""Admin pages: inviting coordinators, role changes and switching accounts off (each ending the
user's sessions), the last admin kept, user search and the outbox page."""

from matcher.extensions import db
from matcher.models import Role, User
from tests.helpers import PASSWORD, link_in, logged_in, login, make_user, outbox, post_form


def test_admin_invites_a_coordinator_who_sets_a_password(app, admin):
    client = logged_in(app, admin)
    response = post_form(
        client,
        "/admin/users",
        {"name": "Cleo Coordinator", "email": "Cleo@Example.edu", "role": "coordinator"},
    )
    assert response.status_code == 302
    [invitation] = outbox(app, "cleo@example.edu")
    assert "as Coordinator" in invitation.subject
    link = link_in(invitation.body_text, "/welcome/")
    invited = app.test_client()
    post_form(
        invited, link, {"password": "a fine new passphrase", "confirm": "a fine new passphrase"}
    )
    assert login(app.test_client(), "cleo@example.edu", "a fine new passphrase").status_code == 302
    assert "Create a group" in invited.get("/").get_data(as_text=True)


def test_invite_for_a_taken_email_shows_an_inline_error(app, admin, student):
    client = logged_in(app, admin)
    response = post_form(
        client, "/admin/users", {"name": "Dup", "email": student.email, "role": "coordinator"}
    )
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)


def test_role_change_takes_effect_and_ends_the_users_sessions(app, admin, student):
    student_client = logged_in(app, student)
    client = logged_in(app, admin)
    page = f"/admin/users/{student.id}"
    response = post_form(client, f"{page}/role", {"roles": ["coordinator"]}, page=page)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, student.id).roles == {Role.COORDINATOR}
    assert student_client.get("/account/password").status_code == 302


def test_the_last_admin_cannot_be_demoted_or_switched_off(app, admin):
    client = logged_in(app, admin)
    page = f"/admin/users/{admin.id}"
    demote = post_form(client, f"{page}/role", {"roles": ["student"]}, page=page)
    assert demote.status_code == 409
    assert "last admin" in demote.get_data(as_text=True)
    off = post_form(client, f"{page}/active", {"active": "0"}, page=page)
    assert off.status_code == 409
    with app.app_context():
        user = db.session.get(User, admin.id)
        assert (user.roles, user.active) == ({Role.ADMIN}, True)


def test_switching_an_account_off_ends_its_sessions_and_log_ins(app, admin, mentor):
    mentor_client = logged_in(app, mentor)
    client = logged_in(app, admin)
    page = f"/admin/users/{mentor.id}"
    assert post_form(client, f"{page}/active", {"active": "0"}, page=page).status_code == 302
    assert mentor_client.get("/account/password").status_code == 302
    assert login(app.test_client(), mentor.email, PASSWORD).status_code == 200
    assert post_form(client, f"{page}/active", {"active": "1"}, page=page).status_code == 302
    assert login(app.test_client(), mentor.email, PASSWORD).status_code == 302


def test_user_search_and_role_filter(app, admin):
    make_user(app, Role.MENTOR, "ortho.mentor@example.org", "Dr. Orla Ortho")
    make_user(app, Role.STUDENT, "derm.student@example.edu", "Dana Derm")
    client = logged_in(app, admin)
    page = client.get("/admin/users", query_string={"q": "ortho"}).get_data(as_text=True)
    assert "Dr. Orla Ortho" in page
    assert "Dana Derm" not in page
    page = client.get("/admin/users", query_string={"role": "student"}).get_data(as_text=True)
    assert "Dana Derm" in page
    assert "Dr. Orla Ortho" not in page


def test_outbox_page_shows_messages_and_bodies(app, admin, student):
    post_form(app.test_client(), "/reset", {"email": student.email})
    client = logged_in(app, admin)
    listing = client.get("/admin/outbox").get_data(as_text=True)
    assert "Reset your matcher password" in listing
    [message] = outbox(app, student.email)
    body = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "/reset/" in body
    assert client.get("/admin/outbox", query_string={"status": "bogus"}).status_code == 404
