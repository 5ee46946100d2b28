"""Profile forms. Every field may be left for later; the profile page lists what is missing."""

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from matcher.forms import (
    MultiCheckboxField,
    QueryForm,
    SiteForm,
    WholeNumberField,
    column_length,
    line_field,
    optional_int,
    pick_many,
    search_box,
    single_line,
    strip,
    text_area,
)
from matcher.models import (
    ContactPreference,
    FacultyRank,
    Goal,
    MentorProfile,
    MentorType,
    Specialty,
    Stage,
    StudentProfile,
    WantedMentor,
)

NONE_CHOSEN = SelectChoice("", "Not chosen")
PEER_STAGES = (Stage.MS2, Stage.MS3, Stage.RESEARCH, Stage.MS4)


def specialty_choices(specialties: list[Specialty]) -> list[SelectChoice]:
    return [NONE_CHOSEN, *(SelectChoice(str(s.id), s.name) for s in specialties)]


def focus_choices(specialties: list[Specialty]) -> list[SelectChoice]:
    return [
        SelectChoice(str(area.id), area.name, optgroup=s.name)
        for s in specialties
        for area in s.focus_areas
    ]


class PickerInput(TextInput):
    """A text input that suggests the field's ``names`` as one types, from a native
    ``<datalist>``: no script, and any other name can still be typed."""

    def __call__(self, field, **kwargs) -> Markup:
        list_id = f"{field.id}-names"
        kwargs.setdefault("list", list_id)
        kwargs.setdefault("autocomplete", "off")
        options = Markup("").join(
            Markup('<option value="{}">').format(name) for name in getattr(field, "names", ())
        )
        datalist = Markup('<datalist id="{}">{}</datalist>').format(list_id, options)
        return super().__call__(field, **kwargs) + datalist


def picker_field(label: str, column, **kwargs):
    """A school or institution, picked from the known names as one types (a ``line_field``)."""
    return line_field(label, column, widget=PickerInput(), **kwargs)


def suggestion_field(column) -> RadioField:
    """The known names offered for a name the site does not know; one picked replaces it."""
    return RadioField(
        "Or pick a name from the list",
        description="Pick one and save again: it takes the place of the name you typed.",
        choices=[],
        validate_choice=False,
        validators=[Optional(), Length(max=column_length(column)), single_line],
    )


