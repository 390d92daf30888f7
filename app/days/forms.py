"""The admin's form for one Day."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, StringField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.core.forms import Form

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
