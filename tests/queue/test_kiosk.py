"""The kiosk: set up once by reception staff, then visitors check themselves in by code or
join as walk-ins; refusals send them to the desk; it never shows another visitor's data."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.bookings import services as bookings
from app.bookings.models import Booking, BookingStatus, Source
from app.core.db import utcnow
from app.days import services as days
from app.extensions import db
from app.queue import kiosk
from app.queue.models import KioskDevice
from tests.conftest import sign_in


@pytest.fixture(autouse=True)
def before_the_first_slot():
    """A Day's morning (09:30 in Almaty): every slot of today is still ahead, whatever the
    hour the tests run at."""
    with time_machine.travel(datetime(2026, 12, 25, 4, 30, tzinfo=UTC), tick=True):
        yield


@pytest.fixture
def today(make_day):
    return make_day(days.today_local(utcnow()))


@pytest.fixture
def tablet(client, make_user):
    """The client as a tablet set up as a kiosk by a receptionist, who then signed out."""
    clerk = make_user("reception")
    sign_in(client, clerk)
    response = client.post("/kiosk/devices", data={"name": "Вход, планшет 1"})
    assert response.status_code == 302 and response.location.endswith("/kiosk/")
    client.post("/logout")
    return client


def test_a_visitor_checks_in_with_their_code(tablet, today, make_booking):
    other = make_booking(today.slots[-1], now=utcnow(), full_name="Чужой Человек")
    mine = make_booking(today.slots[-2], now=utcnow(), full_name="Айгерим Бекова")
    page = tablet.get("/kiosk/").get_data(as_text=True)
    assert 'name="code"' in page
    typed = " " + mine.code.lower()[:3] + "-" + mine.code.lower()[3:] + "\n"
    result = tablet.post("/kiosk/check-in", data={"code": typed}).get_data(as_text=True)
    assert mine.code in result and "Вы отмечены" in result
    assert "Ваше место в очереди: 1" in result
    assert "Айгерим" not in result and other.code not in result and "Чужой" not in result
    db.session.expire_all()
    assert db.session.get(Booking, mine.id).status == BookingStatus.checked_in
    again = tablet.post("/kiosk/check-in", data={"code": mine.code}).get_data(as_text=True)
    assert "Ваше место в очереди: 1" in again


def test_refusals_send_to_the_desk(tablet, today, make_day, make_booking):
    later = make_day(today.date + timedelta(days=3))
    elsewhere = make_booking(later.slots[0], now=utcnow())
    cancelled = make_booking(today.slots[-1], now=utcnow())
    bookings.cancel_booking(cancelled, now=utcnow())
    db.session.commit()
    unknown = tablet.post("/kiosk/check-in", data={"code": "XXXXXX"}).get_data(as_text=True)
    assert "Не удалось найти этот код" in unknown and "стойке приёма" in unknown
    gone = tablet.post("/kiosk/check-in", data={"code": cancelled.code}).get_data(as_text=True)
    assert "отменена" in gone
    page = tablet.post("/kiosk/check-in", data={"code": elsewhere.code}).get_data(as_text=True)
    assert later.date.strftime("%d.%m.%Y") in page and "стойке приёма" in page
    db.session.expire_all()
    assert db.session.get(Booking, cancelled.id).status == BookingStatus.cancelled


def test_a_walk_in_joins_the_queue(tablet, today, make_booking):
    booked = make_booking(today.slots[-1], now=utcnow())
    form = {"full_name": "Ерлан Сапаров", "phone": "8 701 444 55 66", "topic": "problem",
            "consent": "y"}  # fmt: skip
    response = tablet.post("/kiosk/walk-in", data=form)
    page = response.get_data(as_text=True)
    walk_in = db.session.scalar(select(Booking).where(Booking.source == Source.walk_in))
    assert walk_in.code in page and walk_in.status == BookingStatus.checked_in
    assert "Ваше место в очереди: 1" in page
    twice = tablet.post("/kiosk/walk-in", data={"full_name": "Кто-то", "phone": booked.phone,
                        "topic": "problem", "consent": "y"}).get_data(as_text=True)  # fmt: skip
    assert "уже есть запись" in twice and booked.code not in twice
    empty = tablet.post("/kiosk/walk-in", data={})
    assert empty.status_code == 422


def test_without_a_device_or_once_revoked_nothing_is_checked_in(
    client, tablet, today, make_booking, make_user
):
    booking = make_booking(today.slots[-1], now=utcnow())
    device = db.session.scalar(select(KioskDevice))
    kiosk.revoke(device, by=None, now=utcnow())
    db.session.commit()
    page = tablet.get("/kiosk/").get_data(as_text=True)
    assert "не настроено как киоск" in page and 'name="code"' not in page
    tablet.post("/kiosk/check-in", data={"code": booking.code})
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == BookingStatus.confirmed
    assert device.token_hash and len(device.token_hash) == 64
