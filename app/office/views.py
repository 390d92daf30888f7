"""The Project Office's pages (``/office/…``): Days, users, the audit log, the delegate
quotas and the twice-monthly report — pages that span domains, so they live above them."""

from datetime import timedelta
from typing import NamedTuple

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth import services as auth
from app.auth.access import ADMIN, DESK, staff_required
from app.auth.forms import ActionForm, UserForm
from app.auth.models import ApiToken, Role, User
from app.core import jobs, params
from app.core.audit import AuditEntry
from app.core.db import attempt, run_in_transaction, utcnow
from app.core.i18n import LOCAL_TZ, current_language, localized
from app.core.outbox import OutboxMessage
from app.core.spreadsheet import XLSX_MIMETYPE, xlsx_bytes
from app.days import services as days
from app.days.models import Day
from app.districts import exports as quota_exports
from app.districts import services as quotas
from app.districts.forms import QuotaForm
from app.districts.models import QuotaSetting
from app.extensions import db
from app.places import services as places
from app.places.models import District
from app.registry import deadlines
from app.registry import exports as registry_exports
from app.registry import services as registry
from app.registry.models import Status, Subprogram

from . import audit_log as readable_log
from . import charts, navigation, privacy
from . import districts as office_districts
from . import home as dashboard
from . import statistics as statistics_page
from .days import DayChanges
from .days import edit_day as change_day
from .forms import (
    DayForm,
    DistrictForm,
    EraseForm,
    PersonForm,
    RoleForm,
    SettingsForm,
    TokenForm,
)

bp = Blueprint("office", __name__, url_prefix="/office")
bp.record_once(navigation.init_app)
AUDIT_PAGE = 50
REGISTRY_STAFF = (Role.admin, Role.district)


# --- the staff home -----------------------------------------------------------------------


@bp.get("/")
@staff_required(*ADMIN)
def home():
    now = utcnow()
    return render_template(
        "office/home.html", home=dashboard.home_facts(now), now=now, action=ActionForm()
    )


@bp.post("/mail/<int:message_id>/retry")
@staff_required(*ADMIN)
def retry_mail(message_id):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    if not ActionForm().validate():
        abort(400)
    attempt(lambda: dashboard.retry_mail(message, by=current_user, now=utcnow()))
    flash(_("The message is queued again."), "success")
    return redirect(url_for("office.home"))


# --- statistics ---------------------------------------------------------------------------


def _stats_view(now):
    args = {"from": params.arg_date("from"), "to": params.arg_date("to")}
    wanted = params.arg_date("date")
    if wanted is not None:
        args["day"] = days.day_by_date(wanted) or abort(404)
    return statistics_page.build(statistics_page.choose(args, now), now)


@bp.get("/stats")
@staff_required(*ADMIN)
def stats():
    """How one Day or a period went: tables with their charts, each exportable."""
    now = utcnow()
    view = _stats_view(now)
    return render_template(
        "office/stats.html",
        view=view,
        charts=charts,
        all_days=db.session.scalars(select(Day).order_by(Day.date.desc()).limit(120)).all(),
        args={k: v for k, v in request.args.items() if k in ("date", "from", "to")},
    ), (422 if view.error else 200)


@bp.get("/stats.xlsx")
@staff_required(*ADMIN)
def stats_xlsx():
    now = utcnow()
    view = _stats_view(now)
    if view.error or (view.mode == "day" and view.day is None):
        abort(404)
    only = request.args.get("table") or None
    tables = statistics_page.as_tables(view, only)
    if not tables:
        abort(404)
    name = view.day.date.isoformat() if view.mode == "day" else f"{view.since}_{view.until}"
    return Response(
        xlsx_bytes(*tables),
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="stats-{name}.xlsx"'},
    )


@bp.get("/stats/print")
@staff_required(*ADMIN)
def stats_print():
    """One A4 page on one Day for the akim."""
    now = utcnow()
    view = _stats_view(now)
    if view.mode != "day" or view.day is None:
        abort(404)
    return render_template("office/stats_print.html", view=view, now=now)


# --- districts and cities -------------------------------------------------------------------


