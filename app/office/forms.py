"""The office's forms: a Day, a district, a personal-data request, the settings."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.auth.models import Role
from app.bookings.forms import EmailAddress, PhoneNumber
from app.core.forms import ChoiceField, Form
from app.core.i18n import LOCAL_TZ

REQUIRED = _l("Required field.")


class DayForm(Form):
    date = DateField(_l("Date"), validators=[InputRequired(REQUIRED)])
    opens = TimeField(_l("Opens at"), validators=[InputRequired(REQUIRED)])
    closes = TimeField(_l("Closes at"), validators=[InputRequired(REQUIRED)])
    slot_minutes = IntegerField(
        _l("Slot length, minutes"), validators=[InputRequired(REQUIRED), NumberRange(5, 240)]
    )
    slot_capacity = IntegerField(
        _l("Seats in each slot"), validators=[InputRequired(REQUIRED), NumberRange(0, 50)]
    )
    break_from = TimeField(_l("Break from"), validators=[Optional()])
    break_to = TimeField(_l("Break to"), validators=[Optional()])
    note = StringField(_l("Note for visitors"), validators=[Optional(), Length(max=500)])
    cancelled = BooleanField(_l("Cancel this Day (everyone booked is told)"))

    def fill_from(self, day):
        """The form as the Day is now (local times)."""
        self.date.data = day.date
        self.opens.data = day.local_starts_at.time()
        self.closes.data = day.local_ends_at.time()
        self.slot_minutes.data = day.slot_minutes
        self.slot_capacity.data = day.slot_capacity
        self.break_from.data = _local_time(day.break_starts_at)
        self.break_to.data = _local_time(day.break_ends_at)
        self.note.data = day.note
        self.cancelled.data = day.is_cancelled


def _local_time(moment):
    return moment.astimezone(LOCAL_TZ).time() if moment else None


class DistrictForm(Form):
    name_ru = StringField(
        _l("Name in Russian"), validators=[InputRequired(REQUIRED), Length(max=120)]
    )
    name_kk = StringField(
        _l("Name in Kazakh"), validators=[InputRequired(REQUIRED), Length(max=120)]
    )
    prefix = StringField(
        _l("Registry prefix"),
        validators=[InputRequired(REQUIRED), Length(max=3)],
        description=_l("Three Latin letters that start the district registry's numbers."),
    )
    is_active = BooleanField(_l("Active: takes bookings, delegates and proposals"))
    delegates = RadioField(
        _l("Delegates registered for Days ahead"),
        choices=[
            ("keep", _l("Keep them: they still come to their Day")),
            ("cancel", _l("Cancel their registrations (each is told by e-mail)")),
        ],
        validators=[Optional()],
    )


class PersonForm(Form):
    """Whom a personal-data request is about: a phone, an e-mail, or both."""

    phone = StringField(_l("Phone"), validators=[Length(max=40), PhoneNumber()])
    email = StringField(_l("E-mail"), validators=[Length(max=254), EmailAddress()])

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if not self.phone.data and not self.email.data:
            self.phone.errors = [*self.phone.errors, _l("Give a phone or an e-mail.")]
            return False
        return True


class EraseForm(PersonForm):
    confirm = BooleanField(
        _l("I confirm: this person asked for their personal data to be erased"),
        validators=[InputRequired(_l("Please confirm."))],
    )


class SettingsForm(Form):
    answer_days = IntegerField(
        _l("Working days to answer a proposal"),
        validators=[InputRequired(REQUIRED), NumberRange(1, 120)],
        description=_l("Counted from registration; weekends and public holidays do not count."),
    )
    retention_months = IntegerField(
        _l("Months personal data is kept after a Day"),
        validators=[InputRequired(REQUIRED), NumberRange(12, 600)],
        description=_l("At least 12; the privacy notice promises 36."),
    )


class RoleForm(Form):
    role = ChoiceField(
        _l("Role"), choices=[(r.value, r.title) for r in Role], message=_l("Choose the role.")
    )
    district = SelectField(_l("District or city"), validators=[Optional()])


class TokenForm(Form):
    name = StringField(
        _l("What the token is for"),
        validators=[InputRequired(REQUIRED), Length(max=100)],
        description=_l("e.g. desk scanner 1"),
    )
