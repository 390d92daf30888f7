"""The API answers what its OpenAPI document says, field for field, and takes what the
document allows: every field of every answer is described (a strict reading of the document
refuses undescribed ones), every nullable field of a body accepts null, and every optional
field may be left out."""

import copy
from datetime import UTC, date, datetime

import jsonschema_rs
import pytest
import time_machine

from app.bookings import services as bookings

DAY = date(2026, 12, 25)
ON_THE_DAY = datetime(2026, 12, 25, 5, 10, tzinfo=UTC)
BEFORE = datetime(2026, 12, 20, 6, 0, tzinfo=UTC)


def strict(schema):
    """The schema with every described object closed: an undescribed field is an error."""
    schema = copy.deepcopy(schema)

    def close(node):
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(schema)
    return schema


@pytest.fixture
def document(client):
    return client.get("/api/openapi.json").get_json()


def response_schema(document, path, method, status):
    operation = document["paths"][path][method]
    content = operation["responses"][str(status)]["content"]["application/json"]
    return {"components": strict(document.get("components", {})), **strict(content["schema"])}


def request_schema(document, path, method):
    operation = document["paths"][path][method]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def check(document, path, method, response):
    validator = jsonschema_rs.validator_for(
        response_schema(document, path, method, response.status_code)
    )
    errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(response.get_json())]
    assert errors == [], f"{method.upper()} {path} {response.status_code}: {errors}"


#: a Day whose slots have no seats: its waiting list takes people
FULL_DAY = date(2026, 12, 26)


def waitlist_body(n=0):
    return {"full_name": "Дана Омарова", "category": "citizen", "organization": "ОФ",
            "district": "nura", "phone": f"8 706 555 {n:03d}0", "email": f"w{n}@example.kz",
            "topic": "problem", "message": "Сәлем", "language": "kk", "consent": True,
            "earliest": "10:20", "latest": "15:00"}  # fmt: skip


@pytest.fixture
def world(make_day, make_booking, make_user, api_token, make_proposal):
    day = make_day(DAY)
    make_day(FULL_DAY, capacity=0)
    from app.places.services import district_by_code

    booking = make_booking(day.slots[0], now=BEFORE, district_id=district_by_code("nura").id)
    admin = api_token(make_user("admin"))
    desk = api_token(make_user("reception"))
    proposal = make_proposal(booking=booking, special_project=None, funding_amount=1500)
    return day, booking, admin, desk, proposal


def test_every_answer_is_described_field_for_field(client, document, world):
    day, booking, admin, desk, proposal = world
    token = {"X-Manage-Token": booking.manage_token}
    with time_machine.travel(BEFORE, tick=False):
        calls = [
            ("/api/days", "get", client.get("/api/days?from=2026-12-01")),
            ("/api/days/{date}/slots", "get", client.get(f"/api/days/{DAY}/slots")),
            ("/api/bookings/{code}", "get", client.get(f"/api/bookings/{booking.code}",
                                                       headers=token)),
            ("/api/days/{date}/quotas", "get", client.get(f"/api/days/{DAY}/quotas",
                                                          headers=admin)),
            ("/api/registry", "get", client.get("/api/registry?page=1&per_page=20&status=submitted",
                                                headers=admin)),
            ("/api/bookings", "post", client.post("/api/bookings", json={
                "slot_id": day.slots[2].id, "full_name": "Дана Омарова", "category": "citizen",
                "phone": "8 701 555 77 66", "topic": "problem", "consent": True})),
            ("/api/days/{date}/delegates", "post", client.post(
                f"/api/days/{DAY}/delegates", headers=admin, json={
                    "district": "nura", "full_name": "Серік Әлиев", "position": "аким",
                    "phone": "8 702 555 77 66", "role": "project_lead",
                    "slot_id": day.slots[3].id})),
            ("/api/proposals", "post", client.post("/api/proposals", headers=admin, json={
                "kind": "event", "title": "Той", "subprogram": "atameken", "district": "nura",
                "scale": "district", "initiator_type": "citizen", "initiator_name": "Дана",
                "event_date": "2027-05-01", "booking_code": booking.code})),
            ("/api/proposals/{number}/status", "post", client.post(
                f"/api/proposals/{proposal.number}/status", headers=admin,
                json={"status": "under_review"})),
        ]  # fmt: skip
    with time_machine.travel(ON_THE_DAY, tick=False):
        calls += [
            ("/api/checkins", "post", client.post("/api/checkins", headers=desk,
                                                  json={"code": booking.code})),
            ("/api/days/{date}/attendance", "get", client.get(f"/api/days/{DAY}/attendance",
                                                              headers=desk)),
            ("/api/stats", "get", client.get(f"/api/stats?from={DAY}&to={DAY}", headers=admin)),
            ("/api/days/{date}/queue", "get", client.get(f"/api/days/{DAY}/queue", headers=desk)),
            ("/api/desks/{desk}/call-next", "post", client.post("/api/desks/1/call-next",
                                                                headers=desk, json={})),
            ("/api/visits/{code}/status", "post", client.post(
                f"/api/visits/{booking.code}/status", headers=desk, json={"status": "serving"})),
        ]  # fmt: skip
    with time_machine.travel(BEFORE, tick=False):
        calls.append(
            (
                "/api/days/{date}/waitlist",
                "post",
                client.post(
                    f"/api/days/{FULL_DAY}/waitlist", json={**waitlist_body(), "earliest": "10:00"}
                ),
            )
        )
    made = calls[5][2].get_json()
    with time_machine.travel(BEFORE, tick=False):
        calls.append(
            ("/api/bookings/{code}", "delete", client.delete(
                f"/api/bookings/{made['code']}", headers={"X-Manage-Token": made["manage_token"]}))
        )  # fmt: skip
    for path, method, response in calls:
        assert response.status_code < 300, (path, response.get_json())
        check(document, path, method, response)
    answered = {(path, method) for path, method, _r in calls}
    described = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "delete"}
        and "application/json" in str(item[method]["responses"].get("200", item[method][
            "responses"].get("201", {})).get("content", {}))
        and path != "/api/openapi.json"
    }  # fmt: skip
    assert described <= answered, f"not tried here: {described - answered}"


