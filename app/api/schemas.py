"""The JSON API's bodies and answers, each described once: a schema validates what comes in
(the 422 ``fields`` answer, in the request's language), shapes what goes out, and writes
/api/openapi.json (flask-smorest + apispec), so the document matches the API by
construction."""

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from app.bookings import services as bookings
from app.bookings.models import PUBLIC_CATEGORIES, BookingStatus, Category, DelegateRole, Topic
from app.core import params
from app.core.i18n import LOCAL_TZ
from app.core.text import clean_name
from app.districts.services import QuotaStatus
from app.registry import stats
from app.registry.models import (
    Initiator,
    Kind,
    Origin,
    Registry,
    Scale,
    SpecialProject,
    Status,
    Subprogram,
)

REQUIRED = _l("Required field.")
WRONG_TYPE = _l("Wrong type.")
CHOOSE = _l("Choose one of the options.")
TOO_LONG = _l("At most %(max)d characters.")
BAD_DATE = _l("Expected YYYY-MM-DD.")
BAD_PHONE = _l("Invalid phone number.")
BAD_EMAIL = _l("Invalid e-mail address.")
OUT_OF_RANGE = _l("Invalid value.")
ERRORS = {"required": REQUIRED, "null": REQUIRED, "invalid": WRONG_TYPE}


def values(enum_cls, members=None):
    return [member.value for member in (members or enum_cls)]


# --- fields --------------------------------------------------------------------------------


class Text(fields.String):
    """Text as a person typed it: trimmed (a name also loses invisible tricks); empty is
    "not given" — refused when the field must be filled in, else None."""

    def __init__(self, *, max_length=None, name=False, filled=False, **kwargs):
        kwargs.setdefault("error_messages", ERRORS)
        if max_length:
            kwargs.setdefault("metadata", {})["maxLength"] = max_length
        super().__init__(**kwargs)
        self.max_length, self.name, self.filled = max_length, name, filled

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        value = clean_name(value) if self.name else value.strip()
        if not value:
            if self.filled:
                raise ValidationError(str(REQUIRED))
            return None
        if self.max_length and len(value) > self.max_length:
            raise ValidationError(str(TOO_LONG % {"max": self.max_length}))
        return value


class Choice(fields.String):
    """One of an enum's values (never an attribute name)."""

    def __init__(self, enum_cls, members=None, **kwargs):
        kwargs.setdefault("error_messages", ERRORS)
        choices = values(enum_cls, members)
        super().__init__(validate=validate.OneOf(choices, error=CHOOSE), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        return value


class Integer(fields.Integer):
    """A whole number in the database's range; a boolean or a string is not one."""

    def __init__(self, *, minimum=0, maximum=params.MAX_INT, **kwargs):
        kwargs.setdefault("error_messages", ERRORS)
        super().__init__(
            strict=True, validate=validate.Range(minimum, maximum, error=OUT_OF_RANGE), **kwargs
        )

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return value


class QueryInteger(Integer):
    """A whole number in a query string, where every value is text ("100")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            try:
                return params.to_int(value, minimum=-params.MAX_INT)
            except ValueError:
                raise self.make_error("invalid") from None
        return super()._deserialize(value, attr, data, **kwargs)


class Boolean(fields.Boolean):
    """true or false, nothing else ("yes" is not a boolean)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", ERRORS)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Day(fields.Date):
    """``YYYY-MM-DD``, a real date from 1900 to 2199."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {**ERRORS, "invalid": BAD_DATE})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return params.to_date(value)
        except (ValueError, TypeError):
            raise self.make_error("invalid") from None


class Phone(fields.String):
    """A phone as people type it ("8 701 123 45 67") → E.164; empty → None."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", ERRORS)
        kwargs.setdefault("metadata", {"example": "8 701 123 45 67"})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if not value.strip():
            if self.required:
                raise ValidationError(str(REQUIRED))
            return None
        try:
            return bookings.normalize_phone(value.strip())
        except ValueError:
            raise ValidationError(str(BAD_PHONE)) from None


