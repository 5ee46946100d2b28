"""Round pages: opening and changing a round, who takes part, rankings and marks, solving,
drafts and their explanations, pins and bars, publishing and follow-ups."""

from collections.abc import Callable

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from matcher import access, audit, spreadsheet, views
from matcher.access import group_coordinator_required, round_view
from matcher.board import services as board
from matcher.extensions import db
from matcher.jobs import services as jobs
from matcher.matching import CRITERIA
from matcher.models import (
    ConstraintKind,
    DraftOutcome,
    InterestGroup,
    Role,
    Round,
    RoundDraft,
    RoundPreference,
    Specialty,
    User,
)
from matcher.rounds import (
    drafts,
    opening,
    pins,
    publish_job,
    publishing,
    rules,
    solve_job,
    taking_part,
)
from matcher.rounds.forms import (
    ConstraintForm,
    LikesForm,
    PreferencesForm,
    PublishForm,
    RoundForm,
)
from matcher.solving import settings as round_settings
from matcher.solving.assignment import CHOICE_WHY, REASONS
from matcher.templating import SLOT_LABELS, slot_label
from matcher.urls import safe_next, whole_number

bp = Blueprint("rounds", __name__)

PAGE_SIZE = 50
CHANGES_SHOWN = 100
REFUSALS = (rules.RoundError, round_settings.SettingsError)


def _refused(exc: Exception, round_: Round):
    db.session.rollback()
    flash(str(exc), "error")
    return redirect(url_for("rounds.show", round_id=round_.id), code=303)


def _form_problem(form, message: str) -> str:
    """``message``, followed by what was wrong with the form's fields (a number beyond any
    id, say)."""
    problems = sorted({error for errors in form.errors.values() for error in errors})
    return " ".join([message, *(p for p in problems if isinstance(p, str))])


def _perform(round_: Round, action: Callable, success: Callable[[object], str], then: Callable):
    """Run a round action: commit and flash ``success(result)``, then redirect to
    ``then(result)``; a refusal rolls back and is flashed on the round's page."""
    return views.act(
        action,
        refused=REFUSALS,
        on_refused=lambda exc: _refused(exc, round_),
        then=then,
        message=success,
        code=303,
    )


def _save(form, action: Callable, message: str, round_: Round, code: int = 302):
    """Save a round form: a refusal is put among the form's errors; saved, the round's page."""
    return views.save(
        form,
        action,
        refused=REFUSALS,
        on_refused=lambda exc: form.form_errors.append(str(exc)),
        then=lambda _: url_for("rounds.show", round_id=round_.id),
        message=lambda _: message,
        code=code,
    )


# --- coordinators: creating and configuring --------------------------------------------------


@bp.get("/groups/<int:group_id>/rounds")
@group_coordinator_required
def index(group: InterestGroup):
    rounds = list(db.session.scalars(opening.group_rounds(group.id)))
    phases = {r.id: opening.phase(r) for r in rounds}
    return render_template("rounds/index.html", group=group, rounds=rounds, phases=phases)


@bp.route("/groups/<int:group_id>/rounds/new", methods=["GET", "POST"])
@group_coordinator_required
def new(group: InterestGroup):
    form = RoundForm(zone=current_user.time_zone)
    if request.method == "GET":
        form.slots.data = opening.default_slots(group)
    created = views.create(
        form,
        lambda: opening.create_round(group, current_user, **form.round_fields()),
        refused=REFUSALS,
        then=lambda round_: url_for("rounds.show", round_id=round_.id),
        message=lambda round_: f"{round_.name} is open. Add students, then solve.",
    )
    if created is not None:
        return created
    return render_template(
        "rounds/form.html", form=form, group=group, round_=None
    ), views.form_status()


