"""Rate limits: one bucket per action for one client, whichever door it uses (the page or
the API), and counters keyed by what is being protected (a Day, a phone, a booking).

Counters live where Flask-Limiter keeps its own (``RATELIMIT_STORAGE_URI``: Redis in
production), so they hold across workers and servers.
"""

from flask import current_app
from limits import parse

from app.extensions import limiter

#: booking through the page or POST /api/bookings, per address
BOOK = "10 per minute"
#: cancel or move through the page or the API, per address
CHANGE = "10 per minute"
#: a visitor attaching proposals to their booking, per address
PROPOSAL = "10 per hour"


def shared(scope, limit, *, methods=None):
    """One bucket named ``scope`` shared by every route that carries this decorator."""
    return limiter.shared_limit(limit, scope=scope, methods=methods)


def _key(name, *parts):
    return (current_app.config["RATELIMIT_KEY_PREFIX"], name, *[str(p) for p in parts])


def _enabled():
    return current_app.config.get("RATELIMIT_ENABLED", True) and limiter.enabled


def within(limit, name, *parts):
    """True while the counter ``name`` for these parts is under ``limit``; counts nothing."""
    if not _enabled():
        return True
    return limiter.limiter.test(parse(limit), *_key(name, *parts))


def count(limit, name, *parts):
    """Count one more against ``limit`` (after the action succeeded)."""
    if _enabled():
        limiter.limiter.hit(parse(limit), *_key(name, *parts))
