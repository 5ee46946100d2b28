"""The audit log: append-only in the database, kept after account deletion, one row per
audited action, and the admin page that reads it."""

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from matcher import audit
from matcher.extensions import db
from matcher.models import AuditEvent, User
from tests.helpers import (
    PASSWORD,
    link_in,
    logged_in,
    login,
    make_group,
    outbox,
    post_form,
)

NEW_PASSWORD = "river stones and lanterns"


def events(app, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = db.select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def one_event(app, action: str) -> AuditEvent:
    found = events(app, action)
    assert len(found) == 1, [e.action for e in events(app)]
    return found[0]


def add_event(app) -> int:
    with app.app_context():
        event = audit.record("test.event", note="kept")
        db.session.commit()
        return event.id


# --- append-only, enforced by the database ---------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'forged' WHERE id = :id",
        "UPDATE audit_events SET actor_id = NULL",
        "DELETE FROM audit_events WHERE id = :id",
        "DELETE FROM audit_events",
    ],
)
def test_the_database_refuses_to_change_or_remove_audit_events(app, statement):
    event_id = add_event(app)
    with app.app_context():
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(statement), {"id": event_id})
        db.session.rollback()
    [event] = events(app)
    assert (event.action, event.detail) == ("test.event", {"note": "kept"})


def test_the_migrated_schema_is_append_only_too(app):
    with app.app_context():
        db.drop_all()
        upgrade()
    event_id = add_event(app)
    with app.app_context():
        for statement in ("UPDATE audit_events SET ip = 'x'", "DELETE FROM audit_events"):
            with pytest.raises(DatabaseError, match="append-only"):
                db.session.execute(text(statement), {"id": event_id})
            db.session.rollback()
    assert len(events(app)) == 1


def test_deleting_an_account_keeps_its_audit_trail(app, student):
    client = logged_in(app, student)
    response = post_form(client, "/profile/delete", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, student.id) is None
    trail = [e for e in events(app) if e.actor_id == student.id]
    assert [e.action for e in trail] == ["auth.login", "account.delete"]
    assert {e.actor_email for e in trail} == {student.email}
    assert trail[-1].target_label == student.email


# --- one row per audited action --------------------------------------------------------------


def test_log_in_success_and_failure_are_recorded_without_the_password(app, client, student):
    login(client, student.email, "a wrong guess")
    login(client, "nobody@example.edu", "another guess")
    login(client, student.email)
    failed = events(app, "auth.login_failed")
    assert [(e.target_id, e.detail["email"]) for e in failed] == [
        (student.id, student.email),
        (None, "nobody@example.edu"),
    ]
    assert all(e.actor_id is None and e.ip == "127.0.0.1" for e in failed)
    success = one_event(app, "auth.login")
    assert (success.actor_id, success.actor_email) == (student.id, student.email)
    with app.app_context():
        dump = str(db.session.execute(text("SELECT * FROM audit_events")).all())
    assert "guess" not in dump
    assert PASSWORD not in dump


def test_log_out_is_recorded(app, student):
    client = logged_in(app, student)
    post_form(client, "/logout", page="/")
    assert one_event(app, "auth.logout").actor_id == student.id