@bp.route("/rounds/<int:round_id>/settings", methods=["GET", "POST"])
@round_view(coordinator=True)
def settings(round_: Round):
    form = RoundForm(zone=current_user.time_zone)
    if request.method == "GET":
        form.name.data = round_.name
        form.slots.data = list(round_.slots)
        form.preference_deadline.show(round_.preference_deadline)
        form.results_expected_on.data = round_.results_expected_on
        form.load(round_settings.parse(round_.settings))
    elif saved := _save(
        form,
        lambda: opening.update_round(round_, current_user, **form.round_fields()),
        "Settings saved. Solve again to see their effect.",
        round_,
    ):
        return saved
    status = views.form_status()
    return render_template("rounds/form.html", form=form, group=round_.group, round_=round_), status


@bp.get("/rounds/<int:round_id>")
@round_view(coordinator=False)
def show(round_: Round):
    if not access.coordinates(current_user, round_.group_id):
        return _member_page(round_)
    return _manage_page(round_)


@bp.get("/rounds/<int:round_id>/my-part")
@round_view(coordinator=False)
def my_part(round_: Round):
    """The member's page of the round for one who also runs the group: a student leader
    takes part as a student (or a mentor) like any member."""
    if not access.is_member(current_user, round_.group_id) or not current_user.has_role(
        Role.STUDENT, Role.MENTOR
    ):
        abort(404)
    return _member_page(round_)


def _manage_page(round_: Round, status: int = 200):
    people = taking_part.round_mentor_rows(round_)
    counts = {
        "students": db.session.scalar(
            select(db.func.count()).select_from(taking_part.participants(round_.id).subquery())
        ),
        "eligible": db.session.scalar(
            select(db.func.count()).select_from(
                taking_part.eligible_students(round_.group_id).subquery()
            )
        ),
        "ranked": db.session.scalar(
            select(db.func.count(db.distinct(RoundPreference.student_id))).where(
                RoundPreference.round_id == round_.id
            )
        ),
        "mentors": len(people),
        "places": sum(free for _, _, free in people),
    }
    constraints = pins.constraints(round_.id)
    names = _names({c.student_id for c in constraints} | {c.mentor_id for c in constraints})
    return render_template(
        "rounds/manage.html",
        round_=round_,
        group=round_.group,
        counts=counts,
        drafts=list(reversed(round_.drafts)),
        constraints=constraints,
        states=pins.pair_states(round_),
        names=names,
        phase=opening.phase(round_),
        settings=round_settings.parse(round_.settings),
        criterion_help=round_settings.CRITERION_HELP,
        slot_labels=SLOT_LABELS,
        takes_part=current_user.has_role(Role.STUDENT, Role.MENTOR)
        and access.is_member(current_user, round_.group_id),
    ), status


@bp.post("/rounds/<int:round_id>/students/add-all")
@round_view(coordinator=True)
def add_all(round_: Round):
    return _perform(
        round_,
        lambda: taking_part.add_all_students(round_, current_user),
        lambda added: f"Added {added} students with complete profiles.",
        lambda _: url_for("rounds.show", round_id=round_.id),
    )


@bp.get("/rounds/<int:round_id>/people")
@round_view(coordinator=True)
def people(round_: Round):
    students = list(db.session.scalars(taking_part.round_students(round_.id)))
    ranked = dict(
        db.session.execute(
            select(RoundPreference.student_id, db.func.count())
            .where(RoundPreference.round_id == round_.id)
            .group_by(RoundPreference.student_id)
        ).all()
    )
    return render_template(
        "rounds/people.html",
        round_=round_,
        group=round_.group,
        students=students,
        ranked=ranked,
        mentors=taking_part.round_mentor_rows(round_),
    )


# --- students and mentors: taking part and stating preferences -------------------------------


def _member_page(round_: Round, status: int = 200):
    ranked = []
    liked = 0
    outlook = None
    if current_user.has_role(Role.STUDENT):
        ranked_ids = taking_part.preferences(round_.id, current_user.id)
        names = _names(ranked_ids)
        ranked = [names[m] for m in ranked_ids]
        outlook = board.round_outlook(round_, current_user)
    if current_user.has_role(Role.MENTOR):
        liked = len(taking_part.likes(round_.id, current_user.id))
    return render_template(
        "rounds/member.html",
        round_=round_,
        group=round_.group,
        taking_part=taking_part.is_participant(round_, current_user),
        ranked=ranked,
        liked=liked,
        outlook=outlook,
        phase=opening.phase(round_),
        slot_labels=SLOT_LABELS,
    ), status


