"""Booking rules: seats, the booking window, codes and manage tokens, cancel and move.

Every rule is here so that the pages, the API and the CLI share it. Functions change the
session and never commit; the caller commits once, or rolls back on BookingError.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

import phonenumbers
import segno
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.session import make_transient_to_detached

from app.core import channels, outbox
from app.core.channels import Contact
from app.core.db import Retry, execute_now, violated_constraint
from app.core.errors import DomainError
from app.core.i18n import LOCAL_TZ
from app.days import services as days
from app.days.models import Day, DayStatus, Slot
from app.days.services import BOOKING_OPENS_DAYS, booking_opens_at
from app.extensions import db

from .facts import BookingFacts, Moment
from .models import Booking, BookingStatus, Category, DelegateRole, Source, Topic

#: unambiguous: no 0/O/Q, 1/I/L, 2/Z, 5/S, 6/G, 8/B, U/V
CODE_ALPHABET = "ACDEFHJKMNPRTWXY3479"
CODE_LENGTH = 6
#: the notice the booking consent refers to; "-sms": it covers SMS about the booking
PRIVACY_VERSION = "2026-11-sms"


class BookingError(DomainError):
    """A booking rule refused the request. ``code`` is the API's error code."""


SLOT_FULL = _l("This time is already taken. Please choose another one.")
DUPLICATE = _l("There is already a booking for this Day with this phone or e-mail.")
CLOSED = _l("Booking for this time is closed.")
NOT_OPEN = _l("Booking for this Day opens %(days)d days before it.")
DAY_CANCELLED = _l("This Day is cancelled.")
SAME_SLOT = _l("The booking is already at this time.")
UNKNOWN_TIME = _l("Unknown time.")
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
    #: a district's delegate: their position and why the district sends them
    position: str | None = None
    delegate_role: DelegateRole | None = None


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
    """A fresh random code. Not looked up: of 20^6 = 64 million codes a clash is rare, and
    the unique index catches it (the transaction is then run again)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


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
    # With its slot and Day: what every page and change of a booking reads next.
    stmt = (
        select(Booking)
        .where(Booking.code == code)
        .options(joinedload(Booking.slot), joinedload(Booking.day))
    )
    booking = db.session.scalar(stmt) if code else None
    if not token_matches(booking, token):
        # Compare anyway so a wrong code and a wrong token take the same time.
        hmac.compare_digest(hash_token("x"), hash_token(token or ""))
        return None
    return booking


#: characters of the SMS short link's token (from CODE_ALPHABET: about 43 bits, easy to type)
SMS_TOKEN_LENGTH = 10


def sms_token(code, version):
    """The secret of the SMS short link ``/m/<code>/<token>``: an HMAC of the code and the
    link's generation under SECRET_KEY, written in the code's alphabet. Apart from the
    manage token, so raising ``sms_link_version`` revokes SMS links and leaves mail links."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"sms-link:{code}:{version}".encode(), hashlib.sha256).digest()
    number, chars = int.from_bytes(digest, "big"), []
    for _ in range(SMS_TOKEN_LENGTH):
        number, index = divmod(number, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[index])
    return "".join(chars)


def booking_for_sms_token(code, token):
    """The booking whose current SMS link this is; None otherwise (never says which part
    was wrong)."""
    code = clean_code(code)
    token = "".join(ch for ch in (token or "").upper() if ch.isalnum())[:40]
    booking = db.session.scalar(select(Booking).where(Booking.code == code)) if code else None
    expected = sms_token(code or "-", booking.sms_link_version if booking else 0)
    if not hmac.compare_digest(expected, token) or booking is None:
        return None
    return booking


def revoke_sms_links(booking):
    """Every SMS link of this booking stops working; its mail links keep working."""
    booking.sms_link_version = (booking.sms_link_version or 0) + 1


def set_sms(booking, wanted, *, now):
    """The visitor's choice on the manage page: no more SMS (what is queued and unsent is
    dropped), or SMS again (the booking consent covers them)."""
    if wanted:
        booking.sms_opt_out_at = None
        return booking
    if booking.sms_opt_out_at is None:
        booking.sms_opt_out_at = now
    db.session.execute(
        delete(outbox.OutboxMessage)
        .where(
            outbox.OutboxMessage.thread == f"booking:{booking.code}",
            outbox.OutboxMessage.channel == outbox.Channel.sms,
            outbox.OutboxMessage.status == outbox.OutboxStatus.pending,
        )
        .execution_options(synchronize_session=False)
    )
    return booking


