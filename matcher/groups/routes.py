"""Group pages: the list of groups, the public group directory, creating and editing one,
joining by invite link, code or from the directory, invitations, join requests, members,
coordinators, the dashboard and the audit log."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from matcher import access, audit, views, vocabulary
from matcher.extensions import db, limiter
from matcher.groups import dashboard as group_dashboard
from matcher.groups import directory as group_directory
from matcher.groups import services
from matcher.groups.forms import (
    ActionForm,
    CoordinatorForm,
    DirectorySearchForm,
    GroupForm,
    InviteCodeForm,
)
from matcher.mail import external_url
from matcher.models import InterestGroup, MembershipStatus, Role, Round, RoundStatus
from matcher.rounds import opening
from matcher.urls import safe_next

bp = Blueprint("groups", __name__)

WRONG_CODES = "20 per 10 minutes"
JOIN_REQUESTS = "30 per hour"


def _wrong_code(response) -> bool:
    """A code that led nowhere: counted against the address, so codes cannot be guessed."""
    return response.status_code in (400, 404)


def _person() -> str:
    return f"user:{current_user.get_id()}"


def _group_fields(form: GroupForm) -> dict:
    return {
        "name": form.name.data,
        "kind": form.kind.data,
        "institution": form.institution.data or "",
        "description": form.description.data or "",
        "specialty_ids": form.specialties.data,
        "join_policy": form.join_policy.data,
        "listed": form.listed.data,
        "time_zone": form.time_zone.data,
    }


def _group_data(group: InterestGroup) -> dict:
    """The group as the edit form's values (the form is filled from these, not from the
    model, whose specialties are objects where the form holds ids)."""
    return {
        "name": group.name,
        "kind": group.kind.value,
        "institution": group.institution,
        "specialties": [s.id for s in group.specialties],
        "join_policy": group.join_policy.value,
        "description": group.description,
        "listed": group.listed,
        "time_zone": group.time_zone,
    }


def _refused(exc: services.GroupError, group: InterestGroup):
    flash(str(exc), "error")
    return _coordinator_page(group, status=409)


def _refused_at_index(exc: services.GroupError):
    flash(str(exc), "error")
    return redirect(url_for("groups.index"), code=303)


def _act(group: InterestGroup, action, message, then=None):
    """Run a coordinator's action on ``group``; a refusal is flashed on the group's page."""
    return views.act(
        action,
        refused=services.GroupError,
        on_refused=lambda exc: _refused(exc, group),
        then=then or (lambda _: url_for("groups.show", group_id=group.id)),
        message=message,
    )


@bp.get("/groups")
@login_required
def index():
    runs = list(db.session.scalars(access.coordinated_groups(current_user)))
    belongs = list(db.session.scalars(access.member_groups(current_user)))
    invitations, requests = services.waiting_memberships(current_user)
    return render_template(
        "groups/index.html",
        runs=runs,
        may_create=current_user.has_role(Role.COORDINATOR, Role.ADMIN),
        all_groups=current_user.has_role(Role.ADMIN),
        member=current_user.has_role(Role.STUDENT, Role.MENTOR),
        belongs=belongs,
        invitations=invitations,
        requests=requests,
        code_form=InviteCodeForm(formdata=None),
    )


def _viewer():
    return current_user._get_current_object() if current_user.is_authenticated else None


@bp.get("/groups/find")
def directory():
    """The listed groups, searched by name, specialty or institution (a GET form, no script)."""
    filters = DirectorySearchForm(vocabulary.specialties(), request.args)
    valid = filters.validate()
    page = db.paginate(
        group_directory.search(
            filters.applied("q"), filters.applied("specialty"), filters.applied("kind")
        ),
        per_page=group_directory.PAGE_SIZE,
        error_out=False,
    )
    html = render_template(
        "groups/directory.html",
        filters=filters,
        page=page,
        listings=group_directory.listings(page.items, _viewer()),
        searched=bool(filters.query_args()),
        code_form=InviteCodeForm(formdata=None),
    )
    return html, 200 if valid else 400


def _listed(group_id: int) -> InterestGroup:
    group = services.listed_group(group_id)
    if group is None:
        abort(404)
    return group


def _listing_page(group: InterestGroup, status: int = 200):
    return render_template(
        "groups/listing.html",
        listing=group_directory.listing(group, _viewer()),
        form=ActionForm(),
    ), status


@bp.get("/groups/find/<int:group_id>")
def listing(group_id: int):
    """A listed group's page in the directory; an unlisted group is not found here."""
    return _listing_page(_listed(group_id))