class ProfileForm(SiteForm):
    """Shared set-up: the specialty vocabulary fills the choices; the known institutions fill
    the place field's suggestions.

    The place field (``place_field``: the student's school, the mentor's institution) has two
    companions shown only when the name typed is unknown: ``<place>_suggestion``, the closest
    known names, and ``add_<place>``, a box to add the name for an admin to review.
    """

    place_field: str = ""
    specialty_fields: tuple[str, ...] = ()

    def __init__(self, specialties: list[Specialty], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._focus_owner = {area.id: s.id for s in specialties for area in s.focus_areas}
        for name in self.specialty_fields:
            getattr(self, name).choices = specialty_choices(specialties)
        self.focus_areas.choices = focus_choices(specialties)
        self._asked = False

    @property
    def place(self):
        return self[self.place_field]

    @property
    def place_suggestion(self):
        return self[f"{self.place_field}_suggestion"]

    @property
    def add_place(self):
        return self[f"add_{self.place_field}"]

    def validate(self, extra_validators=None) -> bool:
        """Field checks; a suggestion picked in place of an unknown name becomes the name."""
        ok = super().validate(extra_validators)
        if self.place_suggestion.errors:
            self.place.errors = [*self.place.errors, *self.place_suggestion.errors]
        elif self.place_suggestion.data:
            self.place.data = self.place_suggestion.data
            self.place_suggestion.data = None
            self.add_place.data = False
        return ok

    def typed_place(self) -> str:
        """The name in the place field when it is fit to look up ("" otherwise)."""
        return "" if self.place.errors else (self.place.data or "")

    def ask_about(self, name: str, suggestions: Sequence[str]) -> None:
        """Show the question for ``name``, which matches no institution: the closest known
        names to pick from and the box to add it as new."""
        closest = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        self.place.errors = [*self.place.errors, f"We don’t know “{name}” yet.{closest}"]
        self.place_suggestion.choices = [SelectChoice(s, s) for s in suggestions]
        self.add_place.label.text = f"Add “{name}” as a new institution (an admin will review it)"
        self._asked = True

    def settle(self, places: Sequence[str]) -> None:
        """Ready the form to show: the place field suggests ``places`` as one types; the
        question's fields are dropped unless ``ask_about`` asked it, and the suggestions when
        there are none."""
        self.place.names = list(places)
        if not self._asked:
            del self[f"add_{self.place_field}"]
        if not self._asked or not self.place_suggestion.choices:
            del self[f"{self.place_field}_suggestion"]

    def chosen_specialties(self) -> list[int]:
        return [
            getattr(self, name).data for name in self.specialty_fields if getattr(self, name).data
        ]

    def validate_focus_areas(self, field) -> None:
        chosen = set(self.chosen_specialties())
        stray = [a for a in field.data or [] if self._focus_owner.get(a) not in chosen]
        if stray:
            raise ValidationError("Choose focus areas only within the specialties you chose.")


class StudentProfileForm(ProfileForm):
    place_field = "school"
    specialty_fields = ("interest_1", "interest_2", "interest_3")

    school = picker_field(
        "Medical school",
        StudentProfile.school,
        description="Start typing to pick your school from the list.",
    )
    school_suggestion = suggestion_field(StudentProfile.school)
    add_school = BooleanField("Add it as a new institution (an admin will review it)")
    stage = SelectField("Stage", choices=[NONE_CHOSEN, *Stage.choices()], validators=[Optional()])
    graduation_year = WholeNumberField(
        "Expected graduation year",
        validators=[Optional(), NumberRange(min=2000, max=date.today().year + 10)],
    )
    interest_1 = SelectField("First-choice specialty", coerce=optional_int, validate_choice=True)
    interest_2 = SelectField("Second choice (optional)", coerce=optional_int)
    interest_3 = SelectField("Third choice (optional)", coerce=optional_int)
    focus_areas = pick_many("Focus and research interests")
    home_has_department = RadioField(
        "Does your school have a department in your first-choice specialty?",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        validators=[Optional()],
        description="Students without a home department are matched with external mentors first.",
    )
    goals = MultiCheckboxField("What do you want from a mentor?", choices=Goal.choices())
    wanted_types = MultiCheckboxField(
        "Which mentors do you want on your board of advisors?", choices=WantedMentor.choices()
    )
    contact_preference = RadioField(
        "How do you prefer to meet?",
        choices=ContactPreference.choices(),
        default=ContactPreference.EMAIL.value,
    )
    statement = text_area(
        "A short statement for your mentors",
        1000,
        description="Up to 1,000 characters: where you are, what you hope for.",
        render_kw={"rows": 5},
    )
    submit = SubmitField("Save profile")

    def explain_home_department(self, on_record: str) -> None:
        """With the school's departments on record (``on_record`` says what they show), the
        question about a home department is only a fallback."""
        if on_record:
            field = self.home_has_department
            field.label.text = f"{field.label.text} (optional)"
            field.description = (
                f"{on_record} Your answer is used only where a school’s departments are "
                "not on record."
            )

    def validate_interest_2(self, field) -> None:
        if field.data and field.data == self.interest_1.data:
            raise ValidationError("Choose a different specialty for each rank.")
        if field.data and not self.interest_1.data:
            raise ValidationError("Choose a first choice before a second.")

    def validate_interest_3(self, field) -> None:
        if field.data and field.data in (self.interest_1.data, self.interest_2.data):
            raise ValidationError("Choose a different specialty for each rank.")
        if field.data and not self.interest_2.data:
            raise ValidationError("Choose a second choice before a third.")


class MentorProfileForm(ProfileForm):
    place_field = "institution"
    specialty_fields = ("specialty",)

    mentor_type = SelectField(
        "I mentor as", choices=[NONE_CHOSEN, *MentorType.choices()], validators=[Optional()]
    )
    faculty_rank = SelectField(
        "Faculty role", choices=[NONE_CHOSEN, *FacultyRank.choices()], validators=[Optional()]
    )
    pgy = WholeNumberField(
        "PGY year (residents)", validators=[Optional(), NumberRange(min=1, max=7)]
    )
    peer_stage = SelectField(
        "Your own stage (peer mentors)",
        choices=[NONE_CHOSEN, *Stage.choices(exclude=(Stage.MS1, Stage.GRADUATED))],
        validators=[Optional()],
    )
    specialty = SelectField("Specialty", coerce=optional_int)
    focus_areas = pick_many("Focus areas")
    institution = picker_field(
        "Institution",
        MentorProfile.institution,
        description="Start typing to pick your hospital, school or health system from the list.",
    )
    institution_suggestion = suggestion_field(MentorProfile.institution)
    add_institution = BooleanField("Add it as a new institution (an admin will review it)")
    region = line_field("Region", MentorProfile.region, description="e.g. Northeast, Midwest")
    offers = MultiCheckboxField("What I can offer", choices=Goal.choices())
    capacity = WholeNumberField(
        "How many mentees can you take at once?",
        validators=[InputRequired(), NumberRange(min=1, max=10)],
        default=2,
    )
    accepting = BooleanField("I am accepting new mentees", default=True)
    preferred_stages = MultiCheckboxField(
        "Mentee stages I prefer (none means any)",
        choices=Stage.choices(exclude=(Stage.GRADUATED,)),
    )
    bio = text_area("A short bio", 1000, render_kw={"rows": 5})
    submit = SubmitField("Save profile")

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the rules that tie fields together (empty fields included)."""
        ok = super().validate(extra_validators)
        kind = self.mentor_type.data
        if kind == MentorType.RESIDENT.value and not self.pgy.data and not self.pgy.errors:
            self.pgy.errors = [*self.pgy.errors, "Residents: give your PGY year."]
            ok = False
        if kind == MentorType.PEER.value and not self.peer_stage.data:
            self.peer_stage.errors = [
                *self.peer_stage.errors,
                "Peer mentors: give your own stage (at least MS2).",
            ]
            ok = False
        if self.faculty_rank.data and kind != MentorType.FACULTY.value:
            self.faculty_rank.errors = [
                *self.faculty_rank.errors,
                "Only faculty have a faculty role.",
            ]
            ok = False
        return ok


class DirectoryFilterForm(QueryForm):
    q = search_box("Search", 100, filters=[strip])
    specialty = SelectField("Specialty", coerce=optional_int, validators=[Optional()])
    mentor_type = SelectField(
        "Mentor type",
        choices=[SelectChoice("", "Any"), *MentorType.choices()],
        validators=[Optional()],
    )
    accepting = BooleanField("Accepting new mentees only")

    def __init__(self, specialties: list[Specialty], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.specialty.choices = [SelectChoice("", "Any"), *specialty_choices(specialties)[1:]]


class DeleteAccountForm(SiteForm):
    password = PasswordField(
        "Your password",
        validators=[InputRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        "I understand this removes my profile, memberships and log-in for good.",
        validators=[InputRequired(message="Tick the box to confirm.")],
    )
    submit = SubmitField("Delete my account")
