"""The waiting-list form: the booking form's visitor, with the hours they can come."""

from datetime import time

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Optional

from app.bookings.forms import VisitorForm
from app.core.forms import Form

from .waitlist import Window

ANY = _l("— any time —")


def _hhmm(moment):
    return moment.strftime("%H:%M")


class WaitlistForm(VisitorForm):
    earliest = SelectField(_l("I can come from"), validators=[Optional()])
    latest = SelectField(_l("I can come until"), validators=[Optional()])

    def set_hours(self, day):
        """The choices: the starts and ends of the Day's slots (local time)."""
        starts = sorted({_hhmm(s.local_starts_at) for s in day.slots})
        ends = sorted({_hhmm(s.local_ends_at) for s in day.slots})
        self.earliest.choices = [("", ANY)] + [(t, t) for t in starts]
        self.latest.choices = [("", ANY)] + [(t, t) for t in ends]

    def window(self):
        return Window(parse_time(self.earliest.data), parse_time(self.latest.data))


class LeaveForm(Form):
    pass


def parse_time(raw):
    """ "HH:MM" → a time; "" or None → None. Raises ValueError for anything else."""
    if not raw:
        return None
    if len(raw) != 5 or raw[2] != ":" or not (raw[:2] + raw[3:]).isdigit():
        raise ValueError(raw)
    return time(int(raw[:2]), int(raw[3:]))
