"""Booking rules: seats, the booking window, codes and manage tokens, cancel and move.

Every rule is here so that the pages, the API and the CLI share it. Functions change the
session and never commit; the caller commits once, or rolls back on BookingError.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import time, timedelta

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.core import outbox
from app.core.errors import DomainError
from app.core.i18n import LOCAL_TZ
from app.days.models import Day, DayStatus, Slot
from app.days.services import local_moment
from app.extensions import db

from .facts import BookingFacts, Moment
from .models import Booking, BookingStatus, Category, Source, Topic

#: unambiguous: no 0/O/Q, 1/I/L, 2/Z, 5/S, 6/G, 8/B, U/V
CODE_ALPHABET = "ACDEFHJKMNPRTWXY3479"
CODE_LENGTH = 6
BOOKING_OPENS_DAYS = 30
PRIVACY_VERSION = "2026-11"


class BookingError(DomainError):
    """A booking rule refused the request. ``code`` is the API's error code."""


SLOT_FULL = _l("This time is already taken. Please choose another one.")
DUPLICATE = _l("There is already a booking for this Day with this phone or e-mail.")
CLOSED = _l("Booking for this time is closed.")
NOT_OPEN = _l("Booking for this Day opens 30 days before it.")
DAY_CANCELLED = _l("This Day is cancelled.")
SAME_SLOT = _l("The booking is already at this time.")
NOT_CANCELLABLE = _l("This booking can no longer be changed.")


@dataclass
class Visitor:
    """Who books, as the form or the API gave it (already validated)."""

    full_name: str
    category: Category
    phone: str
    topic: Topic
    language: str = "ru"
    organization: str | None = None
    district_id: int | None = None
    email: str | None = None
    message: str | None = None
    consent: bool = False


# --- normalisation -------------------------------------------------------------------


def normalize_phone(raw):
    """A phone as people type it ("8 701 123 45 67", "+7 (701) 123-45-67") → E.164.

    Raises ValueError when it is not a valid number.
    """
    if not raw or len(raw) > 40:
        raise ValueError("empty or too long")
    try:
        number = phonenumbers.parse(raw, "KZ")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(str(exc)) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw):
    """Syntax only (no DNS); lower-cased so one address is one address."""
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None
    return result.normalized.lower()


# --- codes and tokens -------------------------------------------------------------------


