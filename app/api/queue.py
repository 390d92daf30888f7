"""The JSON API of the Day itself (DESIGN.md §7): the call at the desks, the queue, the
waiting list. Routes of the API blueprint, with their schemas beside them."""

from flask import abort
from marshmallow import Schema, fields, validate

from app.auth.access import DESK, api_roles, api_user
from app.core.db import run_in_transaction, utcnow
from app.core.errors import json_error
from app.days import services as days
from app.queue import services as queue
from app.queue.models import VisitStatus
from app.reception import services as desk

from . import schemas as s
from .views import BEARER, bp, takes_json

# --- schemas --------------------------------------------------------------------------------


class CallBody(s.Body):
    date = s.Day(load_default=None, metadata={"description": "default: today (Asia/Almaty)"})


class CallAnswer(Schema):
    code = fields.String(required=True)
    desk = fields.Integer(required=True)
    called_at = s.Moment(required=True)


class VisitStatusBody(s.Body):
    status = s.Choice(
        VisitStatus,
        [VisitStatus.serving, VisitStatus.done, VisitStatus.skipped, VisitStatus.recalled],
        required=True,
    )
    date = s.Day(load_default=None, metadata={"description": "default: today (Asia/Almaty)"})


class VisitAnswer(Schema):
    code = fields.String(required=True)
    desk = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(s.values(VisitStatus)))
    called_at = s.Moment(required=True)


class Transition(Schema):
    error = fields.String(required=True)
    before = fields.String()
    after = fields.String()


class AtDesk(Schema):
    desk = fields.Integer(required=True)
    code = fields.String(required=True)
    since = s.Moment(required=True, metadata={"description": "the (latest) call"})


class Waiting(Schema):
    code = fields.String(required=True)
    since = s.Moment(required=True, metadata={"description": "check-in (or the skip)"})
    kind = fields.String(required=True, validate=validate.OneOf(["booked", "walk_in", "delegate"]))


class QueueAnswer(Schema):
    serving = fields.List(fields.Nested(AtDesk), required=True)
    waiting = fields.List(fields.Nested(Waiting), required=True,
                          metadata={"description": "in the order they will be called"})  # fmt: skip
    waitlist = fields.Integer(required=True, metadata={"description": "people on the waiting list"})


# --- routes ---------------------------------------------------------------------------------


def _day_of(on):
    return days.day_by_date(on or days.today_local(utcnow())) or abort(404)


@bp.post("/desks/<int:desk>/call-next")
@takes_json
@api_roles(*DESK)
@bp.doc(security=BEARER)
@bp.arguments(CallBody())
@bp.response(200, CallAnswer)
@bp.alt_response(401, schema=s.Error, description="unauthorized")
@bp.alt_response(403, schema=s.Error, description="forbidden")
@bp.alt_response(404, schema=s.Error, description="queue_empty, unknown_desk or not_found")
@bp.alt_response(409, schema=s.Error, description="not_today or closed")
@bp.alt_response(422, schema=s.ValidationAnswer, description="validation")
def call_next(body, desk):
    """Call the next visitor to a desk by the order rule (the desk's visit ends)."""
    day = _day_of(body.get("date"))

    def call():
        visit = queue.call_next(day, desk, by=api_user(), now=utcnow())
        return {"code": visit.booking.code, "desk": visit.desk, "called_at": visit.called_at}

    return run_in_transaction(call)


@bp.post("/visits/<code>/status")
@takes_json
@api_roles(*DESK)
@bp.doc(security=BEARER)
@bp.arguments(VisitStatusBody())
@bp.response(200, VisitAnswer)
@bp.alt_response(401, schema=s.Error, description="unauthorized")
@bp.alt_response(403, schema=s.Error, description="forbidden")
@bp.alt_response(404, schema=s.Error, description="not_found: no call of this code that Day")
@bp.alt_response(409, schema=Transition, description="transition: not from this status")
@bp.alt_response(422, schema=s.ValidationAnswer, description="validation")
def visit_status(body, code):
    """serving, done, skipped (queues again once) or recalled, after a call."""
    day = _day_of(body.get("date"))
    booking = desk.booking_by_code(code)
    visit = queue.visit_by_code(day, booking.code) if booking else None
    if visit is None:
        return json_error(404, "not_found")

    def change():
        queue.change_visit(visit, body["status"], by=api_user(), now=utcnow())
        return {"code": booking.code, "desk": visit.desk, "status": visit.status.value,
                "called_at": visit.called_at}  # fmt: skip

    return run_in_transaction(change)


@bp.get("/days/<isodate:date>/queue")
@api_roles(*DESK)
@bp.doc(security=BEARER)
@bp.response(200, QueueAnswer)
@bp.alt_response(401, schema=s.Error, description="unauthorized")
@bp.alt_response(403, schema=s.Error, description="forbidden")
@bp.alt_response(404, schema=s.Error, description="not_found")
def day_queue(date):
    """Who is at which desk, who waits (in call order) — codes only, never names."""
    return queue.queue_state(_day_of(date), now=utcnow())
