"""A form sent twice acts once: the create-style forms carry a one-time token that is claimed in
the transaction that acts on them. The repeat is sent to the first result with a message.

Sequential repeats through the app (each create-style form), two concurrent POSTs with one
token against real gunicorn, the token's claim undone with a refusal, and migration 0004.
"""

import io
import threading

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select
from werkzeug.datastructures import MultiDict

from matcher import vocabulary
from matcher.extensions import db
from matcher.forms import EXPIRED_FORM
from matcher.models import FormSubmission, InterestGroup, Role, Round, User
from matcher.submissions import ALREADY_SENT
from tests.helpers import PASSWORD, csrf_token, logged_in, make_group, make_user, outbox
from tests.helpers.faults import served_settings
from tests.servers import Browser, Gunicorn, forms_in

ROSTER = b"email,name,role\r\nnew.student@example.edu,Nia Student,student\r\n"


def filled(client, page: str, files: dict | None = None, **overrides) -> MultiDict:
    """The form on ``page`` that posts back to it, as a browser would send it."""
    html = client.get(page).get_data(as_text=True)
    [form] = [f for f in forms_in(html) if f.method == "post" and f.action in ("", page)]
    return MultiDict([*form.values(**overrides), *(files or {}).items()])


def twice(client, page: str, roster: bytes | None = None, **overrides):
    """Send the form on ``page`` twice, as a double click would: the same fields both times."""
    data = filled(client, page, **overrides)
    replies = []
    for _ in range(2):
        sent = data.copy()
        if roster is not None:
            sent["file"] = (io.BytesIO(roster), "roster.csv")
        replies.append(client.post(page, data=sent))
    return replies


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def assert_repeat_goes_to_the_first_result(client, first, second, status=302) -> None:
    assert first.status_code == status, first.get_data(as_text=True)
    assert second.status_code == 303
    assert second.location == first.location
    page = client.get(second.location, follow_redirects=True).get_data(as_text=True)
    assert ALREADY_SENT in page


def test_group_and_round_forms_sent_twice_make_one(app, coordinator):
    client = logged_in(app, coordinator)
    with app.app_context():
        vocabulary.ensure_seeded()
        db.session.commit()
        dermatology = str(vocabulary.specialties()[0].id)
    first, second = twice(client, "/groups/new", name="Twice Group", specialties=[dermatology])
    assert_repeat_goes_to_the_first_result(client, first, second)
    assert count(app, InterestGroup, InterestGroup.name == "Twice Group") == 1

    group_id = int(first.location.rsplit("/", 1)[1])
    page = f"/groups/{group_id}/rounds/new"
    first, second = twice(client, page, name="Twice round", slots=["faculty"])
    assert_repeat_goes_to_the_first_result(client, first, second)
    assert count(app, Round, Round.name == "Twice round") == 1


def test_roster_import_sent_twice_imports_once_and_mails_once(app, coordinator):
    group_id = make_group(app, coordinators=(coordinator,))
    client = logged_in(app, coordinator)
    first, second = twice(client, f"/groups/{group_id}/roster/import", roster=ROSTER)
    assert_repeat_goes_to_the_first_result(client, first, second)
    assert count(app, User, User.email == "new.student@example.edu") == 1
    assert len(outbox(app, "new.student@example.edu")) == 1


def test_signup_and_its_confirmation_sent_twice(app):
    client = app.test_client()
    first, second = twice(
        client, "/signup", name="Dana Double", email="dana@example.edu", role="student"
    )
    assert_repeat_goes_to_the_first_result(client, first, second)
    [mail] = outbox(app, "dana@example.edu")
    link = "/signup/confirm/" + mail.body_text.split("/signup/confirm/")[1].split()[0]
    data = filled(client, link, password=PASSWORD, confirm=PASSWORD)
    double_click = app.test_client()
    double_click.set_cookie("session", client.get_cookie("session").value)
    first, second = (c.post(link, data=data) for c in (client, double_click))
    assert first.status_code == 302
    assert (second.status_code, second.location) == (303, first.location)
    assert count(app, User, User.email == "dana@example.edu") == 1


