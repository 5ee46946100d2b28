"""Mail preference pages: the account's mail settings and the emailed unsubscribe link (a
confirmation page, and the one-click POST of RFC 8058 that mail clients send)."""

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required

from matcher import views
from matcher.access import token_only
from matcher.extensions import db
from matcher.models import Delivery
from matcher.subscriptions import services
from matcher.subscriptions.forms import MailSettingsForm, UnsubscribeForm

bp = Blueprint("subscriptions", __name__)


def _settings_form() -> MailSettingsForm:
    if request.method == "POST":
        return MailSettingsForm()
    view = services.settings_view(current_user)
    return MailSettingsForm(formdata=None, delivery=view.choice, subscribed=view.subscribed)


@bp.route("/account/mail", methods=["GET", "POST"])
@login_required
def settings():
    form = _settings_form()
    done = views.save(
        form,
        lambda: services.choose(
            current_user, Delivery(form.delivery.data), bool(form.subscribed.data)
        ),
        refused=(),
        on_refused=lambda exc: None,
        then=lambda saved: url_for("subscriptions.settings"),
        message=lambda saved: saved.message(),
        code=303,
    )
    if done is not None:
        return done
    return render_template(
        "subscriptions/settings.html", form=form, view=services.settings_view(current_user)
    ), views.form_status()


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@token_only
def unsubscribe(token: str):
    person = services.person_for_token(token)
    if person is None:
        abort(404)
    address = services.masked(person.email)
    if request.method == "POST":
        services.unsubscribe(person)
        db.session.commit()
        return render_template("subscriptions/unsubscribed.html", address=address)
    if services.is_unsubscribed(person):
        return render_template("subscriptions/unsubscribed.html", address=address)
    return render_template(
        "subscriptions/unsubscribe.html", form=UnsubscribeForm(), address=address
    )