def _student_only() -> None:
    if not current_user.has_role(Role.STUDENT):
        abort(403)


def _mentor_only() -> None:
    if not current_user.has_role(Role.MENTOR):
        abort(403)


@bp.post("/rounds/<int:round_id>/join")
@round_view(coordinator=False)
def join(round_: Round):
    _student_only()
    return _perform(
        round_,
        lambda: taking_part.opt_in(round_, current_user),
        lambda _: f"You are taking part in {round_.name}. Rank the mentors you would like.",
        lambda _: url_for("rounds.preferences", round_id=round_.id),
    )


@bp.post("/rounds/<int:round_id>/leave")
@round_view(coordinator=False)
def leave(round_: Round):
    _student_only()
    return _perform(
        round_,
        lambda: taking_part.opt_out(round_, current_user),
        lambda _: f"You are no longer taking part in {round_.name}.",
        lambda _: url_for("rounds.show", round_id=round_.id),
    )


@bp.route("/rounds/<int:round_id>/preferences", methods=["GET", "POST"])
@round_view(coordinator=False)
def preferences(round_: Round):
    _student_only()
    page = taking_part.ranking_page(round_, current_user)
    form = PreferencesForm([SelectChoice(str(o.mentor_id), o.choice_label) for o in page.options])
    if request.method == "GET":
        for f, mentor_id in zip(form.choice_fields, page.ranking, strict=False):
            f.data = mentor_id
    elif saved := _save(
        form,
        lambda: taking_part.set_preferences(round_, current_user, form.ranked()),
        "Your ranking is saved. You can change it until the deadline.",
        round_,
        code=303,
    ):
        return saved
    status = views.form_status()
    return render_template(
        "rounds/preferences.html",
        round_=round_,
        group=round_.group,
        form=form,
        page=page,
        taking_part=taking_part.is_participant(round_, current_user),
    ), status


@bp.route("/rounds/<int:round_id>/likes", methods=["GET", "POST"])
@round_view(coordinator=False)
def likes(round_: Round):
    _mentor_only()
    students = list(db.session.scalars(taking_part.markable_students(round_.id, current_user)))
    form = LikesForm()
    form.students.choices = [SelectChoice(s.id, s.name) for s in students]
    if request.method == "GET":
        form.students.data = sorted(taking_part.likes(round_.id, current_user.id))
    elif saved := _save(
        form,
        lambda: taking_part.set_likes(round_, current_user, form.students.data or []),
        "Saved. The round will favour the students you marked.",
        round_,
        code=303,
    ):
        return saved
    status = views.form_status()
    return render_template(
        "rounds/likes.html", round_=round_, group=round_.group, form=form, students=students
    ), status


# --- solving, reading and adjusting drafts ---------------------------------------------------


@bp.post("/rounds/<int:round_id>/solve")
@round_view(coordinator=True)
def solve(round_: Round):
    if round_.is_open and solve_job.wanted(round_, current_app.config):
        job = solve_job.queue(round_, retry_url=url_for("rounds.show", round_id=round_.id))
        db.session.flush()
        job_id = job.id
        db.session.commit()
        jobs.start(job_id)
        return redirect(url_for("jobs.show", job_id=job_id), code=303)
    return _perform(
        round_,
        lambda: drafts.solve_round(round_, current_user),
        solve_job.message,
        lambda d: url_for("rounds.draft", round_id=round_.id, number=d.number),
    )


def _names(ids) -> dict[int, str]:
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def _draft_or_404(round_: Round, number: int) -> RoundDraft:
    found = drafts.draft(round_, number)
    if found is None:
        abort(404)
    return found


