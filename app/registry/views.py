"""Registry pages: the list with filters, an entry, intake at the desk and from the
manage link, the initiator's status page, exports and the twice-monthly report."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import DESK, staff_required
from app.auth.models import Role
from app.bookings import services as bookings
from app.bookings.models import Booking, Category
from app.core import jobs, limits, params
from app.core.db import attempt, run_in_transaction, utcnow
from app.core.i18n import current_language, localized
from app.core.spreadsheet import CSV_MIMETYPE, XLSX_MIMETYPE, csv_separator
from app.days import services as days
from app.extensions import db
from app.places.services import active_districts, district_by_code

from . import deadlines, exports, services
from .forms import NoteForm, ProposalForm, StatusForm
from .models import Initiator, Kind, Origin, Registry, SpecialProject, Status, Subprogram

bp = Blueprint("registry", __name__)


@bp.app_context_processor
def template_helpers():
    """``attached_proposals(booking)`` for the booking's manage page (bookings sit below the
    registry and do not know proposals): [(proposal, its status-page token)]."""

    def attached_proposals(booking):
        found = services.proposals_of_booking(booking)
        return [(proposal, services.status_token(proposal.id)) for proposal in found]

    def is_overdue(proposal):
        return deadlines.is_overdue(proposal, days.today_local(utcnow()))

    def overdue_proposals(district_id=None, limit=20):
        """Open entries past their answer deadline (of one district), oldest due first."""
        return deadlines.overdue(days.today_local(utcnow()), district_id, limit=limit)

    return {
        "attached_proposals": attached_proposals,
        "is_overdue": is_overdue,
        "overdue_proposals": overdue_proposals,
    }


REGISTRY_STAFF = (Role.admin, Role.district)
PER_PAGE = 50
#: a page number past any registry (a larger offset overflows PostgreSQL's bigint)
MAX_PAGE = 100_000


def _proposal_or_404(number, *, change=False):
    proposal = services.proposal_by_number(number)
    if proposal is None:
        abort(404)
    if not services.can_see(current_user, proposal) or (
        change and not services.can_change(current_user, proposal)
    ):
        abort(403)
    return proposal


#: the query parameters of the list's filter form (and of its export links)
FILTER_ARGS = ("q", "registry", "district", "subprogram", "special_project", "kind", "status",
               "funding", "from", "to", "sort")  # fmt: skip


def _filter_args():
    """The filters given, non-empty: only these go into the export and page links (another
    parameter, e.g. fmt= or _external=, would clash with url_for's own arguments)."""
    return {name: request.args[name] for name in FILTER_ARGS if request.args.get(name)}


def _filters(args):
    district = district_by_code(args["district"]) if args.get("district") else None

    def day(name):
        try:
            return params.to_date(args.get(name, ""))
        except ValueError:
            return None

    return services.Filters(
        registry=args.get("registry"),
        district=district.id if district else None,
        subprogram=args.get("subprogram"),
        special_project=args.get("special_project"),
        kind=args.get("kind"),
        status=args.get("status"),
        funding=args.get("funding"),
        since=day("from"),
        until=day("to"),
        query=(args.get("q") or "").strip()[:100] or None,
        sort=args.get("sort") or "-created",
    )


@bp.get("/registry/")
@staff_required(*REGISTRY_STAFF)
def index():
    args = _filter_args()
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    found = services.list_proposals(
        _filters(args), scope=services.scope_for(current_user), page=page, per_page=PER_PAGE
    )
    return render_template(
        "registry/index.html",
        items=found.items,
        total=found.total,
        page=page,
        pages=max(found.pages, 1),
        args=args,
        exports={
            "xlsx": url_for("registry.export", fmt="xlsx", **args),
            "csv": url_for("registry.export", fmt="csv", **args),
            "csv_comma": url_for("registry.export", fmt="csv", sep="comma", **args),
        },
        options={
            "district": [(d.code, localized(d)) for d in active_districts()],
            **{
                name: [(m.value, m.title) for m in enum_cls]
                for name, enum_cls in (
                    ("kind", Kind),
                    ("registry", Registry),
                    ("subprogram", Subprogram),
                    ("special_project", SpecialProject),
                    ("status", Status),
                )
            },
        },
    )


@bp.get("/registry/export.<any(xlsx, csv):fmt>")
@staff_required(*REGISTRY_STAFF)
def export(fmt):
    filters, scope = _filters(_filter_args()), services.scope_for(current_user)
    sep = csv_separator(request.args.get("sep"))
    total = services.count_selected(filters, scope)
    if total > current_app.config["EXPORT_JOB_ROWS"]:
        # Too long for a request: the worker writes it; a page shows its progress.
        params = {"filters": services.filters_as_json(filters), "scope": scope, "sep": sep}
        kind = f"registry_{fmt}"
        job_id = run_in_transaction(
            lambda: jobs.submit(kind, params, total=total, by=current_user, now=utcnow()).id
        )
        return redirect(url_for("office.export_job", job_id=job_id))
    if fmt == "xlsx":
        return send_file(
            exports.registry_xlsx(services.export_rows(filters, scope)),
            mimetype=XLSX_MIMETYPE,
            as_attachment=True,
            download_name="registry.xlsx",
        )

    def csv_chunks():
        # Runs while the response streams, in the context stream_with_context restores, so
        # the rows are read by that context's session, not the one closed after the view.
        yield from exports.registry_csv(services.export_rows(filters, scope), sep=sep)

    return Response(
        stream_with_context(csv_chunks()),
        mimetype=CSV_MIMETYPE,
        headers={"Content-Disposition": 'attachment; filename="registry.csv"'},
    )


def _new_form():
    fixed = current_user.district if current_user.role == Role.district else None
    return ProposalForm(fixed_district=fixed)


@bp.route("/registry/new", methods=["GET", "POST"])
@staff_required(*REGISTRY_STAFF)
def new():
    form = _new_form()
    if form.validate_on_submit():
        origin = Origin.district if current_user.role == Role.district else Origin.office
        draft = form.draft(current_language())
        number = run_in_transaction(
            lambda: (
                services.create_proposal(draft, origin=origin, now=utcnow(), by=current_user).number
            )
        )
        flash(_("Registered as %(number)s.", number=number), "success")
        return redirect(url_for("registry.detail", number=number))
    status = 422 if request.method == "POST" else 200
    return render_template("registry/form.html", form=form, proposal=None, staff=True), status


@bp.get("/registry/<number>")
@staff_required(*REGISTRY_STAFF)
def detail(number):
    proposal = _proposal_or_404(number)
    if proposal.number != number.strip().upper():
        return redirect(url_for("registry.detail", number=proposal.number))
    status_form = StatusForm()
    status_form.status.choices = [(s.value, s.title) for s in services.allowed_next(proposal)]
    return render_template(
        "registry/detail.html",
        proposal=proposal,
        status_form=status_form,
        note_form=NoteForm(),
        may_change=services.can_change(current_user, proposal),
    )


@bp.post("/registry/<number>/status")
@staff_required(*REGISTRY_STAFF)
def change_status(number):
    proposal = _proposal_or_404(number, change=True)
    form = StatusForm()
    if not form.validate():
        if not form.status.errors:
            abort(400)  # a missing CSRF token or an overlong text: no one's honest mistake
        flash(form.status.errors[0], "error")
        return redirect(url_for("registry.detail", number=proposal.number))
    number = proposal.number
    _done, refused = attempt(
        lambda: services.change_status(
            proposal,
            form.status.data,
            reason=form.reason.data,
            merged_into=form.merged_into.data,
            now=utcnow(),
            by=current_user,
        )
    )
    flash(*((refused.text, "error") if refused else (_("Saved."), "success")))
    return redirect(url_for("registry.detail", number=number))


@bp.post("/registry/<number>/notes")
@staff_required(*REGISTRY_STAFF)
def add_note(number):
    proposal = _proposal_or_404(number)
    form = NoteForm()
    number = proposal.number
    if not form.validate():
        flash(_("Write the note."), "error")
    else:
        _done, refused = attempt(
            lambda: services.add_note(proposal, form.note.data, now=utcnow(), by=current_user)
        )
        if refused:
            flash(refused.text, "error")
    return redirect(url_for("registry.detail", number=number))


@bp.route("/registry/<number>/edit", methods=["GET", "POST"])
@staff_required(*REGISTRY_STAFF)
def edit(number):
    proposal = _proposal_or_404(number, change=True)
    fixed = current_user.district if current_user.role == Role.district else None
    form = ProposalForm(fixed_district=fixed)
    if request.method == "GET":
        form.fill_from(proposal)
    if form.validate_on_submit():
        draft = form.draft(proposal.language)
        number = run_in_transaction(
            lambda: services.update_proposal(proposal, draft, now=utcnow(), by=current_user).number
        )
        flash(_("Saved."), "success")
        return redirect(url_for("registry.detail", number=number))
    status = 422 if request.method == "POST" else 200
    return render_template("registry/form.html", form=form, proposal=proposal, staff=True), status


# --- intake from the Day ---------------------------------------------------------------------

INITIATOR_OF = {
    Category.citizen: Initiator.citizen,
    Category.npo: Initiator.npo,
    Category.business: Initiator.business,
    Category.party: Initiator.party,
    Category.delegate: Initiator.akimat,
}


def _form_for_booking(booking, *, staff):
    form = ProposalForm()
    if request.method == "GET":
        form.initiator_type.data = INITIATOR_OF[booking.category].value
        form.initiator_name.data = booking.organization or booking.full_name
        form.phone.data = booking.phone
        form.email.data = booking.email
        if booking.district:
            form.district.data = booking.district.code
    if not staff:
        # What the visitor gave when booking is their contact: they cannot change it here.
        form.initiator_type.data = INITIATOR_OF[booking.category].value
        form.phone.data, form.email.data = booking.phone, booking.email
        if request.method == "POST" and not (form.initiator_name.data or "").strip():
            form.initiator_name.data = booking.organization or booking.full_name
    return form


@bp.route("/reception/<isodate:on>/bookings/<int:booking_id>/proposal", methods=["GET", "POST"])
@staff_required(*DESK)
def desk_proposal(on, booking_id):
    day = days.day_by_date(on) or abort(404)
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.day_id != day.id:
        abort(404)
    form = _form_for_booking(booking, staff=True)
    if form.validate_on_submit():
        draft = form.draft(booking.language)

        def record():
            proposal = services.create_proposal(
                draft, origin=Origin.booking, booking=booking, now=utcnow(), by=current_user
            )
            return proposal.number, proposal.in_registry

        number, registry = run_in_transaction(record)
        flash(_("Proposal registered as %(number)s in the %(registry)s.", number=number,
                registry=registry.title), "success")  # fmt: skip
        return redirect(url_for("reception.desk", on=day.date) + f"#b{booking_id}")
    status = 422 if request.method == "POST" else 200
    return render_template(
        "registry/form.html", form=form, proposal=None, staff=True, booking=booking, day=day
    ), status


@bp.route("/bookings/<code>/proposal", methods=["GET", "POST"])
@limits.shared("proposal", limits.PROPOSAL, methods=["POST"])
def booking_proposal(code):
    token = request.values.get("token", "")
    booking = bookings.booking_for_token(code, token)
    if booking is None:
        abort(404)
    form = _form_for_booking(booking, staff=False)
    if form.validate_on_submit():
        draft = form.draft(booking.language)

        def attach():
            proposal = services.create_proposal(
                draft, origin=Origin.booking, booking=booking, now=utcnow()
            )
            return proposal.number, proposal.status_token

        attached, refused = attempt(attach)
        if refused:
            form.form_errors.append(refused.text)
        else:
            number, status_token = attached
            flash(_("Proposal registered as %(number)s.", number=number), "success")
            return redirect(url_for("registry.status_page", number=number, token=status_token))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "registry/form.html", form=form, proposal=None, staff=False, booking=booking, token=token
    ), status


@bp.get("/proposals/<number>")
def status_page(number):
    proposal = services.proposal_for_token(number, request.args.get("token", ""))
    if proposal is None:
        abort(404)
    return render_template(
        "registry/status.html",
        proposal=proposal,
        events=[e for e in proposal.events if e.is_public],
    )
