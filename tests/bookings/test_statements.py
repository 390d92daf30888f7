"""What a booking costs the database, counted statement by statement (a count, not a
timing): a booking with an e-mail is one SELECT (slot, Day, district), the seat's UPDATE,
the INSERT and the confirmation's INSERT into the outbox — little more than one insert."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import event
from sqlalchemy.engine.interfaces import CacheStats

from app.core.outbox import OutboxMessage
from app.extensions import db

DAY = date(2026, 12, 25)
BEFORE = datetime(2026, 12, 20, 6, 0, tzinfo=UTC)


class Statements:
    def __init__(self):
        self.seen = []
        self.compiled = []  # statements SQLAlchemy compiled for this execution (not cached)

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.seen.append(" ".join(statement.split())[:90])
        if getattr(context, "cache_hit", CacheStats.CACHE_HIT) != CacheStats.CACHE_HIT:
            self.compiled.append((self.seen[-1], context.cache_hit.name))

    def __len__(self):
        return len(self.seen)


@pytest.fixture
def statements(app):
    counter = Statements()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)


@pytest.fixture(autouse=True)
def before_the_day():
    with time_machine.travel(BEFORE, tick=False):
        yield


def body(slot_id, n, **fields):
    return {"slot_id": slot_id, "full_name": "Дана Омарова", "category": "citizen",
            "district": "nura", "phone": f"8 701 555 {n:02d} 00", "email": f"d{n}@ex.kz",
            "topic": "problem", "consent": True, **fields}  # fmt: skip


def test_a_booking_with_e_mail_costs_four_statements(client, make_day, statements):
    slots = [slot.id for slot in make_day(DAY).slots]
    client.post("/api/bookings", json=body(slots[0], 1))  # warm-up
    statements.seen.clear()
    response = client.post("/api/bookings", json=body(slots[1], 2))
    assert response.status_code == 201, response.get_json()
    assert len(statements) <= 4, statements.seen
    kinds = [s.split()[0] for s in statements.seen]
    assert kinds.count("INSERT") == 2 and kinds.count("UPDATE") == 1, statements.seen


def test_mail_and_sms_are_one_insert(app, client, make_day, statements, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_ENABLED", True)
    slots = [slot.id for slot in make_day(DAY).slots]
    client.post("/api/bookings", json=body(slots[0], 5))  # warm-up
    statements.seen.clear()
    response = client.post("/api/bookings", json=body(slots[1], 6))
    assert response.status_code == 201, response.get_json()
    assert len(statements) <= 4, statements.seen  # the confirmation's two rows: one INSERT
    code = response.get_json()["code"]
    rows = db.session.query(OutboxMessage).filter_by(thread=f"booking:{code}").all()
    assert sorted(r.channel.value for r in rows) == ["email", "sms"]


def test_every_statement_of_a_booking_comes_compiled_from_the_cache(
    app, client, make_day, statements, monkeypatch
):
    """After the first booking, SQLAlchemy compiles none of a booking's statements again
    (a statement without a cache key — a multi-row VALUES, say — is compiled on every
    request, at a cost of the order of a millisecond of CPU)."""
    monkeypatch.setitem(app.config, "SMS_ENABLED", True)
    slots = [slot.id for slot in make_day(DAY).slots]
    client.post("/api/bookings", json=body(slots[0], 7))  # warm-up: compiled once here
    statements.seen.clear()
    statements.compiled.clear()
    assert client.post("/api/bookings", json=body(slots[1], 8)).status_code == 201
    assert statements.seen and statements.compiled == []


def test_without_a_district_or_e_mail_it_is_three(client, make_day, statements):
    slots = [slot.id for slot in make_day(DAY).slots]
    statements.seen.clear()
    answer = client.post("/api/bookings", json=body(slots[1], 3, district=None, email=None))
    assert answer.status_code == 201
    assert len(statements) <= 3, statements.seen


def test_a_cancel_costs_four(client, make_day, statements):
    slots = [slot.id for slot in make_day(DAY).slots]
    made = client.post("/api/bookings", json=body(slots[0], 4)).get_json()
    statements.seen.clear()
    response = client.delete(f"/api/bookings/{made['code']}",
                             headers={"X-Manage-Token": made["manage_token"]})  # fmt: skip
    assert response.status_code == 200
    # The booking with its slot and Day, the seat, the booking, the mail.
    assert len(statements) <= 4, statements.seen


def test_a_move_costs_six(client, make_day, statements):
    slots = [slot.id for slot in make_day(DAY).slots]
    made = client.post("/api/bookings", json=body(slots[0], 5)).get_json()
    statements.seen.clear()
    response = client.post(f"/bookings/{made['code']}/move",
                           data={"token": made["manage_token"], "slot_id": slots[3]})  # fmt: skip
    assert response.status_code == 302
    # The booking, the new slot, its seat, the old seat, the booking, the mail.
    assert len(statements) <= 6, statements.seen


def test_a_booking_through_the_form_costs_as_much_as_through_the_api(client, make_day, statements):
    """The Day page's form: the seat's UPDATE, the INSERT, the outbox INSERT and the district
    named; neither the Day nor the district list is read to book."""
    slots = [slot.id for slot in make_day(DAY).slots]

    def form(slot_id, n):
        fields = {**body(slot_id, n), "consent": "y", "website": ""}
        return client.post(f"/days/{DAY}", data=fields)

    assert form(slots[0], 7).status_code == 302  # warm-up
    statements.seen.clear()
    response = form(slots[1], 8)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert "/bookings/" in response.location
    assert len(statements) <= 4, statements.seen
    kinds = [s.split()[0] for s in statements.seen]
    assert kinds.count("INSERT") == 2 and kinds.count("UPDATE") == 1, statements.seen


def test_the_form_refuses_a_time_of_another_day_and_keeps_nothing(client, make_day):
    from app.bookings.models import Booking

    here, there = make_day(DAY), make_day(date(2026, 12, 24))
    fields = {**body(there.slots[0].id, 9), "consent": "y", "website": ""}
    response = client.post(f"/days/{DAY}", data=fields)
    assert response.status_code == 422
    assert db.session.query(Booking).count() == 0
    assert db.session.get(type(there.slots[0]), there.slots[0].id).booked == 0
    assert here.slots[0].booked == 0
