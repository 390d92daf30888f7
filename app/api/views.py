"""JSON API (DESIGN.md §6): JSON in and out, every error a JSON code.

Each route declares its body and answer schemas (app/api/schemas.py): flask-smorest
validates the body with them, serialises the answer and writes /api/openapi.json from them.
A domain rule's refusal (any ``DomainError``) becomes ``{"error": code, …}`` with the status
the rule carries, in one handler below; each change commits in one place
(``run_in_transaction``).
"""

import flask_smorest
from flask import Response, abort, current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from app.auth.access import DESK, STAFF, api_roles, api_user
from app.auth.models import Role
from app.bookings import limits as booking_limits
from app.bookings import services as bookings
from app.bookings.models import Category, DelegateRole, Topic
from app.core import limits, params
from app.core.converters import IsoDateConverter
from app.core.db import run_in_transaction, utcnow
from app.core.errors import DomainError, json_error
from app.core.i18n import current_language
from app.core.spreadsheet import XLSX_MIMETYPE
from app.days import ics
from app.days import services as days
from app.days.models import Slot
from app.districts import services as districts
from app.extensions import db
from app.places import services as places
from app.reception import services as desk
from app.registry import deadlines, stats
from app.registry import exports as registry_exports
from app.registry import services as registry
from app.registry.models import Initiator, Kind, Scale, SpecialProject, Subprogram
from app.registry.models import Origin as RegistryOrigin

from . import schemas as s

bp = Blueprint("api", __name__, url_prefix="/api", description="The JSON API")
BEARER = [{"bearer": []}]
UNKNOWN_DISTRICT = _l("Unknown district.")
UNKNOWN_BOOKING = _l("Unknown booking.")


@bp.errorhandler(DomainError)
def refused(error):
    """A domain rule said no: its code and details, with the status the rule carries (a
    rule about one field answers like the schemas: 422 ``validation`` naming it)."""
    db.session.rollback()
    if error.status == 422 and error.field:
        return invalid(**{error.field: [error.text]})
    return json_error(error.status, error.code, **error.details)


@bp.before_request
def json_bodies_only():
    """Bodies are JSON objects: another content type is 415, anything but an object 400."""
    if request.method in ("POST", "PUT", "PATCH"):
        if not request.is_json:
            return json_error(415, "unsupported_media_type")
        if not isinstance(request.get_json(silent=True), dict):
            return json_error(400, "invalid_json")
    return None


def takes_json(view):
    """Document what every JSON body may be answered before its schema reads it."""
    view = bp.alt_response(415, schema=s.Error, description="unsupported_media_type")(view)
    return bp.alt_response(400, schema=s.Error, description="invalid_json")(view)


def bearer(*roles, forbidden="forbidden"):
    """A staff route (``api_roles``) with its bearer security and its 401 and 403 answers
    in the document."""

    def decorate(view):
        view = bp.alt_response(403, schema=s.Error, description=forbidden)(view)
        view = bp.alt_response(401, schema=s.Error, description="unauthorized")(view)
        return api_roles(*roles)(bp.doc(security=BEARER)(view))

    return decorate


def invalid(**fields):
    """A 422 answer naming fields, as the schemas' own refusals do."""
    return json_error(422, "validation", fields={k: [str(m) for m in v] for k, v in fields.items()})


def slot_answer(slot):
    return {
        "id": slot.id,
        "starts_at": slot.starts_at,
        "ends_at": slot.ends_at,
        "capacity": slot.capacity,
        "free": slot.free,
    }


def _day_or_404(on):
    return days.day_by_date(on) or abort(404)


# --- Days ----------------------------------------------------------------------------------


@bp.get("/days")
@bp.arguments(s.DaysQuery(), location="query", as_kwargs=True)
@bp.response(200, s.DaysAnswer)
@bp.alt_response(422, schema=s.ValidationAnswer, description="validation")
def list_days(from_):
    """The Days from a date on (default: today), with their seats."""
    first = from_ or days.today_local(utcnow())
    rows = days.days_with_seats(first)
    location = ics.address()
    return {
        "days": [
            {
                "date": day.date,
                "starts_at": day.starts_at,
                "ends_at": day.ends_at,
                "status": day.status.value,
                "location": location,
                "seats_total": seats,
                "seats_free": free,
            }
            for day, seats, free in rows
        ]
    }


@bp.get("/days/<isodate:date>/slots")
@bp.response(200, s.SlotsAnswer)
@bp.alt_response(404, schema=s.Error, description="not_found")
def day_slots(date):
    """A Day's slots with their free seats."""
    day = _day_or_404(date)
    return {"date": day.date, "slots": [slot_answer(slot) for slot in day.slots]}


