"""JSON API (DESIGN.md §6): JSON in and out, every error a JSON code."""

from datetime import date

from flask import Blueprint, abort, jsonify, request, send_file
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from app.auth.access import DESK, STAFF, api_roles, api_user
from app.auth.models import Role
from app.bookings import limits as booking_limits
from app.bookings import services as bookings
from app.bookings.forms import VisitorForm
from app.core import limits, params
from app.core.db import utcnow
from app.core.errors import json_error
from app.core.i18n import LOCAL_TZ, current_language
from app.core.spreadsheet import XLSX_MIMETYPE
from app.days import ics
from app.days import services as days
from app.days.models import Slot
from app.districts import services as districts
from app.districts.forms import DelegateForm
from app.extensions import db
from app.places import services as places
from app.reception import services as desk
from app.registry import exports as registry_exports
from app.registry import services as registry
from app.registry.forms import ProposalForm
from app.registry.models import Origin as RegistryOrigin
from app.registry.models import Status as RegistryStatus

bp = Blueprint("api", __name__, url_prefix="/api")


def iso(moment):
    """ISO 8601 with the Asia/Almaty offset of that moment, e.g. 2026-11-27T10:00:00+05:00."""
    return moment.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def slot_json(slot):
    return {
        "id": slot.id,
        "starts_at": iso(slot.starts_at),
        "ends_at": iso(slot.ends_at),
        "capacity": slot.capacity,
        "free": slot.free,
    }


@bp.get("/days")
def list_days():
    since = request.args.get("from")
    if since is None:
        first = days.today_local(utcnow())
    else:
        try:
            first = date.fromisoformat(since)
        except ValueError:
            return json_error(422, "validation", fields={"from": ["expected YYYY-MM-DD"]})
    rows = days.days_with_seats(first)
    return jsonify(
        days=[
            {
                "date": day.date.isoformat(),
                "starts_at": iso(day.starts_at),
                "ends_at": iso(day.ends_at),
                "status": day.status.value,
                "location": ics.address(),
                "seats_total": seats,
                "seats_free": free,
            }
            for day, seats, free in rows
        ]
    )


@bp.get("/days/<isodate:on>/slots")
def day_slots(on):
    day = days.day_by_date(on)
    if day is None:
        abort(404)
    return jsonify(date=day.date.isoformat(), slots=[slot_json(s) for s in day.slots])


# --- bookings -----------------------------------------------------------------------

BOOKING_FIELDS = {
    "slot_id": int,
    "full_name": str,
    "category": str,
    "organization": str,
    "district": str,
    "phone": str,
    "email": str,
    "topic": str,
    "message": str,
    "language": str,
    "consent": bool,
}


def json_body():
    """The request's JSON object, or an error response."""
    if not request.is_json:
        return None, json_error(415, "unsupported_media_type")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None, json_error(400, "invalid_json")
    return body, None


def type_errors(body, fields):
    errors = {}
    for name, kind in fields.items():
        value = body.get(name)
        if value is None:
            continue
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            errors[name] = [str(_l("Wrong type."))]
    return errors


def booking_json(booking):
    return {
        "code": booking.code,
        "status": booking.status.value,
        "date": booking.day.date.isoformat(),
        "slot": slot_json(booking.slot) if booking.slot else None,
        "full_name": booking.full_name,
        "category": booking.category.value,
        "organization": booking.organization,
        "district": booking.district.code if booking.district else None,
        "phone": booking.phone,
        "email": booking.email,
        "topic": booking.topic.value,
        "message": booking.message,
        "language": booking.language,
        "created_at": iso(booking.created_at),
    }


