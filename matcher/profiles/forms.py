"""Profile forms. Every field may be left for later; the profile page lists what is missing."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask import request
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
    return [SelectChoice(area.id, area.name) for s in specialties for area in s.focus_areas]


SHOW_FOCUS_AREAS = "show_focus_areas"
"""The name of the button that sends the form back only to show the focus areas of the
specialties chosen (for browsers without script; with it they show as one chooses)."""


@dataclass(frozen=True)
class ChoiceGroup:
    """One specialty's focus areas as checkboxes; ``hidden`` while the specialty is not chosen."""

    key: int
    label: str
    options: list
    hidden: bool


class GroupedCheckboxField(MultiCheckboxField):
    """Checkboxes in groups (``groups``, set by the form), each shown only while the choice it
    belongs to is made in one of the ``follows`` fields; ``refresh`` names the button that sends
    the form back to show the groups of the choices made, for browsers without script."""

    groups: Sequence[ChoiceGroup] = ()
    follows: tuple[str, ...] = ()
    refresh = SHOW_FOCUS_AREAS
    refresh_label = "Show the focus areas of the specialties chosen"


def focus_field(label: str) -> GroupedCheckboxField:
    return GroupedCheckboxField(
        label,
        coerce=int,
        description="Only the focus areas of the specialties you chose are offered.",
    )


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
        for name in self.specialty_fields:
            getattr(self, name).choices = specialty_choices(specialties)
        self.focus_areas.choices = focus_choices(specialties)
        self.focus_areas.follows = self.specialty_fields
        self._specialties = specialties
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
        self._group_focus_areas()
        if not self._asked:
            del self[f"add_{self.place_field}"]
        if not self._asked or not self.place_suggestion.choices:
            del self[f"{self.place_field}_suggestion"]

    def chosen_specialties(self) -> list[int]:
        return [
            getattr(self, name).data for name in self.specialty_fields if getattr(self, name).data
        ]

    def showing_focus_areas(self) -> bool:
        """Whether the form was sent back only to show the focus areas of the specialties
        chosen (nothing is saved then)."""
        return self.is_submitted() and SHOW_FOCUS_AREAS in request.form

    def _group_focus_areas(self) -> None:
        chosen = set(self.chosen_specialties())
        options = {option.data: option for option in self.focus_areas}
        self.focus_areas.groups = [
            ChoiceGroup(s.id, s.name, [options[a.id] for a in s.focus_areas], s.id not in chosen)
            for s in self._specialties
            if s.focus_areas
        ]


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
    focus_areas = focus_field("Focus and research interests")
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
    focus_areas = focus_field("Focus areas")
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


class SideForm(SiteForm):
    """Take on the other side of introductions too (student or mentor)."""

    side = RadioField(
        "Side",
        choices=[SelectChoice("student", "Student"), SelectChoice("mentor", "Mentor")],
        validators=[InputRequired()],
    )


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
