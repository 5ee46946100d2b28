from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from matcher.forms import SiteForm, strip


class SpecialtyForm(SiteForm):
    name = StringField("Specialty", validators=[InputRequired(), Length(max=100)], filters=[strip])
    submit = SubmitField("Add specialty")


class SpecialtyEditForm(SiteForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=100)], filters=[strip])
    active = BooleanField("Offered in profiles and groups")
    submit = SubmitField("Save")


class FocusAreaForm(SiteForm):
    name = StringField(
        "New focus area", validators=[InputRequired(), Length(max=100)], filters=[strip]
    )
    submit = SubmitField("Add focus area")
