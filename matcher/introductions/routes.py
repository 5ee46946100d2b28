"""Introduction pages: each side's list and timeline, the mentor's answer (on the site or
by an emailed link), meetings, withdrawals and ratings, and the coordinators' introductions,
re-match list, settings, emails and report."""

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from matcher import access, spreadsheet, submissions, views
from matcher.access import introduction_view
from matcher.extensions import db
from matcher.introductions import emails, report, services, waiting
from matcher.introductions.forms import (
    AcceptForm,
    ActionForm,
    DeclineForm,
    EarlyFeedbackForm,
    FeedbackForm,
    FilterForm,
    MetForm,
    OfferForm,
    SettingsForm,
    TemplateForm,
    WithdrawForm,
)
from matcher.models import (
    COMMITTED_STATUSES,
    InterestGroup,
    Introduction,
    RatingStage,
    Role,
    WaitingSeat,
)
from matcher.solving.rematch import eligible_mentors as rematch_eligible

bp = Blueprint("introductions", __name__)

PAGE_SIZE = 50


def _back(intro: Introduction) -> str:
    return url_for("introductions.show", intro_id=intro.id)


def _intro_page(intro: Introduction, side: str, status: int = 200, **forms):
    return render_template(
        "introductions/show.html",
        intro=intro,
        side=side,
        others=services.pending_requests(intro.mentor_id, excluding=intro.id)
        if side == "mentor"
        else [],
        decline_form=forms.get("decline_form") or DeclineForm(),
        met_form=forms.get("met_form") or MetForm(),
        withdraw_form=forms.get("withdraw_form") or WithdrawForm(),
        early_form=EarlyFeedbackForm(),
        ratings=services.rating_boxes(intro, current_user, side),
        given=services.given_ratings(intro) if side == "coordinator" else [],
    ), status


def _refused(exc: services.IntroductionError, intro: Introduction, side: str, **forms):
    """The introduction's page again with the reason, after undoing whatever was begun."""
    db.session.rollback()
    db.session.refresh(intro)
    flash(str(exc), "error")
    return _intro_page(intro, side, exc.status_code, **forms)


def _act(
    intro: Introduction,
    side: str,
    action: Callable[[], object],
    message: str,
    category: str = "success",
    then: str | None = None,
    **forms,
):
    """Run ``action`` on the introduction, then flash ``message`` and go to ``then`` (by
    default its page); a refusal shows its page again with the reason."""
    return views.act(
        action,
        refused=services.IntroductionError,
        on_refused=lambda exc: _refused(exc, intro, side, **forms),
        then=lambda _: then or _back(intro),
        message=lambda _: message,
        category=category,
    )


# --- dashboards ---------------------------------------------------------------------------


@bp.get("/introductions")
@bp.get("/introductions/as-<any(student, mentor):side>")
@login_required
def index(side: str | None = None):
    """One's introductions as a student (one's mentors) or as a mentor (one's mentees); an
    account with both sides switches between them, one without either sees its groups'."""
    held = current_user.sides
    chosen = Role(side) if side else (held[0] if held else None)
    if side and chosen not in held:
        abort(404)
    both = len(held) > 1
    if chosen is Role.STUDENT:
        intros = services.for_student(current_user)
        return render_template(
            "introductions/student.html",
            intros=intros,
            requests=services.open_requests(current_user.id),
            ratings_due=services.ratings_due(current_user, Role.STUDENT),
            both=both,
        )
    if chosen is Role.MENTOR:
        intros = services.for_mentor(current_user)
        return render_template(
            "introductions/mentor.html",
            pending=services.pending_requests(current_user.id),
            current=[i for i in intros if i.status in COMMITTED_STATUSES],
            past=[i for i in intros if not i.status.active],
            capacity=current_user.mentor_profile.capacity if current_user.mentor_profile else 0,
            ratings_due=services.ratings_due(current_user, Role.MENTOR),
            both=both,
        )
    groups = list(db.session.scalars(access.coordinated_groups(current_user)))
    return render_template("introductions/groups.html", groups=groups)


@bp.get("/introductions/<int:intro_id>")
@introduction_view()
def show(intro: Introduction, side: str):
    return _intro_page(intro, side)