def new_code():
    """A fresh code not used by any booking yet (one indexed look-up, rarely two)."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Booking.id).where(Booking.code == code)) is None:
            return code


def clean_code(raw):
    """What a person or a scanner typed → a code to look up (or None)."""
    if not raw:
        return None
    code = "".join(ch for ch in raw.upper() if ch.isalnum())
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def manage_token(code):
    """The secret of a booking's manage link: an HMAC of its code under SECRET_KEY.

    Only its hash is stored; the mail worker derives it again to put the link in a mail.
    Rotating SECRET_KEY ends the links already sent (their hashes no longer match a
    derived token, so mails then go without the link).
    """
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"manage-token:{code}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(booking, token):
    if booking is None or not token or len(token) > 200:
        return False
    return hmac.compare_digest(booking.token_hash, hash_token(token))


def booking_for_token(code, token):
    """The booking if the token is its own; None otherwise (never says which was wrong)."""
    code = clean_code(code)
    booking = db.session.scalar(select(Booking).where(Booking.code == code)) if code else None
    if not token_matches(booking, token):
        # Compare anyway so a wrong code and a wrong token take the same time.
        hmac.compare_digest(hash_token("x"), hash_token(token or ""))
        return None
    return booking


def qr_svg(code):
    """The booking code as an inline SVG QR code (what a desk scanner reads)."""
    import segno

    return segno.make(code, error="m").svg_inline(scale=6, border=2, title=code)


# --- the window ---------------------------------------------------------------------


def booking_opens_at(day):
    return local_moment(day.date - timedelta(days=BOOKING_OPENS_DAYS), time(0, 0))


def check_open(slot, now):
    day = slot.day
    if day.status != DayStatus.scheduled:
        raise BookingError("closed", DAY_CANCELLED)
    if now >= slot.starts_at:
        raise BookingError("closed", CLOSED)
    if now < booking_opens_at(day):
        raise BookingError("closed", NOT_OPEN)


def bookable_slots(day, now):
    """Slots of a Day a visitor can choose now (free and within the window)."""
    if day.status != DayStatus.scheduled or now < booking_opens_at(day):
        return []
    return [s for s in day.slots if s.starts_at > now and s.free > 0]


def open_days(now):
    """Scheduled Days whose booking window is open now, with their slots."""
    today = now.astimezone(LOCAL_TZ).date()
    return db.session.scalars(
        select(Day)
        .where(
            Day.status == DayStatus.scheduled,
            Day.ends_at > now,
            Day.date <= today + timedelta(days=BOOKING_OPENS_DAYS + 1),
        )
        .order_by(Day.date)
    ).all()


# --- seats ------------------------------------------------------------------------


def take_seat(slot):
    """One atomic conditional UPDATE: the row lock (PostgreSQL) or the write lock (SQLite)
    serialises concurrent bookers, and the WHERE re-checks the count under it."""
    result = db.session.execute(
        update(Slot)
        .where(Slot.id == slot.id, Slot.booked < Slot.capacity)
        .values(booked=Slot.booked + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise BookingError("slot_full", SLOT_FULL, field="slot_id")
    db.session.expire(slot, ["booked"])


def release_seat(slot_id):
    db.session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.booked > 0)
        .values(booked=Slot.booked - 1)
        .execution_options(synchronize_session=False)
    )


def find_duplicate(day_id, phone, email, *, exclude_id=None):
    conditions = [Booking.phone == phone]
    if email:
        conditions.append(Booking.email == email)
    stmt = select(Booking.id).where(
        Booking.day_id == day_id,
        Booking.status != BookingStatus.cancelled,
        or_(*conditions),
    )
    if exclude_id:
        stmt = stmt.where(Booking.id != exclude_id)
    return db.session.scalar(stmt.limit(1))


def _flush_or_duplicate():
    try:
        db.session.flush()
    except IntegrityError as exc:
        # The partial unique indexes caught a concurrent twin; the caller rolls back.
        raise BookingError("duplicate", DUPLICATE) from exc


# --- the actions ---------------------------------------------------------------------


def notify(kind, booking, *, slot, day, previous=None, dedupe_key=None):
    """Queue the mail that tells this change, with its facts as they are at this moment
    (the outbox keeps them: a later change never rewrites what this mail says). Mail for
    one booking goes out in the order of its changes."""
    if not booking.email:
        return None
    facts = BookingFacts.of(booking, slot=slot, day=day, previous=previous)
    return outbox.enqueue(
        kind,
        booking.email,
        language=booking.language,
        dedupe_key=dedupe_key,
        thread=f"booking:{booking.code}",
        **facts.as_json(),
    )


def book_slot(slot, visitor, *, now, source=Source.online):
    """Book a seat in a slot. Returns the booking with ``manage_token`` set (shown once)."""
    check_open(slot, now)
    if find_duplicate(slot.day_id, visitor.phone, visitor.email):
        raise BookingError("duplicate", DUPLICATE)
    take_seat(slot)
    code = new_code()
    token = manage_token(code)
    booking = Booking(
        code=code,
        token_hash=hash_token(token),
        day_id=slot.day_id,
        slot_id=slot.id,
        full_name=visitor.full_name,
        category=visitor.category,
        organization=visitor.organization if visitor.category.needs_organization else None,
        district_id=visitor.district_id,
        phone=visitor.phone,
        email=visitor.email,
        topic=visitor.topic,
        message=visitor.message,
        language=visitor.language,
        consent_version=PRIVACY_VERSION if visitor.consent else None,
        consented_at=now if visitor.consent else None,
        status=BookingStatus.confirmed,
        source=source,
        created_at=now,
    )
    db.session.add(booking)
    _flush_or_duplicate()
    booking.manage_token = token
    notify("booking_confirmed", booking, slot=slot, day=slot.day)
    return booking


def cancel_booking(booking, *, now):
    """Cancel and free the seat at once. Cancelling twice changes nothing."""
    if booking.status == BookingStatus.cancelled:
        return booking
    if booking.status != BookingStatus.confirmed or (
        booking.slot is not None and now >= booking.slot.starts_at
    ):
        raise BookingError("closed", NOT_CANCELLABLE)
    if booking.holds_seat:
        release_seat(booking.slot_id)
    booking.status = BookingStatus.cancelled
    booking.cancelled_at = now
    booking.sequence += 1
    notify("booking_cancelled", booking, slot=booking.slot, day=booking.day)
    return booking


def move_booking(booking, new_slot, *, now):
    """Move to another free slot of the same or another Day."""
    if booking.status != BookingStatus.confirmed or (
        booking.slot is not None and now >= booking.slot.starts_at
    ):
        raise BookingError("closed", NOT_CANCELLABLE)
    if new_slot.id == booking.slot_id:
        raise BookingError("same_slot", SAME_SLOT, field="slot_id")
    check_open(new_slot, now)
    if new_slot.day_id != booking.day_id and find_duplicate(
        new_slot.day_id, booking.phone, booking.email, exclude_id=booking.id
    ):
        raise BookingError("duplicate", DUPLICATE)
    take_seat(new_slot)
    old_slot, old_day = booking.slot, booking.day
    before = old_slot or old_day
    previous = Moment(old_day.date, before.starts_at, before.ends_at)
    if booking.holds_seat:
        release_seat(old_slot.id)
    booking.slot = new_slot
    booking.day_id = new_slot.day_id
    booking.day = new_slot.day
    booking.sequence += 1
    booking.reminder_queued_at = None
    _flush_or_duplicate()
    notify("booking_moved", booking, slot=new_slot, day=new_slot.day, previous=previous)
    return booking


def queue_reminders(now):
    """Queue the day-before reminder of every confirmed booking of tomorrow's Days.

    Safe to run every hour: a booking's reminder is claimed by a conditional UPDATE and
    the outbox refuses a second one with the same key.
    """
    tomorrow = now.astimezone(LOCAL_TZ).date() + timedelta(days=1)
    candidates = db.session.scalars(
        select(Booking)
        .join(Day, Day.id == Booking.day_id)
        .options(selectinload(Booking.slot), selectinload(Booking.day))
        .where(
            Day.date == tomorrow,
            Day.status == DayStatus.scheduled,
            Booking.status == BookingStatus.confirmed,
            Booking.email.is_not(None),
            Booking.reminder_queued_at.is_(None),
        )
    ).all()
    queued = 0
    for booking in candidates:
        claimed = db.session.execute(
            update(Booking)
            .where(Booking.id == booking.id, Booking.reminder_queued_at.is_(None))
            .values(reminder_queued_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            notify("booking_reminder", booking, slot=booking.slot, day=booking.day,
                   dedupe_key=f"reminder:{booking.id}:{booking.sequence}")  # fmt: skip
            queued += 1
    return queued
