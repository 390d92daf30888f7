"""Sign-in and user administration forms."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import ChoiceField, Form
from app.core.text import clean_name

from .models import Role

REQUIRED = _l("Required field.")


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=200)])
    next = HiddenField()


class UserForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    full_name = StringField(
        _l("Full name"), filters=[clean_name], validators=[Optional(), Length(max=200)]
    )
    role = ChoiceField(
        _l("Role"), choices=[(r.value, r.title) for r in Role], message=_l("Choose the role.")
    )
    district = SelectField(_l("District or city"), validators=[Optional()])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=200)])


class ActionForm(Form):
    """A button that changes something (CSRF only)."""
