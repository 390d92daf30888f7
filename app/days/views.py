"""The public home page and the calendar feed."""

from datetime import timedelta

from flask import Blueprint, Response, jsonify, render_template, url_for
from flask_babel import gettext as _

from app.core.db import utcnow
from app.core.i18n import current_language

from . import ics, services

bp = Blueprint("days", __name__)


@bp.get("/")
def index():
    now = utcnow()
    upcoming = services.days_with_seats(services.today_local(now), limit=7)
    # (day, seats, free, state): each Day says first what a visitor can do with it
    upcoming = [
        (day, total, free, services.booking_state(day, now, free))
        for day, total, free in upcoming
        if day.ends_at > now
    ]
    next_row = next((row for row in upcoming if not row[0].is_cancelled), None)
    return render_template(
        "days/index.html",
        next_row=next_row,
        upcoming=upcoming,
        now=now,
        opens_at=services.booking_opens_at,
    )


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest: the desk's tablets and visitors' phones add the site to their
    home screen, in the language they use."""
    body = jsonify(
        name=_("Civil Initiatives Day"),
        short_name=_("Initiatives Day"),
        lang=current_language(),
        start_url=url_for("days.index"),
        scope="/",
        display="standalone",
        background_color="#f3f5f8",
        theme_color="#0b4f8a",
        icons=[{"src": url_for("static", filename="icons/icon.svg"), "sizes": "any",
                "type": "image/svg+xml", "purpose": "any"}],
    )  # fmt: skip
    body.mimetype = "application/manifest+json"
    return body


@bp.get("/calendar.ics")
def calendar_feed():
    # A year back and everything ahead: enough for any subscriber, flat as years pass.
    days = services.scheduled_days(since=services.today_local(utcnow()) - timedelta(days=366))
    body = ics.calendar_feed(days)
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'inline; filename="civil-initiatives-day.ics"'},
    )