class Email(fields.String):
    """An e-mail address (syntax only, lower-cased); empty → None."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", ERRORS)
        kwargs.setdefault("metadata", {"format": "email"})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if not value.strip():
            return None
        if len(value) > 254:
            raise ValidationError(str(BAD_EMAIL))
        try:
            return bookings.normalize_email(value.strip())
        except ValueError:
            raise ValidationError(str(BAD_EMAIL)) from None


class Amount(fields.Field):
    """Tenge: a number or a numeric string, 0 to 10^12, at most two decimals."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", ERRORS)
        kwargs.setdefault("metadata", {"type": ["number", "string"], "example": "1500000.00"})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.make_error("invalid")
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise self.make_error("invalid") from None
        if not amount.is_finite() or not 0 <= amount <= 10**12:
            raise ValidationError(str(OUT_OF_RANGE))
        return amount.quantize(Decimal("0.01"))

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)


class Moment(fields.String):
    """An aware moment as ISO 8601 with the Asia/Almaty offset of that moment."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "metadata", {"format": "date-time", "example": "2026-11-27T10:00:00+05:00"}
        )
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


class Body(Schema):
    """A request body: fields it does not know are ignored."""

    class Meta:
        unknown = EXCLUDE


# --- errors --------------------------------------------------------------------------------


class Error(Schema):
    error = fields.String(required=True, metadata={"description": "the error code"})


class ValidationAnswer(Schema):
    error = fields.String(required=True, validate=validate.Equal("validation"))
    fields = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()), required=True,
        metadata={"description": "messages per field, in the request's language"},
    )  # fmt: skip


# --- Days and slots ------------------------------------------------------------------------


class DaysQuery(Body):
    from_ = Day(data_key="from", load_default=None, metadata={"description": "default: today"})


class DayAnswer(Schema):
    date = fields.Date(required=True)
    starts_at = Moment(required=True)
    ends_at = Moment(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["scheduled", "cancelled"]))
    location = fields.String(required=True)
    seats_total = fields.Integer(required=True)
    seats_free = fields.Integer(required=True)


class DaysAnswer(Schema):
    days = fields.List(fields.Nested(DayAnswer), required=True)


class SlotAnswer(Schema):
    id = fields.Integer(required=True)
    starts_at = Moment(required=True)
    ends_at = Moment(required=True)
    capacity = fields.Integer(required=True, validate=validate.Range(0))
    free = fields.Integer(required=True, validate=validate.Range(0))


class SlotsAnswer(Schema):
    date = fields.Date(required=True)
    slots = fields.List(fields.Nested(SlotAnswer), required=True)


# --- bookings ------------------------------------------------------------------------------


class NewBooking(Body):
    #: any whole number: one that names no slot is answered 404
    slot_id = Integer(required=True, minimum=-(2**63), maximum=2**63)
    full_name = Text(required=True, filled=True, name=True, max_length=200)
    category = Choice(Category, PUBLIC_CATEGORIES, required=True)
    organization = Text(
        name=True,
        max_length=200,
        allow_none=True,
        metadata={"description": "required for npo, business and party"},
    )
    district = Text(max_length=40, allow_none=True, metadata={"description": "e.g. nura"})
    phone = Phone(required=True)
    email = Email(allow_none=True)
    topic = Choice(Topic, required=True)
    message = Text(max_length=2000, allow_none=True)
    language = fields.String(validate=validate.OneOf(["ru", "kk"], error=_l("Use ru or kk.")),
                             allow_none=True, error_messages=ERRORS)  # fmt: skip
    consent = Boolean(
        required=True, validate=validate.Equal(True, error=_l("Your consent is needed to book."))
    )

    @validates_schema
    def organization_when_needed(self, data, **kwargs):
        category = data.get("category")
        if category and Category(category).needs_organization and not data.get("organization"):
            raise ValidationError(str(_l("Please give the organisation.")), "organization")


class BookingCreated(Schema):
    code = fields.String(required=True)
    manage_token = fields.String(required=True)
    status = fields.String(required=True, validate=validate.Equal("confirmed"))
    slot = fields.Nested(SlotAnswer, required=True)


class BookingAnswer(Schema):
    code = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(values(BookingStatus)))
    date = fields.Date(required=True)
    slot = fields.Nested(SlotAnswer, allow_none=True, required=True)
    full_name = fields.String()
    category = fields.String()
    organization = fields.String(allow_none=True)
    district = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    topic = fields.String()
    message = fields.String(allow_none=True)
    language = fields.String()
    created_at = Moment()


class Cancelled(Schema):
    status = fields.String(required=True, validate=validate.Equal("cancelled"))


# --- the desk ------------------------------------------------------------------------------


class CheckinBody(Body):
    code = Text(required=True, filled=True, max_length=100)
    date = Day(load_default=None, metadata={"description": "default: today (Asia/Almaty)"})


class CheckinAnswer(Schema):
    code = fields.String(required=True)
    status = fields.String(required=True, validate=validate.Equal("checked_in"))
    checked_in_at = Moment(required=True)
    full_name = fields.String()
    already = fields.Boolean(metadata={"description": "true when checked in before"})


class WrongDay(Schema):
    error = fields.String(required=True)
    date = fields.Date(metadata={"description": "the booking's Day (wrong_day)"})


class Attendance(Schema):
    booked = fields.Integer(required=True)
    checked_in = fields.Integer(required=True)
    walk_ins = fields.Integer(required=True)
    no_show = fields.Integer(required=True)


# --- districts ------------------------------------------------------------------------------


class QuotaAnswer(Schema):
    code = fields.String(required=True)
    delegate_min = fields.Integer(required=True)
    delegate_target = fields.Integer(required=True)
    registered = fields.Integer(required=True)
    attended = fields.Integer(required=True)
    status = fields.String(required=True, allow_none=True,
                           validate=validate.OneOf(values(QuotaStatus)))  # fmt: skip


class QuotasAnswer(Schema):
    date = fields.Date(required=True)
    districts = fields.List(fields.Nested(QuotaAnswer), required=True)


class DelegateBody(Body):
    district = Text(
        max_length=40,
        metadata={"description": "a district code; an admin's must, a coordinator's own else"},
    )
    full_name = Text(required=True, filled=True, name=True, max_length=200)
    position = Text(required=True, filled=True, name=True, max_length=200)
    organization = Text(name=True, max_length=200, allow_none=True)
    phone = Phone(required=True)
    email = Email(allow_none=True)
    role = Choice(DelegateRole, required=True)
    slot_id = Integer(allow_none=True, load_default=None, minimum=-(2**63), maximum=2**63,
                      metadata={"description": "none: outside the slots"})  # fmt: skip


class DelegateAnswer(Schema):
    code = fields.String(required=True)
    manage_token = fields.String(required=True)
    status = fields.String(required=True, validate=validate.Equal("confirmed"))
    district = fields.String(required=True)
    full_name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(values(DelegateRole)))
    slot = fields.Nested(SlotAnswer, allow_none=True, required=True)


# --- the registry ---------------------------------------------------------------------------


class RegistryQuery(Body):
    registry = Choice(Registry, load_default=None)
    district = Text(max_length=40, load_default=None)
    status = Choice(Status, load_default=None)
    kind = Choice(Kind, load_default=None)
    subprogram = Choice(Subprogram, load_default=None)
    q = Text(max_length=100, load_default=None, metadata={"description": "search"})
    page = QueryInteger(minimum=1, load_default=1)
    per_page = QueryInteger(minimum=1, maximum=500, load_default=100)


class ProposalBody(Body):
    kind = Choice(Kind, load_default=Kind.project.value)
    title = Text(required=True, filled=True, max_length=300)
    description = Text(max_length=10000, allow_none=True)
    subprogram = Choice(Subprogram, required=True)
    special_project = Choice(SpecialProject, allow_none=True, load_default=None)
    district = Text(max_length=40, metadata={"description": "a coordinator's own by default"})
    scale = Choice(Scale, load_default=Scale.district.value)
    initiator_type = Choice(Initiator, load_default=Initiator.citizen.value)
    initiator_name = Text(required=True, filled=True, name=True, max_length=200)
    phone = Phone(allow_none=True)
    email = Email(allow_none=True)
    expected_result = Text(max_length=5000, allow_none=True, metadata={"description": "projects"})
    starts_on = Day(allow_none=True, metadata={"description": "projects"})
    ends_on = Day(allow_none=True, metadata={"description": "projects"})
    event_date = Day(allow_none=True, metadata={"description": "events"})
    people_involved = Integer(allow_none=True, maximum=10_000_000)
    funding_amount = Amount(allow_none=True)
    funding_source = Text(max_length=200, allow_none=True)
    funding_justification = Text(max_length=5000, allow_none=True)
    is_charity = Boolean(load_default=False)
    booking_code = Text(max_length=100, allow_none=True, metadata={
        "description": "links the entry to a visit to the Day"})  # fmt: skip
    language = fields.String(validate=validate.OneOf(["ru", "kk"], error=_l("Use ru or kk.")),
                             allow_none=True, error_messages=ERRORS)  # fmt: skip
    responsible = Text(max_length=200, allow_none=True)

    @validates_schema
    def what_each_kind_needs(self, data, **kwargs):
        errors = {}
        if data.get("kind", Kind.project.value) == Kind.project.value:
            if not data.get("expected_result"):
                errors["expected_result"] = [
                    str(_l("A project needs a measurable expected result."))
                ]
            for name in ("starts_on", "ends_on"):
                if not data.get(name):
                    errors[name] = [str(_l("A project needs its period."))]
            if (
                data.get("starts_on")
                and data.get("ends_on")
                and data["ends_on"] < data["starts_on"]
            ):
                errors["ends_on"] = [str(_l("The end is before the start."))]
        elif not data.get("event_date"):
            errors["event_date"] = [str(_l("An event needs its date."))]
        if errors:
            raise ValidationError(errors)


class ProposalAnswer(Schema):
    number = fields.String(required=True, metadata={"example": "REG-2026-0007"})
    registry = fields.String(required=True, validate=validate.OneOf(values(Registry)))
    status = fields.String(required=True, validate=validate.OneOf(values(Status)))
    kind = fields.String(required=True, validate=validate.OneOf(values(Kind)))
    title = fields.String(required=True)
    description = fields.String()
    subprogram = fields.String(validate=validate.OneOf(values(Subprogram)))
    special_project = fields.String(allow_none=True,
                                    validate=validate.OneOf(values(SpecialProject)))  # fmt: skip
    district = fields.String(required=True)
    scale = fields.String(validate=validate.OneOf(values(Scale)))
    initiator_type = fields.String(validate=validate.OneOf(values(Initiator)))
    initiator_name = fields.String()
    expected_result = fields.String(allow_none=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    event_date = fields.Date(allow_none=True)
    people_involved = fields.Integer(allow_none=True)
    funding_amount = fields.String(
        allow_none=True, metadata={"description": 'tenge, e.g. "1500.00"'}
    )
    funding_source = fields.String(allow_none=True)
    is_charity = fields.Boolean()
    funding_late = fields.Boolean(
        metadata={"description": "next year's funding received after 30 September"}
    )
    origin = fields.String(validate=validate.OneOf(values(Origin)))
    booking_code = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    merged_into = fields.String(allow_none=True)
    created_at = Moment()


class RegistryAnswer(Schema):
    proposals = fields.List(fields.Nested(ProposalAnswer), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True, validate=validate.Range(1))
    per_page = fields.Integer(required=True, validate=validate.Range(1))


class StatusBody(Body):
    status = Choice(Status, required=True)
    reason = Text(max_length=5000, allow_none=True)
    merged_into = Text(max_length=20, allow_none=True)


class TransitionRefused(Schema):
    error = fields.String(required=True, validate=validate.Equal("transition"))
    allowed = fields.List(fields.String(validate=validate.OneOf(values(Status))))


# --- statistics ------------------------------------------------------------------------------

FROM_AFTER_TO = _l("The start of the period is after its end.")
PERIOD_TOO_LONG = _l("A period of at most %(years)d years.")


class StatsQuery(Body):
    from_ = Day(
        data_key="from", load_default=None, metadata={"description": "default: a year before `to`"}
    )
    to = Day(load_default=None, metadata={"description": "default: today"})

    @validates_schema
    def a_period_that_makes_sense(self, data, **kwargs):
        since, until = data.get("from_"), data.get("to")
        if since and until and since > until:
            raise ValidationError(str(FROM_AFTER_TO), "from")
        if since and until and stats.period_too_long(since, until):
            raise ValidationError(str(PERIOD_TOO_LONG % {"years": stats.MAX_YEARS}), "to")


class StatsFigures(Schema):
    booked = fields.Integer(required=True)
    arrived = fields.Integer(required=True)
    no_show = fields.Integer(required=True)
    walk_ins = fields.Integer(required=True)
    cancelled = fields.Integer(required=True)
    by_category = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_topic = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_district = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": 'district code → visitors; "none" for no district'},
    )
    proposals = fields.Integer(
        required=True, metadata={"description": "registry entries raised at the Day's visits"}
    )


class DayStats(StatsFigures):
    date = fields.Date(required=True)


class StatsAnswer(Schema):
    days = fields.List(fields.Nested(DayStats), required=True)
    totals = fields.Nested(StatsFigures, required=True)
