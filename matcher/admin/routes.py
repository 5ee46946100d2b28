"""Admin pages: people (add, change role, switch off), the outbox, the vocabulary of
specialties and focus areas, and the site's audit log."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from matcher import audit, timezones, views, vocabulary
from matcher.access import admin_required
from matcher.admin import services
from matcher.admin.forms import (
    ActiveForm,
    AuditFilterForm,
    InviteForm,
    RoleForm,
    UserFilterForm,
)
from matcher.admin.vocab_forms import FocusAreaForm, SpecialtyEditForm, SpecialtyForm
from matcher.auth import services as accounts
from matcher.extensions import db
from matcher.models import FocusArea, OutboxMessage, OutboxStatus, Role, Specialty, User

bp = Blueprint("admin", __name__)

PAGE_SIZE = 50


@bp.get("/users")
@admin_required
def users():
    filters = UserFilterForm(request.args)
    filters.validate()
    role = None if filters.role.errors else filters.role.data or None
    page = db.paginate(
        services.user_query(None if filters.q.errors else filters.q.data, role),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    return render_template("admin/users.html", page=page, filters=filters, invite_form=InviteForm())


@bp.post("/users")
@admin_required
def invite():
    form = InviteForm()
    created = views.create(
        form,
        lambda: accounts.invite_user(form.email.data, form.name.data, Role(form.role.data)),
        refused=accounts.AccountError,
        on_refused=lambda exc: form.email.errors.append(str(exc)),
        then=lambda user: url_for("admin.users"),
        message=lambda user: (
            f"{user.name} was added as {user.role_labels} and emailed an invitation."
        ),
        category="info",
    )
    if created is not None:
        return created
    page = db.paginate(services.user_query(), per_page=PAGE_SIZE, error_out=False)
    return render_template(
        "admin/users.html", page=page, filters=UserFilterForm(), invite_form=form
    ), 400


def _user_page(user: User, status: int = 200):
    role_form = RoleForm(roles=[role.value for role in Role if role in user.roles])
    page = render_template(
        "admin/user.html", user=user, role_form=role_form, active_form=ActiveForm()
    )
    return page, status


@bp.get("/users/<int:user_id>")
@admin_required
def user_detail(user_id: int):
    return _user_page(db.get_or_404(User, user_id))


def _change(user_id: int, change: Callable[[User], None], done: Callable[[User], str]):
    """Apply an admin change; a refused one re-shows the page with the reason and a 409."""
    user = db.get_or_404(User, user_id)
    return views.act(
        lambda: change(user),
        refused=services.AdminError,
        on_refused=lambda exc: _refused(exc, user),
        then=lambda _: url_for("admin.user_detail", user_id=user_id),
        message=lambda _: done(user),
    )


def _refused(exc: services.AdminError, user: User):
    flash(str(exc), "error")
    return _user_page(user, 409)


@bp.post("/users/<int:user_id>/role")
@admin_required
def change_role(user_id: int):
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    return _change(
        user_id,
        lambda user: services.set_roles(
            current_user, user, frozenset(Role(role) for role in form.roles.data)
        ),
        lambda user: f"{user.name}'s roles: {user.role_labels}.",
    )


@bp.post("/users/<int:user_id>/active")
@admin_required
def change_active(user_id: int):
    if not ActiveForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    return _change(
        user_id,
        lambda user: services.set_active(current_user, user, active),
        lambda user: f"{user.name}'s account is {'on' if active else 'switched off'}.",
    )


def _day_start(day: date | None, days_later: int = 0) -> datetime | None:
    """The moment the day begins in the admin's time zone (the audit log's times are shown in
    it), or ``None`` for no day or one too near either end of the calendar to convert."""
    edge = timedelta(days=days_later + 1)
    if day is None or day >= date.max - edge or day <= date.min + timedelta(days=1):
        return None
    local = datetime.combine(day + timedelta(days=days_later), time())
    return timezones.from_local(local, current_user.time_zone)


@bp.get("/audit")
@admin_required
def audit_log():
    """The audit log, newest first; refused filters are named on the page, with a 400."""
    filters = AuditFilterForm(services.audit_actions(), request.args)
    valid = filters.validate()
    query = audit.search(
        action=filters.action.data if not filters.action.errors else None,
        actor=filters.actor.data if not filters.actor.errors else None,
        since=_day_start(filters.since.data if not filters.since.errors else None),
        until=_day_start(filters.until.data if not filters.until.errors else None, 1),
    )
    page = db.paginate(query, per_page=PAGE_SIZE, error_out=False)
    args = {
        name: request.args.get(name, "")
        for name in ("action", "actor", "since", "until")
        if request.args.get(name)
    }
    return render_template("admin/audit.html", page=page, filters=filters, args=args), (
        200 if valid else 400
    )


@bp.get("/outbox")
@admin_required
def outbox():
    status = request.args.get("status") or None
    if status is not None and status not in {s.value for s in OutboxStatus}:
        abort(404)
    page = db.paginate(services.outbox_query(status), per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/outbox.html", page=page, status=status, statuses=OutboxStatus)


@bp.get("/outbox/<int:message_id>")
@admin_required
def outbox_message(message_id: int):
    return render_template("admin/message.html", message=db.get_or_404(OutboxMessage, message_id))


@bp.route("/specialties", methods=["GET", "POST"])
@admin_required
def specialties():
    form = SpecialtyForm()
    saved = _save_vocabulary(
        form,
        lambda: vocabulary.add_specialty(form.name.data),
        lambda specialty: f"{specialty.name} added.",
        lambda specialty: specialty.id,
    )
    if saved is not None:
        return saved
    return render_template(
        "admin/specialties.html", form=form, specialties=vocabulary.specialties(active_only=False)
    ), views.form_status()


def _save_vocabulary(form, action: Callable, message: Callable, specialty_id: Callable):
    """Save a vocabulary form and show the specialty ``specialty_id(result)``; a refusal is
    put on the form's name."""
    return views.save(
        form,
        action,
        refused=vocabulary.VocabularyError,
        on_refused=lambda exc: form.name.errors.append(str(exc)),
        then=lambda result: url_for("admin.specialty", specialty_id=specialty_id(result)),
        message=message,
    )


