"""Profile pages: editing one's own, viewing another's, the mentor directory, the personal
data download and deleting the account."""

import json

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user

from matcher import audit, views, vocabulary
from matcher.access import member_groups, role_required
from matcher.extensions import db
from matcher.models import Role, Specialty, User
from matcher.profiles import personal_data, services
from matcher.profiles.forms import (
    DeleteAccountForm,
    DirectoryFilterForm,
    MentorProfileForm,
    SideForm,
    StudentProfileForm,
)

bp = Blueprint("profiles", __name__)

PAGE_SIZE = 24


def _student_form_data(user: User) -> dict:
    p = services.student_profile(user)
    ranked = [i.specialty_id for i in p.interests] + [None, None, None]
    return {
        "school": p.school,
        "stage": p.stage.value if p.stage else "",
        "graduation_year": p.graduation_year,
        "interest_1": ranked[0],
        "interest_2": ranked[1],
        "interest_3": ranked[2],
        "focus_areas": [a.id for a in p.focus_areas],
        "home_has_department": {True: "yes", False: "no"}.get(p.home_has_department),
        "goals": p.goals,
        "wanted_types": p.wanted_types,
        "contact_preference": p.contact_preference.value if p.contact_preference else "email",
        "statement": p.statement,
    }


def _mentor_form_data(user: User) -> dict:
    p = services.mentor_profile(user)
    return {
        "mentor_type": p.mentor_type.value if p.mentor_type else "",
        "faculty_rank": p.faculty_rank.value if p.faculty_rank else "",
        "pgy": p.pgy,
        "peer_stage": p.peer_stage.value if p.peer_stage else "",
        "specialty": p.specialty_id,
        "focus_areas": [a.id for a in p.focus_areas],
        "institution": p.institution,
        "region": p.region,
        "offers": p.offers,
        "capacity": p.capacity or 2,
        "accepting": p.accepting if p.accepting is not None else True,
        "preferred_stages": p.preferred_stages,
        "bio": p.bio,
    }


def _save(form, user: User) -> list[str]:
    if isinstance(form, StudentProfileForm):
        return services.save_student_profile(
            user,
            school=form.school.data or "",
            add_school=form.add_school.data,
            stage=form.stage.data or None,
            graduation_year=form.graduation_year.data,
            interests=form.chosen_specialties(),
            focus_area_ids=form.focus_areas.data or [],
            home_has_department=form.home_has_department.data,
            goals=form.goals.data or [],
            wanted_types=form.wanted_types.data or [],
            contact_preference=form.contact_preference.data,
            statement=form.statement.data or "",
        )
    return services.save_mentor_profile(
        user,
        mentor_type=form.mentor_type.data or None,
        faculty_rank=form.faculty_rank.data or None,
        pgy=form.pgy.data,
        peer_stage=form.peer_stage.data or None,
        specialty_id=form.specialty.data,
        focus_area_ids=form.focus_areas.data or [],
        institution=form.institution.data or "",
        add_institution=form.add_institution.data,
        region=form.region.data or "",
        offers=form.offers.data or [],
        capacity=form.capacity.data,
        accepting=form.accepting.data,
        preferred_stages=form.preferred_stages.data or [],
        bio=form.bio.data or "",
    )


def _offered_specialties(user: User, side: Role) -> list[Specialty]:
    """The active specialties, and any retired one the profile still holds, so the form shows
    it chosen and saving the form unchanged keeps it. (The profile's specialties are looked up
    by id among the active ones, not read one by one.)"""
    if side is Role.STUDENT:
        held = [i.specialty_id for i in services.student_profile(user).interests]
    else:
        held = [services.mentor_profile(user).specialty_id]
    active = vocabulary.specialties()
    known = {s.id for s in active}
    retired = [db.session.get(Specialty, i) for i in held if i is not None and i not in known]
    return sorted([*active, *(s for s in retired if s is not None)], key=lambda s: s.name)


