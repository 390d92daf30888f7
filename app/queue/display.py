"""The waiting-room screen of a Day (a TV in the hall, no sign-in): codes only, in Russian
and Kazakh side by side, updated by Server-Sent Events, by polling where a browser has no
EventSource, and by a meta refresh without JavaScript."""

import json
import time

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    stream_with_context,
)
from flask_babel import force_locale
from flask_babel import gettext as _

from app.core.db import utcnow
from app.days import ics
from app.days import services as days
from app.extensions import db

from . import services

bp = Blueprint("display", __name__, url_prefix="/display")
LANGUAGES = ("ru", "kk")
#: how often a stream looks at the queue (seconds); a call reaches the screen within this
POLL_SECONDS = 0.5
#: a stream ends after this long and the browser reconnects (EventSource does it by itself),
#: so no thread of a gthread worker is held for ever by a screen that went away
STREAM_SECONDS = 300
HEARTBEAT_SECONDS = 15


def _day_or_404(on):
    return days.day_by_date(on) or abort(404)


def screen_state(day, now):
    """What the screen shows: per desk its code, then the next codes — never a name."""
    at_desks = {visit.desk: code for visit, code in services.serving(day)}
    desks = services.desks_of(day)
    known = {d.number for d in desks}
    return {
        "desks": [
            {
                "desk": d.number,
                "name_ru": d.name_ru,
                "name_kk": d.name_kk,
                "code": at_desks.get(d.number),
            }
            for d in desks
        ]
        + [
            {"desk": n, "name_ru": str(n), "name_kk": str(n), "code": code}
            for n, code in sorted(at_desks.items())
            if n not in known
        ],
        "waiting": [b.code for b, _v in services.waiting(day, now=now)[: services.SCREEN_WAITING]],
    }


def labels():
    """The screen's words in both languages at once."""
    found = {}
    for language in LANGUAGES:
        with force_locale(language):
            found[language] = {
                "title": _("Civil Initiatives Day"),
                "desk": _("Desk"),
                "now": _("Now serving"),
                "next": _("Next"),
                "none": _("Please wait to be called"),
                "address": _("Karaganda, Gogol St 31, office 204"),
            }
    return found


@bp.get("/<isodate:on>")
def screen(on):
    day = _day_or_404(on)
    now = utcnow()
    return render_template(
        "queue/display.html",
        day=day,
        state=screen_state(day, now),
        words=labels(),
        address=ics.address(),
        now=now,
    )


@bp.get("/<isodate:on>/state.json")
def state(on):
    """The polling fallback (every 5 s) for a browser without EventSource."""
    day = _day_or_404(on)
    answer = screen_state(day, utcnow())
    answer["calls"] = [
        {"code": code, "desk": desk, "at": at.isoformat()}
        for at, code, desk in services.last_calls(day)
    ]
    return jsonify(answer)


def _event(name, data):
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@bp.get("/<isodate:on>/events")
def events(on):
    """``event: call`` with ``{"code", "desk"}`` for each call (and call again), and
    ``event: queue`` with the whole screen whenever it changes."""
    day = _day_or_404(on)
    config = current_app.config
    poll = config.get("DISPLAY_POLL_SECONDS", POLL_SECONDS)
    lifetime = config.get("DISPLAY_STREAM_SECONDS", STREAM_SECONDS)
    calls = services.last_calls(day)
    cursor = calls[-1][0] if calls else None
    db.session.close()

    def stream():
        nonlocal cursor
        yield "retry: 2000\n\n"
        shown = None
        started = last_sent = time.monotonic()
        while True:
            now = utcnow()
            for at, code, desk in services.last_calls(day, after=cursor):
                cursor = at
                yield _event("call", {"code": code, "desk": desk})
                last_sent = time.monotonic()
            current = screen_state(day, now)
            db.session.close()  # no transaction (or connection) held between looks
            if current != shown:
                shown = current
                yield _event("queue", current)
                last_sent = time.monotonic()
            elif time.monotonic() - last_sent > HEARTBEAT_SECONDS:
                yield ": still here\n\n"
                last_sent = time.monotonic()
            if time.monotonic() - started > lifetime:
                return
            time.sleep(poll)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return Response(stream_with_context(stream()), mimetype="text/event-stream", headers=headers)
