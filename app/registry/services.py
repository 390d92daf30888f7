"""Registry rules: intake, routing (seed points 7–8), numbering, the review workflow,
listing with filters, and the twice-monthly report (seed point 5).

Nothing here commits; the caller commits once, or rolls back on RegistryError.
"""

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased, joinedload

from app.auth.models import Role
from app.core import audit, channels
from app.core.channels import Contact
from app.core.db import utcnow
from app.core.errors import DomainError
from app.core.i18n import LOCAL_TZ
from app.days import services as days
from app.extensions import db
from app.places.models import District

from . import deadlines
from .models import (
    Initiator,
    Kind,
    Proposal,
    ProposalEvent,
    ProposalNumber,
    ProposalTally,
    Registry,
    RegistryCounter,
    Scale,
    SpecialProject,
    Status,
    Subprogram,
)

FUNDING_DEADLINE = (9, 30)  # 30 September: next year's funding requests (seed point 6)

TRANSITIONS = {
    Status.submitted: {Status.under_review},
    Status.under_review: {Status.accepted, Status.rejected, Status.merged},
    Status.accepted: {Status.in_progress},
    Status.in_progress: {Status.done},
    Status.rejected: set(),
    Status.merged: set(),
    Status.done: set(),
}


class RegistryError(DomainError):
    """A registry rule refused the action."""


NOT_ALLOWED = _l("This change of status is not allowed.")
REASON_NEEDED = _l("Give the reason for the rejection.")
TARGET_NEEDED = _l("Give the number of the entry it is merged into.")
BAD_TARGET = _l("It cannot be merged into that entry.")


@dataclass
class Draft:
    """A proposal's fields as a form or the API gave them (already validated)."""

    kind: Kind
    title: str
    subprogram: Subprogram
    district_id: int
    scale: Scale
    initiator_type: Initiator
    initiator_name: str
    description: str = ""
    special_project: SpecialProject | None = None
    phone: str | None = None
    email: str | None = None
    language: str = "ru"
    expected_result: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    event_date: date | None = None
    people_involved: int | None = None
    funding_amount: Decimal | None = None
    funding_source: str | None = None
    funding_justification: str | None = None
    is_charity: bool = False
    responsible: str | None = None
    extra: dict = field(default_factory=dict)


EDITABLE = (
    "kind", "title", "description", "subprogram", "special_project", "district_id", "scale",
    "initiator_type", "initiator_name", "phone", "email", "expected_result", "starts_on",
    "ends_on", "event_date", "people_involved", "funding_amount", "funding_source",
    "funding_justification", "is_charity", "responsible",
)  # fmt: skip


# --- routing and numbers ---------------------------------------------------------------


def registry_for(scale, special_project, is_charity):
    """The regional registry for entries of the whole region, and for the charity and
    patronage entries of «Туған жер» (seed points 7–8); otherwise the district's."""
    if scale == Scale.region:
        return Registry.regional
    if special_project == SpecialProject.tugan_zher and is_charity:
        return Registry.regional
    return Registry.district


def _prefix(registry, district):
    return "REG" if registry == Registry.regional else (district.prefix or "DIS")


def next_number(registry, district, year):
    """The next number in a registry and year, atomically (one upsert … RETURNING)."""
    key = f"{_prefix(registry, district)}-{year}"
    dialect = db.engine.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(RegistryCounter)
        .values(key=key, last=1)
        .on_conflict_do_update(
            index_elements=[RegistryCounter.key], set_={"last": RegistryCounter.last + 1}
        )
        .returning(RegistryCounter.last)
    )
    last = db.session.execute(statement).scalar_one()
    return f"{key}-{last:04d}"


def _search_text(proposal):
    parts = [proposal.number, proposal.title, proposal.description, proposal.initiator_name]
    return " ".join(p for p in parts if p).casefold()