CONSTRAINT_MESSAGES = {
    "pin": "Pinned. Solve again to place the pair first.",
    "bar": "Barred. Solve again; that pair will not be made.",
    "un-pin": "Un-pinned. Solve again to see the effect.",
    "un-bar": "Un-barred. Solve again; the pair may be made again.",
}


PIN_STATUS_LABELS = {
    "placed": "placed",
    "not_allowed": "not placed: the rules do not allow this pair",
    "no_place": "not placed: the mentor had no free place, or another pin fills that seat",
    "no_slot": "not placed: this mentor fills no seat the student needs in this round",
}


def _bar(label: str, value) -> dict:
    return {"label": label, "value": value}


def _charts(stats: dict, specialty_names: dict[int, str]) -> dict[str, list[dict]]:
    """The draft page's charts as the chart macros take them: places filled per seat (%),
    the score histogram, the students' ranks of their mentors, and supply against demand."""
    ranks = stats["ranks"]
    return {
        "slots": [
            _bar(
                slot_label(slot), int(f"{100 * s['matched'] / s['needs'] if s['needs'] else 0:.0f}")
            )
            for slot, s in stats["per_slot"].items()
        ],
        "scores": [_bar(f"{b['low']:g}–{b['high']:g}", b["n"]) for b in stats["histogram"]],
        "ranks": [
            *(_bar(f"choice {k}", n) for k, n in enumerate(ranks[:-2], 1)),
            _bar("not on their list", ranks[-2]),
            _bar("unmatched", ranks[-1]),
        ],
        "supply": [
            {
                "label": specialty_names.get(r["specialty_id"], "?"),
                "supply": r["supply"],
                "demand": r["demand"],
            }
            for r in stats["supply_demand"]
        ],
    }


def _breakdowns(outcomes) -> dict[int, list[tuple[str, float]]]:
    """Each matched outcome's criteria that added to its score, as (short label, value)."""
    return {
        o.id: [
            (round_settings.CRITERION_HELP[name][0], value)
            for name, value in zip(CRITERIA, o.breakdown, strict=True)
            if value > 0
        ]
        for o in outcomes
        if o.breakdown
    }


@bp.get("/rounds/<int:round_id>/drafts/<int:number>")
@round_view(coordinator=True)
def draft(round_: Round, number: int):
    return _draft_page(round_, _draft_or_404(round_, number))


def _draft_page(round_: Round, shown: RoundDraft, publish_form=None, status: int = 200):
    """The draft's page; a refused publish shows it again with ``publish_form``'s errors."""
    filters = drafts.OutcomeFilters(
        request.args.get("slot", ""),
        request.args.get("outcome", ""),
        request.args.get("q", "").strip(),
    )
    page = db.paginate(drafts.search(shown, filters), per_page=PAGE_SIZE, error_out=False)
    previous = drafts.compared_draft(round_, shown, whole_number(request.args.get("compare")))
    changes = drafts.compare(previous, shown, limit=CHANGES_SHOWN) if previous else []
    changed = drafts.count_changes(previous, shown) if previous else 0
    constraint_changes = drafts.constraint_changes(previous, shown) if previous else []
    since = drafts.changes_since(round_, shown) if round_.is_open else drafts.SinceSolved([], [])
    specialty_names = dict(db.session.execute(select(Specialty.id, Specialty.name)).all())
    marked = pins.constraints(round_.id)
    names = _names(
        {c.student_id for c in changes}
        | {c.before for c in changes}
        | {c.after for c in changes}
        | {p["student_id"] for p in shown.stats.get("pins", [])}
        | {p["mentor_id"] for p in shown.stats.get("pins", [])}
        | {c.student_id for c in constraint_changes}
        | {c.mentor_id for c in constraint_changes}
        | {c.student_id for c in since.constraints}
        | {c.mentor_id for c in since.constraints}
        | {c.student_id for c in marked}
        | {c.mentor_id for c in marked}
    )
    states = pins.pair_states(round_)
    newest = max(d.number for d in round_.drafts)
    if publish_form is None:
        publish_form = PublishForm(draft=shown.number)
    draft_url = url_for("rounds.draft", round_id=round_.id, number=shown.number)
    return render_template(
        "rounds/draft.html",
        round_=round_,
        group=round_.group,
        draft=shown,
        drafts=round_.drafts,
        newest=newest,
        page=page,
        filters=filters.as_args(),
        previous=previous,
        changes=changes,
        changed=changed,
        settings_changes=drafts.settings_changes(previous, shown) if previous else [],
        constraint_changes=constraint_changes,
        since=since,
        names=names,
        charts=_charts(shown.stats, specialty_names),
        breakdowns=_breakdowns(page.items),
        pin_status_labels=PIN_STATUS_LABELS,
        marked=[(c, states[(c.student_id, c.mentor_id)]) for c in marked],
        states={o.id: states.get((o.student_id, o.mentor_id), pins.UNMARKED) for o in page.items},
        back=request.full_path if request.method == "GET" else draft_url,
        slot_labels=SLOT_LABELS,
        reasons=REASONS,
        draft_url=draft_url,
        publish_form=publish_form,
    ), status