def valid_bodies(day, booking):
    """A valid body per endpoint that takes JSON (fresh phones per call)."""
    counter = iter(range(100, 1000))

    def booking_body(field=None):
        n = next(counter)
        return {
            "slot_id": day.slots[n % len(day.slots)].id, "full_name": "Дана Омарова",
            "category": "citizen", "organization": "ОФ", "district": "nura",
            "phone": f"8 705 555 {n:03d}0", "email": f"d{n}@example.kz", "topic": "problem",
            "message": "Сәлем", "language": "kk", "consent": True,
        }  # fmt: skip

    def delegate_body(field=None):
        n = next(counter)
        return {
            "district": "nura", "full_name": f"Делегат {n}", "position": "аким",
            "organization": "әкімдік", "phone": f"8 702 555 {n:03d}0", "email": f"g{n}@ex.kz",
            "role": "npo", "slot_id": None,
        }  # fmt: skip

    def proposal_body(field=None):
        # A project needs a result and a period, an event its date: the field tried is left
        # out of the kind that does not need it.
        if field in ("expected_result", "starts_on", "ends_on"):
            return {**proposal_body(), "kind": "event", "event_date": "2027-05-01",
                    "expected_result": None, "starts_on": None, "ends_on": None}  # fmt: skip
        return {
            "kind": "project", "title": "Жоба", "description": "…", "subprogram": "tarbie",
            "special_project": "tugan_zher", "district": "nura", "scale": "district",
            "initiator_type": "npo", "initiator_name": "ОФ", "phone": "8 701 000 00 01",
            "email": "p@example.kz", "expected_result": "100 оқулық", "starts_on": "2027-01-01",
            "ends_on": "2027-12-31", "event_date": None, "people_involved": 50,
            "funding_amount": 1000, "funding_source": "бюджет", "funding_justification": "…",
            "is_charity": False, "booking_code": booking.code, "language": "kk",
            "responsible": "Иванов",
        }  # fmt: skip

    def waiting_body(field=None):
        return waitlist_body(next(counter))

    return {
        ("/api/days/{date}/waitlist", "post"): waiting_body,
        ("/api/bookings", "post"): booking_body,
        ("/api/days/{date}/delegates", "post"): delegate_body,
        ("/api/proposals", "post"): proposal_body,
    }


def test_every_nullable_field_takes_null_and_every_optional_one_may_be_left_out(
    client, document, world, make_user, api_token
):
    day, booking, admin, _desk, _proposal = world
    urls = {"/api/days/{date}/delegates": f"/api/days/{DAY}/delegates",
            "/api/days/{date}/waitlist": f"/api/days/{FULL_DAY}/waitlist"}  # fmt: skip
    # A coordinator may leave out their own district (an admin must name one).
    coordinator = api_token(make_user("district", district="nura"))
    tokens = {"/api/days/{date}/delegates": coordinator, "/api/proposals": coordinator}
    tried = 0
    with time_machine.travel(BEFORE, tick=False):
        for (path, method), make_body in valid_bodies(day, booking).items():
            schema = request_schema(document, path, method)
            required = set(schema.get("required", []))
            for name, field in schema["properties"].items():
                types = field.get("type")
                nullable = (isinstance(types, list) and "null" in types) or any(
                    option.get("type") == "null" for option in field.get("anyOf", [])
                )
                variants = []
                if nullable:
                    variants.append(("null", lambda body, name=name: {**body, name: None}))
                if name not in required:
                    variants.append(("left out", lambda body, name=name: {
                        k: v for k, v in body.items() if k != name}))  # fmt: skip
                for how, change in variants:
                    body = change(make_body(name))
                    response = client.post(
                        urls.get(path, path), json=body, headers=tokens.get(path, admin)
                    )
                    tried += 1
                    assert response.status_code in (200, 201), (
                        f"{path} with {name} {how}: {response.status_code} {response.get_json()}"
                    )
    assert tried > 20


def test_an_event_with_no_special_project_as_the_design_writes_it(client, world):
    _day, _booking, admin, _desk, _proposal = world
    body = {"kind": "event", "title": "Той", "subprogram": "atameken", "special_project": None,
            "district": "nura", "scale": "district", "initiator_type": "citizen",
            "initiator_name": "Дана", "event_date": "2027-05-01"}  # fmt: skip
    response = client.post("/api/proposals", json=body, headers=admin)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["special_project"] is None


def test_the_booking_answer_keeps_its_promise(client, world):
    day, _booking, _admin, _desk, _proposal = world
    with time_machine.travel(BEFORE, tick=False):
        body = {"slot_id": day.slots[5].id, "full_name": "Дана", "category": "citizen",
                "phone": "8 701 555 11 22", "topic": "problem", "consent": True}  # fmt: skip
        answer = client.post("/api/bookings", json=body).get_json()
    assert bookings.booking_for_token(answer["code"], answer["manage_token"]) is not None
