"""Personal data kept no longer than the privacy notice promises (Law of RK «О
персональных данных и их защите»): ``flask privacy purge``.

After the retention period (months after the Day) a booking keeps its counts — category,
topic, district, status, times — and loses everything that names or reaches a person: the
name, phone, e-mail, organisation, position and message; its visit notes; the personal
fields of its audit entries (the action, time, actor and code stay); the recipient and
snapshot of every mail about it; the contact on proposals raised from it (the notice keeps
the initiator's name in the registry).

Records kept for the office's own sake are pruned by age as well (``prune_records``): the
audit log after ``AUDIT_RETENTION_YEARS`` (5), delivered mail after ``OUTBOX_RETENTION_DAYS``
(90), sign-in failures after a day (they only ever count for a quarter of an hour), and
finished export jobs after a month.
"""

import calendar
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import selectinload

from app.auth.models import LoginFailure
from app.bookings.models import Booking
from app.core import audit, jobs, settings
from app.core.audit import AuditEntry
from app.core.errors import DomainError
from app.core.i18n import LOCAL_TZ
from app.core.outbox import OutboxMessage, OutboxStatus
from app.days.models import Day
from app.extensions import db
from app.queue.models import WaitlistEntry
from app.reception.models import VisitNote
from app.registry.models import Initiator, Proposal

ANONYMOUS = "—"
#: the privacy notice's promise, and the least the office may set
DEFAULT_MONTHS = 36
MIN_MONTHS = 12
#: sign-in failures older than this count for nothing
FAILURES_KEPT = timedelta(days=1)
#: finished, failed and expired export jobs (their files went after a day)
JOBS_KEPT = timedelta(days=30)


def months_before(day, months):
    """The same day ``months`` earlier, or the month's last day when it has no such day
    (29 February 2028 − 36 months = 28 February 2025): valid on every date."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cutoff_for(now, months):
    """Bookings of Days before this date are past retention."""
    return months_before(now.astimezone(LOCAL_TZ).date(), months)


def purge_personal_data(now, *, months=DEFAULT_MONTHS):
    """Remove the personal data of bookings of Days older than ``months``; returns how many
    bookings were made anonymous. Idempotent; safe to run every day."""
    if months < MIN_MONTHS:
        raise ValueError(f"retention below {MIN_MONTHS} months")
    cutoff = cutoff_for(now, months)
    rows = db.session.execute(
        select(Booking.id, Booking.code)
        .join(Day, Day.id == Booking.day_id)
        .where(Day.date < cutoff, Booking.full_name != ANONYMOUS)
    ).all()
    ids = [row.id for row in rows]
    threads = [f"booking:{row.code}" for row in rows]
    for chunk in range(0, len(ids), 500):
        some_ids, some_threads = ids[chunk : chunk + 500], threads[chunk : chunk + 500]
        _purge_bookings(some_ids, some_threads)
    # Mail older than the cutoff, about anyone (reminders, proposal updates, quota mail).
    _scrub_mail(OutboxMessage.created_at < _start_of(cutoff))
    if ids:
        audit.record(None, "privacy.purge", Booking(), after={"bookings": len(ids),
                     "before": cutoff.isoformat()})  # fmt: skip
    return len(ids)


def _start_of(day):
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ)


def _scrub_mail(condition):
    db.session.execute(
        update(OutboxMessage)
        .where(condition, OutboxMessage.recipient != ANONYMOUS)
        .values(recipient=ANONYMOUS, payload={}, body=None)
        .execution_options(synchronize_session=False)
    )


def _purge_bookings(ids, threads):
    db.session.execute(delete(VisitNote).where(VisitNote.booking_id.in_(ids)))
    db.session.execute(
        update(Booking)
        .where(Booking.id.in_(ids))
        .values(
            full_name=ANONYMOUS,
            phone=None,
            email=None,
            message=None,
            organization=None,
            position=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(AuditEntry)
        .where(AuditEntry.object_type == "booking", AuditEntry.object_id.in_(ids))
        .values(before=None, after=None)
        .execution_options(synchronize_session=False)
    )
    raised = db.session.scalars(select(Proposal.id).where(Proposal.booking_id.in_(ids))).all()
    _scrub_mail(OutboxMessage.thread.in_(threads + [f"proposal:{pid}" for pid in raised]))
    db.session.execute(
        update(Proposal)
        .where(Proposal.booking_id.in_(ids))
        .values(phone=None, email=None)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Pruned:
    audit: int
    outbox: int
    login_failures: int
    jobs: int


def prune_records(now, *, audit_years, outbox_days):
    """Delete what is kept only for a while: audit entries older than ``audit_years``,
    delivered mail older than ``outbox_days`` (mail not yet delivered, or given up on, stays
    for the office to see), old sign-in failures and old export jobs. Idempotent."""
    if audit_years < 1 or outbox_days < 1:
        raise ValueError("retention must be positive")
    audit_cutoff = _start_of(months_before(now.astimezone(LOCAL_TZ).date(), audit_years * 12))

    def gone(stmt):
        return db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount

    return Pruned(
        audit=gone(delete(AuditEntry).where(AuditEntry.at < audit_cutoff)),
        outbox=gone(
            delete(OutboxMessage).where(
                OutboxMessage.status == OutboxStatus.sent,
                OutboxMessage.sent_at < now - timedelta(days=outbox_days),
            )
        ),
        login_failures=gone(delete(LoginFailure).where(LoginFailure.at < now - FAILURES_KEPT)),
        jobs=gone(
            delete(jobs.Job).where(
                jobs.Job.status != jobs.JobStatus.queued,
                jobs.Job.status != jobs.JobStatus.running,
                jobs.Job.created_at < now - JOBS_KEPT,
            )
        ),
    )


# --- one person's request (Law of RK «О персональных данных и их защите», art. 24) -------

RETENTION_KEY = "privacy_retention_months"
MAX_MONTHS = 600
BAD_RETENTION = _l("At least %(min)d months (the law and the privacy notice), at most %(max)d.")


class PrivacyError(DomainError):
    status = 422


def retention_months():
    """The office's setting, else PRIVACY_RETENTION_MONTHS (36)."""
    return int(settings.get(RETENTION_KEY, "PRIVACY_RETENTION_MONTHS"))


