"""Pages: a Day's slots with the booking form, the confirmation and manage page, .ics."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from app.core import limits
from app.core.db import attempt, utcnow
from app.core.i18n import current_language
from app.core.urls import public_url
from app.days import services as days
from app.days.models import Slot
from app.extensions import db

from . import limits as booking_limits
from . import services
from .facts import BookingFacts
from .forms import BookingForm, CancelForm, MoveForm, SmsForm
from .ics import booking_calendar

bp = Blueprint("bookings", __name__)

#: the booking form's fields in the order the page shows them (its error summary follows it)
FIELD_ORDER = [
    "slot_id", "full_name", "category", "organization", "district", "phone", "email", "topic",
    "message", "consent",
]  # fmt: skip


def _slot_choices(slots):
    return [(s.id, f"{s.id}") for s in slots]


@bp.route("/days/<isodate:on>", methods=["GET", "POST"])
@limits.shared("book", limits.BOOK, methods=["POST"])
def day(on):
    day = days.day_by_date(on)
    if day is None:
        abort(404)
    now = utcnow()
    open_slots = services.bookable_slots(day, now)
    form = BookingForm()
    form.slot_id.choices = _slot_choices(open_slots)
    if form.validate_on_submit():
        if form.is_bot():
            abort(400)
        slot = db.session.get(Slot, form.slot_id.data)
        visitor = form.visitor(current_language())

        def book():
            booking_limits.check(day.id, visitor.phone, request.remote_addr)
            booking = services.book_slot(slot, visitor, now=now)
            return url_for("bookings.manage", code=booking.code, token=booking.manage_token)

        receipt, refused = attempt(book)
        if refused:
            form.slot_id.errors = list(form.slot_id.errors)
            field = getattr(form, refused.field) if refused.field else None
            (field.errors if field else form.form_errors).append(refused.text)
            open_slots = services.bookable_slots(day, now)
            form.slot_id.choices = _slot_choices(open_slots)
        else:
            booking_limits.count(day.id, visitor.phone, request.remote_addr)
            flash(_("Your booking is confirmed"), "success")
            return redirect(receipt)
    status = 422 if request.method == "POST" else 200
    free = sum(s.free for s in open_slots)
    state = days.booking_state(
        day, now, free, all_started=all(s.starts_at <= now for s in day.slots)
    )
    return (
        render_template(
            "bookings/day.html",
            day=day,
            slots=day.slots,
            open_slots={s.id for s in open_slots},
            free_seats=free,
            state=state,
            opens_at=services.booking_opens_at(day),
            other_days=[] if state == "open" else services.days_open_for_booking(now, but=day),
            first_open_slot_id=f"slot-{open_slots[0].id}" if open_slots else None,
            field_order=FIELD_ORDER,
            form=form,
            now=now,
        ),
        status,
    )


def _booking_or_404(code, token):
    booking = services.booking_for_token(code, token)
    if booking is None:
        abort(404)
    return booking


@bp.get("/bookings/<code>")
def manage(code):
    token = request.args.get("token", "")
    booking = _booking_or_404(code, token)
    now = utcnow()
    move_form = MoveForm(token=token)
    choices = []
    for other_day in services.open_days(now):
        for slot in services.bookable_slots(other_day, now):
            if slot.id != booking.slot_id:
                choices.append((slot.id, slot))
    move_form.slot_id.choices = [(slot_id, "") for slot_id, _slot in choices]
    changeable = _changeable(booking, now)
    # The proposals attached to it come from the registry, a layer above, through the
    # ``attached_proposals`` template helper it provides.
    return render_template(
        "bookings/manage.html",
        booking=booking,
        token=token,
        qr_svg=services.qr_svg(booking.code),
        cancel_form=CancelForm(token=token),
        sms_form=SmsForm(token=token, sms="on" if booking.sms_opt_out_at else "off"),
        move_form=move_form,
        move_choices=choices,
        changeable=changeable,
        book_again_url=url_for("bookings.day", on=booking.day.date),
    )


def _changeable(booking, now):
    return booking.status.value == "confirmed" and (
        booking.slot is None or now < booking.slot.starts_at
    )


@bp.get("/bookings/<code>/cancel")
def confirm_cancel(code):
    """The second step of cancelling: what will be cancelled, and a button that does it."""
    token = request.args.get("token", "")
    booking = _booking_or_404(code, token)
    if not _changeable(booking, utcnow()):
        return redirect(url_for("bookings.manage", code=code, token=token))
    return render_template(
        "bookings/confirm_cancel.html",
        booking=booking,
        token=token,
        form=CancelForm(token=token),
    )


@bp.get("/bookings/<code>.ics")
def booking_ics(code):
    token = request.args.get("token", "")
    booking = _booking_or_404(code, token)
    facts = BookingFacts.of(booking, slot=booking.slot, day=booking.day)
    manage_link = public_url("bookings.manage", code=booking.code, token=token)
    body = booking_calendar(facts, stamp=booking.updated_at, manage_url=manage_link)
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="booking-{booking.code}.ics"'},
    )


@bp.post("/bookings/<code>/cancel")
@limits.shared("change", limits.CHANGE)
def cancel(code):
    form = CancelForm()
    booking = _booking_or_404(code, form.token.data)
    if not form.validate():
        abort(400)
    _done, refused = attempt(lambda: services.cancel_booking(booking, now=utcnow()))
    flash(*((refused.text, "error") if refused else (_("Your booking is cancelled"), "success")))
    return redirect(url_for("bookings.manage", code=code, token=form.token.data))


@bp.post("/bookings/<code>/move")
@limits.shared("change", limits.CHANGE)
def move(code):
    form = MoveForm()
    booking = _booking_or_404(code, form.token.data)
    wanted = form.slot_id.data
    slot = db.session.get(Slot, wanted, options=[joinedload(Slot.day)]) if wanted else None
    form.slot_id.choices = [(slot.id, "")] if slot else []
    if not form.validate() or slot is None:
        flash(_("Choose a time."), "error")
    else:
        _done, refused = attempt(lambda: services.move_booking(booking, slot, now=utcnow()))
        if refused:
            flash(refused.text, "error")
        else:
            flash(_("Your booking has been moved"), "success")
    return redirect(url_for("bookings.manage", code=code, token=form.token.data))


@bp.post("/bookings/<code>/sms")
@limits.shared("change", limits.CHANGE)
def sms(code):
    form = SmsForm()
    booking = _booking_or_404(code, form.token.data)
    if not form.validate() or form.sms.data not in ("on", "off"):
        abort(400)
    wanted = form.sms.data == "on"
    attempt(lambda: services.set_sms(booking, wanted, now=utcnow()))
    flash(_("SMS will be sent again.") if wanted else _("No more SMS will be sent."), "success")
    return redirect(url_for("bookings.manage", code=code, token=form.token.data))


@bp.get("/m/<code>")
@limits.shared("change", limits.CHANGE)
def short_link_form(code):
    """The short link without its token part: ask for it (it is in the SMS)."""
    if services.clean_code(code) is None:
        abort(404)
    token = request.args.get("t", "").strip()
    if token:
        return redirect(url_for("bookings.short_link", code=code, token=token[:40]))
    return render_template("bookings/short_link.html", code=services.clean_code(code))


@bp.get("/m/<code>/<token>")
@limits.shared("change", limits.CHANGE)
def short_link(code, token):
    """The link an SMS carries: opens the manage page of the booking."""
    booking = services.booking_for_sms_token(code, token)
    manage_token = services.manage_token(booking.code) if booking else ""
    if booking is None or not services.token_matches(booking, manage_token):
        abort(404)
    return redirect(url_for("bookings.manage", code=booking.code, token=manage_token))


@bp.get("/privacy")
def privacy():
    return render_template("bookings/privacy.html", version=services.PRIVACY_VERSION)
