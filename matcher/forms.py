"""Form fields shared by several blueprints, and the base of forms that create something."""

import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

EXPIRED_FORM = "This form has expired. Reload the page and send it again."


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (rendered as a fieldset by ``_forms.html``)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def new_once_token() -> str:
    return secrets.token_urlsafe(24)


class OnceForm(FlaskForm):
    """A form that makes something: it carries a one-time token, issued with the form and
    claimed by ``matcher.submissions.claim`` in the transaction that acts on it, so sending
    it twice (a double click, a resent request) acts once."""

    once_token = HiddenField(
        default=new_once_token, validators=[DataRequired(), Length(min=16, max=64)]
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.once_token.errors and EXPIRED_FORM not in self.form_errors:
            self.form_errors.append(EXPIRED_FORM)
        return valid


def optional_int(value) -> int | None:
    """Coerce a select's value to an int, with the empty choice as ``None``."""
    if value in (None, "", "None"):
        return None
    return int(value)


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value
