"""JSON API (DESIGN.md §6): JSON in and out, every error a JSON code."""

from datetime import date

from flask import Blueprint, abort, jsonify, request

from app.core.db import utcnow
from app.core.errors import json_error
from app.core.i18n import LOCAL_TZ
from app.days import ics
from app.days import services as days

bp = Blueprint("api", __name__, url_prefix="/api")


def iso(moment):
    """ISO 8601 with the Asia/Almaty offset of that moment, e.g. 2026-11-27T10:00:00+05:00."""
    return moment.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def slot_json(slot):
    return {
        "id": slot.id,
        "starts_at": iso(slot.starts_at),
        "ends_at": iso(slot.ends_at),
        "capacity": slot.capacity,
        "free": slot.free,
    }


@bp.get("/days")
def list_days():
    since = request.args.get("from")
    if since is None:
        first = days.today_local(utcnow())
    else:
        try:
            first = date.fromisoformat(since)
        except ValueError:
            return json_error(422, "validation", fields={"from": ["expected YYYY-MM-DD"]})
    rows = days.days_with_seats(first)
    return jsonify(
        days=[
            {
                "date": day.date.isoformat(),
                "starts_at": iso(day.starts_at),
                "ends_at": iso(day.ends_at),
                "status": day.status.value,
                "location": ics.address(),
                "seats_total": seats,
                "seats_free": free,
            }
            for day, seats, free in rows
        ]
    )


@bp.get("/days/<isodate:on>/slots")
def day_slots(on):
    day = days.day_by_date(on)
    if day is None:
        abort(404)
    return jsonify(date=day.date.isoformat(), slots=[slot_json(s) for s in day.slots])
