"""A group's forms: creating and editing it, adding a coordinator, one-button actions, the
group directory's search bar and the invite-code box."""

from wtforms import BooleanField, RadioField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from matcher.auth.forms import email_field
from matcher.forms import (
    MultiCheckboxField,
    OnceForm,
    QueryForm,
    SiteForm,
    line_field,
    optional_int,
    strip,
    text_area,
    time_zone_field,
)
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
    specialties = MultiCheckboxField(
        "Specialties the group covers",
        coerce=int,
        validators=[InputRequired(message="Choose at least one specialty.")],
    )
    join_policy = RadioField(
        "Joining",
        choices=[SelectChoice(p.value, p.label) for p in JoinPolicy],
        default=JoinPolicy.OPEN.value,
    )
    description = text_area(
        "Description",
        2000,
        render_kw={"rows": 4},
        description="Shown on the invite page and, if the group is listed, in the group directory.",
    )
    listed = BooleanField(
        "List the group in the group directory",
        description=(
            "Anyone can then find it by name, specialty or institution and ask to join; the "
            "joining rule above still applies. Unlisted groups are reached only by invite link."
        ),
    )
    time_zone = time_zone_field(
        "Group's time zone",
        description=(
            "People you invite or import start with it (each can change their own). "
            "Deadlines are shown to everyone in their own zone."
        ),
    )
    submit = SubmitField("Save group")

    def __init__(self, specialties: list[Specialty], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.specialties.choices = [SelectChoice(str(s.id), s.name) for s in specialties]


class CoordinatorForm(SiteForm):
    email = email_field(
        "Email of a member or coordinator",
        description="Any member of the group can help run it: a student leader, a resident.",
    )
    submit = SubmitField("Add coordinator")


class ActionForm(SiteForm):
    """A CSRF-checked button (join, approve, remove...)."""

    submit = SubmitField("Confirm")


class DirectorySearchForm(QueryForm):
    """The group directory's search bar; a refused filter is dropped and named on the page."""

    q = StringField(
        "Name, specialty or institution",
        validators=[
            Optional(),
            Length(max=100, message="Search for 100 characters at most; the search was ignored."),
        ],
        filters=[strip],
    )
    specialty = SelectField("Specialty", coerce=optional_int, validators=[Optional()])
    kind = SelectField(
        "Kind of group",
        choices=[
            SelectChoice("", "Any kind"),
            *(SelectChoice(k.value, k.label) for k in GroupKind),
        ],
        validators=[Optional()],
    )

    def __init__(self, specialties: list[Specialty], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.specialty.choices = [
            SelectChoice("", "Any specialty"),
            *(SelectChoice(str(s.id), s.name) for s in specialties),
        ]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for f in (self.specialty, self.kind):
            if f.errors:
                f.errors = [
                    f"That {f.label.text.lower()} is not one of the choices; it was ignored."
                ]
        return valid

    def applied(self, name: str):
        """The field's value, or ``None`` when it is empty or was refused."""
        f = self[name]
        return None if f.errors or not f.data else f.data

    def query_args(self) -> dict[str, str]:
        """The applied filters as query-string arguments, for the pager."""
        return {
            name: str(value) for name in ("q", "specialty", "kind") if (value := self.applied(name))
        }


class InviteCodeForm(QueryForm):
    """The invite-code box: a code, or the whole invite link pasted."""

    code = StringField(
        "Invite code or link",
        validators=[
            InputRequired(message="Type the invite code your coordinator gave you."),
            Length(max=500, message="That is too long for an invite code or link."),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"},
        description="The last part of the invite link; pasting the whole link works too.",
    )