@bp.post("/groups/find/<int:group_id>/join")
@login_required
@limiter.limit(JOIN_REQUESTS, key_func=_person)
def request_to_join(group_id: int):
    """Join a listed group from the directory: at once if it is open, else as a request."""
    _checked()
    group = _listed(group_id)
    return _join(group, lambda: _listing_page(group, status=403), code=303)


def _join(group: InterestGroup, refused_page, code: int = 302):
    """Join ``group`` under its rule, commit and say what happened; a refusal is flashed on
    ``refused_page()``. An open group's page follows; a request leads to the groups page."""
    try:
        member = services.join(current_user, group)
    except services.GroupError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return refused_page()
    active = member.status is MembershipStatus.ACTIVE
    db.session.commit()
    flash(_joined(member, group), "success" if active else "info")
    then = url_for("groups.show", group_id=group.id) if active else url_for("groups.index")
    return redirect(then, code=code)


def _joined(member, group: InterestGroup) -> str:
    if member.status is MembershipStatus.ACTIVE:
        return f"You are a member of {group.name}."
    return (
        f"Your request to join {group.name} is with its coordinators. "
        "You will get an email when they approve it."
    )


@bp.post("/groups/<int:group_id>/invitation/<any(accept, decline):decision>")
@login_required
def answer_invitation(group_id: int, decision: str):
    _checked()
    accept = decision == "accept"
    said = "You are a member of {}." if accept else "You declined the invitation from {}."
    return views.act(
        lambda: services.answer_invitation(current_user, group_id, accept).group,
        refused=services.GroupError,
        on_refused=_refused_at_index,
        then=lambda _: url_for("groups.index"),
        message=lambda group: said.format(group.name),
        code=303,
    )


@bp.route("/groups/new", methods=["GET", "POST"])
@access.role_required(Role.COORDINATOR, Role.ADMIN)
def new():
    form = GroupForm(vocabulary.specialties(), time_zone=current_user.time_zone)
    created = views.create(
        form,
        lambda: services.create_group(current_user, **_group_fields(form)),
        refused=services.GroupError,
        on_refused=lambda exc: form.specialties.errors.append(str(exc)),
        then=lambda group: url_for("groups.show", group_id=group.id),
        message=lambda group: f"{group.name} is ready. Share its invite link with your members.",
    )
    if created is not None:
        return created
    return render_template("groups/form.html", form=form, group=None), views.form_status()


def _coordinator_page(group: InterestGroup, status: int = 200, coordinator_form=None):
    return render_template(
        "groups/manage.html",
        group=group,
        counts=services.counts(group),
        pending=services.pending_requests(group),
        invite_url=external_url("groups.join", code=group.invite_code),
        coordinator_form=coordinator_form or CoordinatorForm(),
        rounds=[(r, opening.phase(r)) for r in _rounds(group)],
    ), status


@bp.get("/groups/<int:group_id>")
@login_required
def show(group_id: int):
    group = db.get_or_404(InterestGroup, group_id)
    if access.coordinates(current_user, group.id):
        return _coordinator_page(group)
    if not access.is_member(current_user, group.id):
        abort(404)
    return render_template("groups/member.html", group=group, rounds=_rounds(group, open_only=True))


def _rounds(group: InterestGroup, *, open_only: bool = False) -> list:
    query = opening.group_rounds(group.id)
    if open_only:
        query = query.where(Round.status == RoundStatus.OPEN)
    return list(db.session.scalars(query))


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@access.group_coordinator_required
def edit(group: InterestGroup):
    retired = [s for s in group.specialties if not s.active]
    form = GroupForm(
        sorted([*vocabulary.specialties(), *retired], key=lambda s: s.name),
        data=_group_data(group) if request.method == "GET" else None,
    )
    saved = views.save(
        form,
        lambda: services.update_group(group, **_group_fields(form)),
        refused=services.GroupError,
        on_refused=lambda exc: form.specialties.errors.append(str(exc)),
        then=lambda _: url_for("groups.show", group_id=group.id),
        message=lambda _: "Group saved.",
    )
    if saved is not None:
        return saved
    status = views.form_status()
    return render_template("groups/form.html", form=form, group=group), status


def _code_not_found(form: InviteCodeForm, status: int = 404):
    """The wrong-code page: the box again, holding what was typed, and the directory."""
    typed = "" if form.code.errors else (form.code.data or "")
    tried = services.invite_code_from(typed) or typed
    return render_template("groups/join_invalid.html", code_form=form, tried=tried), status