def test_admin_invite_sent_twice_adds_and_mails_once(app, admin):
    client = logged_in(app, admin)
    page = "/admin/users"
    html = client.get(page).get_data(as_text=True)
    [form] = [f for f in forms_in(html) if f.action == page and f.method == "post"]
    data = MultiDict(form.values(name="Ivy Invited", email="ivy@example.org", role="coordinator"))
    first, second = (client.post(page, data=data) for _ in range(2))
    assert_repeat_goes_to_the_first_result(client, first, second)
    assert count(app, User, User.email == "ivy@example.org") == 1
    assert len(outbox(app, "ivy@example.org")) == 1


def test_a_refused_sending_leaves_the_token_free(app, coordinator):
    """The claim rolls back with the refusal, so correcting the form and sending it works."""
    group_id = make_group(app, coordinators=(coordinator,))
    client = logged_in(app, coordinator)
    page = f"/groups/{group_id}/roster/import"
    data = filled(client, page)
    bad = data.copy()
    bad["file"] = (io.BytesIO(b"email,name,role\r\nnot-an-email,X,student\r\n"), "roster.csv")
    assert client.post(page, data=bad).status_code == 400
    assert count(app, FormSubmission) == 0
    good = data.copy()
    good["file"] = (io.BytesIO(ROSTER), "roster.csv")
    assert client.post(page, data=good).status_code == 302
    assert count(app, FormSubmission) == 1


def test_a_form_without_its_token_is_refused_and_says_so(app, coordinator):
    client = logged_in(app, coordinator)
    data = filled(client, "/groups/new", name="No token")
    del data["once_token"]
    reply = client.post("/groups/new", data=data)
    assert reply.status_code == 400
    assert EXPIRED_FORM in reply.get_data(as_text=True)
    assert count(app, InterestGroup) == 0


def test_another_persons_token_is_not_followed(app, coordinator):
    other = make_user(app, Role.COORDINATOR, "other@example.edu")
    client = logged_in(app, coordinator)
    with app.app_context():
        vocabulary.ensure_seeded()
        db.session.commit()
        dermatology = str(vocabulary.specialties()[0].id)
    data = filled(client, "/groups/new", name="Mine", specialties=[dermatology])
    assert client.post("/groups/new", data=data).status_code == 302
    theirs = logged_in(app, other)
    data["csrf_token"] = csrf_token(theirs, "/groups/new")
    assert theirs.post("/groups/new", data=data).status_code == 409
    assert count(app, InterestGroup) == 1


def test_two_concurrent_posts_with_one_token_make_one_group(app, tmp_path, coordinator):
    with app.app_context():
        vocabulary.ensure_seeded()
        db.session.commit()
        dermatology = str(vocabulary.specialties()[0].id)
    settings = served_settings(app, tmp_path)
    with Gunicorn(settings, tmp_path / "gunicorn.log", workers=2, threads=2).start() as server:
        first = Browser(server.base)
        first.log_in(coordinator.email, PASSWORD)
        second = Browser(server.base)
        replies = []
        for attempt in range(3):
            form = first.form("/groups/new")
            second.cookies = dict(first.cookies)
            fields = form.values(name=f"Raced {attempt}", specialties=[dermatology])
            start = threading.Barrier(2)

            def send(browser, fields=fields, start=start):
                start.wait()
                replies.append(browser.post("/groups/new", fields))

            threads = [threading.Thread(target=send, args=(b,)) for b in (first, second)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
        first.close()
        second.close()
    assert len(replies) == 6
    for pair in (replies[0:2], replies[2:4], replies[4:6]):
        assert sorted(r.status for r in pair) == [302, 303]
        assert pair[0].location == pair[1].location
    with app.app_context():
        names = sorted(db.session.scalars(select(InterestGroup.name)))
    assert names == ["Raced 0", "Raced 1", "Raced 2"]


def test_migration_0004_upgrades_and_downgrades(app):
    with app.app_context():
        db.drop_all()
        upgrade()
        assert "form_submissions" in inspect(db.engine).get_table_names()
        downgrade(revision="0003_rounds_introductions")
        tables = set(inspect(db.engine).get_table_names())
        assert "form_submissions" not in tables
        assert {"users", "round_drafts", "outbox"} <= tables
        upgrade()
        assert "form_submissions" in inspect(db.engine).get_table_names()