@bp.get("/districts")
@staff_required(*ADMIN)
def districts():
    today = days.today_local(utcnow())
    rows, settings = office_districts.districts_with_quotas(today + timedelta(days=1))
    return render_template(
        "office/districts.html",
        districts=rows,
        settings=settings,
        defaults=(quotas.DEFAULT_MIN, quotas.DEFAULT_TARGET),
    )


@bp.route("/districts/<district_code>", methods=["GET", "POST"])
@staff_required(*ADMIN)
def edit_district(district_code):
    district = places.district_by_code(district_code) or abort(404)
    now = utcnow()
    form = DistrictForm(obj=district if request.method == "GET" else None)
    asking = False
    if form.validate_on_submit():
        changes = office_districts.DistrictChanges(
            name_ru=form.name_ru.data, name_kk=form.name_kk.data, prefix=form.prefix.data,
            is_active=bool(form.is_active.data),
        )  # fmt: skip
        _cancelled, refused = attempt(
            lambda: office_districts.edit_district(
                district, changes, delegates=form.delegates.data or None, now=now, by=current_user
            )
        )
        if refused:
            field = getattr(form, refused.field or "name_ru")
            field.errors = [*field.errors, refused.text]
            asking = refused.code == "delegates_pending"
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("office.edit_district", district_code=district.code))
    today = days.today_local(now)
    current = quotas.settings_on(today + timedelta(days=1), [district.id]).get(
        district.id, (quotas.DEFAULT_MIN, quotas.DEFAULT_TARGET)
    )
    quota_form = QuotaForm(formdata=None, delegate_min=current[0], delegate_target=current[1])
    history = db.session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.object_type == "district",
            AuditEntry.object_id == district.id,
        )
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.id.desc())
        .limit(50)
    ).all()
    _staff, people = readable_log.staff_names()
    return render_template(
        "office/district.html",
        district=district,
        form=form,
        asking=asking,
        ahead=office_districts.future_delegates(district, now),
        quota_form=quota_form,
        history=readable_log.lines(history, people),
    ), (422 if form.errors else 200)


@bp.post("/districts/<district_code>/quota")
@staff_required(*ADMIN)
def district_quota(district_code):
    district = places.district_by_code(district_code) or abort(404)
    _save_quota(district, days.today_local(utcnow()))
    return redirect(url_for("office.edit_district", district_code=district.code))


def _save_quota(district, today):
    """The quota form posted for one district: saved (from tomorrow on) or refused, and
    the outcome flashed for the page it returns to."""
    form = QuotaForm()
    if not form.validate():
        flash(_("Minimum and target are whole numbers from 0 to 20."), "error")
        return
    minimum, target = form.delegate_min.data, form.delegate_target.data
    _setting, refused = attempt(
        lambda: quotas.set_quota(district, minimum, target, today=today, by=current_user)
    )
    if refused:
        flash(refused.text, "error")
    else:
        flash(_("Saved. The new quota applies to Days from tomorrow on."), "success")


# --- personal data and settings -------------------------------------------------------------


def _person(form):
    return privacy.find_person(phone=form.phone.data, email=form.email.data)


@bp.get("/privacy")
@staff_required(*ADMIN)
def privacy_page():
    """A personal-data request: find what is held about one person, export it, erase it."""
    asked = bool(request.args.get("phone") or request.args.get("email"))
    form = PersonForm(formdata=request.args if asked else None, meta={"csrf": False})
    person = _person(form) if asked and form.validate() else None
    return render_template(
        "office/privacy.html",
        form=form,
        person=person,
        erase=EraseForm(formdata=None, phone=form.phone.data, email=form.email.data),
        months=privacy.retention_months(),
    ), (422 if form.errors else 200)


@bp.post("/privacy/export")
@staff_required(*ADMIN)
def privacy_export():
    form = PersonForm()
    if not form.validate():
        abort(400)
    person = _person(form)
    summary = render_template("office/privacy_summary.html", person=person, now=utcnow())
    body, refused = attempt(lambda: privacy.export_person(person, summary, by=current_user))
    if refused:
        abort(400)
    stamp = utcnow().astimezone(LOCAL_TZ).strftime("%Y%m%d-%H%M")
    return Response(
        body,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="personal-data-{stamp}.zip"'},
    )