# --- the mentor's answer ------------------------------------------------------------------


@bp.post("/introductions/<int:intro_id>/accept")
@introduction_view("mentor")
def accept(intro: Introduction, side: str):
    if not AcceptForm().validate_on_submit():
        abort(400)
    waiting = len(services.pending_requests(intro.mentor_id, excluding=intro.id))
    more = f" {waiting} more request{'s wait' if waiting != 1 else ' waits'} for your answer below."
    return _act(
        intro,
        side,
        lambda: services.accept(intro, current_user),
        f"You accepted {intro.student.name}. You both have an introduction email."
        + (more if waiting else ""),
    )


@bp.route("/introductions/<int:intro_id>/decline", methods=["GET", "POST"])
@introduction_view("mentor")
def decline(intro: Introduction, side: str):
    form = DeclineForm()
    if form.validate_on_submit():
        return _act(
            intro,
            side,
            lambda: services.decline(intro, current_user, form.reason.data or ""),
            f"You declined {intro.student.name}. Thank you for answering.",
            "info",
            url_for("introductions.index"),
        )
    status = views.form_status()
    return render_template("introductions/decline.html", intro=intro, form=form), status


@bp.route("/introductions/answer/<token>", methods=["GET", "POST"])
def answer(token: str):
    """The one-click links of the mentor's email: a confirmation page, the change on POST."""
    try:
        intro, choice = services.introduction_for_token(token)
    except services.LinkError as exc:
        return render_template("introductions/link_invalid.html", reason=str(exc)), exc.status_code
    form = AcceptForm() if choice == "accept" else DeclineForm()
    if form.validate_on_submit():
        try:
            if choice == "accept":
                services.accept(intro, intro.mentor)
            else:
                services.decline(intro, intro.mentor, form.reason.data or "")
        except services.IntroductionError as exc:
            db.session.rollback()
            return render_template(
                "introductions/answer.html", intro=intro, choice=choice, form=form, error=str(exc)
            ), exc.status_code
        db.session.commit()
        return render_template(
            "introductions/answered.html",
            intro=intro,
            choice=choice,
            others=services.pending_requests(intro.mentor_id),
        )
    status = views.form_status()
    return render_template(
        "introductions/answer.html", intro=intro, choice=choice, form=form, error=None
    ), status


# --- the student's side -------------------------------------------------------------------


@bp.post("/introductions/<int:intro_id>/met")
@introduction_view("student", "mentor")
def met(intro: Introduction, side: str):
    form = MetForm()
    if not form.validate_on_submit():
        return _intro_page(intro, side, 400, met_form=form)
    return _act(
        intro,
        side,
        lambda: services.mark_met(intro, current_user, form.met_on.data),
        "Noted: you have met. A short thank-you note within a few days goes a long way.",
        met_form=form,
    )


@bp.post("/introductions/<int:intro_id>/withdraw")
@introduction_view("student", "coordinator")
def withdraw(intro: Introduction, side: str):
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _intro_page(intro, side, 400, withdraw_form=form)
    return _act(
        intro,
        side,
        lambda: services.withdraw(intro, current_user, form.reason.data or ""),
        "The introduction was withdrawn.",
        "info",
    )


FEEDBACK_FORMS = {RatingStage.EARLY: EarlyFeedbackForm, RatingStage.CLOSING: FeedbackForm}


@bp.route(
    "/introductions/<int:intro_id>/feedback",
    methods=["GET", "POST"],
    defaults={"stage": RatingStage.CLOSING.value},
)
@bp.route(
    "/introductions/<int:intro_id>/feedback/early",
    methods=["GET", "POST"],
    defaults={"stage": RatingStage.EARLY.value},
    endpoint="early_feedback",
)
@introduction_view("student", "mentor")
def feedback(intro: Introduction, side: str, stage: str):
    """The early rating (after the first meeting) or the closing one (at the end of the cycle)."""
    stage = RatingStage(stage)
    if (refusal := services.rating_refusal(intro, stage)) is not None:
        if request.method == "POST":
            return _refused(services.IntroductionError(refusal), intro, side)
        flash(refusal, "info")
        return redirect(_back(intro))
    form = FEEDBACK_FORMS[stage](obj=services.feedback_of(intro, current_user, stage))
    done = views.create(
        form,
        lambda: services.give_feedback(
            intro, current_user, form.rating.data, form.comment.data or "", stage
        ),
        refused=services.IntroductionError,
        then=lambda _: _back(intro),
        message=lambda _: "Thank you for your rating.",
    )
    if done is not None:
        return done
    return render_template(
        "introductions/feedback.html", intro=intro, form=form, stage=stage
    ), views.form_status()


