"""Forms of the coordinator's area and the quota settings."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from app.bookings.forms import EmailAddress, PhoneNumber
from app.bookings.models import DELEGATE_ROLE_TITLES, DelegateRole
from app.core.forms import ChoiceField, Form
from app.core.text import clean_name

from .services import DelegatePerson

REQUIRED = _l("Required field.")


class DelegateForm(Form):
    full_name = StringField(_l("Full name"), filters=[clean_name],
                            validators=[DataRequired(REQUIRED), Length(max=200)])  # fmt: skip
    position = StringField(_l("Position"), filters=[clean_name],
                           validators=[DataRequired(REQUIRED), Length(max=200)])  # fmt: skip
    organization = StringField(_l("Organisation"), filters=[clean_name],
                               validators=[Optional(), Length(max=200)])  # fmt: skip
    phone = StringField(_l("Phone"), validators=[DataRequired(REQUIRED), Length(max=40),
                                                  PhoneNumber()],
                        render_kw={"inputmode": "tel"})  # fmt: skip
    email = StringField(_l("E-mail (optional)"), validators=[Length(max=254), EmailAddress()])
    role = ChoiceField(
        _l("Sent as"), choices=[(r.value, DELEGATE_ROLE_TITLES[r]) for r in DelegateRole]
    )
    slot_id = SelectField(_l("Time"), coerce=int, validate_choice=False)

    def person(self, language):
        return DelegatePerson(
            full_name=" ".join(self.full_name.data.split()),
            position=self.position.data.strip(),
            organization=(self.organization.data or "").strip() or None,
            phone=self.phone.data,
            email=self.email.data,
            role=DelegateRole(self.role.data),
            language=language,
        )


class QuotaForm(Form):
    delegate_min = IntegerField(
        _l("Minimum"), validators=[InputRequired(REQUIRED), NumberRange(0, 20)]
    )
    delegate_target = IntegerField(
        _l("Target"), validators=[InputRequired(REQUIRED), NumberRange(0, 20)]
    )
