"""The desk's call (a panel of the reception desk and its actions), the queue page of a Day
and its settings."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import ADMIN, DESK, staff_required
from app.auth.forms import ActionForm
from app.core.db import attempt, utcnow
from app.days import services as days
from app.extensions import db

from . import services
from .models import Visit, VisitStatus

bp = Blueprint("queue", __name__, url_prefix="/queue")
#: the desk a browser works at (chosen once, remembered a year)
DESK_COOKIE = "queue_desk"
YEAR = 365 * 24 * 3600


def _day_or_404(on):
    return days.day_by_date(on) or abort(404)


def _csrf_or_400():
    if not ActionForm().validate():
        abort(400)


def chosen_desk(day):
    """The desk this browser picked, if the Day has it."""
    raw = request.cookies.get(DESK_COOKIE, "")
    if raw.isdigit() and len(raw) < 4:
        number = int(raw)
        if any(d.number == number for d in services.desks_of(day)):
            return number
    return None


def panel(day):
    """What the desk page's call panel shows: the desks, this browser's desk, the visitor
    it has now, the next codes, the waiting list and the times."""
    now = utcnow()
    number = chosen_desk(day)
    return {
        "desks": services.desks_of(day),
        "desk": number,
        "current": services.at_desk(day, number) if number else None,
        "waiting": services.waiting(day, now=now)[:5],
        "serving": services.serving(day),
        "waitlist": services.waitlist_count(day),
        "times": services.times(day)["day"],
        "action": ActionForm(),
    }


@bp.app_context_processor
def template_helpers():
    """``queue_panel(day)`` for the reception desk page (reception sits below the queue)."""
    return {"queue_panel": panel}


def _back(day):
    target = request.form.get("back", "")
    if target == "queue":
        return redirect(url_for("queue.day", on=day.date))
    return redirect(url_for("reception.desk", on=day.date) + "#call")


@bp.post("/<isodate:on>/desk")
@staff_required(*DESK)
def choose_desk(on):
    day = _day_or_404(on)
    _csrf_or_400()
    raw = request.form.get("desk", "")
    response = _back(day)
    if raw.isdigit() and any(d.number == int(raw) for d in services.desks_of(day)):
        response.set_cookie(DESK_COOKIE, raw, max_age=YEAR, httponly=True, samesite="Lax",
                            secure=request.is_secure)  # fmt: skip
    else:
        flash(_("Choose your desk."), "error")
    return response


@bp.post("/<isodate:on>/call")
@staff_required(*DESK)
def call(on):
    day = _day_or_404(on)
    _csrf_or_400()
    number = chosen_desk(day)
    if number is None:
        flash(_("Choose your desk."), "error")
        return _back(day)
    visit, refused = attempt(lambda: services.call_next(day, number, by=current_user, now=utcnow()))
    if refused:
        flash(refused.text, "error")
    else:
        flash(_("Called to desk %(desk)d: %(code)s.", desk=number, code=visit.booking.code),
              "success")  # fmt: skip
    return _back(day)


@bp.post("/<isodate:on>/visits/<int:visit_id>/<any(serving, done, skipped, recalled):status>")
@staff_required(*DESK)
def change(on, visit_id, status):
    day = _day_or_404(on)
    visit = db.session.get(Visit, visit_id)
    if visit is None or visit.day_id != day.id:
        abort(404)
    _csrf_or_400()
    _done, refused = attempt(
        lambda: services.change_visit(visit, status, by=current_user, now=utcnow())
    )
    if refused:
        flash(refused.text, "error")
    else:
        flash(_("%(code)s: %(status)s.", code=visit.booking.code,
                status=VisitStatus(status).title), "success")  # fmt: skip
    return _back(day)


@bp.get("/<isodate:on>")
@staff_required(*DESK)
def day(on):
    """The Day's queue for the desks: who is where, who waits (in order), the waiting list,
    and the waiting and service times per desk."""
    day = _day_or_404(on)
    now = utcnow()
    return render_template(
        "queue/day.html",
        day=day,
        panel=panel(day),
        queue=services.waiting(day, now=now),
        times=services.times(day),
        waitlist=services.waitlist_entries(day),
        now=now,
    )


@bp.route("/<isodate:on>/settings", methods=["GET", "POST"])
@staff_required(*ADMIN)
def settings(on):
    """The desks of a Day (names in both languages) and the district session."""
    day = _day_or_404(on)
    desks = [(d.name_ru, d.name_kk) for d in services.desks_of(day)]
    session = services.district_session(day)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate():
            abort(400)
        pairs = list(zip(request.form.getlist("name_ru"), request.form.getlist("name_kk"),
                         strict=False))  # fmt: skip
        wanted = [(ru, kk) for ru, kk in pairs if ru.strip() or kk.strip()]
        session = request.form.get("district_session") == "1"
        _done, refused = attempt(
            lambda: services.configure(day, wanted, delegates_first=session, by=current_user)
        )
        if not refused:
            flash(_("Saved."), "success")
            return redirect(url_for("queue.settings", on=day.date))
        flash(refused.text, "error")
        desks = wanted or desks
    return render_template(
        "queue/settings.html", day=day, desks=desks, district_session=session, form=form
    )