@bp.post("/privacy/erase")
@staff_required(*ADMIN)
def privacy_erase():
    form = EraseForm()
    if not form.validate():
        flash(_("Please confirm that the person asked for the erasure."), "error")
        query = {k: v for k, v in (("phone", form.phone.data), ("email", form.email.data)) if v}
        return redirect(url_for("office.privacy_page", **query))
    person = _person(form)
    count, _refused = attempt(lambda: privacy.erase_person(person, by=current_user))
    flash(_("Erased: %(count)d record(s). The counts stay for the statistics.", count=count),
          "success")  # fmt: skip
    return redirect(url_for("office.privacy_page"))


@bp.route("/settings", methods=["GET", "POST"])
@staff_required(*ADMIN)
def settings_page():
    form = SettingsForm()
    if request.method == "GET":
        form.answer_days.data = deadlines.answer_days()
        form.retention_months.data = privacy.retention_months()
    if form.validate_on_submit():

        def change():
            if form.answer_days.data != deadlines.answer_days():
                deadlines.set_answer_days(form.answer_days.data, by=current_user)
            if form.retention_months.data != privacy.retention_months():
                privacy.set_retention_months(form.retention_months.data, by=current_user)

        _done, refused = attempt(change)
        if refused:
            field = form.answer_days if refused.field == "days" else form.retention_months
            field.errors = [*field.errors, refused.text]
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("office.settings_page"))
    return render_template("office/settings.html", form=form), (422 if form.errors else 200)


# --- Days -------------------------------------------------------------------------------


@bp.get("/days")
@staff_required(*ADMIN)
def days_list():
    since = days.today_local(utcnow()) - timedelta(days=90)
    return render_template(
        "office/days.html", rows=days.days_with_seats(since), action=ActionForm()
    )


@bp.post("/days/generate")
@staff_required(*ADMIN)
def generate_days():
    """What ``flask days generate`` does (idempotent): the Days of the next 12 months."""
    if not ActionForm().validate():
        abort(400)
    today = days.today_local(utcnow())
    outcome, _refused = attempt(lambda: days.generate_days(today.replace(day=1), 12))
    flash(_("Days laid out: %(count)d new.", count=(outcome or {}).get("created", 0)), "success")
    return redirect(url_for("office.days_list"))


@bp.route("/days/<isodate:on>", methods=["GET", "POST"])
@staff_required(*ADMIN)
def edit_day(on):
    day = days.day_by_date(on) or abort(404)
    form = DayForm()
    if request.method == "GET":
        form.fill_from(day)
    error = None
    if form.validate_on_submit():
        changes = DayChanges(
            date=form.date.data, opens=form.opens.data, closes=form.closes.data,
            slot_minutes=form.slot_minutes.data, slot_capacity=form.slot_capacity.data,
            break_from=form.break_from.data, break_to=form.break_to.data, note=form.note.data,
            cancelled=bool(form.cancelled.data),
        )  # fmt: skip
        told, refused = attempt(lambda: change_day(day, changes, now=utcnow(), by=current_user))
        if refused:
            error = refused.text
        else:
            flash(_("Saved. Visitors with a booking: %(count)d.", count=told), "success")
            return redirect(url_for("office.edit_day", on=day.date))
    status = 422 if request.method == "POST" else 200
    return render_template("office/edit_day.html", day=day, form=form, error=error), status


# --- users --------------------------------------------------------------------------------


def _user_form():
    form = UserForm()
    form.district.choices = [("", "—")] + [(d.code, d.name_ru) for d in places.active_districts()]
    return form


@bp.route("/users", methods=["GET", "POST"])
@staff_required(*ADMIN)
def users():
    form = _user_form()
    if form.validate_on_submit():
        district = places.district_by_code(form.district.data) if form.district.data else None
        _user, refused = attempt(
            lambda: auth.create_user(
                form.email.data,
                form.role.data,
                form.password.data,
                district=district,
                full_name=form.full_name.data or "",
                by=current_user,
            )
        )
        if refused:
            field = form.password if refused.code == "weak" else form.email
            field.errors = [*field.errors, refused.text]
        else:
            flash(_("The user is created."), "success")
            return redirect(url_for("office.users"))
    people = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    return render_template("office/users.html", form=form, users=people, action=ActionForm())


