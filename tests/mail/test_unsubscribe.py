"""Unsubscribing: every non-essential email carries a link and RFC 8058 headers; the link's
page asks first, the one-click POST needs only the signed token; essential mail still goes."""

import re

from matcher.extensions import db
from matcher.mail import queue_mail
from matcher.models import MailPreference, OutboxStatus, Role, User
from tests.helpers import deliver, logged_in, make_user, outbox, post_form

NON_URGENT = "introductions/checkin"


def send_both(app, user: User) -> None:
    """One non-urgent and one essential email to ``user``."""
    with app.app_context():
        person = db.session.get(User, user.id)
        queue_mail(
            person,
            "introductions/_message",
            kind=NON_URGENT,
            subject="Have you met your mentor yet?",
            body="A check-in.",
        )
        queue_mail(person, "auth/password_changed", user=person)
        db.session.commit()


def header_path(mail) -> str:
    url = mail["List-Unsubscribe"].strip("<>")
    return re.sub(r"^https?://[^/]+", "", url)


def unsubscribed(app, user: User) -> bool:
    with app.app_context():
        preference = db.session.get(MailPreference, user.id)
        return preference is not None and preference.unsubscribed


def test_the_headers_and_link_are_on_non_essential_mail_only(mail_app, smtp_server):
    student = make_user(mail_app, Role.STUDENT, "sam@example.edu", "Sam Student")
    send_both(mail_app, student)
    deliver(mail_app)
    checkin, changed = smtp_server.inbox.to(student.email)
    assert checkin["Subject"] == "Have you met your mentor yet?"
    assert checkin["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = header_path(checkin)
    assert path.startswith("/unsubscribe/")
    assert path in checkin.get_content()
    assert "/account/mail" in checkin.get_content()
    assert changed["Subject"] == "Your matcher password was changed"
    assert changed["List-Unsubscribe"] is None
    assert changed["List-Unsubscribe-Post"] is None
    assert "/unsubscribe/" not in changed.get_content()


def test_one_click_post_unsubscribes_without_log_in_or_csrf(mail_app, smtp_server):
    student = make_user(mail_app, Role.STUDENT, "sam@example.edu", "Sam Student")
    send_both(mail_app, student)
    deliver(mail_app)
    path = header_path(smtp_server.inbox.to(student.email)[0])

    stranger = mail_app.test_client()
    response = stranger.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "You are unsubscribed" in response.get_data(as_text=True)
    assert unsubscribed(mail_app, student)
    assert stranger.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200

    send_both(mail_app, student)
    deliver(mail_app)
    subjects = [m["Subject"] for m in smtp_server.inbox.to(student.email)]
    assert subjects == [
        "Have you met your mentor yet?",
        "Your matcher password was changed",
        "Your matcher password was changed",
    ]


def test_a_forged_or_broken_token_is_refused_and_changes_nothing(app, student):
    send_both(app, student)
    [row] = [m for m in outbox(app, student.email) if m.unsubscribe_url]
    path = re.sub(r"^https?://[^/]+", "", row.unsubscribe_url)
    client = app.test_client()
    for bad in (path[:-4] + "AAAA", "/unsubscribe/not-a-token", path + "x"):
        assert client.post(bad, data={"List-Unsubscribe": "One-Click"}).status_code == 404
        assert client.get(bad).status_code == 404
    assert not unsubscribed(app, student)


def test_the_emailed_link_asks_first_and_a_get_changes_nothing(app, student):
    send_both(app, student)
    [row] = [m for m in outbox(app, student.email) if m.unsubscribe_url]
    path = re.sub(r"^https?://[^/]+", "", row.unsubscribe_url)
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Unsubscribe from non-urgent email?" in html
    assert "s…@example.edu" in html
    assert student.email not in html
    assert f'action="{path}"' in html
    assert not unsubscribed(app, student)
    assert client.post(path).status_code == 200
    assert unsubscribed(app, student)
    again = client.get(path).get_data(as_text=True)
    assert "You are unsubscribed" in again
    assert "<form" not in again.split("<main", 1)[1]


def test_the_settings_page_shows_unsubscribing_and_undoes_it(app, student):
    send_both(app, student)
    [row] = [m for m in outbox(app, student.email) if m.unsubscribe_url]
    app.test_client().post(re.sub(r"^https?://[^/]+", "", row.unsubscribe_url))
    client = logged_in(app, student)
    page = client.get("/account/mail").get_data(as_text=True)
    assert "You unsubscribed from non-urgent email on" in page

    response = post_form(
        client, "/account/mail", {"delivery": "immediate", "subscribed": "y"}, follow_redirects=True
    )
    assert "Each email now comes at once." in response.get_data(as_text=True)
    assert not unsubscribed(app, student)
    with app.app_context():
        message = queue_mail(
            db.session.get(User, student.id),
            "introductions/_message",
            kind=NON_URGENT,
            subject="Back again",
            body="Hi",
        )
        db.session.commit()
        assert message.status == OutboxStatus.PENDING


def test_a_choice_that_is_not_offered_is_refused_with_a_message(app, student):
    client = logged_in(app, student)
    response = post_form(client, "/account/mail", {"delivery": "weekly", "subscribed": "y"})
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    response = post_form(client, "/account/mail", {"subscribed": "y"})
    assert response.status_code == 400
    assert "Choose how non-urgent email reaches you." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(MailPreference, student.id) is None


def test_unsubscribing_stops_non_essential_mail_but_not_essential_mail(app, student):
    send_both(app, student)
    [row] = [m for m in outbox(app, student.email) if m.unsubscribe_url]
    app.test_client().post(re.sub(r"^https?://[^/]+", "", row.unsubscribe_url))
    send_both(app, student)
    kinds = [m.kind for m in outbox(app, student.email)]
    assert kinds == [NON_URGENT, "auth/password_changed", "auth/password_changed"]