# --- bookings ------------------------------------------------------------------------------


def visitor_from(body):
    """The visitor a booking body (s.NewBooking) describes, or None when it names a district
    that is unknown or inactive."""
    district = None
    if body.get("district"):
        district = places.active_district(body["district"])
        if district is None:
            return None
    return bookings.Visitor(
        full_name=body["full_name"],
        category=Category(body["category"]),
        organization=body.get("organization"),
        district_id=district.id if district else None,
        phone=body["phone"],
        email=body.get("email"),
        topic=Topic(body["topic"]),
        message=body.get("message"),
        language=body.get("language") or current_language(),
        consent=body["consent"],
    )


@bp.post("/bookings")
@takes_json
@limits.shared("book", limits.BOOK)
@bp.arguments(s.NewBooking())
@bp.response(201, s.BookingCreated)
@bp.alt_response(404, schema=s.Error, description="not_found: no such slot")
@bp.alt_response(409, schema=s.Error, description="slot_full, duplicate or closed")
@bp.alt_response(422, schema=s.ValidationAnswer, description="validation")
@bp.alt_response(429, schema=s.Error, description="rate_limited")
def create_booking(body):
    """Book a seat: the seat's UPDATE (which checks the slot, its Day and the window, and
    returns them), the INSERT, and the confirmation mail's INSERT into the outbox — three
    statements, four when a district is named (it is looked up)."""
    visitor = visitor_from(body)
    if visitor is None:
        return invalid(district=[UNKNOWN_DISTRICT])
    slot_id = body["slot_id"]
    if not 0 < slot_id <= params.MAX_INT:
        return json_error(404, "not_found")
    address = request.remote_addr
    # The per-Day limit needs the Day: checked on the seat's Day inside the transaction.

    def book():
        booking = bookings.book_slot(slot_id, visitor, now=utcnow())
        booking_limits.check(booking.day_id, visitor.phone, address)
        # Answered from what is in hand: a read after the commit would cost a statement.
        return booking.day_id, {
            "code": booking.code,
            "manage_token": booking.manage_token,
            "status": booking.status.value,
            "slot": slot_answer(booking.seat),
        }

    day_id, answer = run_in_transaction(book)
    booking_limits.count(day_id, visitor.phone, address)
    return answer


MANAGE_TOKEN = {
    "in": "header",
    "name": "X-Manage-Token",
    "required": True,
    "schema": {"type": "string"},
    "description": "the manage_token returned when the booking was made",
}


def _booking_from_header(code):
    booking = bookings.booking_for_token(code, request.headers.get("X-Manage-Token", ""))
    if booking is None:
        abort(404)
    return booking


@bp.get("/bookings/<code>")
@bp.doc(parameters=[MANAGE_TOKEN])
@bp.response(200, s.BookingAnswer)
@bp.alt_response(404, schema=s.Error, description="not_found (also for a wrong token)")
def get_booking(code):
    """A booking, for whoever holds its manage token."""
    booking = _booking_from_header(code)
    return {
        "code": booking.code,
        "status": booking.status.value,
        "date": booking.day.date,
        "slot": slot_answer(booking.slot) if booking.slot else None,
        "full_name": booking.full_name,
        "category": booking.category.value,
        "organization": booking.organization,
        "district": booking.district.code if booking.district else None,
        "phone": booking.phone,
        "email": booking.email,
        "topic": booking.topic.value,
        "message": booking.message,
        "language": booking.language,
        "created_at": booking.created_at,
    }


@bp.delete("/bookings/<code>")
@limits.shared("change", limits.CHANGE)
@bp.doc(parameters=[MANAGE_TOKEN])
@bp.response(200, s.Cancelled)
@bp.alt_response(404, schema=s.Error, description="not_found (also for a wrong token)")
@bp.alt_response(409, schema=s.Error, description="closed: the time has begun")
@bp.alt_response(429, schema=s.Error, description="rate_limited")
def delete_booking(code):
    """Cancel a booking; its seat is free at once."""
    booking = _booking_from_header(code)
    run_in_transaction(lambda: bookings.cancel_booking(booking, now=utcnow()))
    return {"status": "cancelled"}


# --- the document and its reference page ---------------------------------------------------


