"""A group's forms: creating and editing it, adding a coordinator, and one-button actions."""

from wtforms import RadioField, SelectChoice, SubmitField
from wtforms.validators import InputRequired

from matcher.auth.forms import email_field
from matcher.forms import OnceForm, SiteForm, line_field, pick_many, text_area
from matcher.models import GroupKind, InterestGroup, JoinPolicy, Specialty


class GroupForm(OnceForm):
    name = line_field(
        "Group name",
        InterestGroup.name,
        required=True,
        description="e.g. Westbrook Dermatology Interest Group",
    )
    kind = RadioField(
        "Kind of group",
        choices=[SelectChoice(k.value, k.label) for k in GroupKind],
        default=GroupKind.SCHOOL.value,
    )
    institution = line_field("School or society", InterestGroup.institution)
    specialties = pick_many(
        "Specialties the group covers",
        validators=[InputRequired(message="Choose at least one specialty.")],
    )
    join_policy = RadioField(
        "Joining",
        choices=[SelectChoice(p.value, p.label) for p in JoinPolicy],
        default=JoinPolicy.OPEN.value,
    )
    description = text_area("Description", 2000, render_kw={"rows": 4})
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
