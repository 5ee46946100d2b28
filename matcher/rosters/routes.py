"""Roster pages for a group's coordinators: member tables, CSV export and CSV import."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from matcher import audit, spreadsheet, submissions
from matcher.access import group_coordinator_required
from matcher.extensions import db
from matcher.jobs import services as jobs
from matcher.models import InterestGroup, Role
from matcher.profiles import services as profiles
from matcher.rosters import columns, csv_import, import_job, services
from matcher.rosters.forms import ImportForm, MentorFilterForm, StudentFilterForm

bp = Blueprint("rosters", __name__)

PAGE_SIZE = 50
MAX_ERRORS_SHOWN = 200
FILTER_FORMS = {Role.STUDENT: StudentFilterForm, Role.MENTOR: MentorFilterForm}


def _filter_form(role: Role) -> tuple[StudentFilterForm | MentorFilterForm, bool]:
    form = FILTER_FORMS[role](request.args)
    form.set_specialties(services.specialty_choices())
    return form, form.validate()


def _roster_page(group: InterestGroup, role: Role):
    """A refused filter is dropped and named on the page, with a 400."""
    form, valid = _filter_form(role)
    filters = form.filters()
    page = db.paginate(
        services.roster_query(group, role, filters), per_page=PAGE_SIZE, error_out=False
    )
    html = render_template(
        f"rosters/{role.value}s.html",
        group=group,
        page=page,
        filters=form,
        filtered=filters.any(),
        is_complete=lambda user: not profiles.missing(user),
    )
    return html, 200 if valid else 400


def _export(group: InterestGroup, role: Role) -> Response:
    form, valid = _filter_form(role)
    if not valid:
        abort(400)
    text = services.export_csv(group, role, form.filters())
    audit.record_access(
        "roster.export",
        group_id=group.id,
        target=group,
        role=role.value,
        filters=request.query_string.decode(),
    )
    return spreadsheet.download(text, services.export_filename(group, role), byte_order_mark=True)


@bp.get("/")
@group_coordinator_required
def index(group: InterestGroup):
    return redirect(url_for("rosters.students", group_id=group.id))


@bp.get("/students")
@group_coordinator_required
def students(group: InterestGroup):
    return _roster_page(group, Role.STUDENT)


@bp.get("/mentors")
@group_coordinator_required
def mentors(group: InterestGroup):
    return _roster_page(group, Role.MENTOR)


@bp.get("/students.csv")
@group_coordinator_required
def students_csv(group: InterestGroup):
    return _export(group, Role.STUDENT)


@bp.get("/mentors.csv")
@group_coordinator_required
def mentors_csv(group: InterestGroup):
    return _export(group, Role.MENTOR)


@bp.get("/import/template.csv")
@group_coordinator_required
def import_template(group: InterestGroup):
    return spreadsheet.download(
        ",".join(columns.NAMES) + "\r\n", "roster-template.csv", byte_order_mark=True
    )


def _import_page(group: InterestGroup, form: ImportForm, errors=(), status: int = 200):
    html = render_template(
        "rosters/import.html",
        group=group,
        form=form,
        columns=columns.COLUMNS,
        errors=list(errors)[:MAX_ERRORS_SHOWN],
        more_errors=max(0, len(errors) - MAX_ERRORS_SHOWN),
        max_rows=csv_import.MAX_ROWS,
    )
    return html, status


@bp.route("/import", methods=["GET", "POST"])
@group_coordinator_required
def import_roster(group: InterestGroup):
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(group, form, status=400 if form.is_submitted() else 200)
    if (earlier := submissions.claim(form)) is not None:
        return earlier
    try:
        rows = csv_import.read_rows(form.file.data.read())
        if import_job.wanted(rows, current_app.config):
            return _import_in_background(group, form, rows)
        summary = csv_import.import_roster_rows(group, rows)
    except csv_import.RosterImportError as exc:
        db.session.rollback()
        return _import_page(group, form, exc.errors, status=400)
    except csv_import.RosterConflictError as exc:
        db.session.rollback()
        return _import_page(group, form, [str(exc)], status=409)
    url = submissions.done(form, url_for("rosters.students", group_id=group.id))
    db.session.commit()
    flash(summary.message(), "success")
    return redirect(url)


def _import_in_background(group: InterestGroup, form: ImportForm, rows):
    job = import_job.queue(
        group, rows, retry_url=url_for("rosters.import_roster", group_id=group.id)
    )
    db.session.flush()
    job_id = job.id
    url = submissions.done(form, url_for("jobs.show", job_id=job_id))
    db.session.commit()
    jobs.start(job_id)
    return redirect(url, code=303)