#: what any request may be answered, whatever its route: text no database can store (a NUL
#: character, a lone surrogate) anywhere in it is refused before any view runs
ANY_ROUTE = {"400": {"description": "bad_request (or invalid_json)", "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}  # fmt: skip


def _spec():
    document = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    for item in document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                for status, answer in ANY_ROUTE.items():
                    operation["responses"].setdefault(status, answer)
    return document


@bp.route("/openapi.json")
@bp.doc(responses={"200": {"description": "this document (OpenAPI 3.1)", "content": {
    "application/json": {"schema": {"type": "object"}}}}})  # fmt: skip
def openapi():
    """The OpenAPI 3.1 description of the API, written from its schemas."""
    return jsonify(_spec())


@bp.route("/docs")
@bp.doc(
    summary="This reference, as a page",
    responses={
        "200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}
    },
)
def docs():
    """The API reference, rendered from /api/openapi.json (no script, no CDN)."""
    return render_template("api/docs.html", spec=_spec())


# --- staff: the desk ----------------------------------------------------------------------


@bp.post("/checkins")
@takes_json
@bearer(*DESK)
@bp.arguments(s.CheckinBody())
@bp.response(200, s.CheckinAnswer)
@bp.alt_response(404, schema=s.Error, description="not_found")
@bp.alt_response(409, schema=s.WrongDay, description="cancelled, or wrong_day with its date")
@bp.alt_response(422, schema=s.ValidationAnswer, description="validation")
def create_checkin(body):
    """Check a booking in by its code (idempotent). Today's Day unless ``date`` is given."""
    on = body.get("date") or days.today_local(utcnow())
    booking = desk.booking_by_code(body["code"])
    if booking is None:
        return json_error(404, "not_found")
    day = days.day_by_date(on)
    if day is None:
        return json_error(409, "wrong_day", date=booking.day.date.isoformat())

    def check_in():
        fresh = desk.check_in(booking, day=day, by=api_user(), now=utcnow())
        return {
            "code": booking.code,
            "status": booking.status.value,
            "checked_in_at": booking.checked_in_at,
            "full_name": booking.full_name,
            "already": not fresh,
        }

    return run_in_transaction(check_in)


@bp.get("/days/<isodate:date>/attendance")
@bearer(*DESK)
@bp.response(200, s.Attendance)
@bp.alt_response(404, schema=s.Error, description="not_found")
def day_attendance(date):
    """A Day's counters: booked, checked in, walk-ins, no-shows."""
    return desk.attendance(_day_or_404(date))


@bp.get("/stats")
@bearer(Role.admin)
@bp.arguments(s.StatsQuery(), location="query", as_kwargs=True)
@bp.response(200, s.StatsAnswer)
@bp.alt_response(
    422, schema=s.ValidationAnswer, description="validation: `from` after `to`, or over 5 years"
)
def get_stats(from_, to):
    """Each Day of a period (default: the year to today) and the totals: bookings,
    arrivals, no-shows, walk-ins, cancellations, visitors by category, topic and district,
    proposals raised at the Day; the same counts as the desk, the quotas and the registry."""
    until = to or days.today_local(utcnow())
    since = from_ or stats.years_after(until, -1)
    if since > until:  # only one end was given
        return json_error(422, "validation", fields={"from": [str(s.FROM_AFTER_TO)]})
    figures = stats.day_figures(stats.days_between(since, until))
    return {
        "days": [stats.as_json(one) for one in figures],
        "totals": stats.as_json(stats.totals_of(figures)),
    }


# --- staff: districts ------------------------------------------------------------------------


@bp.get("/days/<isodate:date>/quotas")
@bearer(*STAFF)
@bp.response(200, s.QuotasAnswer)
@bp.alt_response(404, schema=s.Error, description="not_found")
def day_quotas(date):
    """Each district's delegates and quota status for a Day (a coordinator: their own)."""
    day = _day_or_404(date)
    user = api_user()
    scope = [user.district] if user.role == Role.district else None
    return {
        "date": day.date,
        "districts": [
            {
                "code": q.district.code,
                "delegate_min": q.delegate_min,
                "delegate_target": q.delegate_target,
                "registered": q.registered,
                "attended": q.attended,
                "status": q.status.value if q.status else None,
            }
            for q in districts.day_quotas(day, now=utcnow(), districts=scope)
        ],
    }


@bp.post("/days/<isodate:date>/delegates")
@takes_json
@bearer(Role.admin, Role.district, forbidden="forbidden: another district")
@bp.arguments(s.DelegateBody())
@bp.response(201, s.DelegateAnswer)
@bp.alt_response(404, schema=s.Error, description="not_found: no such Day or time")
@bp.alt_response(409, schema=s.Error, description="duplicate, closed or slot_full")
@bp.alt_response(422, schema=s.ValidationAnswer, description="validation or inactive_district")
def create_delegate(body, date):
    """Register a district's delegate for a Day (with a time: a seat of that slot)."""
    day = days.day_by_date(date)
    if day is None:
        return json_error(404, "not_found")
    user = api_user()
    code = body.get("district")
    if not code and user.role == Role.district:
        district = user.district
    else:
        district = places.district_by_code(code or "")
        if district is None:
            return invalid(district=[UNKNOWN_DISTRICT])
    if user.role == Role.district and district.id != user.district_id:
        return json_error(403, "forbidden")
    slot = None
    if body.get("slot_id") is not None:
        slot_id = body["slot_id"]
        slot = db.session.get(Slot, slot_id) if 0 < slot_id <= params.MAX_INT else None
        if slot is None or slot.day_id != day.id:
            return json_error(404, "not_found")
    person = districts.DelegatePerson(
        full_name=body["full_name"],
        position=body["position"],
        organization=body.get("organization"),
        phone=body["phone"],
        email=body.get("email"),
        role=DelegateRole(body["role"]),
        language=current_language(),
    )

    def register():
        delegate = districts.register_delegate(day, district, person, slot=slot, now=utcnow(),
                                               by=user)  # fmt: skip
        return {
            "code": delegate.code,
            "manage_token": delegate.manage_token,
            "status": delegate.status.value,
            "district": district.code,
            "full_name": delegate.full_name,
            "role": delegate.delegate_role.value,
            "slot": slot_answer(slot) if slot else None,
        }

    return run_in_transaction(register)


# --- staff: the registry ------------------------------------------------------------------------


def proposal_answer(p):
    return {
        "number": p.number,
        "registry": p.in_registry.value,
        "status": p.status.value,
        "kind": p.kind.value,
        "title": p.title,
        "description": p.description,
        "subprogram": p.subprogram.value,
        "special_project": p.special_project.value if p.special_project else None,
        "district": p.district.code,
        "scale": p.scale.value,
        "initiator_type": p.initiator_type.value,
        "initiator_name": p.initiator_name,
        "expected_result": p.expected_result,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "event_date": p.event_date,
        "people_involved": p.people_involved,
        "funding_amount": str(p.funding_amount) if p.funding_amount is not None else None,
        "funding_source": p.funding_source,
        "is_charity": p.is_charity,
        "funding_late": p.funding_late,
        "origin": p.origin.value,
        "booking_code": p.booking.code if p.booking else None,
        "reason": p.reason,
        "merged_into": p.merged_into.number if p.merged_into else None,
        "created_at": p.created_at,
        "due_on": p.due_on,
        "overdue": deadlines.is_overdue(p, days.today_local(utcnow())),
    }


def _registry_filters(query):
    district = None
    if query.get("district"):
        district = places.district_by_code(query["district"])
        if district is None:
            response, status = invalid(district=[UNKNOWN_DISTRICT])
            response.status_code = status
            abort(response)
    return registry.Filters(
        registry=query.get("registry"),
        district=district.id if district else None,
        status=query.get("status"),
        kind=query.get("kind"),
        subprogram=query.get("subprogram"),
        query=query.get("q"),
        sort="number",
    )


@bp.get("/registry")
@bearer(Role.admin, Role.district)
@bp.arguments(s.RegistryQuery(), location="query")
@bp.response(200, s.RegistryAnswer)
@bp.alt_response(422, schema=s.ValidationAnswer, description="validation")
def registry_list(query):
    """Registry entries, a page at a time (a coordinator: their district's)."""
    page = registry.list_proposals(
        _registry_filters(query),
        scope=registry.scope_for(api_user()),
        page=query["page"],
        per_page=query["per_page"],
    )
    return {
        "proposals": [proposal_answer(p) for p in page.items],
        "total": page.total,
        "page": query["page"],
        "per_page": query["per_page"],
    }


@bp.get("/registry.xlsx")
@bearer(Role.admin, Role.district)
@bp.doc(responses={"200": {"description": "the registry form", "content": {XLSX_MIMETYPE: {}}}})
@bp.arguments(s.RegistryQuery(), location="query")
@bp.alt_response(422, schema=s.ValidationAnswer, description="validation")
def registry_xlsx(query):
    """The registry form as XLSX (same filters)."""
    rows = registry.export_rows(_registry_filters(query), registry.scope_for(api_user()))
    return Response(
        registry_exports.registry_xlsx(rows),
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": 'attachment; filename="registry.xlsx"'},
    )


@bp.post("/proposals")
@takes_json
@bearer(Role.admin, Role.district, Role.reception, forbidden="forbidden: another district")
@bp.arguments(s.ProposalBody())
@bp.response(201, s.ProposalAnswer)
@bp.alt_response(422, schema=s.ValidationAnswer, description="validation")
def create_proposal(body):
    """Enter a proposal in the registry; it is numbered and routed."""
    user = api_user()
    code = body.get("district")
    if user.role == Role.district:
        if code not in (None, user.district.code):
            return json_error(403, "forbidden")
        district = user.district
    else:
        district = places.district_by_code(code or "")
        if district is None or not district.is_active:
            return invalid(district=[UNKNOWN_DISTRICT])
    booking = None
    if body.get("booking_code"):
        booking = desk.booking_by_code(body["booking_code"])
        if booking is not None and user.role == Role.district:
            # Another district's visitor answers exactly as an unknown code.
            booking = booking if booking.district_id == user.district_id else None
        if booking is None:
            return invalid(booking_code=[UNKNOWN_BOOKING])
    project = body["kind"] == Kind.project.value
    draft = registry.Draft(
        kind=Kind(body["kind"]),
        title=body["title"],
        description=body.get("description") or "",
        subprogram=Subprogram(body["subprogram"]),
        special_project=SpecialProject(body["special_project"])
        if body.get("special_project")
        else None,
        district_id=district.id,
        scale=Scale(body["scale"]),
        initiator_type=Initiator(body["initiator_type"]),
        initiator_name=body["initiator_name"],
        phone=body.get("phone"),
        email=body.get("email"),
        language=body.get("language") or current_language(),
        expected_result=body.get("expected_result") if project else None,
        starts_on=body.get("starts_on") if project else None,
        ends_on=body.get("ends_on") if project else None,
        event_date=None if project else body.get("event_date"),
        people_involved=body.get("people_involved"),
        funding_amount=body.get("funding_amount"),
        funding_source=body.get("funding_source"),
        funding_justification=body.get("funding_justification"),
        is_charity=body["is_charity"],
        responsible=body.get("responsible"),
    )
    if booking is not None:
        origin = RegistryOrigin.booking
    else:
        origin = RegistryOrigin.district if user.role == Role.district else RegistryOrigin.office

    def create():
        proposal = registry.create_proposal(draft, origin=origin, booking=booking, now=utcnow(),
                                            by=user)  # fmt: skip
        return proposal_answer(proposal)

    return run_in_transaction(create)


@bp.post("/proposals/<number>/status")
@takes_json
@bearer(Role.admin, Role.district)
@bp.arguments(s.StatusBody())
@bp.response(200, s.ProposalAnswer)
@bp.alt_response(404, schema=s.Error, description="not_found")
@bp.alt_response(409, schema=s.TransitionRefused, description="transition, with the allowed ones")
@bp.alt_response(422, schema=s.ValidationAnswer, description="validation")
def change_proposal_status(body, number):
    """Move an entry through the review workflow."""
    proposal = registry.proposal_by_number(number)
    user = api_user()
    if proposal is None or not registry.can_see(user, proposal):
        return json_error(404, "not_found")
    if not registry.can_change(user, proposal):
        return json_error(403, "forbidden")

    def change():
        registry.change_status(
            proposal,
            body["status"],
            reason=body.get("reason"),
            merged_into=body.get("merged_into"),
            now=utcnow(),
            by=user,
        )
        return proposal_answer(proposal)

    return run_in_transaction(change)


# --- wiring ----------------------------------------------------------------------------------


class Api(flask_smorest.Api):
    """flask-smorest, with the app's own error pages and JSON errors (app.core.errors) in
    place of its generic error handler, and without its documentation blueprint (the
    document and the reference page are routes of this blueprint)."""

    #: every error answer is ``{"error": code}`` (each route documents its own)
    ERROR_SCHEMA = s.Error
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        pass


def init_app(app):
    app.config.setdefault("API_TITLE", "Civil Initiatives Day")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": "Days, bookings, the desk, district delegates and the registry of "
                "the Karaganda regional Project Office. Times are ISO 8601 with their Asia/Almaty "
                "offset; every error is JSON with an `error` code."
            },
            "servers": [{"url": "/"}],
        },
    )
    api = Api(app)
    api.register_converter(IsoDateConverter, lambda converter: {"type": "string", "format": "date"})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.register_blueprint(bp)
    return api
