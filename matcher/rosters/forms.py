"""Roster forms: the filter bars (GET, no CSRF) and the CSV upload."""

from dataclasses import replace

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from matcher.forms import OnceForm, QueryForm
from matcher.models import MentorType, Specialty, Stage
from matcher.rosters.services import RosterFilters

YES_NO = {"yes": True, "no": False}


class _RosterFilterForm(QueryForm):
    q = StringField(
        "Search name or email",
        validators=[
            Optional(),
            Length(max=120, message="Search for 120 characters at most; the search was ignored."),
        ],
    )
    specialty = SelectField("Specialty", validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for f in self:
            if f.errors and f.type == "SelectField":
                f.errors = [
                    f"That {f.label.text.lower()} is not one of the choices; it was ignored."
                ]
        return valid

    def set_specialties(self, specialties: list[Specialty]) -> None:
        self.specialty.choices = [SelectChoice("", "Any specialty")] + [
            SelectChoice(str(s.id), s.name if s.active else f"{s.name} (retired)")
            for s in specialties
        ]

    def _valid(self, name: str) -> str:
        """The field's value, or "" when it was refused (a refused filter is not applied)."""
        f = self[name]
        return "" if f.errors or not f.data else f.data

    def filters(self) -> RosterFilters:
        specialty = self._valid("specialty")
        return RosterFilters(
            q="" if self.q.errors else (self.q.data or ""),
            specialty_id=int(specialty) if specialty else None,
            complete=YES_NO.get(self._valid("complete")),
        )

    def query_args(self) -> dict[str, str]:
        """The applied filters as query-string arguments, for pager and export links."""
        return {
            f.name: f.data
            for f in self
            if f.type in ("StringField", "SelectField") and f.data and not f.errors
        }


def _complete_field() -> SelectField:
    return SelectField(
        "Profile",
        choices=[
            SelectChoice("", "Complete or not"),
            SelectChoice("yes", "Complete"),
            SelectChoice("no", "Incomplete"),
        ],
        validators=[Optional()],
    )


class StudentFilterForm(_RosterFilterForm):
    stage = SelectField(
        "Stage",
        choices=[SelectChoice("", "Any stage"), *(SelectChoice(s.value, s.label) for s in Stage)],
        validators=[Optional()],
    )
    complete = _complete_field()

    def filters(self) -> RosterFilters:
        stage = self._valid("stage")
        return replace(super().filters(), stage=Stage(stage) if stage else None)


class MentorFilterForm(_RosterFilterForm):
    mentor_type = SelectField(
        "Mentor type",
        choices=[
            SelectChoice("", "Any type"),
            *(SelectChoice(t.value, t.label) for t in MentorType),
        ],
        validators=[Optional()],
    )
    accepting = SelectField(
        "Taking students",
        choices=[
            SelectChoice("", "Accepting or not"),
            SelectChoice("yes", "Accepting"),
            SelectChoice("no", "Not accepting"),
        ],
        validators=[Optional()],
    )
    complete = _complete_field()

    def filters(self) -> RosterFilters:
        mentor_type = self._valid("mentor_type")
        return replace(
            super().filters(),
            mentor_type=MentorType(mentor_type) if mentor_type else None,
            accepting=YES_NO.get(self._valid("accepting")),
        )


class ImportForm(OnceForm):
    file = FileField(
        "Roster file (CSV)",
        validators=[
            FileRequired("Choose a CSV file to upload."),
            FileAllowed(["csv"], "Upload a .csv file (save your spreadsheet as CSV UTF-8)."),
        ],
        description="Up to 10,000 rows. Nothing is saved unless every row is right.",
    )
    submit = SubmitField("Check and import")
