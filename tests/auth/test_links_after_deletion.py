"""Emailed links die with the state they were issued for: a sign-up confirmation mailed before
an account's deletion cannot make the account again, and reset or invitation links mailed
before it do not work for a new account with the same address."""

from matcher.extensions import db
from matcher.models import ReleasedAddress, Role, User
from tests.helpers import PASSWORD, link_in, logged_in, make_user, outbox, post_form

EMAIL = "nia.okafor@example.edu"
NEW_PASSWORD = "river stones and lanterns"


def sign_up(app, email: str = EMAIL) -> str:
    data = {"name": "Nia Okafor", "email": email, "role": "student"}
    assert post_form(app.test_client(), "/signup", data).status_code == 302
    message = outbox(app, email)[-1]
    return link_in(message.body_text, "/signup/confirm/")


def confirm(client, link: str, password: str = PASSWORD, page: str | None = None):
    return post_form(client, link, {"password": password, "confirm": password}, page=page)


def delete_account(client) -> None:
    response = post_form(client, "/profile/delete", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302


def accounts(app, email: str = EMAIL) -> int:
    with app.app_context():
        query = db.select(db.func.count()).select_from(User).where(User.email == email)
        return db.session.scalar(query)


def assert_refused(response) -> None:
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This confirmation link is not valid. Sign up again." in page


def test_a_used_confirmation_link_cannot_make_a_deleted_account_again(app):
    link = sign_up(app)
    owner = app.test_client()
    assert confirm(owner, link).status_code == 302
    delete_account(owner)
    assert accounts(app) == 0
    visitor = app.test_client()
    assert_refused(visitor.get(link))
    assert_refused(confirm(visitor, link, "a password of my choosing", page="/signup"))
    assert accounts(app) == 0


def test_an_unused_confirmation_link_from_before_the_deletion_is_refused(app):
    first, second = sign_up(app), sign_up(app)
    owner = app.test_client()
    assert confirm(owner, first).status_code == 302
    delete_account(owner)
    assert_refused(app.test_client().get(second))
    assert accounts(app) == 0


def test_signing_up_again_after_the_deletion_works(app, frozen_clock):
    link = sign_up(app)
    owner = app.test_client()
    confirm(owner, link)
    delete_account(owner)
    frozen_clock.advance(seconds=2)
    fresh = sign_up(app)
    assert confirm(app.test_client(), fresh).status_code == 302
    assert accounts(app) == 1
    assert app.test_client().get(link).status_code == 400


def test_a_confirmation_link_dies_when_an_account_moves_off_the_address(app, frozen_clock):
    link = sign_up(app)
    user = make_user(app, Role.MENTOR, EMAIL, "Added By An Admin")
    frozen_clock.advance(seconds=1)
    with app.app_context():
        db.session.get(User, user.id).email = "elsewhere@example.org"
        db.session.commit()
    assert_refused(app.test_client().get(link))
    assert accounts(app) == 0


def test_a_reset_link_from_before_the_deletion_does_not_work_for_a_new_account(app):
    user = make_user(app, Role.STUDENT, EMAIL)
    post_form(app.test_client(), "/reset", {"email": EMAIL})
    link = link_in(outbox(app, EMAIL)[-1].body_text, "/reset/")
    delete_account(logged_in(app, user))
    again = make_user(app, Role.STUDENT, EMAIL)
    response = app.test_client().get(link)
    assert response.status_code == 400
    assert "no longer valid" in response.get_data(as_text=True)
    assert again.id is not None


def test_an_invitation_link_from_before_the_deletion_is_refused(app, admin):
    client = logged_in(app, admin)
    invite = {"name": "Cleo Coordinator", "email": "cleo@example.edu", "role": "coordinator"}
    assert post_form(client, "/admin/users", invite).status_code == 302
    old_link = link_in(outbox(app, "cleo@example.edu")[-1].body_text, "/welcome/")
    with app.app_context():
        db.session.delete(db.session.scalar(db.select(User).filter_by(email="cleo@example.edu")))
        db.session.commit()
    assert post_form(client, "/admin/users", invite).status_code == 302
    new_link = link_in(outbox(app, "cleo@example.edu")[-1].body_text, "/welcome/")
    assert app.test_client().get(old_link).status_code == 400
    invited = app.test_client()
    assert invited.get(new_link).status_code == 200
    response = post_form(invited, new_link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302


def test_released_addresses_are_kept_only_as_long_as_a_link_lives(app, frozen_clock):
    for n in range(2):
        user = make_user(app, Role.STUDENT, f"gone{n}@example.edu")
        delete_account(logged_in(app, user))
        frozen_clock.advance(hours=49)
    with app.app_context():
        [row] = db.session.scalars(db.select(ReleasedAddress))
        assert "gone" not in row.address_hash
        assert len(row.address_hash) == 64
