"""Desk forms: the search box, a walk-in, a visit note."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.bookings.forms import EmailAddress, PhoneNumber
from app.bookings.models import CATEGORY_TITLES, Category, Topic
from app.core.forms import ChoiceField, Form
from app.core.i18n import localized
from app.core.text import clean_name
from app.places.services import active_districts

from .services import WalkIn

REQUIRED = _l("Required field.")


class SearchForm(Form):
    q = StringField(
        _l("Booking code, name or phone"),
        validators=[DataRequired(REQUIRED), Length(max=200)],
        render_kw={"autofocus": True, "autocomplete": "off", "spellcheck": "false"},
    )


class NoteForm(Form):
    text = TextAreaField(
        _l("What was discussed"), validators=[DataRequired(REQUIRED), Length(max=5000)]
    )
    follow_up = StringField(
        _l("Follow-up (what the office will do)"), validators=[Optional(), Length(max=1000)]
    )


class WalkInForm(Form):
    full_name = StringField(_l("Full name"), filters=[clean_name],
                            validators=[DataRequired(REQUIRED), Length(max=200)])  # fmt: skip
    category = ChoiceField(
        _l("Category"), choices=[(c.value, CATEGORY_TITLES[c]) for c in Category]
    )
    organization = StringField(_l("Organisation"), filters=[clean_name],
                               validators=[Length(max=200)])  # fmt: skip
    district = SelectField(_l("District or city"), validate_choice=False)
    phone = StringField(_l("Phone"), validators=[Length(max=40), PhoneNumber()])
    email = StringField(_l("E-mail (optional)"), validators=[Length(max=254), EmailAddress()])
    topic = ChoiceField(_l("Topic"), choices=[(t.value, t.title) for t in Topic])
    message = TextAreaField(_l("Message"), validators=[Optional(), Length(max=2000)])
    #: ticked by the receptionist after asking the visitor, as the privacy notice requires
    consent = BooleanField(
        _l("The visitor agrees to the processing of their personal data"),
        validators=[DataRequired(_l("Ask the visitor for their consent first."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        districts = active_districts()
        self._districts = {d.code: d for d in districts}
        self.district.choices = [("", _l("— not specified —"))] + [
            (d.code, localized(d)) for d in districts
        ]

    def validate_organization(self, field):
        needs = {c.value for c in Category if c.needs_organization}
        if self.category.data in needs and not (field.data or "").strip():
            raise ValidationError(_l("Please give the organisation."))

    def validate_district(self, field):
        if field.data and field.data not in self._districts:
            raise ValidationError(_l("Unknown district."))
        if self.category.data == Category.delegate.value and not field.data:
            raise ValidationError(_l("A delegate needs their district."))

    def walk_in(self, language):
        district = self._districts.get(self.district.data or "")
        return WalkIn(
            full_name=self.full_name.data.strip(),
            category=Category(self.category.data),
            topic=Topic(self.topic.data),
            phone=self.phone.data or None,
            email=self.email.data or None,
            organization=(self.organization.data or "").strip() or None,
            district_id=district.id if district else None,
            message=(self.message.data or "").strip() or None,
            language=language,
            consent=bool(self.consent.data),
        )