@bp.post("/bookings")
@limits.shared("book", limits.BOOK)
def create_booking():
    body, error = json_body()
    if error:
        return error
    errors = type_errors(body, BOOKING_FIELDS)
    if "slot_id" not in body:
        errors.setdefault("slot_id", []).append(str(_l("Required field.")))
    if body.get("language") not in (None, "ru", "kk"):
        errors.setdefault("language", []).append(str(_l("Use ru or kk.")))
    formdata = MultiDict(
        {
            key: ("y" if value is True else "" if value is False else str(value))
            for key, value in body.items()
            if key in BOOKING_FIELDS and key != "slot_id" and value is not None
        }
    )
    form = VisitorForm(formdata=formdata, meta={"csrf": False})
    if not form.validate():
        for name, messages in form.errors.items():
            if name in BOOKING_FIELDS:
                errors.setdefault(name, []).extend(str(m) for m in messages)
    if errors:
        return json_error(422, "validation", fields=errors)
    slot = (
        db.session.get(Slot, body["slot_id"], options=[joinedload(Slot.day)])
        if abs(body["slot_id"]) < 2**31
        else None
    )
    if slot is None:
        return json_error(404, "not_found")
    language = body.get("language") or current_language()
    visitor = form.visitor(language)
    try:
        booking_limits.check(slot.day_id, visitor.phone, request.remote_addr)
        booking = bookings.book_slot(slot, visitor, now=utcnow())
        # Built before the commit, which would expire both rows and read them again.
        answer = {
            "code": booking.code,
            "manage_token": booking.manage_token,
            "status": booking.status.value,
            "slot": slot_json(slot),
        }
        db.session.commit()
    except bookings.BookingError as exc:
        db.session.rollback()
        return json_error(429 if exc.code == "rate_limited" else 409, exc.code)
    booking_limits.count(slot.day_id, visitor.phone, request.remote_addr)
    return jsonify(answer), 201


def _booking_from_header(code):
    booking = bookings.booking_for_token(code, request.headers.get("X-Manage-Token", ""))
    if booking is None:
        abort(404)
    return booking


@bp.get("/bookings/<code>")
def get_booking(code):
    return jsonify(booking_json(_booking_from_header(code)))


@bp.delete("/bookings/<code>")
@limits.shared("change", limits.CHANGE)
def delete_booking(code):
    booking = _booking_from_header(code)
    try:
        bookings.cancel_booking(booking, now=utcnow())
        db.session.commit()
    except bookings.BookingError as exc:
        db.session.rollback()
        return json_error(409, exc.code)
    return jsonify(status=booking.status.value)


@bp.get("/openapi.json")
def openapi():
    from .openapi import spec

    return jsonify(spec())


# --- staff: the desk ----------------------------------------------------------------------


@bp.post("/checkins")
@api_roles(*DESK)
def create_checkin():
    """Check a booking in by its code (idempotent). Today's Day unless ``date`` is given."""
    body, error = json_body()
    if error:
        return error
    errors = type_errors(body, {"code": str, "date": str})
    if not body.get("code"):
        errors.setdefault("code", []).append(str(_l("Required field.")))
    on = days.today_local(utcnow())
    if isinstance(body.get("date"), str):
        try:
            on = date.fromisoformat(body["date"])
        except ValueError:
            errors.setdefault("date", []).append(str(_l("Expected YYYY-MM-DD.")))
    if errors:
        return json_error(422, "validation", fields=errors)
    booking = desk.booking_by_code(body["code"][:100])
    if booking is None:
        return json_error(404, "not_found")
    day = days.day_by_date(on)
    if day is None:
        return json_error(409, "wrong_day", date=booking.day.date.isoformat())
    try:
        fresh = desk.check_in(booking, day=day, by=api_user(), now=utcnow())
        db.session.commit()
    except desk.DeskError as exc:
        db.session.rollback()
        return json_error(409, exc.code, **exc.details)
    return jsonify(
        code=booking.code,
        status=booking.status.value,
        checked_in_at=iso(booking.checked_in_at),
        full_name=booking.full_name,
        already=not fresh,
    )


@bp.get("/days/<isodate:on>/attendance")
@api_roles(*DESK)
def day_attendance(on):
    day = days.day_by_date(on)
    if day is None:
        abort(404)
    return jsonify(desk.attendance(day))


# --- staff: districts ------------------------------------------------------------------------

DELEGATE_FIELDS = {
    "district": str,
    "full_name": str,
    "position": str,
    "organization": str,
    "phone": str,
    "email": str,
    "role": str,
    "slot_id": int,
}