def route_proposal(proposal, *, now, by=None):
    """Put the entry in the registry its fields call for; a re-route gives it a number in
    the new registry (the old one still finds it) and is kept in its history."""
    wanted = registry_for(proposal.scale, proposal.special_project, proposal.is_charity)
    prefix = _prefix(wanted, proposal.district) + "-"
    if proposal.in_registry == wanted and (proposal.number or "").startswith(prefix):
        return False
    previous = proposal.in_registry
    proposal.in_registry = wanted
    year = now.astimezone(LOCAL_TZ).year
    with db.session.no_autoflush:  # the entry is written once it has its number
        proposal.number = next_number(wanted, proposal.district, year)
    proposal.search_text = _search_text(proposal)
    db.session.add(ProposalNumber(number=proposal.number, proposal=proposal))
    if previous is not None:
        event = _event(proposal, "routed", by=by, now=now, public=True,
                       from_registry=previous.value, to_registry=wanted.value)  # fmt: skip
        _tell_initiator(proposal, event)
    return True


# --- tokens -----------------------------------------------------------------------------


def status_token(number_id):
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"proposal-token:{number_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:32]


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def proposal_for_token(number, token):
    proposal = proposal_by_number(number)
    if proposal is None or not token or len(token) > 200:
        return None
    if not hmac.compare_digest(proposal.token_hash, _hash(token)):
        return None
    return proposal


def proposal_by_number(number):
    """By its current number or any it had before."""
    number = (number or "").strip().upper()[:20]
    return db.session.scalar(
        select(Proposal).join(ProposalNumber, ProposalNumber.proposal_id == Proposal.id)
        .where(ProposalNumber.number == number)
    )  # fmt: skip


def proposals_of_booking(booking):
    return db.session.scalars(
        select(Proposal).where(Proposal.booking_id == booking.id).order_by(Proposal.id)
    ).all()


# --- intake -----------------------------------------------------------------------------


def _late(draft, now):
    """Funding for next year that reaches the office after 30 September."""
    if not draft.funding_amount:
        return False
    today = now.astimezone(LOCAL_TZ).date()
    moment = draft.event_date if draft.kind == Kind.event else draft.starts_on
    deadline = date(today.year, *FUNDING_DEADLINE)
    return moment is not None and moment.year > today.year and today > deadline


def _event(proposal, action, *, by, now, public=False, **values):
    event = ProposalEvent(
        proposal=proposal, action=action, actor_id=getattr(by, "id", None), at=now,
        is_public=public, number=proposal.number, **values,
    )  # fmt: skip
    db.session.add(event)
    return event


def _tell_initiator(proposal, event):
    """Queue the initiator's mail with the facts of this change (the snapshot), so a later
    change never rewrites what this mail says."""
    # SMS only to an initiator who booked a visit (the booking consent covers SMS).
    booking = proposal.booking
    contact = Contact(email=proposal.email, phone=proposal.phone,
                      sms_allowed=booking is not None and booking.sms_allowed)  # fmt: skip
    if not channels.routes("proposal_update", contact):
        return
    if proposal.id is None:
        db.session.flush()
    channels.tell(
        "proposal_update",
        contact,
        language=proposal.language,
        thread=f"proposal:{proposal.id}",
        proposal_id=proposal.id,
        number=proposal.number,
        title=proposal.title,
        initiator_name=proposal.initiator_name,
        action=event.action,
        status=proposal.status.value,
        registry=proposal.in_registry.value,
        comment=event.comment,
    )


#: proposals a visitor may attach to one booking themselves (the desk and the office may
#: record more for them)
VISITOR_PROPOSALS = 5
TOO_MANY = _l("No more proposals can be attached to this booking. Bring the others to the Day.")


