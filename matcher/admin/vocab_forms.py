"""The forms that add and rename specialties and their focus areas."""

from wtforms import BooleanField, SubmitField

from matcher.forms import SiteForm, line_field
from matcher.models import FocusArea, Specialty


class SpecialtyForm(SiteForm):
    name = line_field("Specialty", Specialty.name, required=True)
    submit = SubmitField("Add specialty")


class SpecialtyEditForm(SiteForm):
    name = line_field("Name", Specialty.name, required=True)
    active = BooleanField("Offered in profiles and groups")
    submit = SubmitField("Save")


class FocusAreaForm(SiteForm):
    name = line_field("New focus area", FocusArea.name, required=True)
    submit = SubmitField("Add focus area")
