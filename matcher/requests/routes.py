"""Request pages: a student asks a mentor for a seat of their board, and withdraws a request
still waiting for an answer."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from matcher import views
from matcher.access import introduction_view, role_required
from matcher.introductions.services import IntroductionError
from matcher.models import Introduction, Role
from matcher.requests import services
from matcher.requests.forms import RequestForm, WithdrawRequestForm
from matcher.urls import safe_next

bp = Blueprint("requests", __name__)


def _mentor(mentor_id: int):
    try:
        return services.askable_mentor(current_user, mentor_id)
    except services.MentorNotFoundError:
        abort(404)


@bp.route("/mentors/<int:user_id>/request", methods=["GET", "POST"])
@role_required(Role.STUDENT)
def new(user_id: int):
    mentor = _mentor(user_id)
    page = services.request_page(current_user, mentor)
    form = RequestForm()
    form.seat.choices = [("", "Choose a seat"), *((o.value, o.label) for o in page.options)]
    refused: list[IntroductionError] = []
    done = views.create(
        form,
        lambda: services.make_request(current_user, mentor, form.seat.data, form.note.data),
        refused=IntroductionError,
        then=lambda _: url_for("board.index") + "#requests",
        message=lambda intro: (
            f"Request sent: {mentor.name} has an email asking them to be your "
            f"{services.SEAT_NOUNS[intro.slot]}. You get an email when they answer."
        ),
        on_refused=lambda exc: refused.append(exc),
    )
    if done is not None:
        return done
    status = views.form_status()
    if refused:
        form.form_errors.append(str(refused[0]))
        status = refused[0].status_code
    return render_template("requests/new.html", mentor=mentor, page=page, form=form), status


@bp.post("/requests/<int:intro_id>/withdraw")
@introduction_view("student")
def withdraw(intro: Introduction, side: str):
    back = safe_next(request.form.get("next")) or url_for("board.index") + "#requests"
    if not WithdrawRequestForm().validate_on_submit():
        abort(400)
    mentor = intro.mentor.name
    return views.act(
        lambda: services.withdraw_request(intro, current_user),
        refused=IntroductionError,
        on_refused=lambda exc: _refused(exc, back),
        then=lambda _: back,
        message=lambda _: f"Your request to {mentor} was withdrawn; they have been told.",
        category="info",
    )


def _refused(exc: IntroductionError, back: str):
    flash(str(exc), "error")
    return redirect(back, code=303)