# --- coordinators -------------------------------------------------------------------------


@bp.get("/groups/<int:group_id>/introductions")
@access.group_coordinator_required
def group_index(group: InterestGroup):
    return _group_page(group)


def _group_page(group: InterestGroup, status: int = 200):
    filters = FilterForm(request.args)
    filters.validate()
    chosen = services.IntroFilters(
        status=filters.value("status"),
        slot=filters.value("slot"),
        q="" if filters.q.errors else (filters.q.data or "").strip(),
        attention=filters.value("attention"),
        origin=filters.value("origin"),
    )
    page = db.paginate(
        services.group_introductions(group, chosen), per_page=PAGE_SIZE, error_out=False
    )
    entries = waiting.waiting_list(group)
    offers = {}
    for entry in entries:
        form = OfferForm(prefix=entry.key)
        form.mentor.choices = _offer_choices(entry.offerable)
        offers[entry.key] = form
    return render_template(
        "introductions/group.html",
        group=group,
        page=page,
        filters=filters,
        filtered=any(vars(chosen).values()),
        entries=entries,
        offers=offers,
        stalled=services.stalled(group),
        requests_sentence=services.requests_sentence(group),
        withdraw_form=WithdrawForm(),
    ), status


def _group_refused(exc: services.IntroductionError, group: InterestGroup):
    db.session.rollback()
    flash(str(exc), "error")
    return _group_page(group, exc.status_code)


def _offer_choices(candidates) -> list[tuple[int, str]]:
    return [
        (c.mentor_id, f"{c.name} · {c.kind}, {c.specialty} · {c.free_places} free · {c.score:g}")
        for c in candidates
    ]


def _waiting(group: InterestGroup, kind: str, item_id: int) -> waiting.Waiting:
    try:
        if kind == "seats":
            return waiting.group_seat(group, item_id)
        return services.group_intro(group, item_id)
    except services.IntroductionError:
        abort(404)


def _key(source: waiting.Waiting) -> str:
    return f"{'w' if isinstance(source, WaitingSeat) else 'n'}{source.id}"


def _to_list(group: InterestGroup):
    return redirect(url_for("introductions.group_index", group_id=group.id) + "#rematch")


WAITING = "/groups/<int:group_id>/<any(introductions, seats):kind>/<int:item_id>"
"""A waiting-list entry: a failed introduction, or a seat a round left empty."""


@bp.route("/groups/<int:group_id>/introductions/settings", methods=["GET", "POST"])
@access.group_coordinator_required
def settings(group: InterestGroup):
    form = SettingsForm(obj=group)
    if request.method == "GET":
        form.rematch_policy.data = group.rematch_policy.value
    if form.validate_on_submit():
        services.update_settings(
            group,
            response_days=form.response_days.data,
            rematch_policy=form.rematch_policy.data,
            checkin_days=form.checkin_days.data,
            cycle_days=form.cycle_days.data,
            requests_open=form.requests_open.data,
            requests_per_student=form.requests_per_student.data,
        )
        db.session.commit()
        flash("Introduction settings saved.", "success")
        return redirect(url_for("introductions.group_index", group_id=group.id))
    status = views.form_status()
    return render_template("introductions/settings.html", group=group, form=form), status


@bp.post(f"{WAITING}/offer")
@access.group_coordinator_required
def offer(group: InterestGroup, kind: str, item_id: int):
    source = _waiting(group, kind, item_id)
    form = OfferForm(prefix=_key(source))
    form.mentor.choices = _offer_choices(
        c for c in rematch_eligible(group.id, source.student_id, source.slot) if c.free_places > 0
    )
    if not form.validate_on_submit():
        if (earlier := submissions.repeat(form)) is not None:
            return earlier
        flash("Choose one of the listed mentors.", "error")
        return _group_page(group, 400)
    if (earlier := submissions.claim(form)) is not None:
        return earlier
    try:
        intro = waiting.offer(group, source, form.mentor.data, current_user)
    except services.IntroductionError as exc:
        return _group_refused(exc, group)
    response = _to_list(group)
    submissions.done(form, response.location)
    db.session.commit()
    flash(f"{intro.mentor.name} has been asked to mentor {intro.student.name}.", "success")
    return response


