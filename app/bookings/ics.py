"""A booking as an iCalendar event: the download, and the mail attachment."""

from flask_babel import gettext as _
from icalendar import Event

from app.core.db import utcnow
from app.core.i18n import LOCAL_TZ
from app.days import ics as day_ics


def booking_uid(booking):
    return f"booking-{booking.code}@civil-initiatives-day.karaganda"


def booking_calendar(booking, method="PUBLISH", *, manage_url=None):
    """One VEVENT for the booked slot. ``method`` is PUBLISH (download), REQUEST (mail)
    or CANCEL (the cancellation mail)."""
    cal = day_ics.new_calendar(method=method)
    slot = booking.slot
    start = slot.starts_at if slot else booking.day.starts_at
    end = slot.ends_at if slot else booking.day.ends_at
    lines = [
        _("Booking code: %(code)s", code=booking.code),
        _("Topic: %(topic)s", topic=booking.topic.title),
    ]
    if manage_url:
        lines.append(_("Manage booking: %(url)s", url=manage_url))
    event = Event.new(
        uid=booking_uid(booking),
        start=start.astimezone(LOCAL_TZ),
        end=end.astimezone(LOCAL_TZ),
        stamp=utcnow(),
        sequence=booking.sequence,
        summary=_("Civil Initiatives Day"),
        description="\n".join(lines),
        location=day_ics.address(),
        status="CANCELLED" if method == "CANCEL" else "CONFIRMED",
    )
    cal.add_component(event)
    return day_ics.finish(cal, [booking.day])
