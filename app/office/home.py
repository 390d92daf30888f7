"""The staff home (``/office/``): what needs the office's attention, gathered in a few
grouped queries whatever the size of the year."""

from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.bookings.services import booking_opens_at
from app.core import audit
from app.core.outbox import OutboxMessage, OutboxStatus
from app.days import services as days
from app.districts import services as quotas
from app.extensions import db
from app.reception import services as desk
from app.registry.models import Proposal, Status

#: rows of each list shown on the home (the full lists are one link away)
SHOWN = 10
WAITING = (Status.submitted, Status.under_review)


@dataclass
class NextDay:
    day: object
    seats_total: int
    seats_free: int
    opens_at: object
    below: list = field(default_factory=list)

    @property
    def seats_booked(self):
        return self.seats_total - self.seats_free


@dataclass
class Home:
    next_day: NextDay | None
    today: object  # today's Day, or None
    counters: dict | None
    waiting_count: int
    waiting: list
    failed_count: int
    failed: list


def next_day_facts(now):
    """The next Day with its seats, its booking window and the districts below quota."""
    day = days.next_day(now)
    if day is None:
        return None
    _day, total, free = days.days_with_seats(day.date, limit=1)[0]
    below = [q for q in quotas.day_quotas(day, now=now) if q.status == quotas.QuotaStatus.below]
    return NextDay(day, total, free, booking_opens_at(day), below)


def home_facts(now):
    today = days.day_by_date(days.today_local(now))
    waiting_stmt = select(Proposal).where(Proposal.status.in_(WAITING))
    failed_stmt = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.failed)
    return Home(
        next_day=next_day_facts(now),
        today=today,
        counters=desk.attendance(today) if today and not today.is_cancelled else None,
        waiting_count=_count(waiting_stmt),
        waiting=db.session.scalars(waiting_stmt.order_by(Proposal.created_at).limit(SHOWN)).all(),
        failed_count=_count(failed_stmt),
        failed=db.session.scalars(failed_stmt.order_by(OutboxMessage.id.desc()).limit(SHOWN)).all(),
    )


def _count(stmt):
    return db.session.scalar(select(func.count()).select_from(stmt.subquery()))


def retry_mail(message, *, by, now):
    """Send a failed message again: back in the queue as new, for the worker's next pass.
    Only a failed message is touched (a second click changes nothing)."""
    if message.status != OutboxStatus.failed:
        return False
    before = {"status": message.status.value, "attempts": message.attempts}
    message.status = OutboxStatus.pending
    message.attempts = 0
    message.next_attempt_at = now
    audit.record(by, "mail.retry", message, label=message.kind, before=before,
                 after={"status": OutboxStatus.pending.value, "attempts": 0})  # fmt: skip
    return True
