"""Parameters of a request parsed one way everywhere (query string, form, URL): an integer
is a database-sized integer, a date a real date between 1900 and 2199, an enum one of its
values (never an attribute name such as ``__members__``). A value that is none of these is
refused — a 404 page, or ``422 {"error": "validation", "fields": {…}}`` from the API — and
never reaches the database, where it would end in a 500.
"""

from datetime import date

from flask import request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter, ValidationError

#: the largest id or count a column holds on every database (PostgreSQL INTEGER)
MAX_INT = 2**31 - 1
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2199, 12, 31)
INVALID = _l("Invalid value.")


class ParameterError(Exception):
    """A request parameter is not what it must be (handled in app.core.errors)."""

    def __init__(self, name):
        super().__init__(name)
        self.name = name


def to_int(raw, *, minimum=0, maximum=MAX_INT):
    """``raw`` as an int within bounds; ValueError otherwise."""
    if isinstance(raw, bool):
        raise ValueError("a boolean")
    if isinstance(raw, str):
        raw = raw.strip()
        if not raw.lstrip("-").isdigit() or len(raw) > 12:
            raise ValueError("not an integer")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise ValueError("out of range")
    return value


def to_date(raw):
    """``YYYY-MM-DD`` as a date between 1900 and 2199; ValueError otherwise."""
    value = date.fromisoformat(raw.strip()) if isinstance(raw, str) and len(raw) <= 10 else None
    if value is None or not MIN_DATE <= value <= MAX_DATE:
        raise ValueError("not a date in range")
    return value


def to_choice(raw, enum_cls):
    """One of the enum's values (by value only)."""
    member = enum_cls._value2member_map_.get(raw) if isinstance(raw, str) else None
    if member is None:
        raise ValueError("not one of the choices")
    return member


def _arg(source, name, parse, default, **options):
    raw = source.get(name)
    if raw is None or raw == "":
        return default
    try:
        return parse(raw, **options)
    except (ValueError, TypeError, OverflowError):
        raise ParameterError(name) from None


def arg_int(name, default=None, *, args=None, **bounds):
    """``?name=`` as an int; ``args``: another mapping to read (e.g. a job's copy of the
    query string) instead of the request's."""
    return _arg(request.args if args is None else args, name, to_int, default, **bounds)


def arg_date(name, default=None, *, args=None):
    return _arg(request.args if args is None else args, name, to_date, default)


def arg_choice(name, enum_cls, default=None):
    return _arg(request.args, name, to_choice, default, enum_cls=enum_cls)


def form_int(name, default=None, **bounds):
    return _arg(request.form, name, to_int, default, **bounds)


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` in URLs: a value past the database's integer range matches no route."""

    def to_python(self, value):
        number = super().to_python(value)
        if number > MAX_INT:
            raise ValidationError()
        return number