def _district_choices(form):
    form.district.choices = [("", "—")] + [
        (d.code, localized(d)) for d in places.active_districts()
    ]
    return form


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@staff_required(*ADMIN)
def user_page(user_id):
    """One account: role and district, a new password, API tokens — nothing shown twice."""
    user = db.session.get(User, user_id) or abort(404)
    form = _district_choices(RoleForm())
    if request.method == "GET":
        form.role.data = user.role.value
        form.district.data = user.district.code if user.district else ""
    if form.validate_on_submit():
        district = places.district_by_code(form.district.data) if form.district.data else None
        _done, refused = attempt(
            lambda: auth.change_role(user, form.role.data, district, by=current_user)
        )
        if refused:
            form.district.errors = [*form.district.errors, refused.text]
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("office.user_page", user_id=user.id))
    return _user_page(user, form), (422 if form.errors else 200)


def _user_page(user, form=None, **shown_once):
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    ).all()
    if form is None:
        form = _district_choices(RoleForm(formdata=None))
        form.role.data = user.role.value
        form.district.data = user.district.code if user.district else ""
    return render_template(
        "office/user.html", user=user, form=form, tokens=tokens, token_form=TokenForm(),
        action=ActionForm(), **shown_once,
    )  # fmt: skip


@bp.post("/users/<int:user_id>/password")
@staff_required(*ADMIN)
def reset_user_password(user_id):
    user = db.session.get(User, user_id) or abort(404)
    if not ActionForm().validate():
        abort(400)
    password, _refused = attempt(lambda: auth.reset_password(user, by=current_user))
    # Shown in this answer only (never in a flash: the session cookie is not secret).
    return _user_page(user, new_password=password)


@bp.post("/users/<int:user_id>/token")
@staff_required(*ADMIN)
def issue_user_token(user_id):
    user = db.session.get(User, user_id) or abort(404)
    form = TokenForm()
    if not form.validate():
        return _user_page(user), 422
    token, _refused = attempt(
        lambda: auth.issue_token(user, name=form.name.data.strip(), by=current_user)
    )
    return _user_page(user, new_token=token)


@bp.get("/users/<int:user_id>/deactivate")
@staff_required(*ADMIN)
def confirm_deactivate(user_id):
    """The second step of deactivating a user: who, and what it ends."""
    user = db.session.get(User, user_id) or abort(404)
    return render_template(
        "core/confirm.html",
        question=_("Deactivate this user?"),
        subject=user.email,
        facts=[(_("Role"), user.role.title)],
        consequence=_(
            "They are signed out on every device at once and their API tokens stop working. "
            "An admin can activate the account again."
        ),
        action=url_for("office.change_user", user_id=user.id, change="deactivate"),
        form=ActionForm(),
        confirm_label=_("Yes, deactivate"),
        back=url_for("office.users"),
        back_label=_("No, keep the account active"),
    )


@bp.post("/users/<int:user_id>/<any(activate, deactivate, revoke):change>")
@staff_required(*ADMIN)
def change_user(user_id, change):
    user = db.session.get(User, user_id) or abort(404)
    if not ActionForm().validate():
        abort(400)
    if change != "revoke" and user.id == current_user.id:
        flash(_("You cannot deactivate yourself."), "error")
        return redirect(url_for("office.users"))
    if change == "revoke":
        attempt(lambda: auth.revoke_tokens(user, by=current_user))
    else:
        attempt(lambda: auth.set_active(user, change == "activate", by=current_user))
    flash(_("Saved."), "success")
    if request.form.get("back") == "user":
        return redirect(url_for("office.user_page", user_id=user.id))
    return redirect(url_for("office.users"))


# --- the audit log ----------------------------------------------------------------------------


def _audit_filters():
    """The log's query for the filters in the request: person, action, object, dates."""
    return readable_log.selected(request.args)


