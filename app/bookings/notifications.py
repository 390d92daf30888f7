"""Mail and SMS to visitors about their booking, rendered from the outbox snapshot in their
language: each message tells the change that queued it (a mail with that change's .ics)."""

from flask import current_app, render_template
from flask_babel import gettext as _

from app.core.db import utcnow
from app.core.i18n import LOCAL_TZ
from app.core.mail import compose
from app.core.outbox import Channel, mail_context, renderer
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


# --- SMS: short, in the visitor's language, with the short link /m/<code>/<token> -----------


def short_url(facts):
    """The SMS link of the booking as it was at this change, or None when it would not open
    the booking (SECRET_KEY changed since: the manage token no longer matches)."""
    if facts.cancelled or manage_url(facts) is None:
        return None
    token = services.sms_token(facts.code, facts.link_version)
    return public_url("bookings.short_link", code=facts.code, token=token)


def _sms(row, text):
    """``text(facts, values)`` in the row's language; values: code, date, time, link."""
    facts = BookingFacts.from_json(row.payload)
    with mail_context(row.language):
        start = facts.when.starts_at.astimezone(LOCAL_TZ)
        end = facts.when.ends_at.astimezone(LOCAL_TZ)
        values = {
            "code": facts.code,
            "date": f"{facts.when.date:%d.%m.%Y}",
            "time": f"{start:%H:%M}" if facts.timed else f"{start:%H:%M}–{end:%H:%M}",
            "link": short_url(facts),
        }
        return text(facts, values).strip()


@renderer("booking_confirmed", Channel.sms)
def booking_confirmed_sms(row):
    def text(facts, v):
        if v["link"]:
            return _("Civil Initiatives Day: your booking is confirmed. Code %(code)s, "
                     "%(date)s at %(time)s, Karaganda, Gogol St 31, office 204. "
                     "Manage: %(link)s", **v)  # fmt: skip
        return _("Civil Initiatives Day: your booking is confirmed. Code %(code)s, "
                 "%(date)s at %(time)s, Karaganda, Gogol St 31, office 204.", **v)  # fmt: skip

    return _sms(row, text)


@renderer("booking_moved", Channel.sms)
def booking_moved_sms(row):
    def text(facts, v):
        moved = _("Civil Initiatives Day: booking %(code)s moved to %(date)s, %(time)s.", **v)
        return f"{moved} {v['link'] or ''}"

    return _sms(row, text)


@renderer("booking_cancelled", Channel.sms)
def booking_cancelled_sms(row):
    return _sms(
        row,
        lambda facts, v: _(
            "Civil Initiatives Day: booking %(code)s for %(date)s, %(time)s is cancelled.", **v
        ),
    )


@renderer("booking_reminder", Channel.sms)
def booking_reminder_sms(row):
    return _sms(row, lambda facts, v: _(
        "Reminder: tomorrow, %(date)s, at %(time)s, the Civil Initiatives Day. Karaganda, "
        "Gogol St 31, office 204. Code %(code)s.", **v))  # fmt: skip


@renderer("day_changed", Channel.sms)
def day_changed_sms(row):
    def text(facts, v):
        if row.payload.get("cancelled"):
            return _("The Civil Initiatives Day of %(date)s is cancelled, and so is booking "
                     "%(code)s.", **v)  # fmt: skip
        moved = _("The Civil Initiatives Day has moved. Booking %(code)s: %(date)s, %(time)s.",
                  **v)  # fmt: skip
        return f"{moved} {v['link'] or ''}"

    return _sms(row, text)
