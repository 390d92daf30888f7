"""Sign in and out; the office's user administration."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, URLSafeSerializer

from app.core.db import run_in_transaction, utcnow
from app.extensions import db, limiter

from . import services
from .forms import ActionForm, LoginForm
from .models import Role

bp = Blueprint("auth", __name__)


DEVICE_COOKIE = "device"
DEVICE_MAX_AGE = 365 * 24 * 3600


def safe_next(target):
    """A ``next`` that ends on a path of this site, or None.

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so
    ``/\t/evil.example`` or ``/\\evil.example`` would lead to another host: any control
    character, backslash or scheme refuses it. CR or LF is an attack on the headers: 400.
    """
    if not target:
        return None
    if "\r" in target or "\n" in target:
        abort(400)
    if any(ch < " " or ch == "\x7f" for ch in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _device_serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="device-cookie")


def _device():
    """The browser's device cookie, verified, or None."""
    raw = request.cookies.get(DEVICE_COOKIE, "")
    if not raw or len(raw) > 300:
        return None
    try:
        data = _device_serializer().loads(raw)
        return services.Device(int(data["u"]), str(data["n"])[:32])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def _remember_device(response, signed_in):
    value = _device_serializer().dumps({"u": signed_in.user.id, "n": signed_in.device_nonce})
    response.set_cookie(
        DEVICE_COOKIE, value, max_age=DEVICE_MAX_AGE, httponly=True, samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )  # fmt: skip
    return response


def home_for(user):
    """Where each role lands: admins on the office home, coordinators on their district,
    reception on today's desk."""
    if user.role == Role.district:
        return url_for("districts.home")
    if user.role == Role.admin:
        return url_for("office.home")
    return url_for("reception.today")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    safe_next(request.args.get("next"))  # CR/LF: 400 before anything else
    error = None
    if form.validate_on_submit():
        target = safe_next(form.next.data)
        try:
            signed_in = services.authenticate(
                form.email.data,
                form.password.data,
                ip=request.remote_addr,
                now=utcnow(),
                device=_device(),
            )
        except services.AuthError as exc:
            # Not rolled back like other refusals: the failure it recorded is what counts
            # towards the lock.
            db.session.commit()
            error = exc.text
        else:
            db.session.commit()
            login_user(signed_in.user)
            if signed_in.failures_since_last:
                count = signed_in.failures_since_last
                flash(ngettext("%(num)d failed sign-in attempt since your last sign-in.",
                               "%(num)d failed sign-in attempts since your last sign-in.",
                               count), "warning")  # fmt: skip
            response = redirect(target or home_for(signed_in.user))
            return _remember_device(response, signed_in)
    status = 401 if error else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    form = ActionForm()
    if not form.validate():
        abort(400)
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        run_in_transaction(lambda: services.end_sessions(user))
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("days.index"))
