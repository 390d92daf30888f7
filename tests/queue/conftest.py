"""Factories for the Day itself: a Day, visitors who arrived, at chosen local times."""

from datetime import date, datetime

import pytest

from app.bookings import services as bookings
from app.bookings.models import Category, Source
from app.core.i18n import LOCAL_TZ
from app.extensions import db
from app.places.services import district_by_code
from app.reception import services as desk

ON = date(2026, 12, 25)


def local(hhmm, on=ON):
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(on.year, on.month, on.day, hours, minutes, tzinfo=LOCAL_TZ)


@pytest.fixture
def arrive(app_ctx, visitor, make_user):
    """``arrive(day, kind, slot_index, "HH:MM")``: a visitor of that kind (booked, walk_in,
    delegate; a slot index or None) checked in at that local time. Returns the booking."""
    staff = make_user("reception")

    def make(day, kind, slot_index, at, **fields):
        slot = day.slots[slot_index] if slot_index is not None else None
        booked_at = local("09:00", day.date).replace(day=day.date.day - 1)
        if kind == "walk_in":
            walk = desk.WalkIn(full_name="Гость", category=Category.citizen,
                               topic=visitor().topic, phone=visitor().phone)  # fmt: skip
            booking = desk.register_walk_in(day, walk, by=staff, now=local(at, day.date))
        elif kind == "delegate":
            person = visitor(category=Category.delegate, district_id=district_by_code("nura").id,
                             **fields)  # fmt: skip
            booking = bookings.create_booking(day, person, slot=slot, now=booked_at,
                                              source=Source.district)  # fmt: skip
        else:
            booking = bookings.book_slot(slot, visitor(**fields), now=booked_at)
        if kind != "walk_in":
            desk.check_in(booking, day=day, by=staff, now=local(at, day.date))
        db.session.commit()
        return booking

    make.staff = staff
    return make
