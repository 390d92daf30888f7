"""Desk rules: find a visitor, check in (idempotent, undoable), walk-ins, no-shows, notes.

Every change is audited and nothing is committed here; the view commits once.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from app.bookings import services as bookings
from app.bookings.models import Booking, BookingStatus, Category, Source, Topic
from app.core import audit, outbox
from app.core.errors import DomainError
from app.days.models import Slot
from app.extensions import db

from .models import VisitNote

NOTE_MAX = 5000


class DeskError(DomainError):
    """The desk cannot do this; ``code`` for the API, ``message`` for people."""


CANCELLED = _l("This booking was cancelled.")
OTHER_DAY = _l("This booking is for another Day: %(date)s.")
NOT_ARRIVED = _l("This visitor is not checked in.")
SLOT_NOT_OVER = _l("A no-show can be marked only after the slot has ended.")
NOT_EXPECTED = _l("Only a visitor who is expected can be marked as a no-show.")
HAS_BOOKING = _l("This phone already has a booking for this Day (%(code)s): check it in instead.")


def _state(booking):
    return audit.snapshot(booking, "status", "checked_in_at", "checked_in_by_id")


def day_bookings(day):
    """A Day's bookings for the desk, by time (walk-ins last), loaded in three queries."""
    return db.session.scalars(
        select(Booking)
        .outerjoin(Slot, Slot.id == Booking.slot_id)
        .where(Booking.day_id == day.id)
        .options(
            selectinload(Booking.slot),
            selectinload(Booking.district),
            selectinload(Booking.notes),
        )
        .order_by(Slot.starts_at.is_(None), Slot.starts_at, Booking.created_at)
    ).all()


def unreached(day_list):
    """Visitors of the Day a message did not reach (mail given up on, SMS refused or not
    delivered), with what failed: the desk calls them. One query."""
    by_thread = {f"booking:{b.code}": b for b in day_list}
    if not by_thread:
        return []
    seen, found = set(), []
    for message in outbox.undelivered(threads=by_thread):
        booking = by_thread[message.thread]
        if booking.id not in seen and booking.is_active:
            seen.add(booking.id)
            found.append((booking, message))
    return found


def search(day_list, query):
    """Bookings of the Day whose name or phone matches what was typed (Cyrillic-safe)."""
    needle = " ".join(query.casefold().split())
    digits = "".join(ch for ch in query if ch.isdigit())
    found = []
    for booking in day_list:
        by_name = bool(needle) and needle in booking.full_name.casefold()
        by_phone = len(digits) >= 4 and bool(booking.phone) and digits[-10:] in booking.phone
        if by_name or by_phone:
            found.append(booking)
    return found


def booking_by_code(raw):
    code = bookings.clean_code(raw)
    if not code:
        return None
    return db.session.scalar(select(Booking).where(Booking.code == code))


def check_in(booking, *, day, by, now):
    """Mark arrival. Returns True if this call checked in, False if already arrived."""
    if booking.day_id != day.id:
        raise DeskError("wrong_day", OTHER_DAY, date=booking.day.date.isoformat())
    if booking.status == BookingStatus.cancelled:
        raise DeskError("cancelled", CANCELLED)
    if booking.status == BookingStatus.checked_in:
        return False
    before = _state(booking)
    booking.status = BookingStatus.checked_in
    booking.checked_in_at = now
    booking.checked_in_by_id = by.id if by else None
    audit.record(by, "booking.check_in", booking, before=before, after=_state(booking),
                 label=booking.code)  # fmt: skip
    return True


def undo_check_in(booking, *, by):
    if booking.status != BookingStatus.checked_in:
        raise DeskError("not_checked_in", NOT_ARRIVED)
    if booking.source == Source.walk_in:
        # A walk-in exists only because they came: undoing it cancels the record.
        before = _state(booking)
        booking.status = BookingStatus.cancelled
    else:
        before = _state(booking)
        booking.status = BookingStatus.confirmed
    booking.checked_in_at = None
    booking.checked_in_by_id = None
    audit.record(by, "booking.undo_check_in", booking, before=before, after=_state(booking),
                 label=booking.code)  # fmt: skip


