from wtforms import (
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from matcher.auth.forms import email_field
from matcher.forms import OnceForm, SiteForm, strip
from matcher.models import GroupKind, JoinPolicy, Specialty


class GroupForm(OnceForm):
    name = StringField(
        "Group name",
        validators=[InputRequired(), Length(max=160)],
        filters=[strip],
        description="e.g. Westbrook Dermatology Interest Group",
    )
    kind = RadioField(
        "Kind of group",
        choices=[SelectChoice(k.value, k.label) for k in GroupKind],
        default=GroupKind.SCHOOL.value,
    )
    institution = StringField(
        "School or society", validators=[Optional(), Length(max=160)], filters=[strip]
    )
    specialties = SelectMultipleField(
        "Specialties the group covers",
        coerce=int,
        validators=[InputRequired(message="Choose at least one specialty.")],
        description="Hold Ctrl (Cmd on a Mac) to choose several.",
        render_kw={"size": 8},
    )
    join_policy = RadioField(
        "Joining",
        choices=[SelectChoice(p.value, p.label) for p in JoinPolicy],
        default=JoinPolicy.OPEN.value,
    )
    description = TextAreaField("Description", validators=[Length(max=2000)], render_kw={"rows": 4})
    submit = SubmitField("Save group")

    def __init__(self, specialties: list[Specialty], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.specialties.choices = [SelectChoice(str(s.id), s.name) for s in specialties]


class CoordinatorForm(SiteForm):
    email = email_field("Coordinator's email")
    submit = SubmitField("Add coordinator")


class ActionForm(SiteForm):
    """A CSRF-checked button (join, approve, remove...)."""

    submit = SubmitField("Confirm")
