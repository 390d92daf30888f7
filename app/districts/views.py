"""The coordinator's area (/districts/…) and the office's quota dashboard (/office/quotas)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.access import staff_required
from app.auth.forms import ActionForm
from app.auth.models import Role
from app.bookings.models import Booking, Category
from app.core.db import attempt, utcnow
from app.core.i18n import current_language, day_date, local_time
from app.days import services as days
from app.days.models import Day, DayStatus, Slot
from app.extensions import db
from app.places import services as places

from . import services
from .forms import DelegateForm

bp = Blueprint("districts", __name__)
COORDINATORS = (Role.admin, Role.district)


def _district_or_403(code):
    district = places.district_by_code(code)
    if district is None:
        abort(404)
    if current_user.role == Role.district and current_user.district_id != district.id:
        abort(403)
    return district


@bp.get("/districts/")
@staff_required(*COORDINATORS)
def home():
    if current_user.role == Role.district:
        return redirect(url_for("districts.district", code=current_user.district.code))
    return render_template("districts/index.html", districts=places.active_districts())


@bp.get("/districts/<code>/")
@staff_required(*COORDINATORS)
def district(code):
    district = _district_or_403(code)
    now = utcnow()
    upcoming = db.session.scalars(
        select(Day)
        .where(Day.status == DayStatus.scheduled, Day.ends_at > now)
        .order_by(Day.date)
        .limit(4)
    ).all()
    standing = services.district_standing(district, upcoming, now=now)
    past = [day for day in services.recent_days(now, 6) if day.ends_at <= now]
    history = services.district_standing(district, past, now=now)
    return render_template(
        "districts/district.html",
        district=district,
        standing=standing,
        history=history,
        reporting=days.next_report_dates(days.today_local(now), 2),
    )


def _slot_choices(day, now):
    choices = [(0, _("— no time: comes to the Day outside the slots —"))]
    for slot in day.slots:
        if slot.starts_at > now and slot.free > 0:
            label = f"{slot.local_starts_at:%H:%M}–{slot.local_ends_at:%H:%M}"
            choices.append((slot.id, label))
    return choices


@bp.route("/districts/<code>/days/<isodate:on>", methods=["GET", "POST"])
@staff_required(*COORDINATORS)
def day(code, on):
    district = _district_or_403(code)
    day = days.day_by_date(on) or abort(404)
    now = utcnow()
    form = DelegateForm()
    form.slot_id.choices = _slot_choices(day, now)
    if form.validate_on_submit():
        slot = db.session.get(Slot, form.slot_id.data) if form.slot_id.data else None
        person = form.person(current_language())
        delegate, refused = attempt(
            lambda: services.register_delegate(
                day, district, person, slot=slot, now=now, by=current_user
            )
        )
        if refused:
            form.full_name.errors = [*form.full_name.errors, refused.text]
        else:
            flash(_("Delegate registered: %(name)s (%(code)s).", name=delegate.full_name,
                    code=delegate.code), "success")  # fmt: skip
            return redirect(url_for("districts.day", code=district.code, on=day.date))
    [quota] = services.day_quotas(day, now=now, districts=[district])
    return (
        render_template(
            "districts/day.html",
            district=district,
            day=day,
            delegates=services.district_delegates(day, district),
            quota=quota,
            form=form,
            action=ActionForm(),
            open_for_changes=not day.is_cancelled and now < day.ends_at,
        ),
        422 if request.method == "POST" else 200,
    )


def _delegate_of(district, booking_id):
    delegate = db.session.get(Booking, booking_id) if booking_id < 2**31 else None
    if (
        delegate is None
        or delegate.district_id != district.id
        or delegate.category != Category.delegate
    ):
        abort(404)
    return delegate


@bp.get("/districts/<code>/delegates/<int:booking_id>/cancel")
@staff_required(*COORDINATORS)
def confirm_cancel(code, booking_id):
    """The second step of cancelling a delegate: who, when, and a button that does it."""
    district = _district_or_403(code)
    delegate = _delegate_of(district, booking_id)
    day_page = url_for("districts.day", code=district.code, on=delegate.day.date)
    facts = [(_("Day"), day_date(delegate.day.date))]
    if delegate.slot:
        facts.append((_("Time"), f"{local_time(delegate.slot.starts_at)}–"
                                 f"{local_time(delegate.slot.ends_at)}"))  # fmt: skip
    return render_template(
        "core/confirm.html",
        question=_("Cancel this delegate?"),
        subject=delegate.full_name,
        facts=facts,
        consequence=_("Their time is freed and they are told by e-mail if they gave one."),
        action=url_for("districts.cancel", code=district.code, booking_id=delegate.id),
        form=ActionForm(),
        confirm_label=_("Yes, cancel the delegate"),
        back=day_page,
        back_label=_("No, keep them"),
    )


@bp.post("/districts/<code>/delegates/<int:booking_id>/cancel")
@staff_required(*COORDINATORS)
def cancel(code, booking_id):
    district = _district_or_403(code)
    delegate = _delegate_of(district, booking_id)
    if not ActionForm().validate():
        abort(400)
    _done, refused = attempt(
        lambda: services.cancel_delegate(delegate, district, now=utcnow(), by=current_user)
    )
    if refused:
        flash(refused.text, "error")
    else:
        flash(_("The delegate is cancelled."), "success")
    return redirect(url_for("districts.day", code=district.code, on=delegate.day.date))


@bp.route("/districts/<code>/delegates/<int:booking_id>/replace", methods=["GET", "POST"])
@staff_required(*COORDINATORS)
def replace(code, booking_id):
    district = _district_or_403(code)
    delegate = _delegate_of(district, booking_id)
    form = DelegateForm()
    form.slot_id.choices = [(delegate.slot_id or 0, "")]
    if form.validate_on_submit():
        person = form.person(current_language())
        substitute, refused = attempt(
            lambda: services.replace_delegate(
                delegate, district, person, now=utcnow(), by=current_user
            )
        )
        if refused:
            form.full_name.errors = [*form.full_name.errors, refused.text]
        else:
            flash(_("%(old)s is replaced by %(new)s.", old=delegate.full_name,
                    new=substitute.full_name), "success")  # fmt: skip
            return redirect(url_for("districts.day", code=district.code, on=delegate.day.date))
    return (
        render_template("districts/replace.html", district=district, delegate=delegate, form=form),
        422 if request.method == "POST" else 200,
    )