@bp.get("/rounds/<int:round_id>/drafts/<int:number>/blocking")
@round_view(coordinator=True)
def blocking(round_: Round, number: int):
    shown = _draft_or_404(round_, number)
    return render_template(
        "rounds/blocking.html",
        round_=round_,
        group=round_.group,
        draft=shown,
        pairs=drafts.blocking_list(shown),
        counted=shown.stats.get("blocking_pairs"),
        kept=drafts.BLOCKING_KEPT,
    )


@bp.get("/rounds/<int:round_id>/drafts/<int:number>/mentors/<int:mentor_id>")
@round_view(coordinator=True)
def explain_mentor(round_: Round, number: int, mentor_id: int):
    shown = _draft_or_404(round_, number)
    side = drafts.mentor_side(round_, shown, mentor_id)
    if side is None:
        abort(404)
    return render_template(
        "rounds/explain_mentor.html",
        round_=round_,
        group=round_.group,
        draft=shown,
        side=side,
        profile=side.mentor.mentor_profile,
        states=pins.pair_states(round_),
        unmarked=pins.UNMARKED,
    )


@bp.get("/rounds/<int:round_id>/drafts/<int:number>/students/<int:student_id>")
@round_view(coordinator=True)
def explain(round_: Round, number: int, student_id: int):
    shown = _draft_or_404(round_, number)
    rows = list(
        db.session.scalars(drafts.outcomes(shown.id).where(DraftOutcome.student_id == student_id))
    )
    if not rows:
        abort(404)
    student = rows[0].student
    ids = set()
    for o in rows:
        ids |= {o.best_mentor_id, o.detail.get("choice"), *o.took_place}
        ids |= set(o.detail.get("holders", []))
    ranked = taking_part.preferences(round_.id, student_id)
    return render_template(
        "rounds/explain.html",
        round_=round_,
        group=round_.group,
        draft=shown,
        student=student,
        outcomes=rows,
        names=_names(ids | set(ranked)),
        ranked=ranked,
        states=pins.pair_states(round_),
        unmarked=pins.UNMARKED,
        blocking=drafts.blocking_list(shown, student_id=student_id),
        criteria=CRITERIA,
        criterion_help=round_settings.CRITERION_HELP,
        weights=shown.settings.get("weights", {}),
        slot_labels=SLOT_LABELS,
        reasons=REASONS,
        choice_why=CHOICE_WHY,
    )


@bp.post("/rounds/<int:round_id>/constraints")
@round_view(coordinator=True)
def constrain(round_: Round):
    form = ConstraintForm()
    if not form.validate_on_submit() or form.kind.data not in ("pin", "bar", "remove"):
        flash(_form_problem(form, "That pin or bar request was incomplete."), "error")
        return _manage_page(round_, 400)
    removed = None
    try:
        if form.kind.data == "remove":
            removed = pins.remove_constraint(
                round_, current_user, form.student_id.data, form.mentor_id.data
            )
        else:
            pins.add_constraint(
                round_,
                current_user,
                form.student_id.data,
                form.mentor_id.data,
                ConstraintKind(form.kind.data),
            )
    except rules.RoundError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        done = f"un-{removed.value}" if removed is not None else form.kind.data
        flash(CONSTRAINT_MESSAGES[done], "success")
    back = safe_next(request.form.get("back"))
    return redirect(back or url_for("rounds.show", round_id=round_.id), code=303)


