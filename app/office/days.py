"""An admin moves, re-times, re-seats or cancels a Day — and everyone booked on it is told.

This spans days (the calendar and its slots) and bookings (the people on them), so it lives
here, above both.
"""

from dataclasses import dataclass
from datetime import date, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.bookings import services as bookings
from app.bookings.facts import Moment
from app.bookings.models import Booking, BookingStatus
from app.core import audit
from app.core.i18n import LOCAL_TZ
from app.days.models import DayStatus
from app.days.services import DayError, build_slots, day_by_date, local_moment
from app.extensions import db
from app.queue import waitlist


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
SEATS_TAKEN = _l("Some slots already have more bookings than that.")


def _active_bookings(day):
    return db.session.scalars(
        select(Booking)
        .where(Booking.day_id == day.id, Booking.status != BookingStatus.cancelled)
        .options(selectinload(Booking.slot))
    ).all()


def _local_time(moment):
    return moment.astimezone(LOCAL_TZ).time() if moment else None


def edit_day(day, changes, *, now, by=None):
    """Move, re-time, re-seat or cancel a Day. Visitors with an active booking are told by
    mail (with the new time, or the cancellation). Generation never touches it again.
    Returns how many people were booked."""
    if changes.closes <= changes.opens or changes.slot_minutes <= 0 or changes.slot_capacity < 0:
        raise DayError("bad_hours", BAD_HOURS)
    has_break = bool(changes.break_from or changes.break_to)
    break_fits = bool(
        changes.break_from
        and changes.break_to
        and changes.opens <= changes.break_from < changes.break_to <= changes.closes
    )
    if has_break and not break_fits:
        raise DayError("bad_hours", BAD_HOURS)
    other = day_by_date(changes.date)
    if other is not None and other.id != day.id:
        raise DayError("date_taken", TAKEN_DATE, status=409)
    before = {"date": day.date.isoformat(), "status": day.status.value,
              "opens": f"{day.local_starts_at:%H:%M}", "closes": f"{day.local_ends_at:%H:%M}",
              "slot_minutes": day.slot_minutes, "slot_capacity": day.slot_capacity}  # fmt: skip
    active = _active_bookings(day)
    layout_changed = (
        changes.opens != day.local_starts_at.time()
        or changes.closes != day.local_ends_at.time()
        or changes.slot_minutes != day.slot_minutes
        or (changes.break_from, changes.break_to)
        != (_local_time(day.break_starts_at), _local_time(day.break_ends_at))
    )
    booked = any(b.slot_id is not None for b in active)
    if layout_changed and booked and not changes.cancelled:
        raise DayError("has_bookings", HAS_BOOKINGS, status=409)
    moved = changes.date != day.date
    was_cancelled = day.is_cancelled
    cancelling = changes.cancelled and not was_cancelled
    # Each visitor's time as it was, for the "moved from" line of their mail.
    previous = {
        b.id: Moment(day.date, (b.slot or day).starts_at, (b.slot or day).ends_at) for b in active
    }
    day.is_edited = True
    day.note = (changes.note or "").strip()[:500] or None
    told = []
    if cancelling:
        day.status = DayStatus.cancelled
        # Those still expected lose their booking (and seat); who came or did not stays.
        told = [b for b in active if b.status == BookingStatus.confirmed]
        for booking in told:
            bookings.cancel_booking(booking, now=now, by=by, tell=None, while_open=False)
        waitlist.close(day, now=now)
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
            raise DayError("seats_taken", SEATS_TAKEN, status=409)
        day.slot_capacity = changes.slot_capacity
        for slot in day.slots:
            slot.capacity = changes.slot_capacity
    if moved or layout_changed or was_cancelled != day.is_cancelled:
        # What subscribers of the calendar feed see has changed.
        day.sequence += 1
        day.updated_at = now
    db.session.flush()
    if not cancelling and moved:
        told = [b for b in active if b.status == BookingStatus.confirmed]
        for booking in told:
            booking.sequence += 1
            booking.reminder_queued_at = None  # the reminder follows the new date
    if changes.slot_capacity > before["slot_capacity"] and not day.is_cancelled:
        waitlist.fill(day, now=now)  # the new seats go to the waiting list first
    for booking in told:
        bookings.notify("day_changed", booking, slot=booking.slot, day=day,
                        previous=previous[booking.id] if moved else None)  # fmt: skip
    audit.record(by, "day.edit", day, label=day.date.isoformat(), before=before,
                 after={"date": day.date.isoformat(), "status": day.status.value,
                        "opens": f"{changes.opens:%H:%M}", "closes": f"{changes.closes:%H:%M}",
                        "slot_minutes": day.slot_minutes, "slot_capacity": day.slot_capacity,
                        "told": sum(1 for b in told if b.email)})  # fmt: skip
    return len(active)