def test_password_change_and_reset_are_recorded(app, client, student):
    user_client = logged_in(app, student)
    post_form(
        user_client,
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert one_event(app, "auth.password_change").actor_id == student.id
    post_form(client, "/reset", {"email": student.email})
    link = link_in(outbox(app, student.email)[-1].body_text, "/reset/")
    post_form(client, link, {"password": PASSWORD, "confirm": PASSWORD})
    assert one_event(app, "auth.password_reset").target_id == student.id


def test_role_changes_switch_offs_and_invitations_are_recorded(app, admin, student):
    client = logged_in(app, admin)
    post_form(client, f"/admin/users/{student.id}/role", {"roles": ["mentor"]}, page="/admin/users")
    change = one_event(app, "user.role_change")
    assert (change.actor_id, change.target_id) == (admin.id, student.id)
    assert change.detail == {"old": "student", "new": "mentor"}
    post_form(client, f"/admin/users/{student.id}/active", {"active": "0"}, page="/admin/users")
    assert one_event(app, "user.switch_off").target_id == student.id
    post_form(
        client,
        "/admin/users",
        {"name": "Cy Coordinator", "email": "cy@example.edu", "role": "coordinator"},
    )
    invite = one_event(app, "user.invite")
    assert (invite.actor_id, invite.target_label) == (admin.id, "cy@example.edu")
    assert invite.detail == {"role": "coordinator"}


def test_profile_export_is_recorded(app, student):
    client = logged_in(app, student)
    assert client.get("/profile/data.json").status_code == 200
    export = one_event(app, "profile.export")
    assert (export.actor_id, export.target_id) == (student.id, student.id)


def test_roster_export_is_recorded_with_its_group(app, coordinator, student):
    group_id = make_group(app, coordinators=(coordinator,), members=(student,))
    client = logged_in(app, coordinator)
    assert client.get(f"/groups/{group_id}/roster/students.csv").status_code == 200
    export = one_event(app, "roster.export")
    assert (export.actor_id, export.group_id) == (coordinator.id, group_id)
    assert export.detail["role"] == "student"


def test_views_of_a_student_profile_by_others_are_recorded(app, admin, coordinator, student):
    make_group(app, coordinators=(coordinator,), members=(student,))
    for viewer in (admin, coordinator):
        assert logged_in(app, viewer).get(f"/people/{student.id}").status_code == 200
    views = events(app, "profile.view")
    assert [(e.actor_id, e.target_id) for e in views] == [
        (admin.id, student.id),
        (coordinator.id, student.id),
    ]


def test_own_profile_and_refused_views_are_not_recorded(app, student, mentor):
    assert logged_in(app, student).get(f"/people/{student.id}").status_code == 200
    assert logged_in(app, mentor).get(f"/people/{student.id}").status_code == 404
    assert events(app, "profile.view") == []


# --- the admin page --------------------------------------------------------------------------


def test_audit_page_is_for_admins_only(app, coordinator):
    assert logged_in(app, coordinator).get("/admin/audit").status_code == 403
    assert app.test_client().get("/admin/audit").status_code == 302


def test_audit_page_lists_and_filters_events(app, admin, student, frozen_clock):
    login(app.test_client(), student.email, "a wrong guess")
    frozen_clock.advance(days=3)
    client = logged_in(app, admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Audit log" in page
    assert 'href="/admin/audit"' in page
    assert "auth.login_failed" in page
    assert "auth.login" in page

    by_action = client.get("/admin/audit?action=auth.login_failed").get_data(as_text=True)
    assert student.email in by_action
    assert admin.email not in by_action.split("<table>", 1)[1]

    by_actor = client.get(f"/admin/audit?actor={admin.email}").get_data(as_text=True)
    assert "auth.login_failed" not in by_actor.split("<table>", 1)[1]
    assert (
        client.get(f"/admin/audit?actor={student.id}").get_data(as_text=True).count("<code>") == 0
    )

    older = client.get("/admin/audit?until=2026-09-02").get_data(as_text=True)
    assert "auth.login_failed" in older.split("<table>", 1)[1]
    newer = client.get("/admin/audit?since=2026-09-03").get_data(as_text=True)
    assert "auth.login_failed" not in newer.split("<table>", 1)[1]


def test_audit_page_refuses_bad_filters_with_400(app, admin):
    client = logged_in(app, admin)
    assert client.get("/admin/audit?action=no.such.action").status_code == 400
    assert client.get("/admin/audit?since=yesterday").status_code == 400


def test_audit_page_is_paginated(app, admin):
    with app.app_context():
        for n in range(60):
            audit.record("test.event", n=n)
        db.session.commit()
    client = logged_in(app, admin)
    first = client.get("/admin/audit?action=test.event").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert "n: 59" in first
    assert "/admin/audit?page=2&amp;action=test.event" in first
    second = client.get("/admin/audit?action=test.event&page=2").get_data(as_text=True)
    assert "n: 0<" in second
    assert "n: 59" not in second


def test_record_keeps_its_signature_for_group_events(app, coordinator):
    group_id = make_group(app, coordinators=(coordinator,))
    with app.app_context():
        actor = db.session.get(User, coordinator.id)
        audit.record("round.publish", actor=actor, group_id=group_id, round=3)
        db.session.commit()
        [event] = db.session.scalars(audit.group_log(group_id))
        assert (event.actor_id, event.actor_email, event.detail) == (
            coordinator.id,
            coordinator.email,
            {"round": 3},
        )


def test_an_event_names_its_actor_while_the_account_exists(app, student):
    logged_in(app, student)
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "auth.login"))
        assert event.actor.name == student.name
        db.session.delete(db.session.get(User, student.id))
        db.session.commit()
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "auth.login"))
        assert event.actor is None
        assert event.actor_email == student.email
