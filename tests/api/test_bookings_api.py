"""POST /api/bookings, GET and DELETE /api/bookings/<code> (DESIGN.md §6)."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from app.bookings.models import Booking
from app.days.models import Slot
from app.extensions import db

DAY = date(2026, 12, 25)
NOW = datetime(2026, 12, 20, 6, 0, tzinfo=UTC)


@pytest.fixture
def slot(make_day):
    return make_day(DAY).slots[2]


@pytest.fixture(autouse=True)
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def body(slot, **fields):
    data = {
        "slot_id": slot.id,
        "full_name": "Дана Омарова",
        "category": "npo",
        "organization": "ОФ «Болашақ»",
        "district": "nura",
        "phone": "+7 (701) 123-45-67",
        "email": "dana@example.kz",
        "topic": "proposal",
        "message": "Предложение",
        "language": "kk",
        "consent": True,
    }
    data.update(fields)
    return data


def count():
    return db.session.scalar(select(func.count(Booking.id)))


def test_book_get_and_cancel(client, slot):
    created = client.post("/api/bookings", json=body(slot))
    assert created.status_code == 201, created.get_json()
    answer = created.get_json()
    assert set(answer) == {"code", "manage_token", "status", "slot"}
    assert answer["status"] == "confirmed"
    assert answer["slot"]["starts_at"] == "2026-12-25T10:40:00+05:00"
    assert answer["slot"]["free"] == 1
    headers = {"X-Manage-Token": answer["manage_token"]}
    got = client.get(f"/api/bookings/{answer['code']}", headers=headers).get_json()
    assert got["phone"] == "+77011234567"
    assert got["district"] == "nura" and got["language"] == "kk"
    deleted = client.delete(f"/api/bookings/{answer['code']}", headers=headers)
    assert deleted.get_json() == {"status": "cancelled"}
    assert db.session.get(Slot, slot.id).booked == 0
    again = client.delete(f"/api/bookings/{answer['code']}", headers=headers)
    assert again.get_json() == {"status": "cancelled"}


def test_wrong_or_missing_token_is_404(client, slot):
    answer = client.post("/api/bookings", json=body(slot)).get_json()
    for headers in ({}, {"X-Manage-Token": "wrong"}, {"X-Manage-Token": "x" * 5000}):
        for method in (client.get, client.delete):
            response = method(f"/api/bookings/{answer['code']}", headers=headers)
            assert response.status_code == 404
            assert response.get_json() == {"error": "not_found"}
    assert client.get("/api/bookings/NOSUCH", headers={"X-Manage-Token": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"full_name": ""}, "full_name"),
        ({"full_name": "Ы" * 20000}, "full_name"),
        ({"full_name": 42}, "full_name"),
        ({"category": "delegate"}, "category"),
        ({"category": "alien"}, "category"),
        ({"organization": None}, "organization"),
        ({"district": "zhezkazgan"}, "district"),  # inactive
        ({"district": "atlantis"}, "district"),
        ({"phone": "123"}, "phone"),
        ({"phone": ["8701"]}, "phone"),
        ({"email": "nope"}, "email"),
        ({"topic": "weather"}, "topic"),
        ({"message": "м" * 2001}, "message"),
        ({"language": "en"}, "language"),
        ({"consent": False}, "consent"),
        ({"consent": "yes"}, "consent"),
        ({"slot_id": "3"}, "slot_id"),
        ({"slot_id": True}, "slot_id"),
    ],
)
def test_validation_errors_name_the_field(client, slot, fields, bad):
    response = client.post("/api/bookings", json=body(slot, **fields))
    assert response.status_code == 422
    answer = response.get_json()
    assert answer["error"] == "validation"
    assert bad in answer["fields"]
    assert all(isinstance(m, str) and m for m in answer["fields"][bad])
    assert count() == 0


def test_missing_fields(client, slot):
    response = client.post("/api/bookings", json={})
    assert response.status_code == 422
    assert {"slot_id", "full_name", "phone", "topic", "consent"} <= set(
        response.get_json()["fields"]
    )


def test_messages_follow_the_language(client, slot):
    ru = client.post("/api/bookings?lang=ru", json=body(slot, phone="1")).get_json()
    kk = client.post("/api/bookings?lang=kk", json=body(slot, phone="1")).get_json()
    assert ru["fields"]["phone"] == ["Неверный номер телефона."]
    assert kk["fields"]["phone"] == ["Телефон нөмірі қате."]


@pytest.mark.parametrize("slot_id", [0, -1, 999999, 2**40])
def test_unknown_slot_is_404(client, slot, slot_id):
    response = client.post("/api/bookings", json=body(slot, slot_id=slot_id))
    assert response.status_code == 404
    assert response.get_json() == {"error": "not_found"}


def test_conflicts(client, slot, make_day):
    first = client.post("/api/bookings", json=body(slot))
    assert first.status_code == 201
    twin = client.post("/api/bookings", json=body(slot, email="other@example.kz"))
    assert (twin.status_code, twin.get_json()) == (409, {"error": "duplicate"})
    client.post("/api/bookings", json=body(slot, phone="87017777777", email=None))
    full = client.post("/api/bookings", json=body(slot, phone="87018888888", email=None))
    assert (full.status_code, full.get_json()) == (409, {"error": "slot_full"})
    past = make_day(date(2026, 11, 27)).slots[0]
    closed = client.post("/api/bookings", json=body(past, phone="87019999999", email=None))
    assert (closed.status_code, closed.get_json()) == (409, {"error": "closed"})
    assert count() == 2


def test_only_json_is_accepted(client, slot):
    form = client.post("/api/bookings", data={"slot_id": slot.id})
    assert (form.status_code, form.get_json()) == (415, {"error": "unsupported_media_type"})
    broken = client.post("/api/bookings", data="{not json", content_type="application/json")
    assert (broken.status_code, broken.get_json()) == (400, {"error": "invalid_json"})
    array = client.post("/api/bookings", json=[1, 2])
    assert array.status_code == 400
    assert count() == 0


def test_the_openapi_document(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    assert {"/api/days", "/api/days/{date}/slots", "/api/bookings", "/api/bookings/{code}"} <= set(
        spec["paths"]
    )


def test_a_retry_of_a_booking_on_a_full_slot_says_it_is_already_booked(client, slot):
    """An answer lost on the way (a proxy's 502 after the commit): the retry must not say
    "full" to the person who holds one of its seats."""
    mine = client.post("/api/bookings", json=body(slot))
    assert mine.status_code == 201
    other = client.post("/api/bookings", json=body(slot, phone="87017777777", email=None))
    assert other.status_code == 201
    retry = client.post("/api/bookings", json=body(slot))
    assert (retry.status_code, retry.get_json()) == (409, {"error": "duplicate"})
    stranger = client.post("/api/bookings", json=body(slot, phone="87018888888", email=None))
    assert stranger.get_json() == {"error": "slot_full"}
