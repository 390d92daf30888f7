"""``/office/messages``: the messages people did not get — mail given up on, SMS the
provider rejected or reported undelivered — with the visitor to call, and the day's SMS
budget (a warning once SMS_DAILY_LIMIT is reached and SMS wait for tomorrow)."""

from dataclasses import dataclass

from flask import current_app, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.auth.access import DESK, staff_required
from app.bookings.models import Booking
from app.core import outbox
from app.core.channels import CHANNEL_TITLES, kind_title
from app.core.db import utcnow
from app.extensions import db

from .views import bp


@dataclass(frozen=True)
class SmsBudget:
    sent: int
    limit: int
    #: SMS queued and not sent yet (held by the limit, or waiting for the provider)
    waiting: int

    @property
    def exhausted(self):
        return self.sent >= self.limit


def sms_budget(now):
    return SmsBudget(
        sent=outbox.sms_sent_today(now),
        limit=current_app.config["SMS_DAILY_LIMIT"],
        waiting=outbox.sms_waiting(now),
    )


@dataclass(frozen=True)
class Unreached:
    message: outbox.OutboxMessage
    #: the booking the message was about, if it was about one
    booking: Booking | None


def booking_code(message):
    thread = message.thread or ""
    return thread.removeprefix("booking:") if thread.startswith("booking:") else None


def unreached(channel=None, limit=200):
    """Undelivered messages with their bookings (two queries, whatever the count)."""
    rows = outbox.undelivered(channel, limit=limit)
    codes = {code for row in rows if (code := booking_code(row))}
    found = {}
    if codes:
        found = {
            b.code: b
            for b in db.session.scalars(
                select(Booking).where(Booking.code.in_(codes)).options(joinedload(Booking.day))
            )
        }
    return [Unreached(row, found.get(booking_code(row))) for row in rows]


@bp.get("/messages")
@staff_required(*DESK)
def messages():
    channel = request.args.get("channel")
    channel = channel if channel in ("email", "sms") else None
    return render_template(
        "office/messages.html",
        rows=unreached(channel),
        budget=sms_budget(utcnow()),
        channel=channel,
        channel_titles=CHANNEL_TITLES,
        kind_title=kind_title,
    )