@bp.get("/days/<isodate:on>/quotas")
@api_roles(*STAFF)
def day_quotas(on):
    day = days.day_by_date(on)
    if day is None:
        abort(404)
    user = api_user()
    scope = [user.district] if user.role == Role.district else None
    return jsonify(
        date=day.date.isoformat(),
        districts=[
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
    )


@bp.post("/days/<isodate:on>/delegates")
@api_roles(Role.admin, Role.district)
def create_delegate(on):
    body, error = json_body()
    if error:
        return error
    day = days.day_by_date(on)
    if day is None:
        return json_error(404, "not_found")
    errors = type_errors(body, DELEGATE_FIELDS)
    if errors:
        return json_error(422, "validation", fields=errors)
    user = api_user()
    district = places.district_by_code(body.get("district") or "")
    if district is None:
        if user.role == Role.district and body.get("district") in (None, ""):
            district = user.district
        else:
            return json_error(
                422, "validation", fields={"district": [str(_l("Unknown district."))]}
            )
    if user.role == Role.district and district.id != user.district_id:
        return json_error(403, "forbidden")
    formdata = MultiDict(
        {key: str(value) for key, value in body.items()
         if key in DELEGATE_FIELDS and key not in ("district", "slot_id") and value is not None}
    )  # fmt: skip
    formdata["slot_id"] = "0"
    form = DelegateForm(formdata=formdata, meta={"csrf": False})
    form.slot_id.choices = [(0, "")]
    if not form.validate():
        return json_error(
            422, "validation", fields={k: [str(m) for m in v] for k, v in form.errors.items()}
        )
    slot = None
    if body.get("slot_id") is not None:
        slot_id = body["slot_id"]
        slot = db.session.get(Slot, slot_id) if abs(slot_id) < 2**31 else None
        if slot is None or slot.day_id != day.id:
            return json_error(404, "not_found")
    language = current_language()
    try:
        delegate = districts.register_delegate(
            day, district, form.person(language), slot=slot, now=utcnow(), by=user
        )
        db.session.commit()
    except districts.DistrictError as exc:
        db.session.rollback()
        status = 422 if exc.code == "inactive_district" else 404 if exc.code == "not_found" else 409
        return json_error(status, exc.code)
    return (
        jsonify(
            code=delegate.code,
            manage_token=delegate.manage_token,
            status=delegate.status.value,
            district=district.code,
            full_name=delegate.full_name,
            role=delegate.delegate_role.value,
            slot=slot_json(delegate.slot) if delegate.slot else None,
        ),
        201,
    )


# --- staff: the registry ------------------------------------------------------------------------

PROPOSAL_FIELDS = {
    "kind": str, "title": str, "description": str, "subprogram": str, "special_project": str,
    "district": str, "scale": str, "initiator_type": str, "initiator_name": str, "phone": str,
    "email": str, "expected_result": str, "starts_on": str, "ends_on": str, "event_date": str,
    "people_involved": int, "funding_amount": (int, float, str), "funding_source": str,
    "funding_justification": str, "is_charity": bool, "booking_code": str, "language": str,
    "responsible": str,
}  # fmt: skip


def proposal_json(p):
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
        "starts_on": p.starts_on.isoformat() if p.starts_on else None,
        "ends_on": p.ends_on.isoformat() if p.ends_on else None,
        "event_date": p.event_date.isoformat() if p.event_date else None,
        "people_involved": p.people_involved,
        "funding_amount": str(p.funding_amount) if p.funding_amount is not None else None,
        "funding_source": p.funding_source,
        "is_charity": p.is_charity,
        "funding_late": p.funding_late,
        "origin": p.origin.value,
        "booking_code": p.booking.code if p.booking else None,
        "reason": p.reason,
        "merged_into": p.merged_into.number if p.merged_into else None,
        "created_at": iso(p.created_at),
    }


