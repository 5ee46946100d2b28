"""Meeting pages: the mentor's proposal, the student's pick or booked time, moving, cancelling,
recording a meeting held, the ``.ics`` download, and the panel on the introduction's page."""

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_login import current_user

from matcher import views
from matcher.access import introduction_view, meeting_view
from matcher.extensions import db
from matcher.meetings import pages, services
from matcher.meetings.forms import (
    CancelMeetingForm,
    HeldForm,
    MeetingTimeForm,
    PickForm,
    ProposeMeetingForm,
)
from matcher.models import Introduction, Meeting, MeetingStatus

bp = Blueprint("meetings", __name__)


@bp.app_template_global("meeting_panel")
def meeting_panel(intro: Introduction, side: str) -> pages.Panel:
    """The meeting panel of the introduction's page, for the viewer's side."""
    return pages.panel(intro, side, current_user)


def _intro_page(intro: Introduction) -> str:
    return url_for("introductions.show", intro_id=intro.id) + "#meeting"


def _page(meeting: Meeting, intro: Introduction, side: str, status: int = 200, pick=None):
    return render_template(
        "meetings/show.html",
        intro=intro,
        panel=pages.panel(intro, side, current_user, pick=pick),
    ), status


def _refused(exc: services.MeetingError, meeting: Meeting, intro: Introduction, side: str):
    db.session.rollback()
    db.session.refresh(meeting)
    flash(str(exc), "error")
    return _page(meeting, intro, side, exc.status_code)


def _act(meeting: Meeting, intro: Introduction, side: str, action, message: str):
    return views.act(
        action,
        refused=services.MeetingError,
        on_refused=lambda exc: _refused(exc, meeting, intro, side),
        then=lambda _: _intro_page(intro),
        message=lambda _: message,
    )


@bp.route("/introductions/<int:intro_id>/meetings/new", methods=["GET", "POST"])
@introduction_view("mentor")
def propose(intro: Introduction, side: str):
    if not services.can_arrange(intro) or services.open_meeting(intro) is not None:
        flash(
            "A meeting is already being arranged: move or cancel it first."
            if services.can_arrange(intro)
            else "Meetings are arranged once you have accepted, while the introduction runs.",
            "info",
        )
        return redirect(_intro_page(intro))
    form = ProposeMeetingForm()
    done = views.create(
        form,
        lambda: services.propose(
            intro,
            current_user,
            form.slots(),
            place=form.place.data or "",
            video_url=form.video_url.data or "",
            booking_url=form.booking_url.data or "",
            note=form.note.data or "",
        ),
        refused=services.MeetingError,
        then=lambda _: _intro_page(intro),
        message=lambda meeting: (
            f"{intro.student.name} has your booking link and will record the time booked."
            if meeting.booking_url
            else f"{intro.student.name} has your times to choose from."
        ),
    )
    if done is not None:
        return done
    return render_template(
        "meetings/propose.html", form=form, page=pages.time_page(intro, side)
    ), views.form_status()


@bp.get("/meetings/<int:meeting_id>")
@meeting_view()
def show(meeting: Meeting, intro: Introduction, side: str):
    return _page(meeting, intro, side)


@bp.post("/meetings/<int:meeting_id>/pick")
@meeting_view("student")
def pick(meeting: Meeting, intro: Introduction, side: str):
    form = pages.pick_form(meeting, services.zone_of(intro.student), PickForm())
    if not form.validate_on_submit():
        return _page(meeting, intro, side, 400, pick=form)
    return _act(
        meeting,
        intro,
        side,
        lambda: services.pick(meeting, current_user, form.option.data),
        "Your meeting is set. You and your mentor both have a calendar invitation.",
    )


def _time_form(meeting: Meeting, intro: Introduction, side: str, action, message: str):
    """The booked-time and move forms: a time in the side's own zone."""
    form = MeetingTimeForm(data=pages.time_defaults(intro, side, meeting))
    if form.validate_on_submit():
        done = views.act(
            lambda: action(form.slot()),
            refused=services.MeetingError,
            on_refused=lambda exc: form.form_errors.append(str(exc)),
            then=lambda _: _intro_page(intro),
            message=lambda _: message,
        )
        if done is not None:
            return done
    return render_template(
        "meetings/time.html",
        form=form,
        page=pages.time_page(intro, side, meeting),
        moving=meeting.status is MeetingStatus.SCHEDULED,
    ), views.form_status()


@bp.route("/meetings/<int:meeting_id>/booked", methods=["GET", "POST"])
@meeting_view("student")
def booked(meeting: Meeting, intro: Introduction, side: str):
    if meeting.status is not MeetingStatus.PROPOSED or not meeting.booking_url:
        flash("This meeting is not waiting for a booked time.", "info")
        return redirect(_intro_page(intro))
    return _time_form(
        meeting,
        intro,
        side,
        lambda slot: services.record_booking(meeting, current_user, slot),
        "Your meeting is set. You and your mentor both have a calendar invitation.",
    )


@bp.route("/meetings/<int:meeting_id>/move", methods=["GET", "POST"])
@meeting_view("student", "mentor")
def move(meeting: Meeting, intro: Introduction, side: str):
    if meeting.status is not MeetingStatus.SCHEDULED:
        flash("Only a scheduled meeting can be moved.", "info")
        return redirect(_intro_page(intro))
    return _time_form(
        meeting,
        intro,
        side,
        lambda slot: services.move(meeting, current_user, side, slot),
        "The meeting has moved. You both have an updated calendar invitation.",
    )


@bp.post("/meetings/<int:meeting_id>/cancel")
@meeting_view("student", "mentor")
def cancel(meeting: Meeting, intro: Introduction, side: str):
    if not CancelMeetingForm().validate_on_submit():
        return _page(meeting, intro, side, 400)
    return _act(
        meeting,
        intro,
        side,
        lambda: services.cancel(meeting, current_user, side),
        "The meeting is cancelled. You have both been told.",
    )


@bp.post("/meetings/<int:meeting_id>/held")
@meeting_view("student", "mentor")
def held(meeting: Meeting, intro: Introduction, side: str):
    if not HeldForm().validate_on_submit():
        return _page(meeting, intro, side, 400)
    return _act(
        meeting,
        intro,
        side,
        lambda: services.record_met(meeting, current_user),
        "Noted: you have met. A short thank-you note within a few days goes a long way.",
    )


@bp.get("/meetings/<int:meeting_id>/invite.ics")
@meeting_view()
def invite(meeting: Meeting, intro: Introduction, side: str):
    """The meeting's calendar file, its times in the viewer's zone."""
    if meeting.starts_at is None:
        flash("This meeting has no time yet.", "info")
        return redirect(_intro_page(intro))
    zone = pages.viewer_zone(intro, side, current_user)
    return Response(
        services.invitation(meeting, zone),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{services.ics_filename(meeting)}"'},
    )
