"""The admin's institution forms: the edit form, merging, affiliating, the CSV upload and the
list's filters."""

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, SubmitField
from wtforms.validators import InputRequired, ValidationError
from wtforms.widgets import HiddenInput

from matcher.forms import (
    MultiCheckboxField,
    OnceForm,
    QueryForm,
    SiteForm,
    WholeNumberField,
    line_field,
    optional_int,
    search_box,
    text_area,
)
from matcher.models import Institution, InstitutionKind
from matcher.models.institution import NAME_LENGTH

MAX_ALIASES = 30
ALIASES_LENGTH = MAX_ALIASES * (NAME_LENGTH + 2)


def alias_lines(text: str | None) -> list[str]:
    """The aliases of a text area: one per line, blank lines left out."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class InstitutionForm(SiteForm):
    """An institution's name, kind, aliases, region, home and departments."""

    name = line_field("Name", Institution.name, required=True)
    kind = SelectField("Kind", choices=InstitutionKind.choices(), default="medical_school")
    aliases = text_area(
        "Other names (aliases)",
        ALIASES_LENGTH,
        description="One per line: abbreviations and older or informal names people type.",
        render_kw={"rows": 4},
    )
    region = line_field("Region", Institution.region, description="A state, province or area.")
    home_id = SelectField(
        "Home",
        coerce=optional_int,
        validate_choice=True,
        description=(
            "A school and its teaching hospitals are one home: choose the institution heading "
            "this one's home, or none if it heads its own."
        ),
    )
    departments = MultiCheckboxField(
        "Departments",
        coerce=int,
        description="Specialties with a department here. Leave all clear if unknown.",
    )
    submit = SubmitField("Save")

    def __init__(self, home_choices, department_choices, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.home_id.choices = [(None, "None: it heads its own home"), *home_choices]
        self.departments.choices = department_choices

    def validate_aliases(self, field) -> None:
        lines = alias_lines(field.data)
        if len(lines) > MAX_ALIASES:
            raise ValidationError(f"Give at most {MAX_ALIASES} aliases.")
        long = [line for line in lines if len(line) > NAME_LENGTH]
        if long:
            raise ValidationError(
                f"Each alias is at most {NAME_LENGTH} characters; {long[0][:40]!r}… is longer."
            )
        if any(";" in line for line in lines):
            raise ValidationError("Aliases cannot hold semicolons (they separate aliases in CSV).")


class NewInstitutionForm(InstitutionForm, OnceForm):
    """``InstitutionForm`` for a new institution: sent twice, it adds one."""

    submit = SubmitField("Add institution")


class MergeForm(SiteForm):
    """Merge this institution into another, named as people see it."""

    target = line_field(
        "Merge into",
        Institution.name,
        required=True,
        description="The institution that stays. Start typing to pick from the list.",
        render_kw={"list": "institution-names", "autocomplete": "off"},
    )
    submit = SubmitField("Merge")


class AffiliateForm(SiteForm):
    home_id = SelectField("Belongs to the home of", coerce=optional_int, validate_choice=True)
    submit = SubmitField("Affiliate")

    def __init__(self, home_choices, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.home_id.choices = [(None, "None: it heads its own home"), *home_choices]


class PairForm(SiteForm):
    """Two institutions of the likely-duplicates list: merge the first into the second, or
    mark them as different."""

    source_id = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])
    target_id = WholeNumberField(widget=HiddenInput(), validators=[InputRequired()])


class ImportForm(OnceForm):
    file = FileField(
        "Institution list (CSV)",
        validators=[
            FileRequired("Choose a CSV file to upload."),
            FileAllowed(["csv"], "Upload a .csv file (save your spreadsheet as CSV UTF-8)."),
        ],
        description=(
            "Columns: name, kind, aliases, region, home, departments, confirmed (only name is "
            "required; lists are separated by semicolons). A row updates the institution of its "
            "name. Nothing is saved unless every row is right."
        ),
    )
    submit = SubmitField("Check and import")


class ActionForm(SiteForm):
    """A one-button action (confirm, delete): its CSRF token only."""


class FilterForm(QueryForm):
    q = search_box("Search names, aliases and regions")
    waiting = BooleanField("Only those waiting for review")
