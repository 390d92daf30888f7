"""The waiting list's pages: join a full Day, see one's place, leave."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.core import limits
from app.core.db import attempt, utcnow
from app.core.i18n import current_language
from app.days import services as days

from . import waitlist
from .forms import LeaveForm, WaitlistForm
from .models import WaitlistStatus

bp = Blueprint("waitlist", __name__)


@bp.route("/days/<isodate:on>/waitlist", methods=["GET", "POST"])
@limits.shared("book", limits.BOOK, methods=["POST"])
def join(on):
    day = days.day_by_date(on) or abort(404)
    form = WaitlistForm()
    form.set_hours(day)
    if form.validate_on_submit():
        if form.is_bot():
            abort(400)
        visitor = form.visitor(current_language())
        entry, refused = attempt(lambda: waitlist.join(day, visitor, form.window(), now=utcnow()))
        if not refused:
            flash(_("You are on the waiting list."), "success")
            return redirect(url_for("waitlist.entry", code=entry.code, token=entry.manage_token))
        field = getattr(form, refused.field) if refused.field else None
        (field.errors if field else form.form_errors).append(refused.text)
    status = 422 if request.method == "POST" else 200
    return render_template("queue/waitlist_join.html", day=day, form=form), status


def _entry_or_404(code, token):
    return waitlist.entry_for_token(code, token) or abort(404)


@bp.get("/waitlist/<code>")
def entry(code):
    """The person's place on the list; once promoted, the link opens the booking."""
    token = request.args.get("token", "")
    found = _entry_or_404(code, token)
    if found.status == WaitlistStatus.promoted:
        return redirect(url_for("bookings.manage", code=found.code, token=token))
    return render_template(
        "queue/waitlist_entry.html",
        entry=found,
        position=waitlist.position(found),
        token=token,
        form=LeaveForm(),
    )


@bp.post("/waitlist/<code>/leave")
@limits.shared("change", limits.CHANGE)
def leave(code):
    token = request.form.get("token", "")
    found = _entry_or_404(code, token)
    if not LeaveForm().validate():
        abort(400)
    _done, refused = attempt(lambda: waitlist.leave(found, now=utcnow()))
    flash(*((refused.text, "error") if refused else (_("You left the waiting list."), "success")))
    return redirect(url_for("waitlist.entry", code=code, token=token))