def _specialty_page(item: Specialty, form=None, area_form=None, status: int = 200):
    return render_template(
        "admin/specialty.html",
        specialty=item,
        form=form or SpecialtyEditForm(obj=item, formdata=None),
        area_form=area_form or FocusAreaForm(formdata=None),
    ), status


@bp.route("/specialties/<int:specialty_id>", methods=["GET", "POST"])
@admin_required
def specialty(specialty_id: int):
    item = db.get_or_404(Specialty, specialty_id)
    form = SpecialtyEditForm(obj=item)
    saved = _save_vocabulary(
        form,
        lambda: vocabulary.rename_specialty(item, form.name.data, form.active.data),
        lambda _: "Specialty saved.",
        lambda _: item.id,
    )
    if saved is not None:
        return saved
    return _specialty_page(item, form=form, status=views.form_status())


@bp.post("/specialties/<int:specialty_id>/focus")
@admin_required
def add_focus_area(specialty_id: int):
    item = db.get_or_404(Specialty, specialty_id)
    area_form = FocusAreaForm()
    saved = _save_vocabulary(
        area_form,
        lambda: vocabulary.add_focus_area(item, area_form.name.data),
        lambda _: f"{area_form.name.data} added to {item.name}.",
        lambda _: item.id,
    )
    if saved is not None:
        return saved
    return _specialty_page(item, area_form=area_form, status=400)


@bp.post("/specialties/<int:specialty_id>/focus/<int:area_id>/remove")
@admin_required
def remove_focus_area(specialty_id: int, area_id: int):
    if not ActiveForm().validate_on_submit():
        abort(400)
    area = db.get_or_404(FocusArea, area_id)
    if area.specialty_id != specialty_id:
        abort(404)
    vocabulary.remove_focus_area(area)
    db.session.commit()
    flash(f"{area.name} removed.", "success")
    return redirect(url_for("admin.specialty", specialty_id=specialty_id))
