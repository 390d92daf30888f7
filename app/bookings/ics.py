"""A booking as an iCalendar object: the mail attachment and the download.

A visitor with an e-mail gets an invitation in the sense of RFC 5546 — ``METHOD:REQUEST``
(or ``CANCEL`` once cancelled) naming the office as ORGANIZER and the visitor as ATTENDEE —
so calendar programs add, update and remove the event by its UID and SEQUENCE. Without an
e-mail there is no attendee to name: the download is a plain ``PUBLISH``.
"""

from flask_babel import gettext as _
from icalendar import Event, vCalAddress

from app.core.i18n import LOCAL_TZ
from app.core.mail import sender
from app.days import ics as day_ics


def booking_uid(code):
    return f"booking-{code}@civil-initiatives-day.karaganda"


def method_for(facts):
    if not facts.email:
        return "PUBLISH"
    return "CANCEL" if facts.cancelled else "REQUEST"


def _organizer():
    name, address = sender()
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["CN"] = name or _("Regional Project Office")
    return organizer


def _attendee(facts, method):
    attendee = vCalAddress(f"mailto:{facts.email}")
    attendee.params["CN"] = facts.full_name
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    if method == "REQUEST":
        attendee.params["PARTSTAT"] = "NEEDS-ACTION"
    return attendee


def booking_calendar(facts, *, stamp, manage_url=None):
    """One VEVENT for the booked time, as the facts say it was at their change."""
    method = method_for(facts)
    cal = day_ics.new_calendar(method=method, uid=booking_uid(facts.code))
    lines = [
        _("Booking code: %(code)s", code=facts.code),
        _("Topic: %(topic)s", topic=facts.topic.title),
    ]
    if manage_url and not facts.cancelled:
        lines.append(_("Manage booking: %(url)s", url=manage_url))
    invitation = method != "PUBLISH"
    event = Event.new(
        uid=booking_uid(facts.code),
        start=facts.when.starts_at.astimezone(LOCAL_TZ),
        end=facts.when.ends_at.astimezone(LOCAL_TZ),
        stamp=stamp,
        sequence=facts.sequence,
        summary=_("Civil Initiatives Day"),
        description="\n".join(lines),
        location=day_ics.address(),
        status="CANCELLED" if facts.cancelled else "CONFIRMED",
        organizer=_organizer() if invitation else None,
        attendees=[_attendee(facts, method)] if invitation else None,
    )
    cal.add_component(event)
    return day_ics.finish(cal, [facts.when.date])