def qr_svg(code):
    """The booking code as an inline SVG QR code (what a desk scanner reads): a full QR
    code (phone cameras do not read Micro QR), with a ``viewBox`` and no fixed size so the
    page scales it, the four-module quiet zone on white (readable in a dark theme too)."""
    qr = segno.make(code, error="m", micro=False)
    return qr.svg_inline(border=4, omitsize=True, light="#fff", svgclass="qr-code")


# --- the window ---------------------------------------------------------------------


def check_open(slot, now, *, day=None):
    """Refuse (``closed``) a slot of a cancelled Day, one that has begun, or one of a Day
    whose booking window has not opened yet."""
    day = day or slot.day
    if day.status != DayStatus.scheduled:
        raise BookingError("closed", DAY_CANCELLED)
    if now >= slot.starts_at:
        raise BookingError("closed", CLOSED)
    if now < booking_opens_at(day):
        raise BookingError("closed", NOT_OPEN % {"days": BOOKING_OPENS_DAYS})


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


def days_open_for_booking(now, *, but=None, limit=6):
    """Days a visitor can book now, with their free seats (one query): [(day, free)], the
    Day ``but`` left out. Shown where a Day cannot be booked, so the visitor picks another."""
    rows = days.days_with_seats(days.today_local(now), scheduled_only=True, limit=limit + 2)
    return [
        (day, free)
        for day, _total, free in rows
        if day != but and days.booking_state(day, now, free) == days.BookingState.open
    ][:limit]


def has_bookings(day):
    return (
        db.session.scalar(select(Booking.id).where(Booking.day_id == day.id).limit(1)) is not None
    )


# Generation never moves a Day that someone booked (days cannot ask; bookings tells it).
days.IN_USE_CHECKS.append(has_bookings)


# --- seats ------------------------------------------------------------------------


def take_seat(slot):
    """One atomic conditional UPDATE: the row lock (PostgreSQL) or the write lock (SQLite)
    serialises concurrent bookers, and the WHERE re-checks the count under it. RETURNING
    gives the new count, so the slot needs no second read."""
    taken = db.session.execute(
        update(Slot)
        .where(Slot.id == slot.id, Slot.booked < Slot.capacity)
        .values(booked=Slot.booked + 1)
        .returning(Slot.booked)
        .execution_options(synchronize_session=False)
    ).scalar()
    if taken is None:
        raise BookingError("slot_full", SLOT_FULL, field="slot_id")
    set_committed_value(slot, "booked", taken)


@dataclass(frozen=True)
class SeatDay:
    """What a booking needs of its Day, as the seat's UPDATE returned it."""

    id: int
    date: date
    note: str | None


@dataclass(frozen=True)
class OpenSeat:
    """A seat just taken in an open slot (the UPDATE's RETURNING row)."""

    id: int
    day_id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    day: SeatDay

    @property
    def free(self):
        return max(self.capacity - self.booked, 0)


SEAT_COLUMNS = (Slot.id, Slot.day_id, Slot.starts_at, Slot.ends_at, Slot.capacity, Slot.booked)


@cache
def _take_open_seat_statement():
    """Built once: the same statement object every time, so SQLAlchemy reuses its compiled
    form and cache key (a booking burst is hundreds of these)."""
    of_day = Day.id == Slot.day_id
    day_open = (
        select(Day.id)
        .where(of_day, Day.status == DayStatus.scheduled, Day.date <= bindparam("latest"))
        .exists()
    )
    return (
        update(Slot)
        .where(
            Slot.id == bindparam("slot_id"),
            Slot.booked < Slot.capacity,
            Slot.starts_at > bindparam("now", type_=Slot.starts_at.type),
            day_open,
        )
        .values(booked=Slot.booked + 1)
        .returning(
            *SEAT_COLUMNS,
            select(Day.date).where(of_day).scalar_subquery(),
            select(Day.note).where(of_day).scalar_subquery(),
        )
        .execution_options(synchronize_session=False)
    )