@bp.post("/rounds/<int:round_id>/publish")
@round_view(coordinator=True)
def publish(round_: Round):
    form = PublishForm()
    if not form.validate_on_submit():
        flash(_form_problem(form, "Choose a draft to publish."), "error")
        return _manage_page(round_, 400)
    if round_.is_open:
        try:
            publishing.require_current(round_, form.draft.data, form.confirm_outdated.data)
        except publishing.OutdatedDraftError as exc:
            db.session.rollback()
            form.confirm_outdated.errors = [
                "Tick this box to publish this draft as it is, or solve again."
            ]
            flash(str(exc), "error")
            return _draft_page(round_, _draft_or_404(round_, form.draft.data), form, 400)
        except rules.RoundError as exc:
            return _refused(exc, round_)
    if round_.is_open and publish_job.wanted(round_, current_app.config):
        return _publish_in_background(round_, form.draft.data)
    try:
        intros = publishing.publish(round_, form.draft.data, current_user)
    except rules.AlreadyPublishedError as exc:
        db.session.rollback()
        flash(f"{exc} Nothing was sent twice.", "error")
        db.session.refresh(round_)
        return _manage_page(round_, 409)
    except publishing.StaleDraftError as exc:
        db.session.rollback()
        return _stale_page(round_, exc)
    except rules.RoundError as exc:
        return _refused(exc, round_)
    db.session.commit()
    flash(publish_job.message(len(intros)), "success")
    return redirect(url_for("rounds.show", round_id=round_.id), code=303)


def _publish_in_background(round_: Round, number: int):
    """A large round is published by the worker: its progress page, or the one of a publish
    of this round already under way."""
    if drafts.draft(round_, number) is None:
        return _refused(rules.RoundError("That draft does not exist."), round_)
    if (earlier := publish_job.pending(round_)) is not None:
        flash("This round is already being published.", "info")
        return redirect(url_for("jobs.show", job_id=earlier), code=303)
    job = publish_job.queue(round_, number, retry_url=url_for("rounds.show", round_id=round_.id))
    db.session.flush()
    job_id = job.id
    db.session.commit()
    jobs.start(job_id)
    return redirect(url_for("jobs.show", job_id=job_id), code=303)


def _stale_page(round_: Round, stale: publishing.StaleDraftError):
    """Why the draft was refused, conflict by conflict, with the way to solve again."""
    names = _names(
        {c.mentor_id for c in stale.mentors}
        | {s.student_id for s in stale.seats}
        | {s.mentor_id for s in stale.seats}
        | {s.holder_id for s in stale.seats}
    )
    return render_template(
        "rounds/stale.html",
        round_=round_,
        group=round_.group,
        stale=stale,
        names=names,
        slot_labels=SLOT_LABELS,
    ), 409


@bp.get("/rounds/<int:round_id>/drafts/<int:number>.csv")
@round_view(coordinator=True)
def export(round_: Round, number: int):
    shown = _draft_or_404(round_, number)
    body = drafts.export_csv(round_, shown)
    audit.record_access("round.export", group_id=round_.group_id, target=round_, draft=number)
    filename = f"round-{round_.id}-draft-{number}.csv"
    return spreadsheet.download(body, filename, byte_order_mark=False)


@bp.post("/rounds/<int:round_id>/follow-up")
@round_view(coordinator=True)
def follow_up(round_: Round):
    return _perform(
        round_,
        lambda: publishing.follow_up(round_, current_user),
        lambda new: f"{new.name} is open with the students still waiting.",
        lambda new: url_for("rounds.show", round_id=new.id),
    )
