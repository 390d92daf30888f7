"""The base of every page form, and the select a person must choose from themselves."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import Choice
from wtforms.utils import unset_value
from wtforms.validators import StopValidation


class Form(FlaskForm):
    """A FlaskForm whose hidden inputs (the CSRF token, a manage token) carry no id.

    Nothing labels a hidden input, and a page with several forms would otherwise repeat
    ``id="csrf_token"``.
    """

    class Meta:
        def render_field(self, field, render_kw):
            if getattr(field.widget, "input_type", None) == "hidden":
                render_kw = {"id": False, **render_kw}
            return super().render_field(field, render_kw)


class ChoiceField(SelectField):
    """A required select that starts on an empty placeholder: the page never chooses for
    the person, and leaving it empty is refused with ``message``.

    ``default`` only fills the field when a request leaves it out altogether (the JSON API
    accepts a booking without ``category``, a proposal without ``kind``); a page shown for
    the first time starts empty whatever the default.
    """

    def __init__(self, label=None, validators=None, *, placeholder=None, message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.placeholder = placeholder or _l("— choose —")
        self.message = message or _l("Choose one of the options.")
        self.flags.required = True

    def process(self, formdata, data=unset_value, extra_filters=None):
        if formdata is None and data is unset_value:
            data = None  # nothing chosen yet
        super().process(formdata, data, extra_filters)

    def iter_choices(self):
        nothing = self.data in (None, "")
        placeholder = Choice(value="", label=self.placeholder, selected=nothing, render_kw={})
        return [placeholder, *super().iter_choices()]

    def pre_validate(self, form):
        if not self.process_errors and self.data in (None, ""):
            raise StopValidation(self.message)
        super().pre_validate(form)