@bp.get("/registry")
@api_roles(Role.admin, Role.district)
def registry_list():
    args = request.args
    district = places.district_by_code(args.get("district", "")) if args.get("district") else None
    if args.get("district") and district is None:
        return json_error(422, "validation", fields={"district": [str(_l("Unknown district."))]})
    filters = registry.Filters(
        registry=args.get("registry") or None,
        district=district.id if district else None,
        status=args.get("status") or None,
        kind=args.get("kind") or None,
        subprogram=args.get("subprogram") or None,
        query=(args.get("q") or "").strip()[:100] or None,
        sort="number",
    )
    page = params.arg_int("page", 1, minimum=1)
    per_page = params.arg_int("per_page", 100, minimum=1, maximum=500)
    items, total = registry.list_proposals(
        filters, scope=registry.scope_for(api_user()), page=page, per_page=per_page
    )
    return jsonify(
        proposals=[proposal_json(p) for p in items], total=total, page=page, per_page=per_page
    )


@bp.get("/registry.xlsx")
@api_roles(Role.admin, Role.district)
def registry_xlsx():
    args = request.args
    district = places.district_by_code(args.get("district", "")) if args.get("district") else None
    filters = registry.Filters(
        registry=args.get("registry") or None,
        district=district.id if district else None,
        status=args.get("status") or None,
        kind=args.get("kind") or None,
    )
    rows = registry.export_rows(filters, registry.scope_for(api_user()))
    return send_file(
        registry_exports.registry_xlsx(rows),
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name="registry.xlsx",
    )


@bp.post("/proposals")
@api_roles(Role.admin, Role.district, Role.reception)
def create_proposal():
    body, error = json_body()
    if error:
        return error
    errors = type_errors(body, PROPOSAL_FIELDS)
    if errors:
        return json_error(422, "validation", fields=errors)
    user = api_user()
    if user.role == Role.district:
        if body.get("district") not in (None, user.district.code):
            return json_error(403, "forbidden")
        body = {**body, "district": user.district.code}
    booking = None
    if body.get("booking_code"):
        booking = desk.booking_by_code(body["booking_code"])
        if booking is not None and user.role == Role.district:
            # Another district's visitor answers exactly as an unknown code.
            booking = booking if booking.district_id == user.district_id else None
        if booking is None:
            return json_error(
                422, "validation", fields={"booking_code": [str(_l("Unknown booking."))]}
            )
    formdata = MultiDict()
    for key, value in body.items():
        if key in PROPOSAL_FIELDS and value is not None and key != "booking_code":
            formdata[key] = "y" if value is True else "" if value is False else str(value)
    form = ProposalForm(formdata=formdata, meta={"csrf": False})
    if not form.validate():
        fields = {k: [str(m) for m in v] for k, v in form.errors.items()}
        return json_error(422, "validation", fields=fields)
    language = body.get("language") if body.get("language") in ("ru", "kk") else current_language()
    if booking is not None:
        origin = RegistryOrigin.booking
    else:
        origin = RegistryOrigin.district if user.role == Role.district else RegistryOrigin.office
    proposal = registry.create_proposal(
        form.draft(language), origin=origin, booking=booking, now=utcnow(), by=user
    )
    db.session.commit()
    return jsonify(proposal_json(proposal)), 201


@bp.post("/proposals/<number>/status")
@api_roles(Role.admin, Role.district)
def change_proposal_status(number):
    body, error = json_body()
    if error:
        return error
    errors = type_errors(body, {"status": str, "reason": str, "merged_into": str})
    if not body.get("status"):
        errors.setdefault("status", []).append(str(_l("Required field.")))
    elif isinstance(body["status"], str) and body["status"] not in RegistryStatus.__members__:
        errors.setdefault("status", []).append(str(_l("Unknown status.")))
    if errors:
        return json_error(422, "validation", fields=errors)
    proposal = registry.proposal_by_number(number)
    user = api_user()
    if proposal is None or not registry.can_see(user, proposal):
        return json_error(404, "not_found")
    if not registry.can_change(user, proposal):
        return json_error(403, "forbidden")
    try:
        registry.change_status(
            proposal,
            body["status"],
            reason=body.get("reason"),
            merged_into=body.get("merged_into"),
            now=utcnow(),
            by=user,
        )
        db.session.commit()
    except registry.RegistryError as exc:
        db.session.rollback()
        if exc.code == "transition":
            return json_error(
                409, "transition", allowed=sorted(s.value for s in registry.allowed_next(proposal))
            )
        return json_error(422, "validation", fields={exc.field: [str(exc.message)]})
    return jsonify(proposal_json(proposal))
