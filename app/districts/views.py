"""The coordinator's area (/districts/…) and the office's quota dashboard (/office/quotas)."""

from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.access import ADMIN, DESK, staff_required
from app.auth.forms import ActionForm
from app.auth.models import Role
from app.bookings.models import Booking, Category
from app.core import params
from app.core.db import utcnow
from app.core.i18n import current_language
from app.core.spreadsheet import XLSX_MIMETYPE
from app.days import services as days
from app.days.models import Day, DayStatus, Slot
from app.extensions import db
from app.places import services as places
from app.places.models import District

from . import exports, services
from .forms import DelegateForm, QuotaForm
from .models import QuotaSetting

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
    standing = [
        (day, services.day_quotas(day, now=now, districts=[district])[0]) for day in upcoming
    ]
    history = [
        (day, services.day_quotas(day, now=now, districts=[district])[0])
        for day in services.recent_days(now, 6)
        if day.ends_at <= now
    ]
    from app.registry.services import next_report_dates

    return render_template(
        "districts/district.html",
        district=district,
        standing=standing,
        history=history,
        reporting=next_report_dates(days.today_local(now), 2),
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
        try:
            delegate = services.register_delegate(
                day, district, form.person(current_language()), slot=slot, now=now, by=current_user
            )
            db.session.commit()
        except services.DistrictError as exc:
            db.session.rollback()
            form.full_name.errors = [*form.full_name.errors, exc.message]
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


@bp.post("/districts/<code>/delegates/<int:booking_id>/cancel")
@staff_required(*COORDINATORS)
def cancel(code, booking_id):
    district = _district_or_403(code)
    delegate = _delegate_of(district, booking_id)
    if not ActionForm().validate():
        abort(400)
    try:
        services.cancel_delegate(delegate, district, now=utcnow(), by=current_user)
        db.session.commit()
    except services.DistrictError as exc:
        db.session.rollback()
        flash(exc.message, "error")
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
        try:
            substitute = services.replace_delegate(
                delegate, district, form.person(current_language()), now=utcnow(), by=current_user
            )
            db.session.commit()
        except services.DistrictError as exc:
            db.session.rollback()
            form.full_name.errors = [*form.full_name.errors, exc.message]
        else:
            flash(_("%(old)s is replaced by %(new)s.", old=delegate.full_name,
                    new=substitute.full_name), "success")  # fmt: skip
            return redirect(url_for("districts.day", code=district.code, on=delegate.day.date))
    return (
        render_template("districts/replace.html", district=district, delegate=delegate, form=form),
        422 if request.method == "POST" else 200,
    )


# --- the office ----------------------------------------------------------------------------


def _dashboard_day(now):
    wanted = request.args.get("date")
    if wanted:
        try:
            return days.day_by_date(date.fromisoformat(wanted)) or abort(404)
        except ValueError:
            abort(404)
    return days.day_by_date(days.today_local(now)) or days.next_day(now) or abort(404)


@bp.get("/office/quotas")
@staff_required(*DESK)
def quotas():
    now = utcnow()
    day = _dashboard_day(now)
    recent = services.recent_days(now)
    districts, matrix = services.quota_matrix(recent, now=now)
    quotas = services.day_quotas(day, now=now)
    met = services.QuotaStatus.met
    return render_template(
        "districts/quotas.html",
        day=day,
        quotas=quotas,
        met_today=sum(1 for q in quotas if q.status == met),
        recent=recent,
        districts=districts,
        matrix=matrix,
        met_per_day={
            d.id: sum(matrix[x.id][d.id].status == met for x in districts) for d in recent
        },
        met_per_district={
            x.id: sum(q.status == met for q in matrix[x.id].values()) for x in districts
        },
        all_days=db.session.scalars(select(Day).order_by(Day.date.desc()).limit(36)).all(),
    )


@bp.get("/office/quotas.xlsx")
@staff_required(*DESK)
def quotas_xlsx():
    now = utcnow()
    day = _dashboard_day(now)
    recent = services.recent_days(now)
    districts, matrix = services.quota_matrix(recent, now=now)
    body = exports.quotas_xlsx(day, services.day_quotas(day, now=now), recent, districts, matrix)
    return Response(
        body,
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="quotas-{day.date}.xlsx"'},
    )


@bp.route("/office/quotas/settings", methods=["GET", "POST"])
@staff_required(*ADMIN)
def quota_settings():
    now = utcnow()
    today = days.today_local(now)
    if request.method == "POST":
        form = QuotaForm()
        district = db.session.get(District, params.form_int("district_id", 0))
        if district is None:
            abort(404)
        if not form.validate():
            flash(_("Minimum and target are whole numbers from 0 to 20."), "error")
        else:
            try:
                services.set_quota(district, form.delegate_min.data, form.delegate_target.data,
                                   today=today, by=current_user)  # fmt: skip
                db.session.commit()
            except services.DistrictError as exc:
                db.session.rollback()
                flash(exc.message, "error")
            else:
                flash(_("Saved. The new quota applies to Days from tomorrow on."), "success")
        return redirect(url_for("districts.quota_settings"))
    districts = places.active_districts()
    current = services.settings_on(today + timedelta(days=1))
    history = db.session.scalars(
        select(QuotaSetting)
        .order_by(QuotaSetting.effective_from.desc(), QuotaSetting.id.desc())
        .limit(100)
    ).all()
    return render_template(
        "districts/settings.html",
        districts=districts,
        current=current,
        defaults=(services.DEFAULT_MIN, services.DEFAULT_TARGET),
        history=history,
        form=QuotaForm(),
    )
