"""The calendar of Days: the last-Friday rule, holidays, slots and generation."""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import holidays
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.core.db import utcnow
from app.core.errors import DomainError
from app.core.i18n import LOCAL_TZ
from app.extensions import db

from .models import Day, DayStatus, Slot

OPENS = time(10, 0)
CLOSES = time(16, 0)
SLOT_MINUTES = 20
SLOT_CAPACITY = 2
FRIDAY = 4


class DayError(DomainError):
    """A rule of the calendar was broken; the message is translatable."""

    def __init__(self, message):
        super().__init__("day", message)


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


def has_bookings(day):
    from app.bookings.models import Booking  # bookings build on days, not the reverse

    return (
        db.session.scalar(select(Booking.id).where(Booking.day_id == day.id).limit(1)) is not None
    )


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
        elif existing.date != wanted and not existing.is_edited and not has_bookings(existing):
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


BOOKING_OPENS_DAYS = 30


def booking_window(slot):
    """(opens, closes) moments for booking a slot: 30 days before its Day, until it starts."""
    opens = local_moment(slot.day.date - timedelta(days=BOOKING_OPENS_DAYS), time(0, 0))
    return opens, slot.starts_at


# --- an admin edits a Day ---------------------------------------------------------------------


@dataclass
class DayChanges:
    """What an admin set on a Day's page."""

    date: date
    opens: time
    closes: time
    slot_minutes: int
    slot_capacity: int
    break_from: time | None = None
    break_to: time | None = None
    note: str | None = None
    cancelled: bool = False


HAS_BOOKINGS = _l(
    "This Day has bookings: its hours, slot length and break cannot change. Move it to "
    "another date, give its slots more seats, or cancel it."
)
TAKEN_DATE = _l("There is already a Day on that date.")
BAD_HOURS = _l("The Day must end after it starts, and the break must lie within the Day.")


def _active_bookings(day):
    from app.bookings.models import Booking, BookingStatus

    return db.session.scalars(
        select(Booking)
        .where(Booking.day_id == day.id, Booking.status != BookingStatus.cancelled)
        .options(selectinload(Booking.slot))
    ).all()


def edit_day(day, changes, *, now, by=None):
    """Move, re-time, re-seat or cancel a Day. Visitors with an active booking are told by
    mail (with the new time, or the cancellation). Generation never touches it again."""
    from app.bookings import services as bookings
    from app.bookings.facts import Moment
    from app.core import audit

    if changes.closes <= changes.opens or changes.slot_minutes <= 0 or changes.slot_capacity < 0:
        raise DayError(BAD_HOURS)
    has_break = bool(changes.break_from or changes.break_to)
    break_fits = bool(
        changes.break_from
        and changes.break_to
        and changes.opens <= changes.break_from < changes.break_to <= changes.closes
    )
    if has_break and not break_fits:
        raise DayError(BAD_HOURS)  # fmt: skip
    other = day_by_date(changes.date)
    if other is not None and other.id != day.id:
        raise DayError(TAKEN_DATE)
    before = {"date": day.date.isoformat(), "status": day.status.value,
              "opens": f"{day.local_starts_at:%H:%M}", "closes": f"{day.local_ends_at:%H:%M}",
              "slot_minutes": day.slot_minutes, "slot_capacity": day.slot_capacity}  # fmt: skip
    active = _active_bookings(day)
    layout_changed = (
        changes.opens != day.local_starts_at.time()
        or changes.closes != day.local_ends_at.time()
        or changes.slot_minutes != day.slot_minutes
        or (changes.break_from, changes.break_to)
        != (
            day.break_starts_at.astimezone(LOCAL_TZ).time() if day.break_starts_at else None,
            day.break_ends_at.astimezone(LOCAL_TZ).time() if day.break_ends_at else None,
        )
    )
    booked = any(b.slot_id is not None for b in active)
    if layout_changed and booked and not changes.cancelled:
        raise DayError(HAS_BOOKINGS)
    moved = changes.date != day.date
    was_cancelled = day.is_cancelled
    # Each visitor's time as it was, for the "moved from" line of their mail.
    previous = {
        b.id: Moment(day.date, (b.slot or day).starts_at, (b.slot or day).ends_at) for b in active
    }
    day.is_edited = True
    day.note = (changes.note or "").strip()[:500] or None
    if changes.cancelled and not day.is_cancelled:
        day.status = DayStatus.cancelled
        for booking in active:
            if booking.holds_seat:
                bookings.release_seat(booking.slot_id)
            booking.status = booking.status.__class__.cancelled
            booking.cancelled_at = now
            booking.sequence += 1
    elif not changes.cancelled:
        day.status = DayStatus.scheduled
    if moved or layout_changed:
        old_slots = {s.id: s.local_starts_at.time() for s in day.slots}
        day.date = changes.date
        day.starts_at = local_moment(changes.date, changes.opens)
        day.ends_at = local_moment(changes.date, changes.closes)
        day.slot_minutes = changes.slot_minutes
        day.break_starts_at = (
            local_moment(changes.date, changes.break_from) if changes.break_from else None
        )
        day.break_ends_at = (
            local_moment(changes.date, changes.break_to) if changes.break_to else None
        )
        if booked:
            # Same hours on another date: every slot, with its bookings, moves along.
            for slot in day.slots:
                length = slot.ends_at - slot.starts_at
                slot.starts_at = local_moment(changes.date, old_slots[slot.id])
                slot.ends_at = slot.starts_at + length
        else:
            build_slots(day)
    if changes.slot_capacity != day.slot_capacity:
        if any(s.booked > changes.slot_capacity for s in day.slots):
            raise DayError(_l("Some slots already have more bookings than that."))
        day.slot_capacity = changes.slot_capacity
        for slot in day.slots:
            slot.capacity = changes.slot_capacity
    if moved or layout_changed or was_cancelled != day.is_cancelled:
        # What subscribers of the calendar feed see has changed.
        day.sequence += 1
        day.updated_at = now
    db.session.flush()
    if moved or (changes.cancelled and not was_cancelled):
        for booking in active:
            if not changes.cancelled:
                booking.sequence += 1
                booking.reminder_queued_at = None  # the reminder follows the new date
            bookings.notify("day_changed", booking, slot=booking.slot, day=day,
                            previous=previous[booking.id] if moved else None)  # fmt: skip
    audit.record(by, "day.edit", day, label=day.date.isoformat(), before=before,
                 after={"date": day.date.isoformat(), "status": day.status.value,
                        "opens": f"{changes.opens:%H:%M}", "closes": f"{changes.closes:%H:%M}",
                        "slot_minutes": day.slot_minutes, "slot_capacity": day.slot_capacity,
                        "told": sum(1 for b in active if b.email)})  # fmt: skip
    return len(active)
