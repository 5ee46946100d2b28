"""Per-recipient limits on every account email a visitor or user can cause: past the budget the
answer is the same (so nothing is revealed about the address) and no mail is sent."""

from itertools import pairwise

from matcher.models import Role
from tests.helpers import PASSWORD, logged_in, make_user, outbox, post_form

BUDGET = 3


def from_address(n: int) -> dict:
    return {"environ_base": {"REMOTE_ADDR": f"10.9.0.{n}"}}


def ask_for_reset(app, email: str, n: int):
    return post_form(app.test_client(), "/reset", {"email": email}, **from_address(n))


def sign_up(app, email: str, n: int):
    data = {"name": "Nia Okafor", "email": email, "role": "student"}
    return post_form(app.test_client(), "/signup", data, **from_address(n))


def test_password_resets_to_one_address_stop_at_the_budget(app, student):
    answers = [ask_for_reset(app, student.email, n) for n in range(1, 17)]
    assert {(a.status_code, a.headers["Location"]) for a in answers} == {(302, "/login")}
    assert len(outbox(app, student.email)) == BUDGET
    ask_for_reset(app, "Student@Example.edu", 20)
    assert len(outbox(app, student.email)) == BUDGET


def test_reset_answers_the_same_past_the_budget_for_a_registered_and_an_unknown_address(
    app, student
):
    for n in range(BUDGET + 1):
        known = ask_for_reset(app, student.email, n + 1)
        unknown = ask_for_reset(app, "nobody@example.edu", n + 1)
        assert (known.status_code, known.headers["Location"]) == (
            unknown.status_code,
            unknown.headers["Location"],
        )
    assert outbox(app, "nobody@example.edu") == []


def test_the_budget_is_per_address(app, student, mentor):
    for n in range(BUDGET + 2):
        ask_for_reset(app, student.email, n + 1)
    ask_for_reset(app, mentor.email, 30)
    assert len(outbox(app, mentor.email)) == 1


def test_sign_up_confirmations_to_one_address_stop_at_the_budget(app):
    answers = [sign_up(app, "new.person@example.edu", n) for n in range(1, 8)]
    assert {(a.status_code, a.headers["Location"]) for a in answers} == {(302, "/signup/sent")}
    assert len(outbox(app, "new.person@example.edu")) == BUDGET


def test_already_registered_notices_stop_at_the_same_budget(app, student):
    answers = [sign_up(app, student.email, n) for n in range(1, 8)]
    assert {(a.status_code, a.headers["Location"]) for a in answers} == {(302, "/signup/sent")}
    notices = outbox(app, student.email)
    assert len(notices) == BUDGET
    assert {m.subject for m in notices} == {"You already have a matcher account"}


def test_password_changed_notices_stop_at_the_budget_but_the_changes_happen(app):
    user = make_user(app, Role.STUDENT, "changer@example.edu")
    client = logged_in(app, user)
    passwords = [PASSWORD] + [f"new password number {n}" for n in range(1, BUDGET + 3)]
    for old, new in pairwise(passwords):
        data = {"current_password": old, "password": new, "confirm": new}
        assert post_form(client, "/account/password", data).status_code == 302
    assert len(outbox(app, user.email)) == BUDGET
    assert (
        post_form(app.test_client(), "/login", {"email": user.email, "password": new}).status_code
        == 302
    )
