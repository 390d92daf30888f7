"""The staff menu: every staff page a role may open, named in the reader's language. The
menu of base.html and the office home's list of pages both come from here."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

ADMIN = ("admin",)
DESK = ("admin", "reception")
REGISTRY = ("admin", "district")
STAFF = ("admin", "reception", "district")

#: (endpoint, title, hint, roles); an endpoint this app lacks is left out
PAGES = (
    ("office.home", _l("Office home"), _l("what needs attention today"), ADMIN),
    ("reception.today", _l("Reception desk"), _l("today's visitors, check-in"), DESK),
    ("office.quota_dashboard", _l("Delegates of the districts"), _l("quotas per Day"), DESK),
    ("districts.home", _l("Districts"), _l("delegates of each district"), REGISTRY),
    ("registry.index", _l("Registry"), _l("projects and proposals"), REGISTRY),
    ("office.report", _l("Twice-monthly report"), _l("the districts' report"), REGISTRY),
    ("office.stats", _l("Statistics"), _l("how each Day went"), ADMIN),
    ("office.messages", _l("Undelivered messages"), _l("mail and SMS that did not arrive"), DESK),
    ("office.days_list", _l("Days"), _l("move, re-time or cancel a Day"), ADMIN),
    ("office.quota_settings", _l("Quota settings"), _l("minimum and target"), ADMIN),
    ("office.districts", _l("Districts and cities"), _l("names, prefixes, active"), ADMIN),
    ("office.users", _l("Users"), _l("accounts, roles, API tokens"), ADMIN),
    ("office.audit_log", _l("Audit log"), _l("who changed what"), ADMIN),
    ("office.privacy", _l("Personal data"), _l("requests, retention"), ADMIN),
    ("api.docs", _l("API reference"), _l("for integrations"), STAFF),
)

MINE = ("district", "districts.home")
MY_DISTRICT = _l("My district")

MAIL_KINDS = {
    "booking_confirmed": _l("booking confirmation"),
    "booking_moved": _l("booking moved"),
    "booking_cancelled": _l("booking cancelled"),
    "booking_reminder": _l("reminder of a booking"),
    "day_changed": _l("the Day moved or cancelled"),
    "proposal_update": _l("proposal update"),
    "quota_reminder": _l("quota reminder"),
    "proposal_deadline": _l("answer deadline of a proposal"),
}


def staff_pages(user=None):
    """[(endpoint, title, hint)] of the pages this user may open."""
    user = user or current_user
    if not getattr(user, "is_authenticated", False):
        return []
    role = user.role.value
    known = current_app.view_functions
    return [
        (endpoint, MY_DISTRICT if (role, endpoint) == MINE else title, hint)
        for endpoint, title, hint, roles in PAGES
        if role in roles and endpoint in known
    ]


def office_pages():
    return [page for page in staff_pages() if page[0] != "office.home"]


def mail_kind(kind):
    return MAIL_KINDS.get(kind, kind)


def init_app(state):
    state.app.jinja_env.globals.update(
        staff_pages=staff_pages, office_pages=office_pages, mail_kind=mail_kind
    )
