"""The booking form (pages) and the same rules for the API's JSON."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.core.forms import ChoiceField, Form
from app.core.i18n import localized
from app.core.text import clean_name
from app.places.services import active_districts

from . import services
from .models import PUBLIC_CATEGORIES, Category, Topic

REQUIRED = _l("Required field.")
NAME_MAX = 200
MESSAGE_MAX = 2000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class PhoneNumber:
    """A phone as people type it → E.164 in ``field.data``; empty → None."""

    def __call__(self, form, field):
        if not (field.data or "").strip():
            field.data = None
            return
        try:
            field.data = services.normalize_phone(field.data)
        except ValueError:
            raise ValidationError(_l("Invalid phone number.")) from None


class EmailAddress:
    """An e-mail address, checked without DNS and lower-cased; empty → None."""

    def __call__(self, form, field):
        if not (field.data or "").strip():
            field.data = None
            return
        try:
            field.data = services.normalize_email(field.data)
        except ValueError:
            raise ValidationError(_l("Invalid e-mail address.")) from None


class VisitorForm(Form):
    """Who comes and why; shared by the booking page and POST /api/bookings."""

    full_name = StringField(
        _l("Full name"),
        filters=[clean_name],
        validators=[DataRequired(REQUIRED), Length(max=NAME_MAX)],
    )
    category = ChoiceField(
        _l("I come as"),
        choices=[(c.value, c.title) for c in PUBLIC_CATEGORIES],
        message=REQUIRED,
    )
    organization = StringField(
        _l("Organisation"),
        filters=[clean_name],
        validators=[Length(max=NAME_MAX)],
        description=_l("Required for NPOs, businesses and parties."),
    )
    district = SelectField(_l("District or city"), validators=[Optional()])
    phone = StringField(
        _l("Phone"),
        filters=[_strip],
        validators=[DataRequired(REQUIRED), Length(max=40), PhoneNumber()],
        description=_l("For example 8 701 123 45 67."),
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    email = StringField(
        _l("E-mail (optional)"),
        filters=[_strip],
        validators=[Length(max=254), EmailAddress()],
        description=_l("We send the confirmation and the calendar file there."),
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )
    topic = RadioField(
        _l("Topic"),
        choices=[(t.value, t.title) for t in Topic],
        validators=[InputRequired(REQUIRED)],
    )
    message = TextAreaField(
        _l("Message"),
        filters=[_strip],
        validators=[Optional(), Length(max=MESSAGE_MAX)],
        description=_l("Briefly, what you would like to discuss (optional)."),
    )
    consent = BooleanField(
        _l("I agree to the processing of my personal data"),
        validators=[DataRequired(_l("Your consent is needed to book."))],
    )
    #: a field people never see: bots fill it in
    website = StringField(_l("Leave this field empty"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        districts = active_districts()
        self._districts = {d.code: d for d in districts}
        self.district.choices = [("", _l("— not specified —"))] + [
            (d.code, localized(d)) for d in districts
        ]

    def validate_organization(self, field):
        needs = {c.value for c in Category if c.needs_organization}
        if self.category.data in needs and not field.data:
            raise ValidationError(_l("Please give the organisation."))

    def validate_district(self, field):
        if field.data and field.data not in self._districts:
            raise ValidationError(_l("Unknown district."))

    def is_bot(self):
        return bool(self.website.data)

    def visitor(self, language):
        district = self._districts.get(self.district.data or "")
        return services.Visitor(
            full_name=self.full_name.data,
            category=Category(self.category.data),
            organization=self.organization.data or None,
            district_id=district.id if district else None,
            phone=self.phone.data,
            email=self.email.data,
            topic=Topic(self.topic.data),
            message=self.message.data or None,
            language=language,
            consent=bool(self.consent.data),
        )


class BookingForm(VisitorForm):
    slot_id = RadioField(_l("Time"), coerce=int, validators=[InputRequired(_l("Choose a time."))])


class CancelForm(Form):
    token = HiddenField()


class SmsForm(Form):
    token = HiddenField()
    #: "on": SMS again, "off": no more SMS
    sms = HiddenField()


class MoveForm(Form):
    token = HiddenField()
    slot_id = ChoiceField(_l("New time"), coerce=int, message=_l("Choose a time."))