@bp.get("/join")
@login_required
@limiter.shared_limit(WRONG_CODES, scope="invite-codes", deduct_when=_wrong_code)
def join_by_code():
    """The invite-code box: a typed code, with stray spaces or as a pasted invite link, leads
    to the same page as the invite link."""
    form = InviteCodeForm(request.args)
    if not form.validate():
        return _code_not_found(form, status=400)
    code = services.invite_code_from(form.code.data)
    if code is None or services.group_for_code(code) is None:
        return _code_not_found(form)
    return redirect(url_for("groups.join", code=code))


@bp.route("/join/<code>", methods=["GET", "POST"])
@login_required
@limiter.shared_limit(WRONG_CODES, scope="invite-codes", deduct_when=_wrong_code)
def join(code: str):
    group = services.group_for_code(code)
    if group is None:
        return _code_not_found(InviteCodeForm(formdata=None, code=code))
    form = ActionForm()
    if form.validate_on_submit():
        return _join(
            group, lambda: (render_template("groups/join.html", group=group, form=form), 403)
        )
    existing = services.membership(group.id, current_user.id)
    return render_template("groups/join.html", group=group, form=form, existing=existing)


def _checked() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


@bp.post("/groups/<int:group_id>/requests/<int:membership_id>/<any(approve, decline):decision>")
@access.group_coordinator_required
def decide(group: InterestGroup, membership_id: int, decision: str):
    _checked()
    approve = decision == "approve"
    said = "{} is now a member." if approve else "{}'s request was declined."
    return _act(
        group,
        lambda: services.decide_request(group, membership_id, approve).user,
        lambda user: said.format(user.name),
    )


@bp.post("/groups/<int:group_id>/members/<int:user_id>/remove")
@access.group_coordinator_required
def remove_member(group: InterestGroup, user_id: int):
    _checked()
    return _act(
        group,
        lambda: services.remove_member(group, user_id),
        lambda user: f"{user.name} was removed from the group.",
        lambda _: safe_next(request.form.get("back")) or url_for("groups.show", group_id=group.id),
    )


@bp.post("/groups/<int:group_id>/invite-code")
@access.group_coordinator_required
def rotate_code(group: InterestGroup):
    _checked()
    services.rotate_invite_code(group)
    db.session.commit()
    flash("A new invite link is ready; the old one no longer works.", "success")
    return redirect(url_for("groups.show", group_id=group.id))


@bp.post("/groups/<int:group_id>/coordinators")
@access.group_coordinator_required
def add_coordinator(group: InterestGroup):
    form = CoordinatorForm()
    saved = views.save(
        form,
        lambda: services.add_coordinator(group, form.email.data),
        refused=services.GroupError,
        on_refused=lambda exc: form.email.errors.append(str(exc)),
        then=lambda _: url_for("groups.show", group_id=group.id),
        message=lambda user: f"{user.name} now coordinates {group.name}.",
    )
    if saved is not None:
        return saved
    return _coordinator_page(group, status=400, coordinator_form=form)


@bp.post("/groups/<int:group_id>/coordinators/<int:user_id>/remove")
@access.group_coordinator_required
def remove_coordinator(group: InterestGroup, user_id: int):
    _checked()
    return _act(
        group,
        lambda: services.remove_coordinator(current_user, group, user_id),
        lambda user: f"{user.name} no longer coordinates {group.name}.",
        lambda _: (
            url_for("groups.show", group_id=group.id)
            if access.coordinates(current_user, group.id)
            else url_for("groups.index")
        ),
    )


@bp.post("/groups/<int:group_id>/leave")
@login_required
def leave(group_id: int):
    _checked()
    group = db.get_or_404(InterestGroup, group_id)
    try:
        withdrawn = services.leave(current_user, group).status is MembershipStatus.PENDING
    except services.GroupError:
        abort(404)
    db.session.commit()
    if withdrawn:
        flash(f"You withdrew your request to join {group.name}.", "info")
    else:
        flash(f"You left {group.name}.", "info")
    return redirect(url_for("groups.index"))


@bp.get("/groups/<int:group_id>/dashboard")
@access.group_coordinator_required
def dashboard(group: InterestGroup):
    return render_template(
        "groups/dashboard.html",
        group=group,
        board=group_dashboard.build(group),
        invite_url=external_url("groups.join", code=group.invite_code),
    )


AUDIT_PAGE_SIZE = 50


@bp.get("/groups/<int:group_id>/audit")
@access.group_coordinator_required
def audit_log(group: InterestGroup):
    """What was done in the group, newest first: rounds, pins and bars, publishing, imports."""
    page = db.paginate(audit.group_log(group.id), per_page=AUDIT_PAGE_SIZE, error_out=False)
    return render_template("groups/audit.html", group=group, page=page)