@bp.get("/audit")
@staff_required(*ADMIN)
def audit_log():
    stmt = _audit_filters()
    # Keyset pagination: "older than this id" stays fast however long the log grows.
    before = params.arg_int("before")
    if before:
        stmt = stmt.where(AuditEntry.id < before)
    entries = db.session.scalars(stmt.limit(AUDIT_PAGE + 1)).all()
    more = len(entries) > AUDIT_PAGE
    entries = entries[:AUDIT_PAGE]
    # Every action the code records has its sentence (a test reads the code for them): the
    # filter offers those, with no scan of a log that grows for years.
    actions = sorted(
        readable_log.SENTENCES.items(),
        key=lambda pair: str(pair[1]).casefold(),
    )
    staff, people = readable_log.staff_names()
    args = {k: v for k, v in request.args.items() if k != "before"}
    return render_template(
        "office/audit.html",
        lines=readable_log.lines(entries, people),
        more=more,
        next_before=entries[-1].id if entries else None,
        actions=actions,
        staff=staff,
        args=args,
        action_title=readable_log.action_title,
    )


@bp.get("/audit.xlsx")
@staff_required(*ADMIN)
def audit_xlsx():
    """The filtered log, every entry (streamed), one line per entry; a log too long for a
    request is written by the worker in this page's language, and a page shows its progress."""
    stmt = _audit_filters()
    if readable_log.more_than(stmt, current_app.config["EXPORT_JOB_ROWS"]):
        # the worker counts the rows (a count of years of log is not this request's work)
        job_params = {
            "filters": readable_log.filter_args(request.args),
            "language": current_language(),
        }
        job_id = run_in_transaction(
            lambda: (
                jobs.submit(readable_log.JOB, job_params, total=0, by=current_user, now=utcnow()).id
            )
        )
        return redirect(url_for("office.export_job", job_id=job_id))
    _staff, people = readable_log.staff_names()
    entries = db.session.scalars(stmt.execution_options(yield_per=500))
    return Response(
        readable_log.workbook(entries, people),
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="{readable_log.FILENAME}"'},
    )


# --- delegate quotas ----------------------------------------------------------------------


def _dashboard_day(now):
    wanted = params.arg_date("date")
    if wanted:
        return days.day_by_date(wanted) or abort(404)
    return days.day_by_date(days.today_local(now)) or days.next_day(now) or abort(404)


