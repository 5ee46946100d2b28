"""Forms read posted form fields, and files only in file fields; every field keeps to what
its column holds (length, no control characters, numbers within an integer column, finite)."""

import io

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectChoice
from wtforms.fields.core import UnboundField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput

from matcher.extensions import db
from matcher.forms import (
    ONE_LINE,
    PLAIN_TEXT,
    FiniteDecimalField,
    MultiCheckboxField,
    WholeNumberField,
    plain_text,
    single_line,
)
from matcher.models import Role
from tests.helpers import csrf_token, logged_in, make_group, make_user, outbox, post_form


def test_a_file_in_place_of_a_text_field_is_refused_as_missing_text(app):
    client = logged_in(app, make_user(app, Role.ADMIN))
    response = post_form(
        client,
        "/admin/specialties",
        {"name": (io.BytesIO(b"Dermatology"), "name.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)


def test_a_json_body_is_not_read_as_a_form(app):
    client = logged_in(app, make_user(app, Role.ADMIN))
    token = csrf_token(client, "/admin/specialties")
    for body in ({"name": ["a", 1]}, {"name": 5}, [1, 2], "name"):
        response = client.post("/admin/specialties", json=body, headers={"X-CSRFToken": token})
        assert response.status_code == 400


def test_the_roster_upload_still_reads_its_file(app):
    coordinator = make_user(app, Role.COORDINATOR)
    group = make_group(app, coordinators=(coordinator,))
    client = logged_in(app, coordinator)
    data = b"email,name,role\r\nana@example.edu,Ana Example,student\r\n"
    response = post_form(
        client,
        f"/groups/{group}/roster/import",
        {"file": (io.BytesIO(data), "roster.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code in (302, 303)


# --- every form field against what the database holds ---------------------------------------


def form_classes() -> list[type]:
    """Every form class of the site (every ``*forms`` module imported)."""
    import importlib
    import pkgutil

    import matcher
    from matcher.forms import SiteForm

    for module in pkgutil.walk_packages(matcher.__path__, "matcher."):
        if module.name.rsplit(".", 1)[-1].endswith("forms"):
            importlib.import_module(module.name)
    found, todo = set(), [SiteForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__name__}")


def fields_of(cls, kind) -> dict[str, UnboundField]:
    return {
        name: value
        for name in dir(cls)
        if isinstance(value := getattr(cls, name, None), UnboundField)
        and issubclass(value.field_class, kind)
    }


def validators_of(field: UnboundField) -> list:
    return list(field.kwargs.get("validators") or (field.args[1] if len(field.args) > 1 else []))


def is_filter(cls) -> bool:
    """A GET filter bar: read from the query string, never saved."""
    return getattr(cls.Meta, "csrf", True) is False


def saved_columns() -> dict[tuple[str, str], object]:
    """Where each saved text field of each form is written (class name, field name)."""
    from matcher.models import (
        FocusArea,
        GroupEmailTemplate,
        Institution,
        InterestGroup,
        Introduction,
        IntroductionEvent,
        IntroductionFeedback,
        Meeting,
        MentorProfile,
        Round,
        Specialty,
        StudentProfile,
        User,
    )

    return {
        ("InviteForm", "name"): User.name,
        ("InviteForm", "email"): User.email,
        ("SignupForm", "name"): User.name,
        ("SignupForm", "email"): User.email,
        ("SpecialtyForm", "name"): Specialty.name,
        ("SpecialtyEditForm", "name"): Specialty.name,
        ("FocusAreaForm", "name"): FocusArea.name,
        ("InstitutionForm", "name"): Institution.name,
        ("InstitutionForm", "aliases"): Institution.aliases,
        ("InstitutionForm", "region"): Institution.region,
        ("NewInstitutionForm", "name"): Institution.name,
        ("NewInstitutionForm", "aliases"): Institution.aliases,
        ("NewInstitutionForm", "region"): Institution.region,
        ("GroupForm", "name"): InterestGroup.name,
        ("GroupForm", "institution"): InterestGroup.institution,
        ("GroupForm", "description"): InterestGroup.description,
        ("StudentProfileForm", "school"): StudentProfile.school,
        ("StudentProfileForm", "statement"): StudentProfile.statement,
        ("MentorProfileForm", "institution"): MentorProfile.institution,
        ("MentorProfileForm", "region"): MentorProfile.region,
        ("MentorProfileForm", "bio"): MentorProfile.bio,
        ("RoundForm", "name"): Round.name,
        ("TemplateForm", "subject"): GroupEmailTemplate.subject,
        ("TemplateForm", "body"): GroupEmailTemplate.body,
        ("DeclineForm", "reason"): Introduction.decline_reason,
        ("WithdrawForm", "reason"): IntroductionEvent.note,
        ("FeedbackForm", "comment"): IntroductionFeedback.comment,
        ("EarlyFeedbackForm", "comment"): IntroductionFeedback.comment,
        ("ProposeMeetingForm", "booking_url"): Meeting.booking_url,
        ("ProposeMeetingForm", "place"): Meeting.place,
        ("ProposeMeetingForm", "video_url"): Meeting.video_url,
        ("ProposeMeetingForm", "note"): Meeting.note,
        ("RequestForm", "note"): Introduction.request_note,
    }


NOT_SAVED = {
    ("LoginForm", "email"),
    ("ResetRequestForm", "email"),
    ("CoordinatorForm", "email"),
    ("ConstraintForm", "kind"),
    ("MergeForm", "target"),
}


def text_fields() -> list[tuple[type, str, UnboundField]]:
    from wtforms import PasswordField, StringField

    return [
        (cls, name, field)
        for cls in form_classes()
        for name, field in fields_of(cls, StringField).items()
        if not issubclass(field.field_class, PasswordField)
    ]


def test_every_text_field_is_known_to_be_saved_or_not():
    """A new text field fails here until ``saved_columns`` names its column (or it is a
    filter, a password or a field checked against a fixed list)."""
    columns = saved_columns()
    unknown = [
        f"{cls.__name__}.{name}"
        for cls, name, _ in text_fields()
        if (cls.__name__, name) not in columns
        and (cls.__name__, name) not in NOT_SAVED
        and name != "once_token"
        and not is_filter(cls)
    ]
    assert unknown == []


def test_every_saved_text_field_fits_its_column():
    from matcher.models import FormSubmission

    columns = saved_columns()
    wrong = []
    for cls, name, field in text_fields():
        column = FormSubmission.token if name == "once_token" else columns.get((cls.__name__, name))
        if column is None:
            continue
        limits = [v.max for v in validators_of(field) if isinstance(v, Length) and v.max >= 0]
        bound = getattr(column.type, "length", None)
        if not limits:
            wrong.append(f"{cls.__name__}.{name} has no length limit")
        elif bound is not None and limits != [bound]:
            wrong.append(f"{cls.__name__}.{name}: {limits} for {column} String({bound})")
    assert wrong == []


def test_every_saved_text_field_refuses_control_characters():
    from wtforms import HiddenField, TextAreaField

    columns, wrong = saved_columns(), []
    for cls, name, field in text_fields():
        if (cls.__name__, name) not in columns or issubclass(field.field_class, HiddenField):
            continue
        wanted = plain_text if issubclass(field.field_class, TextAreaField) else single_line
        if wanted not in validators_of(field):
            wrong.append(f"{cls.__name__}.{name} lacks {wanted.__name__}")
    assert wrong == []


def test_every_number_field_holds_only_what_the_database_can():
    from wtforms import DecimalField, FloatField, IntegerField

    wrong = []
    for cls in form_classes():
        for name, field in fields_of(cls, IntegerField | DecimalField | FloatField).items():
            if not issubclass(field.field_class, WholeNumberField | FiniteDecimalField):
                wrong.append(f"{cls.__name__}.{name} is a plain {field.field_class.__name__}")
    assert wrong == []


CONTROLS = ["\r", "\n", "\r\n", "\t", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9b"]
SEPARATORS = ["\u2028", "\u2029"]


class _Field:
    def __init__(self, data) -> None:
        self.data = data


def test_single_line_and_plain_text_rules():
    from wtforms.validators import ValidationError

    for ch in [*CONTROLS, *SEPARATORS]:
        with pytest.raises(ValidationError):
            single_line(None, _Field(f"Ana{ch}Bcc: x@example.org"))
    for ch in [c for c in CONTROLS if c not in ("\r", "\n", "\r\n")] + SEPARATORS:
        with pytest.raises(ValidationError):
            plain_text(None, _Field(f"line{ch}line"))
    single_line(None, _Field("Zoë O'Brien-Núñez 😀"))
    plain_text(None, _Field("First line\r\nSecond line\n"))
    single_line(None, _Field(None))


def group_form(specialty: int, **overrides) -> dict:
    return {
        "name": "Lakeside Interest Group",
        "kind": "school",
        "institution": "Lakeside College",
        "specialties": [str(specialty)],
        "join_policy": "open",
        "description": "Monthly meetings.\r\nAll welcome.",
        **overrides,
    }


BREAKS = ["Evil\r\nBcc: victim@example.org", "Evil\nName", "Evil\tName", "Evil\u2028Name"]


def assert_refused(response, message: str = ONE_LINE, statuses=(400,)) -> None:
    assert response.status_code in statuses
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("value", BREAKS)
def test_a_group_name_or_institution_with_a_line_break_is_refused(app, value, specialties):
    from matcher.models import InterestGroup

    coordinator = make_user(app, Role.COORDINATOR)
    client = logged_in(app, coordinator)
    derm = specialties["Dermatology"]
    for field in ("name", "institution"):
        assert_refused(post_form(client, "/groups/new", group_form(derm, **{field: value})))
    group_id = make_group(app, coordinators=(coordinator,))
    for field in ("name", "institution"):
        url = f"/groups/{group_id}/edit"
        assert_refused(post_form(client, url, group_form(derm, **{field: value})))
    with app.app_context():
        names = [g.name for g in db.session.scalars(db.select(InterestGroup))]
    assert names == ["Derm Interest Group"]


def test_a_description_keeps_its_line_breaks_but_no_other_control_characters(app, specialties):
    coordinator = make_user(app, Role.COORDINATOR)
    client = logged_in(app, coordinator)
    derm = specialties["Dermatology"]
    bad = group_form(derm, description="Meetings\x1b[31m monthly")
    assert_refused(post_form(client, "/groups/new", bad), PLAIN_TEXT)
    assert post_form(client, "/groups/new", group_form(derm)).status_code == 302


@pytest.mark.parametrize("value", BREAKS)
def test_a_sign_up_name_with_a_line_break_is_refused(app, client, value):
    """The sign-up page answers every refused form with 200 (its own convention)."""
    data = {"name": value, "email": "new@example.edu", "role": "student"}
    assert_refused(post_form(client, "/signup", data), statuses=(200, 400))
    assert outbox(app) == []


@pytest.mark.parametrize("value", BREAKS)
def test_profile_places_with_a_line_break_are_refused(app, value):
    student = make_user(app, Role.STUDENT, "s@example.edu")
    assert_refused(post_form(logged_in(app, student), "/profile/edit", {"school": value}))
    mentor = make_user(app, Role.MENTOR, "m@example.org")
    client = logged_in(app, mentor)
    for field in ("institution", "region"):
        assert_refused(post_form(client, "/profile/edit", {"capacity": "2", field: value}))


def test_admin_and_coordinator_names_and_subjects_with_a_line_break_are_refused(app):
    admin = logged_in(app, make_user(app, Role.ADMIN))
    value = BREAKS[0]
    invite = {"name": value, "email": "c@example.edu", "role": "coordinator"}
    assert_refused(post_form(admin, "/admin/users", invite))
    assert_refused(post_form(admin, "/admin/specialties", {"name": value}))
    coordinator = make_user(app, Role.COORDINATOR)
    group_id = make_group(app, coordinators=(coordinator,))
    client = logged_in(app, coordinator)
    url = f"/groups/{group_id}/introductions/emails/ask"
    assert_refused(post_form(client, url, {"subject": value, "body": "Hello"}))
    round_form = {"name": value, "slots": "faculty", "peer_min": "1", "peer_max": "2"}
    assert_refused(post_form(client, f"/groups/{group_id}/rounds/new", round_form))


def test_a_choice_checkbox_is_drawn_as_wtforms_draws_it(app):
    """The direct ``OptionCheckbox`` writes what WTForms' ``CheckboxInput`` writes, checked or
    not, with values that need escaping, and hands anything with attributes back to it."""
    choices = [
        SelectChoice("plain", "Plain"),
        SelectChoice('a "quoted" <b>&amp;', "Awkward"),
        SelectChoice("42", "Number"),
    ]

    class Choosing(Form):
        picks = MultiCheckboxField("Picks", choices=choices)

    form = Choosing(MultiDict([("picks", 'a "quoted" <b>&amp;'), ("picks", "42")]))
    options = list(form.picks)
    assert [o.checked for o in options] == [False, True, True]
    for option in options:
        assert option() == CheckboxInput()(option)
    assert options[0](class_="x") == CheckboxInput()(options[0], class_="x")
