"""Concurrent cancels on a full Day promote distinct people, one per freed seat, never two
into one seat: many threads against gunicorn with two workers, on both databases."""

import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import time, timedelta

from sqlalchemy import func, select

from app.bookings import services as bookings
from app.bookings.models import Booking, BookingStatus
from app.core.db import utcnow
from app.days import services as days
from app.days.models import Slot
from app.extensions import db
from app.queue import waitlist
from app.queue.models import WaitlistEntry, WaitlistStatus

SLOTS = 9
WAITING = 12


def test_concurrent_cancels_promote_one_person_per_seat(gunicorn, make_booking, visitor):
    day = days.new_day(days.today_local(utcnow()) + timedelta(days=7), opens=time(10),
                       closes=time(13), capacity=1)  # fmt: skip
    db.session.add(day)
    db.session.commit()
    booked = [make_booking(slot, now=utcnow()) for slot in day.slots]
    assert len(booked) == SLOTS
    for n in range(WAITING):
        waitlist.join(day, visitor(phone=f"+7701666{n:04d}", email=None), waitlist.Window(),
                      now=utcnow())  # fmt: skip
    db.session.commit()
    server = gunicorn(workers=2, threads=8)
    barrier = threading.Barrier(SLOTS)
    tokens = {b.code: bookings.manage_token(b.code) for b in booked}

    def cancel(booking):
        request = urllib.request.Request(
            f"{server}/api/bookings/{booking.code}", method="DELETE",
            headers={"X-Manage-Token": tokens[booking.code]},
        )  # fmt: skip
        barrier.wait(timeout=30)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    with ThreadPoolExecutor(max_workers=SLOTS) as pool:
        statuses = list(pool.map(cancel, booked))
    assert statuses == [200] * SLOTS
    db.session.expire_all()
    promoted = db.session.scalars(
        select(WaitlistEntry).where(WaitlistEntry.status == WaitlistStatus.promoted)
    ).all()
    assert len(promoted) == SLOTS  # exactly one person per freed seat
    # The first nine who waited, each once, each in a seat of their own.
    assert sorted(e.id for e in promoted) == sorted(
        db.session.scalars(select(WaitlistEntry.id).order_by(WaitlistEntry.id)).all()[:SLOTS]
    )
    active = db.session.execute(
        select(Booking.slot_id, func.count()).where(Booking.status == BookingStatus.confirmed,
                                                    Booking.day_id == day.id)
        .group_by(Booking.slot_id)
    ).all()  # fmt: skip
    assert sorted(count for _slot, count in active) == [1] * SLOTS
    assert {e.code for e in promoted} == set(
        db.session.scalars(select(Booking.code).where(Booking.status == BookingStatus.confirmed))
    )
    assert db.session.scalar(select(func.sum(Slot.booked)).where(Slot.day_id == day.id)) == SLOTS