@bp.post(f"{WAITING}/rematch")
@access.group_coordinator_required
def rematch_one(group: InterestGroup, kind: str, item_id: int):
    source = _waiting(group, kind, item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    only = {"only_seats": {source.id}} if kind == "seats" else {"only": {source.id}}
    try:
        result = waiting.rematch(group, current_user, **only)
    except services.IntroductionError as exc:
        return _group_refused(exc, group)
    db.session.commit()
    if result.proposed:
        intro = result.proposed[0]
        flash(f"{intro.mentor.name} has been asked to mentor {intro.student.name}.", "success")
    else:
        flash(
            f"No mentor with a free place can fill this seat for {source.student.name} now.", "info"
        )
    return _to_list(group)


@bp.post(f"{WAITING}/dismiss")
@access.group_coordinator_required
def dismiss(group: InterestGroup, kind: str, item_id: int):
    source = _waiting(group, kind, item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        waiting.dismiss(group, source, current_user)
    except services.IntroductionError as exc:
        return _group_refused(exc, group)
    db.session.commit()
    flash(f"{source.student.name} is off the list for this seat.", "info")
    return _to_list(group)


@bp.get("/groups/<int:group_id>/introductions/emails")
@access.group_coordinator_required
def email_index(group: InterestGroup):
    own = {key for key in emails.EMAILS if emails.group_template(group.id, key) is not None}
    return render_template(
        "introductions/emails.html", group=group, kinds=emails.EMAILS.values(), own=own
    )


def _kind(key: str) -> emails.EmailKind:
    if key not in emails.EMAILS:
        abort(404)
    return emails.EMAILS[key]


@bp.route("/groups/<int:group_id>/introductions/emails/<key>", methods=["GET", "POST"])
@access.group_coordinator_required
def email_edit(group: InterestGroup, key: str):
    kind = _kind(key)
    current = emails.text_for(group.id, key)
    form = TemplateForm(data={"subject": current.subject, "body": current.body})
    shown, status = None, 200
    if form.validate_on_submit():
        try:
            emails.check(kind, form.subject.data, form.body.data)
        except emails.TemplateError as exc:
            form.body.errors.append(str(exc))
            status = 400
        else:
            if form.preview.data:
                shown = emails.preview(group, form.subject.data, form.body.data)
            else:
                emails.save_template(group, key, form.subject.data, form.body.data)
                db.session.commit()
                flash(f"“{kind.title}” saved for {group.name}.", "success")
                return redirect(url_for("introductions.email_index", group_id=group.id))
    elif request.method == "POST":
        status = 400
    else:
        shown = emails.preview(group, current.subject, current.body)
    return render_template(
        "introductions/email_edit.html",
        group=group,
        kind=kind,
        form=form,
        shown=shown,
        own=emails.group_template(group.id, key) is not None,
    ), status


@bp.post("/groups/<int:group_id>/introductions/emails/<key>/reset")
@access.group_coordinator_required
def email_reset(group: InterestGroup, key: str):
    kind = _kind(key)
    if not ActionForm().validate_on_submit():
        abort(400)
    emails.reset_template(group, key)
    db.session.commit()
    flash(f"“{kind.title}” is back to the default wording.", "info")
    return redirect(url_for("introductions.email_index", group_id=group.id))


@bp.get("/groups/<int:group_id>/introductions/report")
@access.group_coordinator_required
def group_report(group: InterestGroup):
    return render_template("introductions/report.html", group=group, report=report.build(group))


@bp.get("/groups/<int:group_id>/introductions/report.csv")
@access.group_coordinator_required
def group_report_csv(group: InterestGroup):
    """The report's figures (counts and averages, no names or comments) as CSV."""
    text = report.csv_text(report.build(group))
    return spreadsheet.download(text, report.csv_filename(group), byte_order_mark=True)
