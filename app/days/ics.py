"""iCalendar (RFC 5545) for Days: the subscription feed and single events.

The feed is a pure function of the Days as stored: no per-fetch identifiers, each event's
SEQUENCE and LAST-MODIFIED (also its DTSTAMP) change only when an admin moves, re-times or
cancels the Day, so subscribed calendars update exactly then.
"""

from datetime import date

from flask_babel import gettext as _
from icalendar import Calendar, Event

from app.core.i18n import LOCAL_TZ

PRODID = "-//Karaganda Regional Project Office//Civil Initiatives Day//RU"
FEED_UID = "calendar@civil-initiatives-day.karaganda"


def address():
    return _("Karaganda, Gogol St 31, office 204")


def day_uid(day):
    # Stable when a Day is moved, so a subscribed calendar updates the event.
    return f"day-{day.id}@civil-initiatives-day.karaganda"


def day_event(day):
    return Event.new(
        uid=day_uid(day),
        start=day.starts_at.astimezone(LOCAL_TZ),
        end=day.ends_at.astimezone(LOCAL_TZ),
        stamp=day.updated_at,
        last_modified=day.updated_at,
        sequence=day.sequence,
        summary=_("Civil Initiatives Day"),
        description=_(
            "Citizens, NPOs, businesses and political parties discuss with the Regional "
            "Project Office how the programme goes, problems in its projects and proposals "
            "to improve the work."
        ),
        location=address(),
        status="CANCELLED" if day.is_cancelled else "CONFIRMED",
    )


def new_calendar(*, method=None, name=None, uid=None):
    # Calendar.new would invent a random UID on every call.
    return Calendar.new(prodid=PRODID, method=method, name=name, uid=uid or FEED_UID)


def finish(cal, dates):
    """Add the VTIMEZONE the events need and serialise."""
    if dates:
        cal.add_missing_timezones(
            first_date=date(min(dates).year - 1, 1, 1),
            last_date=date(max(dates).year + 1, 12, 31),
        )
    return cal.to_ical()


def calendar_feed(days):
    cal = new_calendar(name=_("Civil Initiatives Day"))
    for day in days:
        cal.add_component(day_event(day))
    return finish(cal, [day.date for day in days])
