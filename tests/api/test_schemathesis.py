"""The JSON API against its own OpenAPI description, fuzzed by Schemathesis through WSGI.

What must hold for every generated request: no 5xx, a status code and a content type the
description declares, and a body that matches the declared schema.

Generated values alone would almost never name a Day, a slot or a booking that exists, so a
schema hook swaps real ones in for about half of the fuzzed cases: the date of a Day a week
ahead, its slot ids (with a valid phone, so that some bookings go through and later ones
meet full slots and duplicates), and the code and manage token of a booking made before.
"""

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.bookings.models import Booking
from app.core.db import utcnow
from app.days.services import today_local
from app.extensions import db

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]
TEXT_FIELDS = ("full_name", "organization", "message")

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def node_id_for_schemathesis(request):
    """Schemathesis 4.32's lazy schemas read ``request.node._nodeid``, which pytest 9.2
    no longer has (it keeps the id in ``_id``); give them the attribute they expect."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@pytest.fixture
def api_data(app_ctx, make_day, make_booking):
    """A Day a week ahead (within the booking window) and a booking in it."""
    on = today_local(utcnow()) + timedelta(days=7)
    day = make_day(on)
    booking = make_booking(day.slots[0], now=utcnow())
    return SimpleNamespace(
        date=on.isoformat(),
        slot_ids=[slot.id for slot in day.slots],
        code=booking.code,
        token=booking.manage_token,
    )


# --- real values in generated cases ------------------------------------------------------


def real_values(data, operation, case):
    """A strategy of the case as generated or with real values swapped in."""
    path = operation.path
    if path == "/api/days/{date}/slots":
        return st.sampled_from([None, data.date]).map(
            lambda on: case if on is None else with_path(case, date=on)
        )
    if path == "/api/days":
        return st.sampled_from([None, data.date]).map(
            lambda on: case if on is None else with_query(case, **{"from": on})
        )
    if path == "/api/bookings" and isinstance(case.body, dict):
        return st.one_of(
            st.tuples(st.sampled_from(data.slot_ids), phones, st.sampled_from([None, "nura"])).map(
                lambda choice: bookable(case, *choice)
            ),
            st.sampled_from(data.slot_ids).map(lambda slot_id: with_slot(case, slot_id)),
            st.just(case),
        )
    if path == "/api/bookings/{code}":
        return st.sampled_from(["generated", "real", "retyped", "wrong token"]).map(
            lambda how: with_booking(case, data, how)
        )
    return st.just(case)


phones = st.tuples(
    st.sampled_from(["8 {} {}", "+7 ({}) {}", "8{}{}"]),
    st.sampled_from(["701", "702", "747", "777"]),
    st.integers(0, 9_999_999),
).map(lambda parts: parts[0].format(parts[1], f"{parts[2]:07d}"))


def with_path(case, **values):
    case.path_parameters = {**(case.path_parameters or {}), **values}
    return case


def with_query(case, **values):
    case.query = {**(case.query or {}), **values}
    return case


def with_slot(case, slot_id):
    case.body = {**case.body, "slot_id": slot_id}
    return case


def bookable(case, slot_id, phone, district):
    """A real slot and valid phone, district and e-mail; the other fields stay generated."""
    body = {**case.body, "slot_id": slot_id, "phone": phone, "district": district, "email": None}
    if body.get("category") != "citizen" and not str(body.get("organization") or "").strip():
        body["organization"] = "ОФ «Болашақ»"
    case.body = body
    return case


def with_booking(case, data, how):
    if how == "generated":
        return case
    with_path(case, code=data.code.lower() if how == "retyped" else data.code)
    if how != "wrong token":
        case.headers = {**(case.headers or {}), "X-Manage-Token": data.token}
    return case


@pytest.fixture
def api_schema(app, api_data):
    loaded = schemathesis.openapi.from_wsgi("/api/openapi.json", app)

    @loaded.hook
    def flatmap_case(context, case):
        return real_values(api_data, context.operation, case)

    return loaded


# --- the fuzz test -------------------------------------------------------------------------


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_description(case, app, backend):
    # Each request in its own app context, as in production (see IsolatedClient).
    with app.app_context():
        response = case.call()
    db.session.expire_all()
    case.validate_response(response, checks=CHECKS)


# --- what the fuzzing found --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("full_name", "Дана\x00Омарова"),
        ("organization", "ОФ\x00"),
        ("message", "\x00"),
        # Not generated by Schemathesis (it draws valid UTF-8), but legal JSON: "\ud800".
        ("full_name", "Дана\ud800"),
        ("message", "\udfff"),
    ],
    ids=["nul-full_name", "nul-organization", "nul-message", "surrogate-full_name",
         "surrogate-message"],
)  # fmt: skip
def test_text_the_database_cannot_store_is_refused(client, api_data, field, value):
    """Found by fuzzing: PostgreSQL cannot store NUL, no driver can encode a lone surrogate.
    Such a request is refused whole (400), on both databases, before any view runs."""
    body = {
        "slot_id": api_data.slot_ids[1],
        "full_name": "Дана Омарова",
        "category": "npo",
        "organization": "ОФ «Болашақ»",
        "phone": "8 701 555 00 99",
        "topic": "proposal",
        "consent": True,
        field: value,
    }
    before = db.session.scalar(select(func.count(Booking.id)))
    response = client.post("/api/bookings", data=json.dumps(body), content_type="application/json")
    assert (response.status_code, response.get_json()) == (400, {"error": "bad_request"})
    assert db.session.scalar(select(func.count(Booking.id))) == before


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/login", {"email": "a\x00@b.kz", "password": "x"}),
        ("/days/2026-12-25", {"full_name": "NUL\x00", "phone": "87011234567"}),
    ],
)
def test_forms_refuse_unstorable_text_too(client, url, data):
    assert client.post(url, data=data).status_code == 400
    assert client.get("/office/audit?object=%00").status_code in (302, 400)