def create_proposal(draft, *, origin, now, booking=None, by=None):
    """Record an entry, number it in the right registry and tell the initiator."""
    if booking is not None and by is None:
        attached = db.session.scalar(
            select(func.count(Proposal.id)).where(Proposal.booking_id == booking.id)
        )
        if attached >= VISITOR_PROPOSALS:
            raise RegistryError("too_many", TOO_MANY)

    district = db.session.get(District, draft.district_id)
    proposal = Proposal(
        origin=origin,
        booking=booking,
        status=Status.submitted,
        language=draft.language,
        district=district,
        created_at=now,
        created_by_id=getattr(by, "id", None),
        token_hash="",
        funding_late=_late(draft, now),
    )
    for name in EDITABLE:
        setattr(proposal, name, getattr(draft, name))
    proposal.due_on = deadlines.due_date(now)
    db.session.add(proposal)
    route_proposal(proposal, now=now, by=by)
    db.session.flush()
    proposal.token_hash = _hash(status_token(proposal.id))
    proposal.status_token = status_token(proposal.id)
    event = _event(proposal, "created", by=by, now=now, public=True, to_status="submitted",
                   to_registry=proposal.in_registry.value)  # fmt: skip
    _tell_initiator(proposal, event)
    after = {"registry": proposal.in_registry.value, "origin": origin.value}
    audit.record(by, "proposal.create", proposal, label=proposal.number, after=after)
    return proposal


def update_proposal(proposal, draft, *, now, by=None):
    """Edit the fields; re-route when scale, special project or charity call for it."""
    before = {name: _plain(getattr(proposal, name)) for name in EDITABLE}
    for name in EDITABLE:
        setattr(proposal, name, getattr(draft, name))
    changed = {
        n: _plain(getattr(proposal, n))
        for n in EDITABLE
        if before[n] != _plain(getattr(proposal, n))
    }
    if not changed:
        return proposal
    proposal.district = db.session.get(District, proposal.district_id)
    proposal.search_text = _search_text(proposal)
    _event(proposal, "edited", by=by, now=now, comment=", ".join(sorted(changed)))
    route_proposal(proposal, now=now, by=by)
    audit.record(by, "proposal.edit", proposal, label=proposal.number,
                 before={k: before[k] for k in changed}, after=changed)  # fmt: skip
    return proposal


def _plain(value):
    if isinstance(value, date | Decimal):
        return str(value)
    if hasattr(value, "value"):
        return value.value
    return value


# --- the review workflow ------------------------------------------------------------------


def allowed_next(proposal):
    return TRANSITIONS[proposal.status]


def change_status(proposal, to, *, now, reason=None, merged_into=None, by=None):
    to = Status(to)
    if to not in TRANSITIONS[proposal.status]:
        allowed = sorted(s.value for s in TRANSITIONS[proposal.status])
        raise RegistryError("transition", NOT_ALLOWED, allowed=allowed)
    reason = (reason or "").strip() or None
    if to == Status.rejected and not reason:
        raise RegistryError("validation", REASON_NEEDED, field="reason", status=422)
    target = None
    if to == Status.merged:
        if not merged_into:
            raise RegistryError("validation", TARGET_NEEDED, field="merged_into", status=422)
        target = proposal_by_number(merged_into)
        if target is not None and by is not None and not can_see(by, target):
            target = None  # another district's entry: as if it did not exist
        if (
            target is None
            or target.id == proposal.id
            or target.status in (Status.merged, Status.rejected)
        ):
            raise RegistryError("validation", BAD_TARGET, field="merged_into", status=422)
    previous = proposal.status
    proposal.status = to
    deadlines.record_answer(proposal, to, now)
    proposal.reason = reason if to == Status.rejected else proposal.reason
    proposal.merged_into = target
    comment = reason if to == Status.rejected else (target.number if target else reason)
    event = _event(proposal, "status", by=by, now=now, public=True, from_status=previous.value,
                   to_status=to.value, comment=comment)  # fmt: skip
    _tell_initiator(proposal, event)
    after = {"status": to.value, "comment": comment}
    audit.record(by, "proposal.status", proposal, label=proposal.number,
                 before={"status": previous.value}, after=after)  # fmt: skip
    return proposal


def add_note(proposal, text, *, now, by=None):
    text = (text or "").strip()
    if not text:
        raise RegistryError("validation", _l("Write the note."), field="note", status=422)
    _event(proposal, "note", by=by, now=now, comment=text[:5000])


# --- listing ------------------------------------------------------------------------------

