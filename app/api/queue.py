"""The JSON API of the Day itself (DESIGN.md §7): the call at the desks, the queue, the
waiting list. Routes of the API blueprint, with their schemas beside them."""

from flask import abort
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.auth.access import DESK, api_user
from app.core import limits
from app.core.db import run_in_transaction, utcnow
from app.core.errors import json_error
from app.days import services as days
from app.queue import services as queue
from app.queue import waitlist
from app.queue.forms import parse_time
from app.queue.models import VisitStatus
from app.reception import services as desk

from . import schemas as s
from .views import UNKNOWN_DISTRICT, bearer, bp, invalid, takes_json, visitor_from

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


BAD_TIME = _l("Expected HH:MM.")


class HourField(fields.String):
    """A local time of day as "HH:MM"."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            moment = parse_time(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or not value:
            raise ValidationError(str(BAD_TIME))
        return moment


class WaitlistBody(s.NewBooking):
    class Meta:
        exclude = ("slot_id",)

    earliest = HourField(allow_none=True, metadata={"example": "12:00", "description":
                         "a fitting slot starts at or after this (local time)"})  # fmt: skip
    latest = HourField(allow_none=True, metadata={"example": "15:00", "description":
                       "a fitting slot ends at or before this (local time)"})  # fmt: skip

    @validates_schema
    def window_in_order(self, data, **kwargs):
        earliest, latest = data.get("earliest"), data.get("latest")
        if earliest and latest and earliest >= latest:
            raise ValidationError(str(waitlist.BAD_WINDOW), "earliest")


class WaitlistCreated(Schema):
    code = fields.String(required=True)
    manage_token = fields.String(required=True)
    status = fields.String(required=True, validate=validate.Equal("waiting"))
    position = fields.Integer(required=True, metadata={"description": "1 = promoted next"})


# --- routes ---------------------------------------------------------------------------------


def _day_of(on):
    return days.day_by_date(on or days.today_local(utcnow())) or abort(404)


@bp.post("/desks/<int:desk>/call-next")
@takes_json
@bearer(*DESK)
@bp.arguments(CallBody())
@bp.response(200, CallAnswer)
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
@bearer(*DESK)
@bp.arguments(VisitStatusBody())
@bp.response(200, VisitAnswer)
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
@bearer(*DESK)
@bp.response(200, QueueAnswer)
@bp.alt_response(404, schema=s.Error, description="not_found")
def day_queue(date):
    """Who is at which desk, who waits (in call order) — codes only, never names."""
    return queue.queue_state(_day_of(date), now=utcnow())


@bp.post("/days/<isodate:date>/waitlist")
@takes_json
@limits.shared("book", limits.BOOK)
@bp.arguments(WaitlistBody())
@bp.response(201, WaitlistCreated)
@bp.alt_response(404, schema=s.Error, description="not_found: no Day on that date")
@bp.alt_response(409, schema=s.Error, description="seats_available, duplicate or closed")
@bp.alt_response(422, schema=s.ValidationAnswer, description="validation")
@bp.alt_response(429, schema=s.Error, description="rate_limited")
def join_waitlist(body, date):
    """Join a full Day's waiting list: a freed seat in the person's hours becomes their
    booking at once, with this code and manage token."""
    day = days.day_by_date(date) or abort(404)
    visitor = visitor_from(body)
    if visitor is None:
        return invalid(district=[UNKNOWN_DISTRICT])
    window = waitlist.Window(body.get("earliest"), body.get("latest"))

    def join():
        entry = waitlist.join(day, visitor, window, now=utcnow())
        return {"code": entry.code, "manage_token": entry.manage_token, "status": "waiting",
                "position": entry.position}  # fmt: skip

    return run_in_transaction(join)
