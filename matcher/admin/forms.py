"""The admin's forms: adding a person with a role, changing a role, switching an account on
or off, and the filters of the people list and the audit log."""

from wtforms import DateField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional, ValidationError

from matcher.auth.forms import email_field
from matcher.forms import (
    MultiCheckboxField,
    OnceForm,
    QueryForm,
    SiteForm,
    line_field,
    search_box,
)
from matcher.models import Role, User
from matcher.urls import LARGEST_ID, whole_number

ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in Role]


class InviteForm(OnceForm):
    """An admin adds a person (typically a coordinator); they choose their password by email."""

    name = line_field("Full name", User.name, required=True)
    email = email_field()
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.COORDINATOR.value)
    submit = SubmitField("Add and email an invitation")


class RoleForm(SiteForm):
    roles = MultiCheckboxField(
        "Roles",
        choices=ROLE_CHOICES,
        description="Student and mentor are the sides a person takes in introductions (a peer "
        "mentor can hold both); coordinator lets them start groups; admin runs the site. "
        "Running one group is that group's own list of coordinators.",
    )
    submit = SubmitField("Save roles")


class ActiveForm(SiteForm):
    submit = SubmitField("Apply")


class UserFilterForm(QueryForm):
    q = search_box("Search name or email")
    role = SelectField(
        "Role", choices=[SelectChoice("", "Any role"), *ROLE_CHOICES], validators=[Optional()]
    )


class AuditFilterForm(QueryForm):
    """Filters of the audit log page, read from the query string."""

    action = SelectField("Action", validators=[Optional()])
    actor = StringField("Who (email or account number)", validators=[Optional(), Length(max=254)])
    since = DateField("From", validators=[Optional()])
    until = DateField("To (inclusive)", validators=[Optional()])

    def __init__(self, actions: list[str], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.action.choices = [SelectChoice("", "Any action")] + [
            SelectChoice(a, a) for a in actions
        ]

    def validate_actor(self, field) -> None:
        """A value of digits alone is an account number: ASCII digits, within what an id
        can be (anything else is searched for in the email)."""
        value = (field.data or "").strip()
        if value.isdigit() and whole_number(value, 0) is None:
            raise ValidationError(
                f"An account number is written with the digits 0-9 and is at most {LARGEST_ID}."
            )
