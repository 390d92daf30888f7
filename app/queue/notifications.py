"""Mail of the waiting list, rendered from the outbox snapshot in the person's language."""

from flask_babel import gettext as _

from app.bookings.notifications import _mail
from app.core.outbox import renderer


@renderer("waitlist_promoted")
def waitlist_promoted(row):
    """A seat freed and the waiting person got it: the booking's confirmation, its .ics
    (METHOD:REQUEST) and the manage link to cancel if they cannot come."""
    return _mail(row, lambda: _("A seat has freed up: your booking is confirmed"),
                 "waitlist_promoted")  # fmt: skip
