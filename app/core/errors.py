"""Error pages in the visitor's language and JSON errors for the API; never a bare 500."""

from flask import jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A domain rule refused an action: ``code`` for the API, ``message`` (translatable)
    for people, ``field`` when one form field is at fault, ``details`` for the answer."""

    def __init__(self, error, message, field=None, **details):
        super().__init__(error)
        self.code = error
        self.message = message
        self.field = field
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
}


def wants_json():
    return request.path.startswith("/api/") or request.path == "/api"


def json_error(status, error=None, **extra):
    body = {"error": error or ERROR_CODES.get(status, "error"), **extra}
    return jsonify(body), status


def _handle_http(exc):
    status = exc.code or 500
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
    from flask import current_app

    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    if wants_json():
        return json_error(500)
    return render_template("core/error.html", status=500, title=TITLES[500]), 500


def init_app(app):
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Exception, _handle_unexpected)
