"""Security headers on every response."""

from flask import abort, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_login import current_user


class NestingSafeJSON(DefaultJSONProvider):
    """Flask's JSON, but a body nested too deeply for the parser (100 000 ``[``) is invalid
    JSON — a 400 — rather than a RecursionError and a 500."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


#: pages and answers that hold one person's data without a staff sign-in (the private link)
PRIVATE_ENDPOINTS = {
    "bookings.manage", "bookings.booking_ics", "bookings.cancel", "bookings.move",
    "bookings.confirm_cancel", "registry.booking_proposal", "registry.status_page",
}  # fmt: skip


def holds_personal_data():
    """Staff pages, the private links and authenticated API answers: never stored by a
    browser or a proxy cache."""
    if request.endpoint == "static":
        return False
    if "Authorization" in request.headers or "X-Manage-Token" in request.headers:
        return True
    if request.blueprint == "api":  # the API has no sessions: nothing else of a person
        return False
    return request.endpoint in PRIVATE_ENDPOINTS or current_user.is_authenticated


def security_headers(response):
    headers = response.headers
    if current_app.config["APP_ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if holds_personal_data():
        headers["Cache-Control"] = "no-store"
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response


def storable(value):
    """False for text a database cannot keep: NUL, or a lone UTF-16 surrogate."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(storable(k) and storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(storable(v) for v in value)
    return True


def reject_unstorable_input():
    """Refuse (400) a request carrying such text anywhere, before any view sees it."""
    values = [*request.args.values(), request.path]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.is_json:
            values.append(request.get_json(silent=True))
        else:
            values.extend(request.form.values())
    headers = request.headers
    values.extend(headers.get(name, "") for name in ("X-Manage-Token", "Authorization"))
    if not all(storable(value) for value in values):
        abort(400)


def init_app(app):
    app.json = NestingSafeJSON(app)
    app.before_request(reject_unstorable_input)
    app.after_request(security_headers)