@bp.get("/quotas")
@staff_required(*DESK)
def quota_dashboard():
    now = utcnow()
    day = _dashboard_day(now)
    recent = quotas.recent_days(now)
    districts, matrix = quotas.quota_matrix(recent, now=now)
    standing = quotas.day_quotas(day, now=now)
    met = quotas.QuotaStatus.met
    return render_template(
        "office/quotas.html",
        day=day,
        quotas=standing,
        met_today=sum(1 for q in standing if q.status == met),
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


@bp.get("/quotas.xlsx")
@staff_required(*DESK)
def quotas_xlsx():
    now = utcnow()
    day = _dashboard_day(now)
    recent = quotas.recent_days(now)
    districts, matrix = quotas.quota_matrix(recent, now=now)
    body = quota_exports.quotas_xlsx(
        day, quotas.day_quotas(day, now=now), recent, districts, matrix
    )
    return Response(
        body,
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="quotas-{day.date}.xlsx"'},
    )


@bp.route("/quotas/settings", methods=["GET", "POST"])
@staff_required(*ADMIN)
def quota_settings():
    now = utcnow()
    today = days.today_local(now)
    if request.method == "POST":
        district = db.session.get(District, params.form_int("district_id", 0))
        if district is None:
            abort(404)
        _save_quota(district, today)
        return redirect(url_for("office.quota_settings"))
    current = quotas.settings_on(today + timedelta(days=1))
    history = db.session.scalars(
        select(QuotaSetting)
        .order_by(QuotaSetting.effective_from.desc(), QuotaSetting.id.desc())
        .limit(100)
    ).all()
    return render_template(
        "office/quota_settings.html",
        districts=places.active_districts(),
        current=current,
        defaults=(quotas.DEFAULT_MIN, quotas.DEFAULT_TARGET),
        history=history,
        form=QuotaForm(),
    )


# --- the twice-monthly report -----------------------------------------------------------------


def _report_date():
    """The chosen date, else the next reporting date (today's, if it is one), as of now."""
    chosen = params.arg_date("date")
    if chosen is not None:
        return chosen
    return days.next_report_dates(days.today_local(utcnow()), 1)[0]


def _past_report_dates(today, count=12):
    """The last ``count`` reporting dates before today, newest first."""
    found, on = [], today
    while len(found) < count:
        on = days.previous_report_date(on)
        found.append(on)
    return found


@bp.get("/report")
@staff_required(*REGISTRY_STAFF)
def report():
    on, now = _report_date(), utcnow()
    rows, since, on = registry.district_report(on, scope=registry.scope_for(current_user), now=now)
    today = days.today_local(now)
    return render_template(
        "office/report.html",
        rows=rows,
        since=since,
        on=on,
        as_of_now=now < days.end_of(on),
        now=now,
        statuses=list(Status),
        subprograms=list(Subprogram),
        upcoming=days.next_report_dates(today, 4),
        past=_past_report_dates(today),
        totals=registry_report_totals(rows),
    )


@bp.get("/report.xlsx")
@staff_required(*REGISTRY_STAFF)
def report_xlsx():
    rows, since, on = registry.district_report(
        _report_date(), scope=registry.scope_for(current_user), now=utcnow()
    )
    return Response(
        registry_exports.report_xlsx(rows, since, on),
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="report-{on}.xlsx"'},
    )


def registry_report_totals(rows):
    """The report's totals line: each figure summed over the districts shown."""
    names = ("projects", "events", "new", "people", "funding", "on_time", "late", "overdue")
    totals = {name: sum(getattr(row, name) for row in rows) for name in names}
    totals["by_status"] = {s: sum(row.by_status[s] for row in rows) for s in Status}
    totals["by_subprogram"] = {s: sum(row.by_subprogram[s] for row in rows) for s in Subprogram}
    return totals


# --- background exports ---------------------------------------------------------------------


class ExportKind(NamedTuple):
    """A kind of background export, as its page shows it."""

    #: who may ask for it — and so see it: a requester whose role changed no longer does
    roles: tuple
    #: the file's name while it is being written
    filename: str
    #: the page it is asked from (the way back), and that page's title
    source: str
    source_title: object
    #: what the page says once the file is gone
    expired: object


REGISTRY_EXPORT_EXPIRED = _l(
    "The file was kept for a day and has been removed. Export again from the registry."
)
EXPORT_KINDS = {
    "registry_xlsx": ExportKind(REGISTRY_STAFF, "registry.xlsx", "registry.index",
                                _l("Registry"), REGISTRY_EXPORT_EXPIRED),
    "registry_csv": ExportKind(REGISTRY_STAFF, "registry.csv", "registry.index",
                               _l("Registry"), REGISTRY_EXPORT_EXPIRED),
    readable_log.JOB: ExportKind(ADMIN, readable_log.FILENAME, "office.audit_log", _l("Audit log"),
                                 _l("The file was kept for a day and has been removed. "
                                    "Export again from the audit log.")),
}  # fmt: skip


def _job_or_404(job_id):
    """A job its requester (or an admin) may see while their role may ask for its kind (the
    audit log's: admins only); anyone else gets a 404, as if there were no such job."""
    job = db.session.get(jobs.Job, job_id) or abort(404)
    kind = EXPORT_KINDS.get(job.kind) or abort(404)
    if current_user.role not in kind.roles:
        abort(404)
    if job.requested_by_id != current_user.id and current_user.role != Role.admin:
        abort(404)
    return job, kind


@bp.get("/exports/<int:job_id>")
@staff_required(*REGISTRY_STAFF)
def export_job(job_id):
    """A large export's progress; the download once it is written (kept a day)."""
    job, kind = _job_or_404(job_id)
    return render_template("office/export_job.html", job=job, kind=kind, JobStatus=jobs.JobStatus)


@bp.get("/exports/<int:job_id>/download")
@staff_required(*REGISTRY_STAFF)
def export_download(job_id):
    job, _kind = _job_or_404(job_id)
    if job.status != jobs.JobStatus.done:
        abort(404)
    return Response(
        job.content,
        mimetype=job.content_type,
        headers={"Content-Disposition": f'attachment; filename="{job.filename}"'},
    )