def take_open_seat(slot_id, now, *, phone=None, email=None):
    """Take a seat of a slot a visitor may book now, in one statement: the conditional
    UPDATE checks the seat, the slot's start and its Day (scheduled, its booking window
    open) under the row lock, and RETURNING gives the slot and what the booking needs of
    the Day. Only when it takes nothing does a SELECT tell why: unknown, closed, already
    booked by this phone or e-mail (a retry of a booking whose answer was lost says so,
    rather than "full"), or full."""
    latest = now.astimezone(LOCAL_TZ).date() + timedelta(days=BOOKING_OPENS_DAYS)
    taken = execute_now(
        _take_open_seat_statement(), {"slot_id": slot_id, "now": now, "latest": latest}
    ).first()
    if taken is None:
        row = db.session.execute(
            select(Slot, Day).join(Day, Day.id == Slot.day_id).where(Slot.id == slot_id)
        ).first()
        if row is None:
            raise BookingError("not_found", UNKNOWN_TIME, field="slot_id", status=404)
        check_open(row.Slot, now, day=row.Day)
        if phone and find_duplicate(row.Slot.day_id, phone, email):
            raise BookingError("duplicate", DUPLICATE)
        raise BookingError("slot_full", SLOT_FULL, field="slot_id")
    *fields, day_date, day_note = taken
    return OpenSeat(*fields, day=SeatDay(taken.day_id, day_date, day_note))


#: called with (day_id, now) when a seat of a slot that was full frees (a cancel, a move):
#: the waiting list, a layer above, registers here and fills it at once
SEAT_FREED = []


def release_seat(slot_id):
    """Give a seat back; True when the slot was full (someone may be waiting for it)."""
    freed = db.session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.booked > 0)
        .values(booked=Slot.booked - 1)
        .returning(Slot.booked, Slot.capacity)
        .execution_options(synchronize_session=False)
    ).first()
    return freed is not None and freed.booked == freed.capacity - 1


def seat_freed(day_id, now):
    for listener in SEAT_FREED:
        listener(day_id, now)


def find_duplicate(day_id, phone, email, *, exclude_id=None):
    """The id of an active booking of the Day with this phone or e-mail (for messages that
    name it; the partial unique indexes are what refuses a twin)."""
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


@cache
def _insert_booking_statement():
    return insert(Booking).returning(Booking.id)


def _insert_new(values):
    """Write a new booking with one prebuilt INSERT … RETURNING id (cheaper than the unit of
    work for one row) and hand it to the session as a loaded, clean object. The database's
    unique indexes refuse a twin (one active booking per phone and per e-mail a Day) and a
    code drawn twice (then the whole transaction is run again: ``Retry``)."""
    try:
        new_id = execute_now(_insert_booking_statement(), values).scalar_one()
    except IntegrityError as exc:
        if "code" in violated_constraint(exc):
            raise Retry() from exc
        raise BookingError("duplicate", DUPLICATE) from exc
    booking = Booking(id=new_id, **values)
    make_transient_to_detached(booking)
    db.session.add(booking)
    return booking


# --- the actions ---------------------------------------------------------------------


def contact_of(booking):
    return Contact(email=booking.email, phone=booking.phone, sms_allowed=booking.sms_allowed)


def notify(kind, booking, *, slot, day, previous=None, dedupe_key=None):
    """Queue the messages that tell this change — mail, SMS, as the visitor can be reached
    (``channels.tell`` decides) — with its facts as they are at this moment (the outbox
    keeps them: a later change never rewrites what a message says). Messages for one
    booking go out in the order of its changes, channel by channel. Returns how many."""
    contact = contact_of(booking)
    if not (contact.email or contact.phone):
        return 0
    facts = BookingFacts.of(booking, slot=slot, day=day, previous=previous)
    return channels.tell(
        kind,
        contact,
        language=booking.language,
        dedupe_key=dedupe_key,
        thread=f"booking:{booking.code}",
        **facts.as_json(),
    )


