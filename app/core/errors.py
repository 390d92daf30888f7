"""Error pages in the visitor's language and JSON errors for the API; never a bare 500."""

from flask import current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from app.extensions import db

from .params import INVALID, ParameterError


class DomainError(Exception):
    """A domain rule refused an action: ``code`` for the API, ``message`` (translatable)
    for people, ``field`` when one form field is at fault, ``status`` the HTTP status of
    the refusal (409 unless the rule says otherwise), ``details`` for the answer."""

    status = 409

    def __init__(self, error, message, field=None, status=None, **details):
        super().__init__(error)
        self.code = error
        self.message = message
        self.field = field
        if status is not None:
            self.status = status
        self.details = details

    @property
    def text(self):
        """The message for people, with its details filled in."""
        return str(self.message % self.details) if self.details else str(self.message)


ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}

TITLES = {
    400: _l("The request could not be understood."),
    401: _l("Please sign in."),
    403: _l("You do not have access to this page."),
    404: _l("Page not found"),
    405: _l("This action is not allowed here."),
    413: _l("The request is too large."),
    429: _l("Too many requests. Please wait a minute and try again."),
    500: _l("Something went wrong"),
    503: _l("The service is briefly unavailable. Please try again in a minute."),
}
#: seconds a client is asked to wait when the database cannot be reached
RETRY_AFTER = 30


def wants_json():
    return request.path.startswith("/api/") or request.path == "/api"


def json_error(status, error=None, **extra):
    body = {"error": error or ERROR_CODES.get(status, "error"), **extra}
    return jsonify(body), status


def _fields_of(messages):
    """webargs' messages ({location: {field: [message]}}) as {field: [message]}."""
    fields = {}
    for location in messages.values():
        if isinstance(location, dict):
            for name, found in location.items():
                name = "body" if name == "_schema" else name
                if isinstance(found, dict):  # an item of a list, or a nested object
                    found = [
                        m for ms in found.values() for m in (ms if isinstance(ms, list) else [ms])
                    ]
                fields.setdefault(name, []).extend(str(m) for m in found)
    return fields


def _handle_http(exc):
    status = exc.code or 500
    data = getattr(exc, "data", None)
    if wants_json() and status == 422 and isinstance(data, dict) and "messages" in data:
        # A body or query string its schema refused (flask-smorest / webargs).
        return json_error(422, "validation", fields=_fields_of(data["messages"]))
    if wants_json():
        response, status = json_error(status)
        if exc.code == 405 and getattr(exc, "valid_methods", None):
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response, status
    title = TITLES.get(status, TITLES[400 if status < 500 else 500])
    return render_template("core/error.html", status=status, title=title), status


def _handle_csrf(exc):
    if wants_json():
        return json_error(400, "csrf")
    title = _l("The form has expired. Please go back, reload the page and try again.")
    return render_template("core/error.html", status=400, title=title), 400


def _handle_unexpected(exc):
    # Logged with the traceback; the visitor gets a calm page or a JSON code.
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    if wants_json():
        return json_error(500)
    return render_template("core/error.html", status=500, title=TITLES[500]), 500


def _handle_parameter(exc):
    """A malformed parameter: the API says which; a page is simply not found."""
    if wants_json():
        return json_error(422, "validation", fields={exc.name: [str(INVALID)]})
    return render_template("core/error.html", status=404, title=TITLES[404]), 404


def _handle_database_down(exc):
    """The database cannot be reached (down, restarting, out of connections): a calm 503
    that asks to come back, not a 500. Nothing was written: the transaction never began or
    is rolled back with the session."""
    current_app.logger.error("database unavailable on %s %s: %s", request.method, request.path,
                             exc)  # fmt: skip
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: nothing to roll back
        current_app.logger.debug("rollback after a lost connection failed", exc_info=True)
    if wants_json():
        response, status = json_error(503)
    else:
        page = render_template("core/unavailable.html", title=TITLES[503])
        response, status = current_app.make_response(page), 503
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response, status


def init_app(app):
    app.register_error_handler(OperationalError, _handle_database_down)
    app.register_error_handler(InterfaceError, _handle_database_down)
    app.register_error_handler(ParameterError, _handle_parameter)
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Exception, _handle_unexpected)
