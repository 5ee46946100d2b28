"""Admin pages of the institution list: search and review, edit, confirm, merge, affiliate,
likely duplicates, and the list as CSV."""

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user

from matcher import views
from matcher.access import admin_required
from matcher.extensions import db
from matcher.institutions import pages, services
from matcher.institutions.forms import (
    ActionForm,
    AffiliateForm,
    FilterForm,
    ImportForm,
    InstitutionForm,
    MergeForm,
    NewInstitutionForm,
    PairForm,
    alias_lines,
)
from matcher.models import Institution, InstitutionKind
from matcher.spreadsheet import download

bp = Blueprint("institutions", __name__)

PAGE_SIZE = 50


def _details(form: InstitutionForm) -> services.Details:
    return services.Details(
        name=form.name.data,
        kind=InstitutionKind(form.kind.data),
        aliases=alias_lines(form.aliases.data),
        region=form.region.data or "",
        home_id=form.home_id.data,
        department_ids=list(form.departments.data or []),
    )


def _index_page(import_form: ImportForm | None = None, errors: list[str] | None = None):
    filters = FilterForm(request.args)
    filters.validate()
    q = None if filters.q.errors else filters.q.data
    waiting = bool(filters.waiting.data)
    page = db.paginate(services.list_query(q, waiting), per_page=PAGE_SIZE, error_out=False)
    return render_template(
        "institutions/index.html",
        filters=filters,
        page=page,
        rows=pages.rows(page.items),
        pager_args={"q": q or "", "waiting": "y" if waiting else ""},
        duplicates=pages.duplicates(),
        waiting_count=services.waiting_count(),
        import_form=import_form or ImportForm(formdata=None),
        import_errors=errors or [],
        pair_form=PairForm(formdata=None),
    )


@bp.get("")
@admin_required
def index():
    return _index_page()


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    form = NewInstitutionForm(pages.home_choices(None), pages.department_choices())
    created = views.create(
        form,
        lambda: services.create(_details(form), current_user),
        refused=services.InstitutionError,
        then=lambda inst: url_for("institutions.edit", inst_id=inst.id),
        message=lambda inst: f"{inst.name} added.",
    )
    if created is not None:
        return created
    return render_template(
        "institutions/new.html", form=form, departments=pages.department_groups(form.departments)
    ), views.form_status()


def _edit_page(inst: Institution, form=None, merge_form=None, affiliate_form=None, status=200):
    choices = pages.home_choices(inst)
    form = form or InstitutionForm(
        choices, pages.department_choices(), formdata=None, data=pages.form_data(inst)
    )
    return render_template(
        "institutions/edit.html",
        inst=pages.detail(inst),
        form=form,
        departments=pages.department_groups(form.departments),
        merge_form=merge_form or MergeForm(formdata=None),
        affiliate_form=affiliate_form
        or AffiliateForm(choices, formdata=None, home_id=inst.home_id),
        action_form=ActionForm(formdata=None),
        picker_names=services.picker_names(),
    ), status


@bp.route("/<int:inst_id>", methods=["GET", "POST"])
@admin_required
def edit(inst_id: int):
    inst = db.get_or_404(Institution, inst_id)
    form = InstitutionForm(
        pages.home_choices(inst), pages.department_choices(), data=pages.form_data(inst)
    )
    saved = views.save(
        form,
        lambda: services.update(inst, _details(form), current_user),
        refused=services.InstitutionError,
        on_refused=lambda exc: form.form_errors.append(str(exc)),
        then=lambda _: url_for("institutions.edit", inst_id=inst_id),
        message=lambda changed: "Saved." if changed else "Nothing changed.",
    )
    if saved is not None:
        return saved
    return _edit_page(inst, form=form, status=views.form_status())


def _refused_on_page(inst_id: int):
    def answer(exc: Exception):
        flash(str(exc), "error")
        return _edit_page(db.get_or_404(Institution, inst_id), status=409)

    return answer


def _back(inst_id: int) -> str:
    """Where a confirmation returns: the review list it was sent from, or the institution."""
    if request.form.get("next") == "list":
        return url_for("institutions.index", waiting="y")
    return url_for("institutions.edit", inst_id=inst_id)


