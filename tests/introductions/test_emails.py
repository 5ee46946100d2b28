"""Per-group email wording with placeholders and a preview; coordinators never run code."""

import pytest

from matcher.introductions import emails
from tests.helpers import deliver, logged_in, make_user, outbox, post_form


def test_every_default_text_uses_only_its_own_placeholders(world):
    with world.app.app_context():
        for key, kind in emails.EMAILS.items():
            text = emails.default_text(key)
            emails.check(kind, text.subject, text.body)
            assert text.subject


def test_coordinator_edits_previews_and_uses_a_group_template(world, smtp_server):
    client = logged_in(world.app, world.coordinator)
    url = f"/groups/{world.group_id}/introductions/emails/ask"
    page = client.get(url).get_data(as_text=True)
    assert "{student_name}" in page
    assert "Jordan Sample" in page
    data = {
        "subject": "{student_name} for you, {recipient_name}",
        "body": "Hi {mentor_name}.\n{student_goals}\nYes: {accept_link}\nNo: {decline_link}\n"
        "{{ config.SECRET_KEY }} {__class__}",
    }
    preview = post_form(client, url, {**data, "preview": "Preview"})
    assert preview.status_code == 400
    assert "Unknown placeholder {__class__}" in preview.get_data(as_text=True)
    data["body"] = data["body"].replace(" {__class__}", "")
    preview = post_form(client, url, {**data, "preview": "Preview"})
    assert preview.status_code == 200
    shown = preview.get_data(as_text=True)
    assert "Jordan Sample for you, Dr. Alex Example" in shown
    assert "{{ config.SECRET_KEY }}" in shown
    assert "testing-secret-key" not in shown
    saved = post_form(client, url, {**data, "submit": "Save"})
    assert saved.status_code == 302
    assert "Your group's" in client.get(saved.headers["Location"]).get_data(as_text=True)

    world.propose((world.student, world.mentor))
    [ask] = outbox(world.app, world.mentor.email)
    assert ask.subject == "Sam Student for you, Dr. Mina Mentor"
    assert "Research involvement, CV and personal-statement review" in ask.body_text
    assert "{{ config.SECRET_KEY }}" in ask.body_text
    deliver(world.app)
    assert "/introductions/answer/" in smtp_server.inbox.to(world.mentor.email)[0].get_content()

    reset = post_form(client, f"{url}/reset", page=f"/groups/{world.group_id}/introductions/emails")
    assert reset.status_code == 302
    world.propose((world.students[1], world.mentor))
    assert outbox(world.app, world.mentor.email)[-1].subject.startswith("Would you mentor")


def test_unknown_placeholders_are_refused_with_the_list(world):
    client = logged_in(world.app, world.coordinator)
    url = f"/groups/{world.group_id}/introductions/emails/checkin"
    refused = post_form(
        client,
        url,
        {"subject": "Hi", "body": "{accept_link} {student_name.__class__}", "submit": "Save"},
    )
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Unknown placeholder {accept_link}" in text
    assert "This email can use: {recipient_name}" in text
    empty = post_form(client, url, {"subject": "", "body": "", "submit": "Save"})
    assert empty.status_code == 400
    with world.app.app_context():
        assert emails.group_template(world.group_id, "checkin") is None


@pytest.mark.parametrize("who", ["student", "mentor", "other_coordinator"])
def test_only_the_groups_coordinators_edit_emails(world, who):
    from matcher.models import Role

    user = {
        "student": world.student,
        "mentor": world.mentor,
        "other_coordinator": make_user(world.app, Role.COORDINATOR, "other@example.edu"),
    }[who]
    client = logged_in(world.app, user)
    status = client.get(f"/groups/{world.group_id}/introductions/emails/ask").status_code
    assert status == (403 if who == "other_coordinator" else 404)


def test_unknown_email_key_is_404(world):
    client = logged_in(world.app, world.coordinator)
    assert client.get(f"/groups/{world.group_id}/introductions/emails/nope").status_code == 404


def test_fill_is_plain_substitution():
    assert emails.fill("{a} {b} {a.x} {{a}}", {"a": "1"}) == "1 {b} {a.x} {1}"
