"""The kiosk's pages: setting a tablet up (reception staff), and what visitors use on it."""

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from app.auth.access import DESK, staff_required
from app.auth.forms import ActionForm
from app.bookings.forms import REQUIRED, PhoneNumber, _strip
from app.bookings.models import Topic
from app.core.db import attempt, utcnow
from app.core.forms import Form
from app.core.i18n import current_language
from app.core.text import clean_name
from app.extensions import db

from . import kiosk, services
from .models import KioskDevice

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")
#: the tablet's device token (set once by staff; a year, revocable)
DEVICE_COOKIE = "kiosk_device"
YEAR = 365 * 24 * 3600


class CodeForm(Form):
    code = StringField(_l("Booking code"), validators=[DataRequired(REQUIRED), Length(max=40)],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters",
                                  "spellcheck": "false"})  # fmt: skip


class KioskWalkInForm(Form):
    full_name = StringField(_l("Full name"), filters=[clean_name],
                            validators=[DataRequired(REQUIRED), Length(max=200)])  # fmt: skip
    phone = StringField(_l("Phone"), filters=[_strip],
                        validators=[DataRequired(REQUIRED), Length(max=40), PhoneNumber()],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})  # fmt: skip
    topic = RadioField(_l("Topic"), choices=[(t.value, t.title) for t in Topic],
                       validators=[InputRequired(REQUIRED)])  # fmt: skip
    consent = BooleanField(_l("I agree to the processing of my personal data"),
                           validators=[DataRequired(_l("Your consent is needed."))])  # fmt: skip


class DeviceForm(Form):
    name = StringField(_l("Name of this tablet"), validators=[DataRequired(REQUIRED),
                                                              Length(max=100)])  # fmt: skip


def _device():
    return kiosk.device_for_token(request.cookies.get(DEVICE_COOKIE, ""))


@bp.get("/")
def start():
    device = _device()
    if device is None:
        return render_template("queue/kiosk_not_set_up.html")
    return render_template("queue/kiosk.html", form=CodeForm(), day=kiosk.today(utcnow()))


def _result(day, booking):
    position, desk_number = kiosk.place(day, booking, now=utcnow())
    desk = next((d for d in services.desks_of(day) if d.number == desk_number), None)
    return render_template("queue/kiosk_result.html", code=booking.code, position=position,
                           desk=desk)  # fmt: skip


@bp.post("/check-in")
def check_in():
    device = _device()
    if device is None:
        return render_template("queue/kiosk_not_set_up.html")
    form = CodeForm()
    if not form.validate():
        return render_template("queue/kiosk.html", form=form, day=kiosk.today(utcnow())), 422
    found, refused = attempt(lambda: kiosk.check_in(form.code.data, device=device, now=utcnow()))
    if refused:
        return render_template("queue/kiosk_refused.html", message=refused.text), 200
    return _result(*found)


@bp.route("/walk-in", methods=["GET", "POST"])
def walk_in():
    device = _device()
    if device is None:
        return render_template("queue/kiosk_not_set_up.html")
    form = KioskWalkInForm()
    if form.validate_on_submit():
        found, refused = attempt(lambda: kiosk.walk_in(
            form.full_name.data, form.phone.data, form.topic.data, device=device, now=utcnow(),
            language=current_language()))  # fmt: skip
        if refused:
            return render_template("queue/kiosk_refused.html", message=refused.text), 200
        return _result(*found)
    status = 422 if request.method == "POST" else 200
    return render_template("queue/kiosk_walk_in.html", form=form), status


@bp.route("/devices", methods=["GET", "POST"])
@staff_required(*DESK)
def devices():
    """Set this browser up as a kiosk (a reception user, once per tablet); revoke others."""
    form = DeviceForm()
    if form.validate_on_submit():
        found, refused = attempt(
            lambda: kiosk.create_device(form.name.data, by=current_user, now=utcnow())
        )
        if not refused:
            _device_row, token = found
            response = redirect(url_for("kiosk.start"))
            response.set_cookie(DEVICE_COOKIE, token, max_age=YEAR, httponly=True,
                                samesite="Lax", secure=request.is_secure)  # fmt: skip
            return response
    status = 422 if request.method == "POST" else 200
    return render_template("queue/kiosk_devices.html", form=form, devices=kiosk.devices(),
                           action=ActionForm(), current=_device()), status  # fmt: skip


@bp.post("/devices/<int:device_id>/revoke")
@staff_required(*DESK)
def revoke(device_id):
    device = db.session.get(KioskDevice, device_id) or abort(404)
    if not ActionForm().validate():
        abort(400)
    attempt(lambda: kiosk.revoke(device, by=current_user, now=utcnow()))
    flash(_("The kiosk is switched off."), "success")
    return redirect(url_for("kiosk.devices"))