SORTS = {
    "number": (Proposal.number,),
    "-number": (Proposal.number.desc(),),
    "created": (Proposal.created_at, Proposal.id),
    "-created": (Proposal.created_at.desc(), Proposal.id.desc()),
    "title": (Proposal.title, Proposal.id),
    "status": (Proposal.status, Proposal.id),
    "-funding": (Proposal.funding_amount.desc().nulls_last(), Proposal.id),
    "due": (Proposal.due_on.asc().nulls_last(), Proposal.id),
}


#: the status filter's value for entries past their answer deadline
OVERDUE = "overdue"


@dataclass
class Filters:
    registry: str | None = None
    district: int | None = None
    subprogram: str | None = None
    special_project: str | None = None
    kind: str | None = None
    status: str | None = None
    funding: str | None = None  # "yes", "no", "late"
    since: date | None = None
    until: date | None = None
    query: str | None = None
    sort: str = "-created"


def filters_as_json(filters):
    """The filters as JSON (for a background export job)."""
    data = dict(filters.__dict__)
    for name in ("since", "until"):
        data[name] = data[name].isoformat() if data[name] else None
    return data


def filters_from_json(data):
    values = dict(data)
    for name in ("since", "until"):
        values[name] = date.fromisoformat(values[name]) if values.get(name) else None
    return Filters(**values)


def count_selected(filters, scope=None):
    """How many entries the filters select."""
    stmt = filtered(filters, scope).order_by(None).with_only_columns(func.count(Proposal.id))
    return db.session.scalar(stmt)


def scope_for(user):
    """The district a user is limited to (None: sees everything)."""
    return user.district_id if user is not None and user.role == Role.district else None


def can_see(user, proposal):
    """The office sees every entry; a district the entries about it, in either registry."""
    return user.role == Role.admin or proposal.district_id == user.district_id


def can_change(user, proposal):
    """The office changes every entry; a district its own district registry's entries."""
    if user.role == Role.admin:
        return True
    return (
        user.role == Role.district
        and proposal.district_id == user.district_id
        and proposal.in_registry == Registry.district
    )


def filtered(filters, scope=None):
    stmt = select(Proposal)
    if scope is not None:
        stmt = stmt.where(Proposal.district_id == scope)
    conditions = []
    if filters.registry in Registry.__members__:
        conditions.append(Proposal.in_registry == Registry(filters.registry))
    if filters.district:
        conditions.append(Proposal.district_id == filters.district)
    if filters.subprogram in Subprogram.__members__:
        conditions.append(Proposal.subprogram == Subprogram(filters.subprogram))
    if filters.special_project == "none":
        conditions.append(Proposal.special_project.is_(None))
    elif filters.special_project in SpecialProject.__members__:
        conditions.append(Proposal.special_project == SpecialProject(filters.special_project))
    if filters.kind in Kind.__members__:
        conditions.append(Proposal.kind == Kind(filters.kind))
    if filters.status in Status.__members__:
        conditions.append(Proposal.status == Status(filters.status))
    elif filters.status == OVERDUE:
        conditions.append(deadlines.overdue_condition(days.today_local(utcnow())))
    if filters.funding == "yes":
        conditions.append(Proposal.funding_amount > 0)
    elif filters.funding == "no":
        conditions.append(or_(Proposal.funding_amount.is_(None), Proposal.funding_amount == 0))
    elif filters.funding == "late":
        conditions.append(Proposal.funding_late.is_(True))
    period_start = func.coalesce(Proposal.starts_on, Proposal.event_date)
    period_end = func.coalesce(Proposal.ends_on, Proposal.event_date)
    if filters.since:
        conditions.append(period_end >= filters.since)
    if filters.until:
        conditions.append(period_start <= filters.until)
    if filters.query:
        conditions.append(_matching(" ".join(filters.query.casefold().split())[:100]))
    if conditions:
        stmt = stmt.where(and_(*conditions))
    return stmt


#: SQLite's trigram table of the entries' search text (migration 0012); PostgreSQL has a
#: trigram GIN index on the column itself, which LIKE '%…%' uses as it is
_SQLITE_SEARCH = text("SELECT rowid FROM proposals_fts WHERE search_text LIKE :pattern")


