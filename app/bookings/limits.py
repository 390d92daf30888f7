"""Limits on booking beyond the per-address request rate: one address cannot fill a Day,
one phone cannot book over and over (DESIGN §3: hundreds book at once; a few must not take
every seat)."""

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.core import limits

from .services import BookingError

TOO_MANY = _l("Too many bookings from here for this Day. Please try again later.")


def _settings():
    return current_app.config["BOOKING_DAY_LIMIT"], current_app.config["BOOKING_PHONE_LIMIT"]


def check(day_id, phone, address):
    """Refuse (``rate_limited``) before booking when this address has booked this Day, or
    this phone has booked, as often as the settings allow."""
    per_day, per_phone = _settings()
    if not (
        limits.within(per_day, "book-day", address, day_id)
        and limits.within(per_phone, "book-phone", phone)
    ):
        raise BookingError("rate_limited", TOO_MANY, status=429)


def count(day_id, phone, address):
    """Count a booking made (after it committed)."""
    per_day, per_phone = _settings()
    limits.count(per_day, "book-day", address, day_id)
    limits.count(per_phone, "book-phone", phone)