def set_retention_months(months, *, by):
    if not isinstance(months, int) or not MIN_MONTHS <= months <= MAX_MONTHS:
        raise PrivacyError("retention", BAD_RETENTION, field="months", min=MIN_MONTHS,
                           max=MAX_MONTHS)  # fmt: skip
    before = retention_months()
    settings.put(RETENTION_KEY, months, by=by)
    audit.record(by, "privacy.settings", settings.Setting(key=RETENTION_KEY), label=RETENTION_KEY,
                 before={"months": before}, after={"months": months})  # fmt: skip


@dataclass
class Person:
    """Everything held about one person, found by phone and/or e-mail."""

    phone: str | None
    email: str | None
    bookings: list
    proposals: list
    mails: list
    waitlist: list = field(default_factory=list)

    @property
    def found(self):
        return len(self.bookings) + len(self.proposals) + len(self.mails) + len(self.waitlist)

    @property
    def label(self):
        """The person as the audit log names them: masked, so the log holds no contact."""
        return " / ".join(mask(value) for value in (self.phone, self.email) if value)


def mask(value):
    """«z***@example.kz», «+7701…67»."""
    if "@" in value:
        name, _at, host = value.partition("@")
        return f"{name[:1]}***@{host}"
    return f"{value[:5]}…{value[-2:]}"


def _matching(model, phone, email):
    """The conditions "this phone" and "this e-mail" on a model's own columns (those given)."""
    found = [model.phone == phone] if phone else []
    if email:
        found.append(model.email == email)
    return found


