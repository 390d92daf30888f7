"""The kiosk at the entrance: a tablet set up once by reception staff as a device (its token
lives in the tablet's browser, only the hash here, revocable), where visitors check
themselves in by code or join the queue as a walk-in. It shows a visitor their own code,
place and desk only — never anyone else's data."""

import hashlib
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.bookings import services as bookings
from app.bookings.models import BookingStatus, Category, Topic
from app.core import audit
from app.days import services as days
from app.extensions import db
from app.reception import services as desk

from . import services
from .models import AT_DESK, KioskDevice


class KioskError(services.QueueError):
    """What the kiosk tells a visitor instead: always ending with "please go to the desk"."""


UNKNOWN = _l("We could not find this code. Please go to the reception desk.")
OTHER_DAY = _l("This booking is for another Day: %(date)s. Please go to the reception desk.")
CANCELLED = _l("This booking was cancelled. Please go to the reception desk.")
NO_DAY = _l("There is no Civil Initiatives Day today. Please go to the reception desk.")
HAS_BOOKING = _l("This phone already has a booking for today: check in with its code, or "
                 "please go to the reception desk.")  # fmt: skip
NOT_EXPECTED = _l("This booking cannot be checked in here. Please go to the reception desk.")


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def create_device(name, *, by, now):
    """A new kiosk device; returns (device, token) — the token is shown to nobody, it goes
    into the tablet's cookie once."""
    token = "kiosk_" + secrets.token_urlsafe(32)
    device = KioskDevice(name=(name or "").strip()[:100] or "Kiosk", token_hash=_hash(token),
                         created_by_id=getattr(by, "id", None), created_at=now)  # fmt: skip
    db.session.add(device)
    db.session.flush()
    audit.record(by, "kiosk.create", device, after={"name": device.name}, label=device.name)
    return device, token


def device_for_token(token):
    if not token or len(token) > 100:
        return None
    device = db.session.scalar(select(KioskDevice).where(KioskDevice.token_hash == _hash(token)))
    return device if device is not None and device.revoked_at is None else None


def devices():
    return db.session.scalars(select(KioskDevice).order_by(KioskDevice.id.desc())).all()


def revoke(device, *, by, now):
    if device.revoked_at is None:
        device.revoked_at = now
        audit.record(by, "kiosk.revoke", device, after={"name": device.name}, label=device.name)


def today(now):
    return days.day_by_date(days.today_local(now))


def place(day, booking, *, now):
    """Where a visitor stands: (their place among those waiting, or None) and (the desk that
    called them, or None)."""
    visit = services.visit_by_code(day, booking.code)
    if visit is not None and visit.status in AT_DESK:
        return None, visit.desk
    for rank, (waiting, _visit) in enumerate(services.waiting(day, now=now), start=1):
        if waiting.id == booking.id:
            return rank, None
    return None, None


def check_in(code, *, device, now):
    """A visitor checks in with their code on today's Day. Returns the booking."""
    day = today(now)
    if day is None:
        raise KioskError("no_day", NO_DAY)
    booking = desk.booking_by_code(code)
    if booking is None:
        raise KioskError("not_found", UNKNOWN, status=404)
    if booking.day_id != day.id:
        raise KioskError("wrong_day", OTHER_DAY, date=booking.day.date.strftime("%d.%m.%Y"))
    if booking.status == BookingStatus.cancelled:
        raise KioskError("cancelled", CANCELLED)
    if booking.status not in (BookingStatus.confirmed, BookingStatus.checked_in,
                              BookingStatus.no_show):  # fmt: skip
        raise KioskError("not_expected", NOT_EXPECTED)
    fresh = desk.check_in(booking, day=day, by=None, now=now)
    device.last_seen_at = now
    if fresh:
        audit.record(None, "kiosk.check_in", device, after={"code": booking.code},
                     label=device.name)  # fmt: skip
    return day, booking


def walk_in(full_name, phone, topic, *, device, now, language="ru"):
    """Someone without a booking joins the queue from the kiosk."""
    day = today(now)
    if day is None:
        raise KioskError("no_day", NO_DAY)
    if bookings.find_duplicate(day.id, phone, None):
        raise KioskError("duplicate", HAS_BOOKING)
    person = desk.WalkIn(full_name=full_name, category=Category.citizen, topic=Topic(topic),
                         phone=phone, language=language)  # fmt: skip
    booking = desk.register_walk_in(day, person, by=None, now=now)
    device.last_seen_at = now
    audit.record(None, "kiosk.walk_in", device, after={"code": booking.code}, label=device.name)
    return day, booking
