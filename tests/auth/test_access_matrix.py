"""Every route of the app, for every kind of user: allowed, or 401/403 (or sign in first).

Built from the URL map: a new route without a line in ACCESS fails this test.
"""

from datetime import timedelta

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from app.core.db import utcnow
from app.days import services as days
from app.extensions import db
from tests.conftest import sign_in

PUBLIC = "public"
DESK = {"admin", "reception"}
ADMIN = {"admin"}
STAFF = {"admin", "reception", "district"}

ACCESS = {
    "static": PUBLIC,
    "days.index": PUBLIC,
    "days.calendar_feed": PUBLIC,
    "days.office_days": ADMIN,
    "days.edit_day": ADMIN,
    "bookings.day": PUBLIC,
    "bookings.manage": PUBLIC,
    "bookings.booking_ics": PUBLIC,
    "bookings.cancel": PUBLIC,
    "bookings.move": PUBLIC,
    "bookings.privacy": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": PUBLIC,
    "auth.users": ADMIN,
    "auth.change_user": ADMIN,
    "core.audit_log": ADMIN,
    "reception.today": DESK,
    "reception.desk": DESK,
    "reception.scan": DESK,
    "reception.change": DESK,
    "reception.slot_no_shows": DESK,
    "reception.add_note": DESK,
    "reception.walk_in": DESK,
    "reception.counters": DESK,
    "reception.print_list": DESK,
    "reception.export": DESK,
    "api.list_days": PUBLIC,
    "api.day_slots": PUBLIC,
    "api.create_booking": PUBLIC,
    "api.get_booking": PUBLIC,
    "api.delete_booking": PUBLIC,
    "api.openapi": PUBLIC,
    "api.create_checkin": DESK,
    "api.day_attendance": DESK,
    "districts.home": {"admin", "district"},
    "districts.district": {"admin", "district"},
    "districts.day": {"admin", "district"},
    "districts.cancel": {"admin", "district"},
    "districts.replace": {"admin", "district"},
    "districts.quotas": DESK,
    "districts.quotas_xlsx": DESK,
    "districts.quota_settings": ADMIN,
    "api.day_quotas": STAFF,
    "registry.index": {"admin", "district"},
    "registry.export": {"admin", "district"},
    "registry.new": {"admin", "district"},
    "registry.detail": {"admin", "district"},
    "registry.change_status": {"admin", "district"},
    "registry.add_note": {"admin", "district"},
    "registry.edit": {"admin", "district"},
    "registry.desk_proposal": DESK,
    "registry.booking_proposal": PUBLIC,
    "registry.status_page": PUBLIC,
    "registry.report": {"admin", "district"},
    "registry.report_xlsx": {"admin", "district"},
    "api.registry_list": {"admin", "district"},
    "api.registry_xlsx": {"admin", "district"},
    "api.create_proposal": STAFF,
    "api.change_proposal_status": {"admin", "district"},
    "api.create_delegate": {"admin", "district"},
}

ROLES = ["anonymous", "reception", "district", "admin"]


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ACCESS) == set(), "add the new routes to ACCESS"
    assert set(ACCESS) - endpoints == set(), "ACCESS names routes that no longer exist"


def staff_rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if ACCESS.get(rule.endpoint, PUBLIC) != PUBLIC:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


@pytest.fixture
def world(app_ctx, make_user, make_booking, make_proposal):
    day = days.new_day(days.today_local(utcnow()) + timedelta(days=3))
    db.session.add(day)
    db.session.commit()
    booking = make_booking(day.slots[0], now=utcnow())
    users = {role: make_user(role) for role in ("reception", "district", "admin")}
    proposal = make_proposal(district="nura")  # the district user's own district
    return {"day": day, "booking": booking, "users": users, "proposal": proposal}


def url_for_rule(app, rule, world):
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if name == "on":
            values[name] = world["day"].date
        elif name == "booking_id":
            values[name] = world["booking"].id
        elif name == "slot_id":
            values[name] = world["day"].slots[0].id
        elif name == "user_id":
            values[name] = world["users"]["district"].id
        elif name == "code" and rule.endpoint.startswith("districts."):
            values[name] = "nura"  # the district user's own district
        elif name == "code":
            values[name] = world["booking"].code
        elif name == "number":
            values[name] = world["proposal"].number
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0] if hasattr(converter, "items") else None
        elif isinstance(converter, IntegerConverter):
            values[name] = 1
        else:
            values[name] = "x"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def test_role_by_route_matrix(app, client, world):
    from app.auth import services as auth

    checked = 0
    for role in ROLES:
        client.delete_cookie("session")
        bearer = {}
        if role != "anonymous":
            user = world["users"][role]
            sign_in(client, user)
            bearer = {"Authorization": "Bearer " + auth.issue_token(user)}
            db.session.commit()
        for rule, method in staff_rules(app):
            allowed = ACCESS[rule.endpoint]
            url = url_for_rule(app, rule, world)
            is_api = url.startswith("/api/")
            kwargs = {"json": {}} if is_api and method == "POST" else {}
            headers = bearer if is_api else {}
            response = client.open(url, method=method, headers=headers, **kwargs)
            where = f"{role} {method} {url} -> {response.status_code}"
            if role == "anonymous":
                if is_api:
                    assert response.status_code == 401, where
                else:
                    assert response.status_code == 302, where
                    assert "/login" in response.location, where
            elif role not in allowed:
                assert response.status_code == 403, where
            else:
                assert response.status_code not in (401, 403, 500), where
            checked += 1
    assert checked >= 60
