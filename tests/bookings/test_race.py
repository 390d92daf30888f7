"""Real concurrency: many threads against gunicorn with several workers, on each database."""

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.bookings.models import Booking, BookingStatus
from app.core.db import utcnow
from app.days import services as days
from app.days.models import Slot
from app.extensions import db

REQUESTS = 60


@pytest.fixture
def server(gunicorn):
    """gunicorn, 4 workers × 4 threads, on the test database."""
    return gunicorn(workers=4, threads=4)


def post_all(url, bodies):
    """POST every body at once (a barrier lines the threads up); returns (status, json)."""
    barrier = threading.Barrier(len(bodies))

    def post(body):
        request = urllib.request.Request(
            url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        barrier.wait(timeout=30)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(post, bodies))


def body(slot_id, n, **fields):
    return {
        "slot_id": slot_id,
        "full_name": f"Visitor {n}",
        "category": "citizen",
        "phone": f"+7701{n:07d}",
        "topic": "progress",
        "consent": True,
        **fields,
    }


@pytest.fixture
def soon_day(app_ctx):
    day = days.new_day(days.today_local(utcnow()) + timedelta(days=7))
    db.session.add(day)
    db.session.commit()
    return day


def test_the_last_seats_go_to_exactly_capacity_bookers(server, soon_day):
    slot = soon_day.slots[5]
    results = post_all(server + "/api/bookings", [body(slot.id, n) for n in range(REQUESTS)])
    statuses = sorted(status for status, _answer in results)
    assert statuses.count(201) == slot.capacity, results
    assert statuses.count(409) == REQUESTS - slot.capacity
    assert {a["error"] for s, a in results if s == 409} == {"slot_full"}
    db.session.expire_all()
    assert db.session.get(Slot, slot.id).booked == slot.capacity
    active = select(func.count(Booking.id)).where(
        Booking.slot_id == slot.id, Booking.status != BookingStatus.cancelled
    )
    assert db.session.scalar(active) == slot.capacity


def test_one_phone_books_once_per_day_under_concurrency(server, soon_day):
    bodies = [body(soon_day.slots[n % 18].id, 1, email=f"p{n}@example.kz") for n in range(30)]
    results = post_all(server + "/api/bookings", bodies)
    statuses = [status for status, _answer in results]
    assert statuses.count(201) == 1, results
    assert {a["error"] for s, a in results if s == 409} == {"duplicate"}
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Booking.id))) == 1
    assert db.session.scalar(select(func.sum(Slot.booked))) == 1
