"""iCalendar (RFC 5545) for Days: the subscription feed and single events."""

from datetime import date

from flask_babel import gettext as _
from icalendar import Calendar, Event

from app.core.i18n import LOCAL_TZ

PRODID = "-//Karaganda Regional Project Office//Civil Initiatives Day//RU"


def address():
    return _("Karaganda, Gogol St 31, office 204")


def day_uid(day):
    # Stable when a Day is moved, so a subscribed calendar updates the event.
    return f"day-{day.id}@civil-initiatives-day.karaganda"


def day_event(day, stamp):
    event = Event.new(
        uid=day_uid(day),
        start=day.starts_at.astimezone(LOCAL_TZ),
        end=day.ends_at.astimezone(LOCAL_TZ),
        stamp=stamp,
        summary=_("Civil Initiatives Day"),
        description=_(
            "Citizens, NPOs, businesses and political parties discuss with the Regional "
            "Project Office how the programme goes, problems in its projects and proposals "
            "to improve the work."
        ),
        location=address(),
        status="CANCELLED" if day.is_cancelled else "CONFIRMED",
    )
    return event


def new_calendar(*, method=None, name=None):
    return Calendar.new(prodid=PRODID, method=method, name=name)


def finish(cal, days):
    """Add the VTIMEZONE the events need and serialise."""
    if days:
        cal.add_missing_timezones(
            first_date=date(min(d.date for d in days).year - 1, 1, 1),
            last_date=date(max(d.date for d in days).year + 1, 12, 31),
        )
    return cal.to_ical()


def calendar_feed(days, stamp):
    cal = new_calendar(name=_("Civil Initiatives Day"))
    for day in days:
        cal.add_component(day_event(day, stamp))
    return finish(cal, days)
