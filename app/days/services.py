"""The calendar of Days: the last-Friday rule, holidays, slots and generation."""

import calendar
import enum
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import holidays
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core.db import utcnow
from app.core.errors import DomainError
from app.core.i18n import LOCAL_TZ
from app.extensions import db

from .models import Day, DayStatus, Slot

#: a Day opens for booking this many days before it (at 00:00 Asia/Almaty)
BOOKING_OPENS_DAYS = 30
OPENS = time(10, 0)
CLOSES = time(16, 0)
SLOT_MINUTES = 20
SLOT_CAPACITY = 2
FRIDAY = 4


class DayError(DomainError):
    """A rule of the calendar refused a change (``code``: bad_hours, date_taken,
    has_bookings, seats_taken)."""

    status = 422


@cache
def _holidays_of(year):
    return holidays.country_holidays("KZ", years=year, language="en_US")


def is_holiday(day):
    return day in _holidays_of(day.year)


def holiday_name(day):
    return _holidays_of(day.year).get(day)


def is_working_day(day):
    return day.weekday() < 5 and not is_holiday(day)


def last_friday(year, month):
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - FRIDAY) % 7)


def day_date_for(year, month):
    """The date of a month's Day: its last Friday, or the nearest earlier working day."""
    candidate = last_friday(year, month)
    while not is_working_day(candidate):
        candidate -= timedelta(days=1)
    return candidate


def local_moment(on, at):
    """A wall-clock time in Asia/Almaty on a date, as an aware UTC datetime."""
    return datetime.combine(on, at, tzinfo=LOCAL_TZ).astimezone(UTC)


def slot_windows(day):
    """(start, end) of each slot of a Day, skipping its break."""
    step = timedelta(minutes=day.slot_minutes)
    start = day.starts_at
    while start + step <= day.ends_at:
        end = start + step
        in_break = (
            day.break_starts_at is not None
            and start < day.break_ends_at
            and end > day.break_starts_at
        )
        if not in_break:
            yield start, end
        start = end


def build_slots(day):
    """Lay out a Day's slots from its settings (a Day without bookings only)."""
    if day.slots:
        # Old rows go first: the new ones may take the same start times.
        day.slots.clear()
        db.session.flush()
    day.slots = [
        Slot(starts_at=start, ends_at=end, capacity=day.slot_capacity, booked=0)
        for start, end in slot_windows(day)
    ]


def new_day(on, *, opens=OPENS, closes=CLOSES, slot_minutes=SLOT_MINUTES, capacity=SLOT_CAPACITY):
    day = Day(
        date=on,
        starts_at=local_moment(on, opens),
        ends_at=local_moment(on, closes),
        slot_minutes=slot_minutes,
        slot_capacity=capacity,
        status=DayStatus.scheduled,
    )
    build_slots(day)
    return day


#: checks a higher layer registers (bookings: "has this Day bookings?"), so generation
#: never moves a Day someone is coming to, without days knowing what a booking is
IN_USE_CHECKS = []


def in_use(day):
    return any(check(day) for check in IN_USE_CHECKS)


def month_range(start, months):
    year, month = start.year, start.month
    for _ in range(months):
        yield year, month
        month += 1
        if month > 12:
            year, month = year + 1, 1


def generate_days(start, months=12):
    """Create the Day of each month from ``start``; returns counts by outcome.

    Idempotent: a month that has its Day keeps it. A generated Day with no
    bookings follows the rule if the holiday calendar changed; a Day an admin
    edited, or one with bookings, is never touched.
    """
    outcome = {"created": 0, "moved": 0, "kept": 0}
    for year, month in month_range(start, months):
        first = date(year, month, 1)
        after = date(year + (month == 12), month % 12 + 1, 1)
        wanted = day_date_for(year, month)
        existing = db.session.scalar(
            select(Day).where(Day.date >= first, Day.date < after).order_by(Day.date).limit(1)
        )
        if existing is None:
            db.session.add(new_day(wanted))
            outcome["created"] += 1
        elif existing.date != wanted and not existing.is_edited and not in_use(existing):
            opens = existing.local_starts_at.time()
            closes = existing.local_ends_at.time()
            existing.date = wanted
            existing.starts_at = local_moment(wanted, opens)
            existing.ends_at = local_moment(wanted, closes)
            existing.break_starts_at = existing.break_ends_at = None
            build_slots(existing)
            existing.sequence += 1
            existing.updated_at = utcnow()
            outcome["moved"] += 1
        else:
            outcome["kept"] += 1
    db.session.flush()
    return outcome


