"""Form fields shared by several blueprints, and the base of forms that create something."""

import secrets

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.form import _Auto
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import HiddenField, SelectMultipleField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

EXPIRED_FORM = "This form has expired. Reload the page and send it again."


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (rendered as a fieldset by ``_forms.html``)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def new_once_token() -> str:
    return secrets.token_urlsafe(24)


class SiteForm(FlaskForm):
    """The base of every form. A submitted form reads the posted form fields only, and an
    uploaded file only in a file field: a file or a JSON body sent in place of text would
    otherwise reach validators that expect a string."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if formdata is not _Auto:
                return formdata
            if not form.is_submitted():
                return None
            uploads = {field.name for field in form if isinstance(field, FileField)}
            files = MultiDict(
                (name, file) for name, file in request.files.items(multi=True) if name in uploads
            )
            if files:
                return CombinedMultiDict((files, request.form))
            return request.form or None


class OnceForm(SiteForm):
    """A form that makes something: it carries a one-time token, issued with the form and
    claimed by ``matcher.submissions.claim`` in the transaction that acts on it, so sending
    it twice (a double click, a resent request) acts once."""

    once_token = HiddenField(
        default=new_once_token, validators=[InputRequired(), Length(min=16, max=64)]
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