def create_booking(
    day, visitor, *, now, slot=None, source=Source.online, by=None, code=None,
    tell="booking_confirmed",
):  # fmt: skip
    """The one way a booking comes to be; the sources differ only in what follows:

    - ``online``: a seat in a slot of an open Day, within the booking window;
    - ``district`` (a delegate): a seat in the slot if one is given, else the Day outside
      the slots (the district's own rules are checked by the caller);
    - ``walk_in``: at the desk, no seat, checked in at once, no manage link.

    ``code``: the code to keep (a waiting-list entry becoming the booking keeps its code and
    so its manage link); ``tell``: the kind of mail that confirms it.

    Returns the booking with ``manage_token`` set (shown once); online, ``booking.seat``
    is the seat taken (an ``OpenSeat``). Statements online: the seat's UPDATE (which also
    checks the window and returns the Day), the INSERT, the confirmation's INSERT into the
    outbox.
    """
    walk_in = source == Source.walk_in
    if source == Source.online:
        if slot is None:
            raise BookingError("not_found", UNKNOWN_TIME, field="slot_id", status=404)
        seat = take_open_seat(
            getattr(slot, "id", slot), now, phone=visitor.phone, email=visitor.email
        )
        if isinstance(slot, Slot):
            set_committed_value(slot, "booked", seat.booked)
        slot, day = seat, seat.day
    elif slot is not None and not walk_in:
        take_seat(slot)
    code = code or new_code()
    # Nobody holds a manage link for a walk-in: a random hash that no token matches.
    token = secrets.token_urlsafe(24) if walk_in else manage_token(code)
    booking = _insert_new(
        {
            "code": code,
            "token_hash": hash_token(token),
            "day_id": day.id,
            "slot_id": None if walk_in or slot is None else slot.id,
            "full_name": visitor.full_name,
            "category": visitor.category,
            "organization": visitor.organization
            if visitor.category.needs_organization or source != Source.online
            else None,
            "position": visitor.position,
            "delegate_role": visitor.delegate_role,
            "district_id": visitor.district_id,
            "phone": visitor.phone,
            "email": visitor.email,
            "topic": visitor.topic,
            "message": visitor.message,
            "language": visitor.language,
            "consent_version": PRIVACY_VERSION if visitor.consent else None,
            "consented_at": now if visitor.consent else None,
            "status": BookingStatus.checked_in if walk_in else BookingStatus.confirmed,
            "source": source,
            "sequence": 0,
            "created_at": now,
            "updated_at": now,
            "cancelled_at": None,
            "reminder_queued_at": None,
            "sms_opt_out_at": None,
            "sms_link_version": 0,
            "checked_in_at": now if walk_in else None,
            "checked_in_by_id": getattr(by, "id", None) if walk_in else None,
        }
    )
    booking.manage_token = None if walk_in else token
    booking.seat = slot if source == Source.online else None
    if not walk_in and tell:
        notify(tell, booking, slot=slot, day=day)
    return booking


def book_slot(slot, visitor, *, now):
    """A visitor books a seat online (the page and POST /api/bookings); ``slot`` is a Slot
    or its id."""
    return create_booking(None, visitor, slot=slot, now=now, source=Source.online)


def cancel_booking(booking, *, now, by=None, tell="booking_cancelled", while_open=True):
    """The one way a booking ends: the seat is freed at once, the SEQUENCE grows, and the
    person is told (``tell``: the mail kind, or None). Cancelling twice changes nothing.
    ``while_open``: refuse once the booked time has begun (the visitor's own cancel)."""
    if booking.status == BookingStatus.cancelled:
        return booking
    if booking.status != BookingStatus.confirmed or (
        while_open and booking.slot is not None and now >= booking.slot.starts_at
    ):
        raise BookingError("closed", NOT_CANCELLABLE)
    freed = booking.holds_seat and release_seat(booking.slot_id)
    booking.status = BookingStatus.cancelled
    booking.cancelled_at = now
    booking.sequence += 1
    if tell:
        notify(tell, booking, slot=booking.slot, day=booking.day)
    if freed:
        seat_freed(booking.day_id, now)
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
    take_seat(new_slot)
    old_slot, old_day = booking.slot, booking.day
    before = old_slot or old_day
    previous = Moment(old_day.date, before.starts_at, before.ends_at)
    freed = booking.holds_seat and release_seat(old_slot.id)
    booking.slot = new_slot
    booking.day_id = new_slot.day_id
    booking.day = new_slot.day
    booking.sequence += 1
    booking.reminder_queued_at = None
    try:
        db.session.flush()
    except IntegrityError as exc:
        # Another booking of that Day has this phone or e-mail.
        raise BookingError("duplicate", DUPLICATE) from exc
    notify("booking_moved", booking, slot=new_slot, day=new_slot.day, previous=previous)
    if freed:
        seat_freed(old_day.id, now)
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
            or_(Booking.email.is_not(None), Booking.phone.is_not(None)),
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
            told = notify("booking_reminder", booking, slot=booking.slot, day=booking.day,
                          dedupe_key=f"reminder:{booking.id}:{booking.sequence}")  # fmt: skip
            queued += 1 if told else 0
    return queued