@bp.route("/profile/edit", methods=["GET", "POST"])
@bp.route("/profile/edit/<any(student, mentor):side>", methods=["GET", "POST"])
@role_required(Role.STUDENT, Role.MENTOR)
def edit(side: str | None = None):
    """Edit one's own student or mentor profile (the only one held when ``side`` is not
    named). A school or institution not on the list is a question rather than an error: the
    form comes back (200) with the closest names and a box to add it."""
    user = current_user._get_current_object()
    held = user.sides
    chosen = Role(side) if side else held[0]
    if chosen not in held:
        abort(404)
    specialties = _offered_specialties(user, chosen)
    if chosen is Role.STUDENT:
        form_cls, initial = StudentProfileForm, _student_form_data
    else:
        form_cls, initial = MentorProfileForm, _mentor_form_data
    form = form_cls(specialties, data=None if request.method == "POST" else initial(user))
    status = views.form_status()
    if form.showing_focus_areas():
        status = 200
        flash(services.NOT_SAVED_YET, "info")
    elif form.validate_on_submit():
        try:
            dropped = _save(form, user)
        except services.UnknownPlaceError as exc:
            db.session.rollback()
            form.ask_about(exc.name, exc.suggestions)
            status = 200
        except services.ProfileError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            shown = url_for("profiles.show", user_id=user.id)
            db.session.commit()
            flash(services.saved_message(dropped), "success")
            return redirect(shown)
    elif form.is_submitted() and (
        question := services.unknown_place(user, chosen, form.typed_place())
    ):
        form.ask_about(question.name, question.suggestions)
    form.settle(services.place_names())
    if chosen is Role.STUDENT:
        form.explain_home_department(services.home_department(user.student_profile))
    return render_template(
        "profiles/edit.html", form=form, side=chosen.value, both=len(held) > 1
    ), status


@bp.get("/people/<int:user_id>")
@login_required
def show(user_id: int):
    person = db.session.get(User, user_id)
    sections = [] if person is None else services.profile_sections(person, current_user)
    if not sections:
        abort(404)
    if any(s.side == Role.STUDENT.value for s in sections) and person.id != current_user.id:
        audit.record_access("profile.view", target=person)
    own = person.id == current_user.id
    side_to_add = services.side_to_add(person) if own else None
    return render_template(
        "profiles/show.html",
        person=person,
        own=own,
        sections=sections,
        side_form=SideForm() if side_to_add else None,
        side_to_add=side_to_add,
        asks=services.may_ask(current_user, person),
    )


@bp.post("/profile/sides")
@role_required(Role.STUDENT, Role.MENTOR)
def add_side():
    """Take on the other side too: a student who peer-mentors, a mentor who wants mentors."""
    form = SideForm()
    if not form.validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    try:
        services.add_side(user, Role(form.side.data))
    except services.ProfileError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("profiles.show", user_id=user.id), code=303)
    shown = url_for("profiles.edit", side=form.side.data)
    db.session.commit()
    flash(services.SIDE_ADDED[form.side.data], "success")
    return redirect(shown, code=303)


@bp.get("/profile")
@role_required(Role.STUDENT, Role.MENTOR)
def mine():
    return redirect(url_for("profiles.show", user_id=current_user.id))


@bp.get("/mentors")
@role_required(Role.STUDENT, Role.COORDINATOR, Role.ADMIN)
def directory():
    filters = DirectoryFilterForm(vocabulary.specialties(), request.args)
    if not filters.validate():
        abort(400)
    page = db.paginate(
        services.directory(
            current_user,
            q=filters.q.data,
            specialty_id=filters.specialty.data,
            mentor_type=filters.mentor_type.data or None,
            accepting_only=filters.accepting.data,
        ),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    groups = list(db.session.scalars(member_groups(current_user)))
    return render_template(
        "profiles/directory.html",
        page=page,
        places=services.mentor_places(page.items),
        filters=filters,
        groups=groups,
    )


@bp.get("/profile/data.json")
@login_required
def download():
    payload = json.dumps(personal_data.export(current_user), indent=2, ensure_ascii=False)
    audit.record_access("profile.export", target=current_user._get_current_object())
    return Response(
        payload,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-matcher-data.json"'},
    )


@bp.route("/profile/delete", methods=["GET", "POST"])
@login_required
def delete():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            audit.record("account.delete", actor=user, target=user, role=user.role_names)
            services.delete_account(user, form.password.data)
        except services.ProfileError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            logout_user()
            session.clear()
            flash("Your account and personal data have been deleted.", "info")
            return redirect(url_for("main.index"))
    status = views.form_status()
    return render_template("profiles/delete.html", form=form), status
