"""The public home page and calendar feed; the office's page to move, re-time or cancel a Day."""

from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import ADMIN, staff_required
from app.core.db import utcnow
from app.core.i18n import LOCAL_TZ
from app.extensions import db

from . import ics, services
from .forms import DayForm

bp = Blueprint("days", __name__)


@bp.get("/")
def index():
    now = utcnow()
    upcoming = services.days_with_seats(services.today_local(now), limit=7)
    upcoming = [row for row in upcoming if row[0].ends_at > now]
    next_row = next((row for row in upcoming if not row[0].is_cancelled), None)
    return render_template("days/index.html", next_row=next_row, upcoming=upcoming, now=now)


@bp.get("/calendar.ics")
def calendar_feed():
    # A year back and everything ahead: enough for any subscriber, flat as years pass.
    days = services.scheduled_days(since=services.today_local(utcnow()) - timedelta(days=366))
    body = ics.calendar_feed(days)
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'inline; filename="civil-initiatives-day.ics"'},
    )


@bp.get("/office/days")
@staff_required(*ADMIN)
def office_days():
    since = services.today_local(utcnow()) - timedelta(days=90)
    return render_template("days/office_days.html", rows=services.days_with_seats(since))


@bp.route("/office/days/<isodate:on>", methods=["GET", "POST"])
@staff_required(*ADMIN)
def edit_day(on):
    day = services.day_by_date(on) or abort(404)
    form = DayForm()
    if request.method == "GET":
        form.date.data = day.date
        form.opens.data = day.local_starts_at.time()
        form.closes.data = day.local_ends_at.time()
        form.slot_minutes.data = day.slot_minutes
        form.slot_capacity.data = day.slot_capacity
        form.break_from.data = (
            day.break_starts_at.astimezone(LOCAL_TZ).time() if day.break_starts_at else None
        )
        form.break_to.data = (
            day.break_ends_at.astimezone(LOCAL_TZ).time() if day.break_ends_at else None
        )
        form.note.data = day.note
        form.cancelled.data = day.is_cancelled
    error = None
    if form.validate_on_submit():
        changes = services.DayChanges(
            date=form.date.data, opens=form.opens.data, closes=form.closes.data,
            slot_minutes=form.slot_minutes.data, slot_capacity=form.slot_capacity.data,
            break_from=form.break_from.data, break_to=form.break_to.data, note=form.note.data,
            cancelled=bool(form.cancelled.data),
        )  # fmt: skip
        try:
            told = services.edit_day(day, changes, now=utcnow(), by=current_user)
            db.session.commit()
        except services.DayError as exc:
            db.session.rollback()
            error = exc.message
        else:
            flash(_("Saved. Visitors with a booking: %(count)d.", count=told), "success")
            return redirect(url_for("days.edit_day", on=day.date))
    status = 422 if request.method == "POST" else 200
    return render_template("days/edit.html", day=day, form=form, error=error), status
