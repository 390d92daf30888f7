"""Mail to visitors about their booking, rendered from the outbox snapshot in their
language: each mail tells the change that queued it, with that change's .ics."""

from flask import current_app, render_template
from flask_babel import gettext as _

from app.core.db import utcnow
from app.core.mail import compose
from app.core.outbox import mail_context, renderer
from app.core.urls import public_url

from . import services
from .facts import BookingFacts
from .ics import booking_calendar, method_for


def manage_url(facts):
    """The private manage link, or None when SECRET_KEY changed since the booking (a link
    derived now would not open it)."""
    token = services.manage_token(facts.code)
    if services.hash_token(token) != facts.token_hash:
        return None
    return public_url("bookings.manage", code=facts.code, token=token)


def _mail(row, subject, template, *, calendar=True):
    facts = BookingFacts.from_json(row.payload)
    with mail_context(row.language):
        link = None if facts.cancelled else manage_url(facts)
        context = {
            "booking": facts,
            "manage_url": link,
            "site": current_app.config["PUBLIC_BASE_URL"],
        }
        attachments = []
        if calendar:
            method = method_for(facts)
            body = booking_calendar(facts, stamp=row.created_at or utcnow(), manage_url=link)
            params = {"method": method, "charset": "UTF-8"}
            attachments.append(("booking.ics", "text", "calendar", params, body))
        return compose(
            to=row.recipient,
            subject=subject(),
            text=render_template(f"email/{template}.txt", **context),
            html=render_template(f"email/{template}.html", **context),
            attachments=attachments,
        )


@renderer("booking_confirmed")
def booking_confirmed(row):
    return _mail(row, lambda: _("Your booking is confirmed"), "booking_confirmed")


@renderer("booking_moved")
def booking_moved(row):
    return _mail(row, lambda: _("Your booking has been moved"), "booking_moved")


@renderer("booking_cancelled")
def booking_cancelled(row):
    return _mail(row, lambda: _("Your booking is cancelled"), "booking_cancelled")


@renderer("booking_reminder")
def booking_reminder(row):
    subject = lambda: _("Reminder: Civil Initiatives Day tomorrow")  # noqa: E731
    return _mail(row, subject, "booking_reminder", calendar=False)


@renderer("day_changed")
def day_changed(row):
    if row.payload.get("cancelled"):
        subject = lambda: _("The Civil Initiatives Day is cancelled")  # noqa: E731
    else:
        subject = lambda: _("The Civil Initiatives Day has moved")  # noqa: E731
    return _mail(row, subject, "day_changed")
