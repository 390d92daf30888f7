"""Mail of the waiting list, rendered from the outbox snapshot in the person's language."""

from datetime import date

from flask import render_template
from flask_babel import gettext as _

from app.bookings import services as bookings
from app.bookings.notifications import _mail
from app.core.mail import compose
from app.core.outbox import mail_context, renderer
from app.core.urls import public_url


@renderer("waitlist_promoted")
def waitlist_promoted(row):
    """A seat freed and the waiting person got it: the booking's confirmation, its .ics
    (METHOD:REQUEST) and the manage link to cancel if they cannot come."""
    return _mail(row, lambda: _("A seat has freed up: your booking is confirmed"),
                 "waitlist_promoted")  # fmt: skip


@renderer("waitlist_joined")
def waitlist_joined(row):
    """On the waiting list: the code, the place at that moment and the private link to see
    the live place or leave (none once SECRET_KEY changed: a derived link would not open)."""
    facts = row.payload
    with mail_context(row.language):
        token = bookings.manage_token(facts["code"])
        link = (
            public_url("waitlist.entry", code=facts["code"], token=token)
            if bookings.hash_token(token) == facts["token_hash"]
            else None
        )
        context = {"facts": facts, "day": date.fromisoformat(facts["date"]), "link": link}
        return compose(
            to=row.recipient,
            subject=_("You are on the waiting list"),
            text=render_template("email/waitlist_joined.txt", **context),
            html=render_template("email/waitlist_joined.html", **context),
        )


@renderer("waitlist_cancelled")
def waitlist_cancelled(row):
    """The Day was cancelled while the person waited: off the list, and where to go next."""
    facts = row.payload
    with mail_context(row.language):
        context = {"facts": facts, "day": date.fromisoformat(facts["date"]),
                   "days_link": public_url("days.index")}  # fmt: skip
        return compose(
            to=row.recipient,
            subject=_("The Civil Initiatives Day is cancelled"),
            text=render_template("email/waitlist_cancelled.txt", **context),
            html=render_template("email/waitlist_cancelled.html", **context),
        )