def today_local(now):
    return now.astimezone(LOCAL_TZ).date()


# --- what a visitor can do with a Day ---------------------------------------------------


class BookingState(enum.StrEnum):
    """What a visitor can do with a Day now: shown first on the home page and the Day's page."""

    open = "open"
    opens = "opens"
    full = "full"
    closed = "closed"
    cancelled = "cancelled"

    @property
    def title(self):
        return {
            "open": _l("Booking is open"),
            "opens": _l("Not open for booking yet"),
            "full": _l("All times are taken"),
            "closed": _l("Booking is closed"),
            "cancelled": _l("The Day is cancelled"),
        }[self.value]


def booking_opens_at(day):
    """A Day opens for booking at 00:00 Asia/Almaty, BOOKING_OPENS_DAYS before it."""
    return local_moment(day.date - timedelta(days=BOOKING_OPENS_DAYS), time(0, 0))


def booking_state(day, now, free, *, all_started=False):
    """The state of a Day for a visitor, ``free`` being the seats still bookable in it
    (``all_started``: every slot has begun, so no seat will come free)."""
    if day.status == DayStatus.cancelled:
        return BookingState.cancelled
    if now < booking_opens_at(day):
        return BookingState.opens
    if now >= day.ends_at or all_started:
        return BookingState.closed
    if free == 0:
        return BookingState.full
    return BookingState.open


def day_by_date(on):
    return db.session.scalar(select(Day).where(Day.date == on))


def days_with_seats(from_date, *, limit=None, scheduled_only=False):
    """Days from a date with their seats in one query: [(day, seats_total, seats_free)]."""
    total = func.coalesce(func.sum(Slot.capacity), 0)
    taken = func.coalesce(func.sum(Slot.booked), 0)
    stmt = (
        select(Day, total, total - taken)
        .outerjoin(Slot, Slot.day_id == Day.id)
        .where(Day.date >= from_date)
        .group_by(Day.id)
        .order_by(Day.date)
    )
    if scheduled_only:
        stmt = stmt.where(Day.status == DayStatus.scheduled)
    if limit:
        stmt = stmt.limit(limit)
    return [(day, int(seats), int(free)) for day, seats, free in db.session.execute(stmt)]


def next_day(now):
    """The next scheduled Day that has not ended yet."""
    return db.session.scalar(
        select(Day)
        .where(Day.status == DayStatus.scheduled, Day.ends_at > now)
        .order_by(Day.date)
        .limit(1)
    )


def scheduled_days(since):
    return db.session.scalars(select(Day).where(Day.date >= since).order_by(Day.date)).all()


# --- the districts' reporting dates (seed point 5) ---------------------------------------


def fridays(year, month):
    return [
        date(year, month, day)
        for day in range(1, calendar.monthrange(year, month)[1] + 1)
        if date(year, month, day).weekday() == 4
    ]


def report_dates(year, month):
    """The 2nd and 4th Friday of a month: the districts' reporting dates (seed point 5)."""
    found = fridays(year, month)
    return [found[1], found[3]]


def next_report_dates(today, count=2):
    result = []
    year, month = today.year, today.month
    while len(result) < count:
        result.extend(d for d in report_dates(year, month) if d >= today)
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return result[:count]


def previous_report_date(on):
    earlier = [d for d in report_dates(on.year, on.month) if d < on]
    if earlier:
        return earlier[-1]
    year, month = (on.year - 1, 12) if on.month == 1 else (on.year, on.month - 1)
    return report_dates(year, month)[-1]


def end_of(on):
    """The end of a date in Asia/Almaty (the next midnight), as an aware moment."""
    return local_moment(on + timedelta(days=1), time(0))