@bp.post("/<int:inst_id>/confirm")
@admin_required
def confirm(inst_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    inst = db.get_or_404(Institution, inst_id)
    return views.act(
        lambda: services.confirm(inst, current_user),
        refused=services.InstitutionError,
        on_refused=_refused_on_page(inst_id),
        then=lambda _: _back(inst_id),
        message=lambda _: f"{inst.name} confirmed.",
    )


@bp.post("/<int:inst_id>/merge")
@admin_required
def merge(inst_id: int):
    inst = db.get_or_404(Institution, inst_id)
    form = MergeForm()
    name = inst.name
    saved = views.save(
        form,
        lambda: services.merge_into_named(inst, form.target.data, current_user),
        refused=services.InstitutionError,
        on_refused=lambda exc: form.target.errors.append(str(exc)),
        then=lambda target: url_for("institutions.edit", inst_id=target.id),
        message=lambda target: f"{name} merged into {target.name}.",
    )
    if saved is not None:
        return saved
    return _edit_page(db.get_or_404(Institution, inst_id), merge_form=form, status=400)


@bp.post("/<int:inst_id>/affiliate")
@admin_required
def affiliate(inst_id: int):
    inst = db.get_or_404(Institution, inst_id)
    form = AffiliateForm(pages.home_choices(inst))
    saved = views.save(
        form,
        lambda: services.affiliate(inst, _chosen(form.home_id.data), current_user),
        refused=services.InstitutionError,
        on_refused=lambda exc: form.home_id.errors.append(str(exc)),
        then=lambda _: url_for("institutions.edit", inst_id=inst_id),
        message=lambda moved: _affiliated(inst, moved),
    )
    if saved is not None:
        return saved
    return _edit_page(inst, affiliate_form=form, status=400)


def _chosen(inst_id: int | None) -> Institution | None:
    return db.session.get(Institution, inst_id) if inst_id is not None else None


def _affiliated(inst: Institution, moved: list[str]) -> str:
    home = f"the home of {inst.home.name}" if inst.home is not None else "a home of its own"
    text = f"{inst.name} is now part of {home}."
    if moved:
        text += f" {', '.join(moved)} moved along with it."
    return text


@bp.post("/<int:inst_id>/delete")
@admin_required
def delete(inst_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    inst = db.get_or_404(Institution, inst_id)
    name = inst.name
    return views.act(
        lambda: services.delete_institution(inst, current_user),
        refused=services.InstitutionError,
        on_refused=_refused_on_page(inst_id),
        then=lambda _: url_for("institutions.index"),
        message=lambda _: f"{name} deleted.",
    )


def _pair(form: PairForm) -> tuple[Institution, Institution]:
    if not form.validate_on_submit():
        abort(400)
    source = db.get_or_404(Institution, form.source_id.data)
    target = db.get_or_404(Institution, form.target_id.data)
    return source, target


def _refused_on_list(exc: Exception):
    flash(str(exc), "error")
    return _index_page(), 409


@bp.post("/duplicates/merge")
@admin_required
def merge_pair():
    source, target = _pair(PairForm())
    name = source.name
    return views.act(
        lambda: services.merge(source, target, current_user),
        refused=services.InstitutionError,
        on_refused=_refused_on_list,
        then=lambda _: url_for("institutions.index") + "#duplicates",
        message=lambda moved: (
            f"{name} merged into {target.name}"
            + (f"; {moved} {'person' if moved == 1 else 'people'} moved." if moved else ".")
        ),
    )


@bp.post("/duplicates/distinct")
@admin_required
def mark_distinct():
    first, second = _pair(PairForm())
    return views.act(
        lambda: services.mark_distinct(first, second, current_user),
        refused=services.InstitutionError,
        on_refused=_refused_on_list,
        then=lambda _: url_for("institutions.index") + "#duplicates",
        message=lambda _: f"{first.name} and {second.name} are kept apart.",
    )


@bp.get("/export.csv")
@admin_required
def export():
    return download(services.export_csv(), "institutions.csv", byte_order_mark=True)


@bp.post("/import")
@admin_required
def import_list():
    form = ImportForm()
    errors: list[str] = []

    def refused(exc: Exception) -> None:
        errors.extend(getattr(exc, "errors", [str(exc)]))

    created = views.create(
        form,
        lambda: services.import_upload(form.file.data.read(), current_user),
        refused=services.InstitutionError,
        on_refused=refused,
        then=lambda _: url_for("institutions.index"),
        message=lambda summary: summary.message(),
    )
    if created is not None:
        return created
    return _index_page(import_form=form, errors=errors), 400
