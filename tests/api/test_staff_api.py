"""POST /api/checkins and GET /api/days/<date>/attendance with Bearer tokens."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from app.bookings import services as bookings
from app.bookings.models import BookingStatus
from app.extensions import db

DAY = date(2026, 12, 25)


@pytest.fixture
def day(make_day):
    return make_day(DAY)


@pytest.fixture
def desk(make_user, api_token):
    return api_token(make_user("reception"))


@pytest.fixture(autouse=True)
def on_the_day():
    with time_machine.travel(datetime(2026, 12, 25, 5, 10, tzinfo=UTC), tick=False):
        yield


def test_check_in_is_idempotent(client, day, desk, make_booking):
    booking = make_booking(day.slots[0], now=datetime(2026, 12, 20, tzinfo=UTC))
    first = client.post("/api/checkins", json={"code": booking.code}, headers=desk)
    assert first.status_code == 200
    answer = first.get_json()
    assert answer["code"] == booking.code and answer["status"] == "checked_in"
    assert answer["checked_in_at"] == "2026-12-25T10:10:00+05:00"
    again = client.post("/api/checkins", json={"code": booking.code.lower() + "\n"}, headers=desk)
    assert again.get_json()["checked_in_at"] == answer["checked_in_at"]
    assert again.get_json()["already"] is True
    attendance = client.get(f"/api/days/{DAY}/attendance", headers=desk).get_json()
    assert attendance == {"booked": 1, "checked_in": 1, "walk_ins": 0, "no_show": 0}


def test_check_in_errors(client, day, desk, make_booking, make_day):
    unknown = client.post("/api/checkins", json={"code": "ZZZZZZ"}, headers=desk)
    assert (unknown.status_code, unknown.get_json()) == (404, {"error": "not_found"})
    missing = client.post("/api/checkins", json={}, headers=desk)
    assert missing.status_code == 422 and "code" in missing.get_json()["fields"]
    wrong_type = client.post("/api/checkins", json={"code": 123456}, headers=desk)
    assert wrong_type.status_code == 422
    cancelled = make_booking(day.slots[1], now=datetime(2026, 12, 20, tzinfo=UTC))
    bookings.cancel_booking(cancelled, now=datetime(2026, 12, 20, tzinfo=UTC))
    db.session.commit()
    refused = client.post("/api/checkins", json={"code": cancelled.code}, headers=desk)
    assert (refused.status_code, refused.get_json()) == (409, {"error": "cancelled"})
    other = make_day(date(2027, 1, 29))
    later = make_booking(other.slots[0], now=datetime(2027, 1, 20, tzinfo=UTC))
    wrong_day = client.post("/api/checkins", json={"code": later.code}, headers=desk)
    assert wrong_day.status_code == 409
    assert wrong_day.get_json() == {"error": "wrong_day", "date": "2027-01-29"}
    db.session.refresh(later)
    assert later.status == BookingStatus.confirmed
    form = client.post("/api/checkins", data={"code": later.code}, headers=desk)
    assert form.status_code == 415


def test_tokens_and_roles(client, day, make_user, api_token):
    assert client.post("/api/checkins", json={"code": "X"}).status_code == 401
    bad = {"Authorization": "Bearer nope"}
    assert client.get(f"/api/days/{DAY}/attendance", headers=bad).status_code == 401
    district = api_token(make_user("district"))
    response = client.get(f"/api/days/{DAY}/attendance", headers=district)
    assert (response.status_code, response.get_json()) == (403, {"error": "forbidden"})
    admin = api_token(make_user("admin"))
    assert client.get(f"/api/days/{DAY}/attendance", headers=admin).status_code == 200
    assert client.get("/api/days/2026-12-26/attendance", headers=admin).status_code == 404
