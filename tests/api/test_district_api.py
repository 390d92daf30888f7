"""GET /api/days/<date>/quotas and POST /api/days/<date>/delegates, scoped by district."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from app.extensions import db

DAY = date(2026, 12, 25)


@pytest.fixture
def day(make_day):
    return make_day(DAY)


@pytest.fixture(autouse=True)
def week_before():
    with time_machine.travel(datetime(2026, 12, 18, 6, 0, tzinfo=UTC), tick=False):
        yield


def delegate(**fields):
    body = {"district": "nura", "full_name": "Асан Үсенов", "position": "специалист",
            "organization": "акимат", "phone": "8 701 777 12 34", "email": "asan@nura.kz",
            "role": "project_lead"}  # fmt: skip
    body.update(fields)
    return body


def test_a_district_registers_its_delegate_and_sees_its_quota(client, day, make_user, api_token):
    nura = api_token(make_user("district", district="nura"))
    created = client.post(f"/api/days/{DAY}/delegates", json=delegate(slot_id=day.slots[1].id),
                          headers=nura)  # fmt: skip
    assert created.status_code == 201, created.get_json()
    answer = created.get_json()
    assert answer["district"] == "nura" and answer["status"] == "confirmed"
    assert answer["slot"]["starts_at"] == "2026-12-25T10:20:00+05:00"
    quotas = client.get(f"/api/days/{DAY}/quotas", headers=nura).get_json()
    assert quotas == {
        "date": "2026-12-25",
        "districts": [{"code": "nura", "delegate_min": 1, "delegate_target": 2,
                       "registered": 1, "attended": 0, "status": "on_track"}],
    }  # fmt: skip


def test_another_district_is_forbidden(client, day, make_user, api_token):
    nura = api_token(make_user("district", district="nura"))
    response = client.post(
        f"/api/days/{DAY}/delegates", json=delegate(district="shet"), headers=nura
    )
    assert (response.status_code, response.get_json()) == (403, {"error": "forbidden"})


def test_admin_sees_every_active_district(client, day, make_user, api_token):
    admin = api_token(make_user("admin"))
    body = client.get(f"/api/days/{DAY}/quotas", headers=admin).get_json()
    assert len(body["districts"]) == 13
    assert {d["status"] for d in body["districts"]} == {"below"}
    desk = api_token(make_user("reception"))
    refused = client.post(f"/api/days/{DAY}/delegates", json=delegate(), headers=desk)
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("fields", "status", "error"),
    [
        ({"district": "satpayev"}, 422, "inactive_district"),
        ({"district": "atlantis"}, 422, "validation"),
        ({"role": "boss"}, 422, "validation"),
        ({"phone": "1"}, 422, "validation"),
        ({"full_name": 5}, 422, "validation"),
        ({"slot_id": 99999}, 404, "not_found"),
    ],
)
def test_bad_delegates(client, day, make_user, api_token, fields, status, error):
    admin = api_token(make_user("admin"))
    response = client.post(f"/api/days/{DAY}/delegates", json=delegate(**fields), headers=admin)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"] == error


def test_duplicates_and_closed_days(client, day, make_user, api_token, make_day):
    admin = api_token(make_user("admin"))
    assert (
        client.post(f"/api/days/{DAY}/delegates", json=delegate(), headers=admin).status_code == 201
    )
    twin = client.post(f"/api/days/{DAY}/delegates", json=delegate(), headers=admin)
    assert (twin.status_code, twin.get_json()) == (409, {"error": "duplicate"})
    make_day(date(2026, 11, 27))
    db.session.commit()
    past = client.post("/api/days/2026-11-27/delegates", json=delegate(), headers=admin)
    assert (past.status_code, past.get_json()) == (409, {"error": "closed"})
    assert (
        client.post("/api/days/2026-11-28/delegates", json=delegate(), headers=admin).status_code
        == 404
    )
