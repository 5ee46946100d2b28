"""Account forms."""

from wtforms import EmailField, PasswordField, RadioField, SelectChoice, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from matcher.auth.passwords import MAX_LENGTH, password_problem
from matcher.forms import (
    OnceForm,
    SiteForm,
    column_length,
    line_field,
    single_line,
    strip,
    time_zone_field,
)
from matcher.models.user import SIDES, User


def acceptable_password(form, field) -> None:
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


PASSWORD_HELP = "At least 8 characters. A long phrase you will remember is best."  # noqa: S105


def email_field(label: str = "Email", description: str = "") -> EmailField:
    return EmailField(
        label,
        description=description,
        validators=[
            InputRequired(),
            Email(message="Enter a valid email address."),
            Length(max=column_length(User.email)),
            single_line,
        ],
        filters=[strip],
        render_kw={"autocomplete": "email"},
    )


def new_password_fields(label: str = "Password") -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        label,
        validators=[InputRequired(), acceptable_password],
        description=PASSWORD_HELP,
        render_kw={"autocomplete": "new-password", "maxlength": MAX_LENGTH},
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[InputRequired(), EqualTo("password", message="The passwords do not match.")],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class SignupForm(OnceForm):
    name = line_field("Full name", User.name, required=True, render_kw={"autocomplete": "name"})
    email = email_field()
    role = RadioField(
        "I am joining as",
        choices=[
            SelectChoice(SIDES[0].value, "A student looking for mentors"),
            SelectChoice(SIDES[1].value, "A mentor (resident, fellow, faculty or peer student)"),
        ],
        validators=[InputRequired(message="Choose student or mentor.")],
        description="A peer mentor who also wants mentors: join as a student, then add a "
        "mentor profile from your profile page (or the other way round).",
    )
    time_zone = time_zone_field(
        "Your time zone",
        browser_zone=True,
        description="Dates and times are shown to you in this zone. You can change it later.",
    )
    submit = SubmitField("Email me a link to continue")


class ConfirmSignupForm(OnceForm):
    password, confirm = new_password_fields("Choose a password")
    submit = SubmitField("Create my account")


class LoginForm(SiteForm):
    email = email_field()
    password = PasswordField(
        "Password",
        validators=[InputRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Log in")


class ResetRequestForm(SiteForm):
    email = email_field()
    submit = SubmitField("Email me a link")


class ResetPasswordForm(SiteForm):
    password, confirm = new_password_fields("New password")
    submit = SubmitField("Set new password")


class AcceptInvitationForm(SiteForm):
    password, confirm = new_password_fields("Choose a password")
    submit = SubmitField("Set my password")


class RenewInvitationForm(SiteForm):
    submit = SubmitField("Email me a new link")


class TimeZoneForm(SiteForm):
    time_zone = time_zone_field(
        "Time zone",
        description="Dates and times on the site and in your emails are shown in this zone.",
    )
    submit = SubmitField("Save time zone")


class ChangePasswordForm(SiteForm):
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = new_password_fields("New password")
    submit = SubmitField("Change password")