def find_person(*, phone=None, email=None):
    """The person's bookings (with their notes), waiting-list entries, proposals (as
    initiator or raised at their visits) and mail — a handful of queries."""
    if not phone and not email:
        return Person(phone, email, [], [], [])
    found = db.session.scalars(
        select(Booking)
        .where(or_(*_matching(Booking, phone, email)))
        .options(selectinload(Booking.notes), selectinload(Booking.day))
        .order_by(Booking.created_at)
    ).all()
    ids = [b.id for b in found]
    entries = db.session.scalars(
        select(WaitlistEntry)
        .where(or_(*_matching(WaitlistEntry, phone, email)))
        .options(selectinload(WaitlistEntry.day), selectinload(WaitlistEntry.district))
        .order_by(WaitlistEntry.created_at)
    ).all()
    by_contact = _matching(Proposal, phone, email)
    if ids:
        by_contact.append(Proposal.booking_id.in_(ids))
    proposals = db.session.scalars(
        select(Proposal).where(or_(*by_contact)).order_by(Proposal.created_at)
    ).all()
    threads = [f"booking:{code}" for code in {b.code for b in found} | {e.code for e in entries}]
    threads += [f"proposal:{p.id}" for p in proposals]
    about = [OutboxMessage.thread.in_(threads or [""])]
    if email:
        about.append(OutboxMessage.recipient == email)
    mails = db.session.scalars(
        select(OutboxMessage)
        .where(or_(*about), OutboxMessage.recipient != ANONYMOUS)
        .order_by(OutboxMessage.id)
    ).all()
    return Person(phone, email, found, proposals, mails, entries)


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def person_as_json(person):
    """What the export's data.json holds: every personal field, as stored."""
    return {
        "request": {"phone": person.phone, "email": person.email},
        "bookings": [
            {
                "code": b.code,
                "day": _iso(b.day.date),
                "slot_starts_at": _iso(b.slot.starts_at) if b.slot else None,
                "status": b.status.value,
                "source": b.source.value,
                "category": b.category.value,
                "full_name": b.full_name,
                "organization": b.organization,
                "position": b.position,
                "district": b.district.code if b.district else None,
                "phone": b.phone,
                "email": b.email,
                "topic": b.topic.value,
                "message": b.message,
                "language": b.language,
                "consent_version": b.consent_version,
                "consented_at": _iso(b.consented_at),
                "created_at": _iso(b.created_at),
                "cancelled_at": _iso(b.cancelled_at),
                "checked_in_at": _iso(b.checked_in_at),
                "visit_notes": [
                    {"text": n.text, "follow_up": n.follow_up, "at": _iso(n.created_at)}
                    for n in b.notes
                ],
            }
            for b in person.bookings
        ],
        "proposals": [
            {
                "number": p.number,
                "title": p.title,
                "status": p.status.value,
                "initiator_name": p.initiator_name,
                "phone": p.phone,
                "email": p.email,
                "booking": p.booking.code if p.booking else None,
                "created_at": _iso(p.created_at),
            }
            for p in person.proposals
        ],
        "waitlist": [
            {
                "code": e.code,
                "day": _iso(e.day.date),
                "status": e.status.value,
                "category": e.category.value,
                "full_name": e.full_name,
                "organization": e.organization,
                "district": e.district.code if e.district else None,
                "phone": e.phone,
                "email": e.email,
                "topic": e.topic.value,
                "message": e.message,
                "language": e.language,
                "earliest": _iso(e.earliest),
                "latest": _iso(e.latest),
                "consent_version": e.consent_version,
                "consented_at": _iso(e.consented_at),
                "created_at": _iso(e.created_at),
                "ended_at": _iso(e.ended_at),
            }
            for e in person.waitlist
        ],
        "mails": [
            {
                "kind": m.kind,
                "recipient": m.recipient,
                "status": m.status.value,
                "created_at": _iso(m.created_at),
                "sent_at": _iso(m.sent_at),
                "facts": m.payload,
            }
            for m in person.mails
        ],
    }


def export_person(person, readable_html, *, by):
    """A ZIP of data.json (every field) and a readable HTML page; audited (masked)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        data = json.dumps(person_as_json(person), ensure_ascii=False, indent=2, default=str)
        archive.writestr("data.json", data)
        archive.writestr("summary.html", readable_html)
    audit.record(by, "privacy.export", PersonalDataRequest(), label=person.label,
                 after={"found": person.found})  # fmt: skip
    return out.getvalue()


class PersonalDataRequest:
    """The audit entry of a request names no row: a person is not one record."""

    id = None


def erase_person(person, *, by):
    """The purge, for this person only: bookings keep their counts and lose everything that
    names or reaches them (notes, audit details, mail, the contact on proposals; a citizen
    initiator's name too); their waiting-list entries are deleted. Returns how many records
    changed."""
    ids = [b.id for b in person.bookings]
    threads = [f"booking:{b.code}" for b in person.bookings]
    if ids:
        _purge_bookings(ids, threads)
    if person.waitlist:
        # An entry is nothing but the person's details: it goes (off the list, if waiting).
        db.session.execute(
            delete(WaitlistEntry)
            .where(WaitlistEntry.id.in_([e.id for e in person.waitlist]))
            .execution_options(synchronize_session=False)
        )
        _scrub_mail(OutboxMessage.thread.in_([f"booking:{e.code}" for e in person.waitlist]))
    for proposal in person.proposals:
        proposal.phone = proposal.email = None
        if proposal.initiator_type == Initiator.citizen:
            # the name is in the search text too (a few entries: no bulk statement needed)
            name = proposal.initiator_name.casefold()
            proposal.search_text = proposal.search_text.replace(name, ANONYMOUS)
            proposal.initiator_name = ANONYMOUS
    if person.proposals:
        db.session.flush()
        _scrub_mail(OutboxMessage.thread.in_([f"proposal:{p.id}" for p in person.proposals]))
    if person.email:
        _scrub_mail(OutboxMessage.recipient == person.email)
    audit.record(by, "privacy.erase", PersonalDataRequest(), label=person.label,
                 after={"found": person.found})  # fmt: skip
    db.session.expire_all()
    return person.found