def _matching(needle):
    """Entries whose number, title, description or initiator contains ``needle`` (already
    casefolded): through a trigram index on both databases, flat as the registry grows."""
    if any(ch in needle for ch in "%_\\"):  # a wildcard typed: no index, an exact scan
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return Proposal.search_text.like(f"%{escaped}%", escape="\\")
    if db.engine.dialect.name == "sqlite":
        # FTS5's trigram tokenizer answers LIKE from its index (not with an ESCAPE clause)
        return Proposal.id.in_(_SQLITE_SEARCH.bindparams(pattern=f"%{needle}%"))
    return Proposal.search_text.like(f"%{needle}%")


#: what the registry form shows of an entry (``exports.row_of`` reads these by name)
EXPORT_FIELDS = (
    "number", "in_registry", "kind", "title", "description", "subprogram", "special_project",
    "scale", "initiator_type", "initiator_name", "phone", "email", "expected_result",
    "starts_on", "ends_on", "event_date", "people_involved", "funding_amount", "funding_source",
    "funding_justification", "is_charity", "funding_late", "status", "reason", "responsible",
    "origin", "created_at",
)  # fmt: skip


def export_rows(filters, scope=None):
    """Every selected entry, in registry order, for the XLSX and CSV: rows of the form's
    fields with the district's names (``district_name_ru``/``_kk``) and the number of the
    entry it was merged into (``merged_number``), in one query read in batches. Rows, not
    entry objects: at 50 000 entries building those took most of an export's time."""
    target = aliased(Proposal)
    return db.session.execute(
        filtered(filters, scope)
        .with_only_columns(
            *(getattr(Proposal, name).label(name) for name in EXPORT_FIELDS),
            District.name_ru.label("district_name_ru"),
            District.name_kk.label("district_name_kk"),
            target.number.label("merged_number"),
        )
        .join(District, District.id == Proposal.district_id)
        .outerjoin(target, target.id == Proposal.merged_into_id)
        .order_by(Proposal.in_registry, Proposal.number)
        .execution_options(yield_per=1000)
    )


def list_proposals(filters, *, scope=None, page=1, per_page=50):
    """One page of entries (a Flask-SQLAlchemy ``Pagination``: ``items``, ``total``,
    ``pages``): a count and the page with its districts, merge targets and bookings joined
    in — the same two queries whatever the registry's size or the page's rows."""
    order = SORTS.get(filters.sort, SORTS["-created"])
    stmt = filtered(filters, scope).options(
        joinedload(Proposal.district),
        joinedload(Proposal.merged_into),
        joinedload(Proposal.booking),
    )
    return db.paginate(stmt.order_by(*order), page=page, per_page=per_page, error_out=False)


# --- the twice-monthly report ---------------------------------------------------------------


@dataclass
class ReportRow:
    district: object
    by_status: dict
    by_subprogram: dict
    projects: int = 0
    events: int = 0
    new: int = 0
    people: int = 0
    funding: Decimal = Decimal(0)
    #: answers given by their due date, after it, and entries still open past it
    on_time: int = 0
    late: int = 0
    overdue: int = 0


