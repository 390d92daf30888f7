"""Mail to visitors about their booking, rendered from the outbox in their language."""

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mail import Message

from app.core.outbox import renderer
from app.days.models import Slot
from app.extensions import db

from . import services
from .ics import booking_calendar
from .models import Booking


def manage_url(booking):
    """The private manage link, or None when SECRET_KEY changed since the booking."""
    token = services.manage_token(booking.code)
    if not services.token_matches(booking, token):
        return None
    return url_for("bookings.manage", code=booking.code, token=token, _external=True)


def _message(outbox_row, subject, template, method, **context):
    booking = db.session.get(Booking, outbox_row.payload["booking_id"])
    if booking is None:
        raise LookupError("the booking is gone")
    link = manage_url(booking)
    context.update(booking=booking, manage_url=link, site=current_app.config["PUBLIC_BASE_URL"])
    msg = Message(subject=subject, recipients=[outbox_row.recipient])
    msg.body = render_template(f"email/{template}.txt", **context)
    msg.html = render_template(f"email/{template}.html", **context)
    if method:
        msg.attach(
            "booking.ics",
            f"text/calendar; method={method}; charset=UTF-8",
            booking_calendar(booking, method, manage_url=link),
        )
    return msg


def _render(outbox_row, subject, template, method, **context):
    base_url = current_app.config["PUBLIC_BASE_URL"]
    with current_app.test_request_context(base_url=base_url), force_locale(outbox_row.language):
        return _message(outbox_row, subject(), template, method, **context)


@renderer("booking_confirmed")
def booking_confirmed(row):
    return _render(row, lambda: _("Your booking is confirmed"), "booking_confirmed", "REQUEST")


@renderer("booking_moved")
def booking_moved(row):
    old = db.session.get(Slot, row.payload.get("old_slot_id"))
    return _render(
        row, lambda: _("Your booking has been moved"), "booking_moved", "REQUEST", old_slot=old
    )


@renderer("booking_cancelled")
def booking_cancelled(row):
    return _render(row, lambda: _("Your booking is cancelled"), "booking_cancelled", "CANCEL")


@renderer("booking_reminder")
def booking_reminder(row):
    return _render(
        row, lambda: _("Reminder: Civil Initiatives Day tomorrow"), "booking_reminder", None
    )


@renderer("day_changed")
def day_changed(row):
    if row.payload.get("cancelled"):
        subject = lambda: _("The Civil Initiatives Day is cancelled")  # noqa: E731
        return _render(row, subject, "day_changed", "CANCEL", cancelled=True)
    subject = lambda: _("The Civil Initiatives Day has moved")  # noqa: E731
    return _render(row, subject, "day_changed", "REQUEST", cancelled=False)
