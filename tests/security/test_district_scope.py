"""A coordinator sees and changes only their own district's people and entries — and
cannot even learn whether another district's codes or numbers exist."""

from datetime import UTC, date, datetime

import time_machine

from app.bookings import services as bookings
from app.bookings.models import Category
from app.extensions import db
from app.places.services import district_by_code
from app.registry.models import Proposal
from tests.conftest import sign_in

BEFORE = datetime(2026, 12, 20, 6, 0, tzinfo=UTC)
EVENT = {
    "kind": "event", "title": "Той", "subprogram": "atameken", "scale": "district",
    "initiator_type": "citizen", "initiator_name": "Дана", "event_date": "2027-05-01",
}  # fmt: skip


def test_a_foreign_booking_code_answers_as_an_unknown_one(client, make_day, make_booking,
                                                          make_user, api_token):  # fmt: skip
    day = make_day(date(2026, 12, 25))
    saran = make_booking(day.slots[0], now=BEFORE, district_id=district_by_code("saran").id)
    nura_visitor = make_booking(day.slots[1], now=BEFORE,
                                district_id=district_by_code("nura").id)  # fmt: skip
    nura = api_token(make_user("district", district="nura"))
    foreign = client.post("/api/proposals", headers=nura,
                          json={**EVENT, "booking_code": saran.code})  # fmt: skip
    unknown = client.post("/api/proposals", headers=nura, json={**EVENT, "booking_code": "ZZZZZZ"})
    assert (foreign.status_code, foreign.get_json()) == (unknown.status_code, unknown.get_json())
    assert foreign.status_code == 422
    assert db.session.query(Proposal).count() == 0
    own = client.post("/api/proposals", headers=nura,
                      json={**EVENT, "booking_code": nura_visitor.code})  # fmt: skip
    assert own.status_code == 201 and own.get_json()["booking_code"] == nura_visitor.code


def test_a_coordinator_cannot_merge_into_another_districts_entry(client, make_user, api_token,
                                                                 make_proposal):  # fmt: skip
    mine = make_proposal(district="nura")
    theirs = make_proposal(district="shet")
    nura = api_token(make_user("district", district="nura"))
    client.post(f"/api/proposals/{mine.number}/status", headers=nura,
                json={"status": "under_review"})  # fmt: skip
    foreign = client.post(f"/api/proposals/{mine.number}/status", headers=nura,
                          json={"status": "merged", "merged_into": theirs.number})  # fmt: skip
    missing = client.post(f"/api/proposals/{mine.number}/status", headers=nura,
                          json={"status": "merged", "merged_into": "SHE-2026-9999"})  # fmt: skip
    assert foreign.status_code == missing.status_code == 422
    assert foreign.get_json() == missing.get_json()
    db.session.refresh(mine)
    assert mine.status.value == "under_review"


def test_replace_answers_404_for_a_booking_that_is_not_that_districts_delegate(
    client, make_day, make_booking, make_user
):
    day = make_day(date(2026, 12, 25))
    citizen = make_booking(day.slots[0], now=BEFORE, district_id=district_by_code("nura").id)
    assert citizen.category == Category.citizen
    sign_in(client, make_user("district", district="nura"))
    with time_machine.travel(BEFORE, tick=False):
        for booking_id in (citizen.id, 999999, 99999999999):
            response = client.get(f"/districts/nura/delegates/{booking_id}/replace")
            assert response.status_code == 404, booking_id
    assert bookings.booking_for_token(citizen.code, citizen.manage_token) is not None
