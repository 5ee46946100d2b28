"""Account pages: sign-up with a confirmed email, log-in, log-out, password change and reset,
and the invitation link with which an invited person chooses a first password."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from matcher import audit, submissions, views
from matcher.auth import limits, services
from matcher.auth.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ConfirmSignupForm,
    LoginForm,
    RenewInvitationForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignupForm,
    TimeZoneForm,
)
from matcher.database import reading
from matcher.extensions import db, limiter
from matcher.models import Role, User
from matcher.urls import safe_next

bp = Blueprint("auth", __name__)

GENERIC_LOGIN_ERROR = "That email and password do not match an account."


def start_session(user: User) -> None:
    """A fresh session for ``user``: nothing from the anonymous session carries over."""
    session.clear()
    login_user(user)
    session.permanent = True


def _home():
    return redirect(url_for("main.index"))


def _form_page(template: str, **context):
    return render_template(template, **context), views.form_status()


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def signup():
    """Ask for name, email and role; the answer is the same whether or not the email is known
    (and whether or not the address's sign-up mail budget is spent)."""
    if current_user.is_authenticated:
        return _home()
    form = SignupForm()
    if form.validate_on_submit():
        if (earlier := submissions.claim(form)) is not None:
            return earlier
        services.request_signup(
            form.email.data, form.name.data, Role(form.role.data), form.time_zone.data
        )
        url = submissions.done(form, url_for("auth.signup_sent"))
        db.session.commit()
        return redirect(url)
    return _form_page("auth/signup.html", form=form)


@bp.get("/signup/sent")
def signup_sent():
    return render_template(
        "auth/signup_sent.html", hours=current_app.config["SIGNUP_CONFIRM_MAX_AGE"] // 3600
    )


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
def confirm_signup(token: str):
    """The emailed link: the owner of the address chooses a password and the account is made."""
    form = ConfirmSignupForm()
    if form.is_submitted() and (earlier := submissions.repeat(form)) is not None:
        return earlier
    try:
        pending = services.signup_for_token(token)
    except services.AccountError as exc:
        return render_template("auth/signup_invalid.html", reason=str(exc)), 400
    if form.validate_on_submit():
        if (earlier := submissions.claim(form)) is not None:
            return earlier
        try:
            user = services.confirm_signup(pending, form.password.data)
        except services.AccountError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
        else:
            submissions.done(form, url_for("profiles.edit"))
            db.session.commit()
            start_session(user)
            flash(
                "Welcome to matcher! Your account is ready. "
                "Tell us about yourself so the right people can find you.",
                "success",
            )
            return redirect(url_for("profiles.edit"))
    return _form_page("auth/confirm_signup.html", form=form, signup=pending)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in; failures are limited per account, device and address (``matcher.auth.limits``)."""
    if current_user.is_authenticated:
        return _home()
    form = LoginForm()
    if form.validate_on_submit():
        db.session.rollback()
        with reading():
            attempt = limits.LoginAttempt(services.find_user(form.email.data), form.email.data)
            attempt.begin()
            checked = services.check_password(form.email.data, form.password.data)
        db.session.rollback()
        user = services.complete_login(checked)
        db.session.commit()
        if user is not None:
            attempt.succeeded()
            start_session(user)
            flash(f"Welcome back, {user.name}.", "success")
            response = redirect(safe_next(request.args.get("next")) or url_for("main.index"))
            limits.remember_device(response, user)
            return response
        attempt.failed()
        form.form_errors.append(GENERIC_LOGIN_ERROR)
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    audit.record("auth.logout", target=current_user._get_current_object())
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have logged out.", "info")
    return _home()


def _account_page(form: ChangePasswordForm, zone_form: TimeZoneForm):
    return _form_page("auth/change_password.html", form=form, zone_form=zone_form)


def _zone_form() -> TimeZoneForm:
    return TimeZoneForm(formdata=None, time_zone=current_user.time_zone)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except services.AccountError as exc:
            form.current_password.errors.append(str(exc))
        else:
            db.session.commit()
            start_session(current_user._get_current_object())
            flash("Your password has changed. Other devices have been logged out.", "success")
            return _home()
    return _account_page(form, _zone_form())


@bp.post("/account/time-zone")
@login_required
def time_zone():
    """The account page's time zone: every date and time is shown in it from now on."""
    zone_form = TimeZoneForm()
    if zone_form.validate_on_submit():
        try:
            services.set_time_zone(current_user, zone_form.time_zone.data)
        except services.AccountError as exc:
            zone_form.time_zone.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Times are now shown in {current_user.time_zone}.", "success")
            return redirect(url_for("auth.change_password"), code=303)
    return _account_page(ChangePasswordForm(formdata=None), zone_form)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_reset(form.email.data)
        db.session.commit()
        flash(
            "If an account uses that email, a link to choose a password is on its way. "
            "The email says how long it works.",
            "info",
        )
        return redirect(url_for("auth.login"))
    return _form_page(
        "auth/reset_request.html",
        form=form,
        reset=services.reset_lifetime(),
        invitation=services.invitation_lifetime(),
    )


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        user = services.user_for_reset_token(token)
    except services.AccountError as exc:
        return render_template(
            "auth/reset_invalid.html", reason=str(exc), form=ResetRequestForm()
        ), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(user, form.password.data)
        except services.AccountError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
            return _form_page("auth/reset_password.html", form=form)
        db.session.commit()
        logout_user()
        session.clear()
        flash("Your password is set. Log in with it now.", "success")
        return redirect(url_for("auth.login"))
    return _form_page("auth/reset_password.html", form=form)


def _invitation_refused(token: str, exc: services.InvitationError):
    return render_template(
        "auth/invitation_invalid.html",
        reason=str(exc),
        state=exc.state,
        token=token,
        renew=RenewInvitationForm(),
        form=ResetRequestForm(),
        link=services.invitation_lifetime(),
    ), 400


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """The invitation link: the invited person chooses a first password and is logged in. An
    expired link offers a fresh one; a used one points to the log-in."""
    try:
        user = services.user_for_invitation(token)
    except services.InvitationError as exc:
        return _invitation_refused(token, exc)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            services.accept_invitation(user, form.password.data)
        except services.AccountError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            start_session(user)
            flash(f"Welcome to matcher, {user.name}. Your password is set.", "success")
            return redirect(url_for("main.index"))
    return _form_page("auth/accept_invitation.html", form=form, user=user)


@bp.post("/welcome/<token>/renew")
@limiter.limit("10 per hour")
def renew_invitation(token: str):
    """Email a fresh invitation for the account an expired link names; the answer is the
    same whether or not one is sent."""
    try:
        services.renew_invitation(token)
    except services.InvitationError as exc:
        return _invitation_refused(token, exc)
    db.session.commit()
    return redirect(url_for("auth.invitation_sent"))


@bp.get("/welcome/sent")
def invitation_sent():
    return render_template("auth/invitation_sent.html", link=services.invitation_lifetime())