def _report_groups(scope, start, end):
    """{(district, status, subprogram, kind): [entries, people, funding, new since start]}
    with each entry's status at ``end`` (None: now).

    The running totals (``proposal_tallies``, kept by triggers) give the registry as it is
    now in a few dozen rows. The entries that differ from it at ``end``, or count as new,
    are read one by one and put right: those created since ``start`` and those whose status
    changed after ``end``. So a report costs what happened since its period began, never
    the registry's years."""
    T = ProposalTally
    tallies = select(T.district_id, T.status, T.subprogram, T.kind, T.entries, T.people,
                     T.funding_tiyn).where(T.entries != 0)  # fmt: skip
    if scope is not None:
        tallies = tallies.where(T.district_id == scope)
    groups = {}
    for district_id, status, subprogram, kind, entries, people, tiyn in db.session.execute(tallies):
        groups[district_id, status, subprogram, kind] = [entries, people, Decimal(tiyn) / 100, 0]
    recent = Proposal.created_at >= start
    if end is not None:
        recent = or_(recent, Proposal.id.in_(_changed_after(end)))
    entries = select(Proposal.id, Proposal.district_id, Proposal.status, Proposal.subprogram,
                     Proposal.kind, Proposal.people_involved, Proposal.funding_amount,
                     Proposal.created_at).where(recent)  # fmt: skip
    if scope is not None:
        entries = entries.where(Proposal.district_id == scope)
    entries = db.session.execute(entries).all()
    then = _statuses_at(end) if end is not None else {}

    def move(status, e, sign):
        """Add (1) or take away (-1) entry ``e`` in the group of ``status``."""
        group = groups.setdefault((e.district_id, status, e.subprogram, e.kind),
                                  [0, 0, Decimal(0), 0])  # fmt: skip
        group[0] += sign
        group[1] += sign * (e.people_involved or 0)
        group[2] += sign * Decimal(str(e.funding_amount or 0))
        return group

    for e in entries:
        move(e.status, e, -1)  # out of the group the totals count it in now
        if end is not None and e.created_at >= end:
            continue  # not yet in the registry at the end of the date
        status = then.get(e.id, e.status)
        if status is None:
            continue  # no history to say what it was then
        move(status, e, 1)[3] += e.created_at >= start
    return groups


def _changed_after(end):
    """The entries whose status changed at or after ``end`` (a subquery of ids)."""
    return select(ProposalEvent.proposal_id).where(
        ProposalEvent.at >= end, ProposalEvent.to_status.is_not(None)
    )


def _statuses_at(end):
    """{entry id: its status at ``end``} for the entries whose status changed after it,
    from the last status change of each before it (None: no such change recorded)."""
    changed = _changed_after(end)
    latest = (
        select(func.max(ProposalEvent.id))
        .where(ProposalEvent.proposal_id.in_(changed), ProposalEvent.at < end,
               ProposalEvent.to_status.is_not(None))
        .group_by(ProposalEvent.proposal_id)
    )  # fmt: skip
    statuses = dict.fromkeys(db.session.scalars(changed.distinct()))
    if statuses:
        rows = db.session.execute(
            select(ProposalEvent.proposal_id, ProposalEvent.to_status).where(
                ProposalEvent.id.in_(latest)
            )
        )
        statuses.update({proposal_id: Status(status) for proposal_id, status in rows})
    return statuses


def district_report(on, *, scope=None, now=None):
    """Per district: projects and events by status and subprogram, people involved and
    funding requested, as the registry stood at the end of the reporting date (or ``now``,
    if earlier): each entry counts with the status its history gave it at that moment.
    ``new`` counts the entries since the previous reporting date. Grouped queries only."""
    end = days.end_of(on)
    if now is not None and now < end:
        end = None  # as of now: everything so far
    start = days.end_of(days.previous_report_date(on))
    grouped = _report_groups(scope, start, end)
    with_entries = {key[0] for key, (count, *_rest) in grouped.items() if count}
    districts = [
        d
        for d in db.session.scalars(select(District).order_by(District.kind, District.name_ru))
        if (d.is_active or d.id in with_entries) and (scope is None or d.id == scope)
    ]
    rows = {
        d.id: ReportRow(d, {s: 0 for s in Status}, {s: 0 for s in Subprogram}) for d in districts
    }
    for (district_id, status, subprogram, kind), (count, people, funding, new) in grouped.items():
        row = rows.get(district_id)
        if row is None:
            continue
        row.by_status[status] += count
        row.by_subprogram[subprogram] += count
        if kind == Kind.project:
            row.projects += count
        else:
            row.events += count
        row.new += new
        row.people += people
        row.funding += funding
    # Answer deadlines: as they stood at the end of that date (or today, if it is ahead).
    today = days.today_local(now) if now is not None else on
    then = min(on, today)
    timeliness = deadlines.timeliness_counts(then, scope=scope)
    for district_id, (on_time, late, overdue) in timeliness.items():
        if district_id in rows:
            rows[district_id].on_time, rows[district_id].late = on_time, late
            rows[district_id].overdue = overdue
    return list(rows.values()), start.astimezone(LOCAL_TZ).date(), on