@dataclass
class WalkIn:
    full_name: str
    category: Category
    topic: Topic
    phone: str | None = None
    email: str | None = None
    organization: str | None = None
    district_id: int | None = None
    message: str | None = None
    language: str = "ru"
    #: the visitor agreed to the processing of their data (asked by the receptionist)
    consent: bool = False


def register_walk_in(day, walk_in, *, by, now):
    """Someone came without booking: recorded and checked in at once, outside capacity."""
    if walk_in.phone or walk_in.email:
        existing_id = bookings.find_duplicate(day.id, walk_in.phone, walk_in.email)
        if existing_id:
            existing = db.session.get(Booking, existing_id)
            raise DeskError("duplicate", HAS_BOOKING, code=existing.code)
    visitor = bookings.Visitor(
        full_name=walk_in.full_name,
        category=walk_in.category,
        phone=walk_in.phone,
        topic=walk_in.topic,
        language=walk_in.language,
        organization=walk_in.organization,
        district_id=walk_in.district_id,
        email=walk_in.email,
        message=walk_in.message,
        consent=walk_in.consent,
    )
    booking = bookings.create_booking(day, visitor, now=now, source=Source.walk_in, by=by)
    audit.record(by, "booking.walk_in", booking, after=_state(booking), label=booking.code)
    return booking


def mark_no_show(booking, *, by, now):
    if booking.status != BookingStatus.confirmed:
        raise DeskError("not_expected", NOT_EXPECTED)
    if booking.slot is None or now < booking.slot.ends_at:
        raise DeskError("too_early", SLOT_NOT_OVER)
    before = _state(booking)
    booking.status = BookingStatus.no_show
    audit.record(by, "booking.no_show", booking, before=before, after=_state(booking),
                 label=booking.code)  # fmt: skip


def mark_slot_no_shows(slot, *, by, now):
    """Every visitor still expected in a slot that has ended becomes a no-show."""
    if now < slot.ends_at:
        raise DeskError("too_early", SLOT_NOT_OVER)
    expected = db.session.scalars(
        select(Booking).where(Booking.slot_id == slot.id, Booking.status == BookingStatus.confirmed)
    ).all()
    for booking in expected:
        mark_no_show(booking, by=by, now=now)
    return len(expected)


def add_note(booking, text, follow_up=None, *, by):
    text = (text or "").strip()
    if not text:
        raise DeskError("empty", _l("Write what was discussed."))
    note = VisitNote(
        booking=booking,
        author_id=by.id if by else None,
        text=text[:NOTE_MAX],
        follow_up=(follow_up or "").strip()[:1000] or None,
    )
    db.session.add(note)
    db.session.flush()
    audit.record(by, "booking.note", booking, after={"note_id": note.id, "text": note.text,
                 "follow_up": note.follow_up}, label=booking.code)  # fmt: skip
    return note


def attendance(day):
    """Counters of a Day in one query: booked (not walk-ins, not cancelled), checked in
    (everyone who arrived, walk-ins included), walk-ins, no-shows; and, so that the desk
    reads them without sums, the booked who arrived and those still expected."""
    walk_in = Booking.source == Source.walk_in
    status = Booking.status
    row = db.session.execute(
        select(
            func.count(case(((status != BookingStatus.cancelled) & ~walk_in, 1))),
            func.count(case((status == BookingStatus.checked_in, 1))),
            func.count(case(((status == BookingStatus.checked_in) & walk_in, 1))),
            func.count(case((status == BookingStatus.no_show, 1))),
            func.count(case(((status == BookingStatus.checked_in) & ~walk_in, 1))),
            func.count(case(((status == BookingStatus.confirmed) & ~walk_in, 1))),
        ).where(Booking.day_id == day.id)
    ).one()
    return {"booked": row[0], "checked_in": row[1], "walk_ins": row[2], "no_show": row[3],
            "arrived_booked": row[4], "expected": row[5]}  # fmt: skip
