"""The desk page of a Day and its actions; the printable list and exports."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import DESK, staff_required
from app.auth.forms import ActionForm
from app.bookings.models import Booking
from app.core.channels import kind_title
from app.core.db import attempt, utcnow
from app.core.i18n import current_language
from app.core.spreadsheet import CSV_MIMETYPE, XLSX_MIMETYPE, csv_separator
from app.days import services as days
from app.days.models import Slot
from app.extensions import db

from . import exports, services
from .forms import NoteForm, SearchForm, WalkInForm

bp = Blueprint("reception", __name__, url_prefix="/reception")


def _day_or_404(on):
    day = days.day_by_date(on)
    if day is None:
        abort(404)
    return day


def _booking_of(day, booking_id):
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.day_id != day.id:
        abort(404)
    return booking


def _back(day, **anchor):
    return redirect(
        url_for("reception.desk", on=day.date) + (f"#b{anchor['booking']}" if anchor else "")
    )


def _csrf_or_400():
    if not ActionForm().validate():
        abort(400)


@bp.get("/")
@staff_required(*DESK)
def today():
    now = utcnow()
    day = days.day_by_date(days.today_local(now))
    if day is not None:
        return redirect(url_for("reception.desk", on=day.date))
    return render_template("reception/no_day.html", next_day=days.next_day(now))


@bp.get("/<isodate:on>")
@staff_required(*DESK)
def desk(on):
    day = _day_or_404(on)
    listing = services.day_bookings(day)
    query = request.args.get("q", "").strip()[:200]
    matches = services.search(listing, query) if query else None
    now = utcnow()
    return render_template(
        "reception/desk.html",
        day=day,
        listing=listing,
        slots=day.slots,
        counters=services.attendance(day),
        unreached=services.unreached(listing),
        kind_title=kind_title,
        search=SearchForm(q=query),
        query=query,
        matches=matches,
        action=ActionForm(),
        note_form=NoteForm(),
        now=now,
        is_today=day.date == days.today_local(now),
    )


@bp.post("/<isodate:on>/scan")
@staff_required(*DESK)
def scan(on):
    """What the search box sends: an exact code checks in; anything else searches."""
    day = _day_or_404(on)
    form = SearchForm()
    if not form.validate():
        flash(_("Type or scan a booking code, a name or a phone."), "error")
        return _back(day)
    typed = form.q.data
    booking = services.booking_by_code(typed)
    if booking is None:
        return redirect(url_for("reception.desk", on=day.date, q=typed.strip()))
    fresh, refused = attempt(
        lambda: services.check_in(booking, day=day, by=current_user, now=utcnow())
    )
    if refused:
        flash(_("%(code)s: %(message)s", code=booking.code, message=refused.text), "error")
        return _back(day)
    if fresh:
        flash(
            _("Arrived: %(name)s (%(code)s).", name=booking.full_name, code=booking.code), "success"
        )
    else:
        flash(
            _(
                "%(name)s (%(code)s) has already arrived.",
                name=booking.full_name,
                code=booking.code,
            ),
            "warning",
        )
    return _back(day)


@bp.post("/<isodate:on>/bookings/<int:booking_id>/<any(checkin, undo, no_show):change>")
@staff_required(*DESK)
def change(on, booking_id, change):
    day = _day_or_404(on)
    booking = _booking_of(day, booking_id)
    _csrf_or_400()
    now = utcnow()
    actions = {
        "checkin": lambda: services.check_in(booking, day=day, by=current_user, now=now),
        "undo": lambda: services.undo_check_in(booking, by=current_user),
        "no_show": lambda: services.mark_no_show(booking, by=current_user, now=now),
    }
    _done, refused = attempt(actions[change])
    if refused:
        flash(refused.text, "error")
    else:
        flash(_("Saved."), "success")
    return _back(day, booking=booking.id)


@bp.post("/<isodate:on>/slots/<int:slot_id>/no-shows")
@staff_required(*DESK)
def slot_no_shows(on, slot_id):
    day = _day_or_404(on)
    slot = db.session.get(Slot, slot_id)
    if slot is None or slot.day_id != day.id:
        abort(404)
    _csrf_or_400()
    count, refused = attempt(
        lambda: services.mark_slot_no_shows(slot, by=current_user, now=utcnow())
    )
    if refused:
        flash(refused.text, "error")
    else:
        flash(_("Marked as no-show: %(count)d.", count=count), "success")
    return _back(day)


@bp.post("/<isodate:on>/bookings/<int:booking_id>/notes")
@staff_required(*DESK)
def add_note(on, booking_id):
    day = _day_or_404(on)
    booking = _booking_of(day, booking_id)
    form = NoteForm()
    if not form.validate():
        flash(_("Write what was discussed."), "error")
        return _back(day, booking=booking.id)
    _note, refused = attempt(
        lambda: services.add_note(booking, form.text.data, form.follow_up.data, by=current_user)
    )
    flash(refused.text if refused else _("The note is saved."), "error" if refused else "success")
    return _back(day, booking=booking.id)


@bp.route("/<isodate:on>/walk-in", methods=["GET", "POST"])
@staff_required(*DESK)
def walk_in(on):
    day = _day_or_404(on)
    form = WalkInForm()
    if form.validate_on_submit():
        walk_in = form.walk_in(current_language())
        booking, refused = attempt(
            lambda: services.register_walk_in(day, walk_in, by=current_user, now=utcnow())
        )
        if refused:
            form.phone.errors = [*form.phone.errors, refused.text]
        else:
            flash(_("Walk-in recorded and checked in: %(name)s (%(code)s).",
                    name=booking.full_name, code=booking.code), "success")  # fmt: skip
            return _back(day)
    status = 422 if request.method == "POST" else 200
    return render_template("reception/walk_in.html", day=day, form=form), status


@bp.get("/<isodate:on>/counters.json")
@staff_required(*DESK)
def counters(on):
    return jsonify(services.attendance(_day_or_404(on)))


@bp.get("/<isodate:on>/print")
@staff_required(*DESK)
def print_list(on):
    day = _day_or_404(on)
    return render_template(
        "reception/print.html",
        day=day,
        listing=services.day_bookings(day),
        counters=services.attendance(day),
        now=utcnow(),
    )


@bp.get("/<isodate:on>/export.<any(csv, xlsx):fmt>")
@staff_required(*DESK)
def export(on, fmt):
    day = _day_or_404(on)
    rows = exports.attendance_rows(services.day_bookings(day))
    name = f"attendance-{day.date.isoformat()}.{fmt}"
    if fmt == "csv":
        body = exports.attendance_csv(rows, sep=csv_separator(request.args.get("sep")))
        mimetype = CSV_MIMETYPE
    else:
        body, mimetype = exports.attendance_xlsx(day, rows), XLSX_MIMETYPE
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
