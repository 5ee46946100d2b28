"""A job's progress page, its JSON for the page's script, and the hand-over when done."""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required

from matcher.jobs import services
from matcher.models.job import Job, JobStatus
from matcher.urls import safe_next

bp = Blueprint("jobs", __name__)


def _job_or_404(job_id: int) -> Job:
    job = services.visible_job(current_user, job_id)
    if job is None:
        abort(404)
    return job


@bp.get("/jobs/<int:job_id>")
@login_required
def show(job_id: int):
    """While running: the progress page (polled by ``progress.js``, refreshed without script).
    Done: the result page with the message the operation gives. Stopped: why, and a retry."""
    job = services.view(_job_or_404(job_id))
    if job.status is JobStatus.DONE:
        flash(job.message, "success")
        return redirect(safe_next(job.result_url) or url_for("main.index"), code=303)
    return render_template("jobs/show.html", job=job), job.http_status


@bp.get("/jobs/<int:job_id>.json")
@login_required
def status(job_id: int):
    return jsonify(services.view(_job_or_404(job_id)).as_json())
