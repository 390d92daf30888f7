"""Sign-in and user administration forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from .models import Role

REQUIRED = _l("Required field.")


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=200)])
    next = HiddenField()


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    full_name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[(r.value, r.title) for r in Role])
    district = SelectField(_l("District or city"), validators=[Optional()])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=200)])


class ActionForm(FlaskForm):
    """A button that changes something (CSRF only)."""
