"""The URL map for tests that walk every route: who may open each one, and a URL for it
that reaches the rows the ``world`` fixture (tests/conftest.py) seeds."""

from flask import url_for
from werkzeug.routing import AnyConverter, IntegerConverter

from app.bookings.services import manage_token, sms_token
from app.registry.services import status_token

PUBLIC = "public"
DESK = {"admin", "reception"}
ADMIN = {"admin"}
STAFF = {"admin", "reception", "district"}

ACCESS = {
    "static": PUBLIC,
    "days.index": PUBLIC,
    "days.calendar_feed": PUBLIC,
    "days.manifest": PUBLIC,
    "office.days_list": ADMIN,
    "office.edit_day": ADMIN,
    "bookings.day": PUBLIC,
    "bookings.manage": PUBLIC,
    "bookings.booking_ics": PUBLIC,
    "bookings.cancel": PUBLIC,
    "bookings.confirm_cancel": PUBLIC,
    "bookings.move": PUBLIC,
    "bookings.privacy": PUBLIC,
    "bookings.sms": PUBLIC,
    "bookings.short_link_form": PUBLIC,
    "bookings.short_link": PUBLIC,
    "office.messages": DESK,
    "auth.login": PUBLIC,
    "auth.logout": PUBLIC,
    "office.users": ADMIN,
    "office.change_user": ADMIN,
    "office.confirm_deactivate": ADMIN,
    "office.audit_log": ADMIN,
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
    "api.docs": PUBLIC,
    "office.export_job": {"admin", "district"},
    "office.export_download": {"admin", "district"},
    "api.create_checkin": DESK,
    "api.day_attendance": DESK,
    "districts.home": {"admin", "district"},
    "districts.district": {"admin", "district"},
    "districts.day": {"admin", "district"},
    "districts.cancel": {"admin", "district"},
    "districts.confirm_cancel": {"admin", "district"},
    "districts.replace": {"admin", "district"},
    "office.quota_dashboard": DESK,
    "office.quotas_xlsx": DESK,
    "office.quota_settings": ADMIN,
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
    "office.report": {"admin", "district"},
    "office.report_xlsx": {"admin", "district"},
    "api.registry_list": {"admin", "district"},
    "api.registry_xlsx": {"admin", "district"},
    "api.create_proposal": STAFF,
    "api.change_proposal_status": {"admin", "district"},
    "api.create_delegate": {"admin", "district"},
    # issue 12: the office runs the year from its own pages
    "office.home": ADMIN,
    "office.retry_mail": ADMIN,
    "api.get_stats": ADMIN,
    "office.stats": ADMIN,
    "office.stats_xlsx": ADMIN,
    "office.stats_print": ADMIN,
    "queue.choose_desk": DESK,
    "queue.call": DESK,
    "queue.change": DESK,
    "queue.day": DESK,
    "queue.settings": ADMIN,
    "display.screen": PUBLIC,
    "display.state": PUBLIC,
    "display.events": PUBLIC,
    "api.call_next": DESK,
    "api.visit_status": DESK,
    "api.day_queue": DESK,
    "waitlist.join": PUBLIC,
    "waitlist.entry": PUBLIC,
    "waitlist.leave": PUBLIC,
    "api.join_waitlist": PUBLIC,
    "kiosk.start": PUBLIC,
    "kiosk.check_in": PUBLIC,
    "kiosk.walk_in": PUBLIC,
    "kiosk.devices": DESK,
    "kiosk.revoke": DESK,
    "office.audit_xlsx": ADMIN,
    "office.districts": ADMIN,
    "office.edit_district": ADMIN,
    "office.district_quota": ADMIN,
    "office.privacy_page": ADMIN,
    "office.privacy_export": ADMIN,
    "office.privacy_erase": ADMIN,
    "office.settings_page": ADMIN,
    "office.user_page": ADMIN,
    "office.reset_user_password": ADMIN,
    "office.issue_user_token": ADMIN,
    "office.generate_days": ADMIN,
}

ROLES = ["anonymous", "reception", "district", "admin"]


def roles_for(endpoint):
    """The roles that may open a route (for a public one: the anonymous visitor)."""
    allowed = ACCESS[endpoint]
    return ["anonymous"] if allowed == PUBLIC else [r for r in ROLES if r in allowed]


def url_for_rule(app, rule, world):
    """A URL of ``rule`` whose arguments name the world's rows (the district user's own
    district, the Day, its booking, the entry), with the private token a public page needs."""
    with app.test_request_context():
        return url_for(rule.endpoint, **values_for_rule(rule, world))


def values_for_rule(rule, world):
    """The arguments (and query) that ``url_for_rule`` builds its URL from."""
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if name in ("on", "date"):
            values[name] = world["day"].date
        elif name == "booking_id" and rule.endpoint.startswith("districts."):
            values[name] = world["delegate"].id
        elif name == "booking_id":
            values[name] = world["booking"].id
        elif name == "slot_id":
            values[name] = world["day"].slots[0].id
        elif name == "user_id":
            values[name] = world["users"]["district"].id
        elif name == "district_code":
            values[name] = "nura"
        elif name == "code" and rule.endpoint.startswith("districts."):
            values[name] = "nura"  # the district user's own district
        elif name == "code" and rule.endpoint.startswith("waitlist."):
            values[name] = world["waitlist"].code
        elif name == "code":
            values[name] = world["booking"].code
        elif name == "job_id":
            values[name] = world["job"].id
        elif name == "number":
            values[name] = world["proposal"].number
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0] if hasattr(converter, "items") else None
        elif isinstance(converter, IntegerConverter):
            values[name] = 1
        else:
            values[name] = "x"
    if rule.endpoint == "bookings.short_link":
        values["token"] = sms_token(world["booking"].code, 0)
    if rule.endpoint in (
        "bookings.manage", "bookings.booking_ics", "bookings.confirm_cancel",
        "registry.booking_proposal",
    ):  # fmt: skip
        values["token"] = manage_token(world["booking"].code)
    elif rule.endpoint == "waitlist.entry":
        values["token"] = manage_token(world["waitlist"].code)
    elif rule.endpoint == "registry.status_page":
        values["token"] = status_token(world["proposal"].id)
    return values


def headers_for_rule(rule, world):
    """Headers a request to ``rule`` needs beyond the session (the API's manage token)."""
    if rule.endpoint in ("api.get_booking", "api.delete_booking"):
        return {"X-Manage-Token": manage_token(world["booking"].code)}
    return {}
