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
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select, update

from app.auth.models import LoginFailure
from app.bookings.models import Booking
from app.core import audit, jobs
from app.core.audit import AuditEntry
from app.core.i18n import LOCAL_TZ
from app.core.outbox import OutboxMessage, OutboxStatus
from app.days.models import Day
from app.extensions import db
from app.reception.models import VisitNote
from app.registry.models import Proposal

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
