"""The call: desks of a Day, who is next, the statuses of a visit, what the hall screen
shows, and the waiting and service times.

Every change of a Day's queue first updates that Day's ``queue_days`` row: its row lock
(PostgreSQL) or the write lock (SQLite) serialises the calls of every desk and app server,
so two receptionists pressing at the same instant never get the same visitor; the unique
booking of a visit backs it. Nothing is committed here; the caller commits once.
"""

import statistics
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from app.bookings.models import Booking, BookingStatus, Category, Source
from app.core import audit
from app.core.errors import DomainError
from app.days import services as days
from app.days.models import DayStatus
from app.extensions import db

from .models import AT_DESK, Desk, QueueDay, Visit, VisitStatus, WaitlistEntry, WaitlistStatus

DEFAULT_DESKS = 2
MAX_DESKS = 20
#: how many waiting codes the hall screen shows
SCREEN_WAITING = 8


class QueueError(DomainError):
    """The call refused an action; ``code`` for the API, ``message`` for people."""


NOT_TODAY = _l("Visitors can be called only on the day of the Day itself.")
DAY_CANCELLED = _l("This Day is cancelled.")
UNKNOWN_DESK = _l("This Day has no desk number %(desk)s.")
QUEUE_EMPTY = _l("Nobody is waiting.")
TRANSITION = _l("A visit cannot go from «%(before)s» to «%(after)s».")
DESK_NAME = _l("Desk names are needed in both languages.")

#: what a visit may become, and from which statuses (anything else is refused: 409)
TRANSITIONS = {
    VisitStatus.serving: (VisitStatus.called, VisitStatus.recalled),
    VisitStatus.done: (VisitStatus.called, VisitStatus.recalled, VisitStatus.serving),
    VisitStatus.skipped: (VisitStatus.called, VisitStatus.recalled),
    VisitStatus.recalled: (VisitStatus.called, VisitStatus.recalled),
}


# --- desks and settings ------------------------------------------------------------------


@dataclass(frozen=True)
class DeskName:
    number: int
    name_ru: str
    name_kk: str


def default_desk(number):
    return DeskName(number, f"Стойка {number}", f"{number}-қабылдау орны")


def desks_of(day):
    """The Day's desks by number; two unnamed ones until the office sets them."""
    rows = db.session.scalars(select(Desk).where(Desk.day_id == day.id).order_by(Desk.number))
    found = [DeskName(d.number, d.name_ru, d.name_kk) for d in rows]
    return found or [default_desk(n) for n in range(1, DEFAULT_DESKS + 1)]


def desk_of(day, number):
    for desk in desks_of(day):
        if desk.number == number:
            return desk
    raise QueueError("unknown_desk", UNKNOWN_DESK, status=404, desk=number)


def queue_day(day):
    return db.session.get(QueueDay, day.id)


def district_session(day):
    settings = queue_day(day)
    return bool(settings and settings.district_session)


def configure(day, desks, *, delegates_first, by):
    """Set the Day's desks (numbered 1…n in the order given) and whether delegates go
    first. Visits keep the number of the desk that called them."""
    if not 0 < len(desks) <= MAX_DESKS:
        raise QueueError("desks", DESK_NAME, status=422)
    names = []
    for name_ru, name_kk in desks:
        name_ru, name_kk = (name_ru or "").strip()[:60], (name_kk or "").strip()[:60]
        if not name_ru or not name_kk:
            raise QueueError("desks", DESK_NAME, status=422)
        names.append((name_ru, name_kk))
    before = {"desks": [[d.name_ru, d.name_kk] for d in desks_of(day)],
              "district_session": district_session(day)}  # fmt: skip
    lock(day)
    db.session.execute(Desk.__table__.delete().where(Desk.day_id == day.id))
    for number, (name_ru, name_kk) in enumerate(names, start=1):
        db.session.add(Desk(day_id=day.id, number=number, name_ru=name_ru, name_kk=name_kk))
    db.session.execute(
        update(QueueDay)
        .where(QueueDay.day_id == day.id)
        .values(district_session=bool(delegates_first))
        .execution_options(synchronize_session=False)
    )
    after = {"desks": [list(n) for n in names], "district_session": bool(delegates_first)}
    audit.record(by, "queue.configure", day, before=before, after=after, label=str(day.date))


# --- the lock ---------------------------------------------------------------------------


def lock(day):
    """Take the Day's queue lock (creating its row), as the first write of the change.
    Returns whether the office marked a district session."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(QueueDay)
        .values(day_id=day.id, district_session=False, version=1)
        .on_conflict_do_update(
            index_elements=[QueueDay.day_id], set_={"version": QueueDay.version + 1}
        )
        .returning(QueueDay.district_session)
    )
    return bool(db.session.execute(statement).scalar_one())


# --- who is next ------------------------------------------------------------------------


def kind_of(booking):
    if booking.category == Category.delegate:
        return "delegate"
    return "walk_in" if booking.source == Source.walk_in else "booked"


def rank(booking, visit, *, now, delegates_first):
    """The order rule, as a sort key (smaller goes first):

    0. delegates, when the office marked a district session (by time, then arrival);
    1. visitors with a time whose slot has started, in slot order, then by check-in time;
    2. walk-ins (and delegates without a time), after the booked visitors of the current
       slot, by check-in time;
    3. a visitor skipped once, who queues again at the back (by the moment of the skip);
    4. early visitors whose slot has not started, in slot order — so a free desk still
       calls someone rather than no one.
    """
    arrived = booking.checked_in_at
    slot = booking.slot if booking.source != Source.walk_in else None
    if visit is not None and visit.status == VisitStatus.skipped:
        return (3, visit.skipped_at, arrived)
    if delegates_first and booking.category == Category.delegate:
        return (0, slot.starts_at if slot else arrived, arrived)
    if slot is None:
        return (2, arrived, arrived)
    if slot.starts_at <= now:
        return (1, slot.starts_at, arrived)
    return (4, slot.starts_at, arrived)


def waiting(day, *, now, delegates_first=None):
    """The checked-in visitors of a Day who wait to be called, in the order they will be:
    never called, or skipped once. Two queries (the bookings, their slots)."""
    if delegates_first is None:
        delegates_first = district_session(day)
    rows = db.session.execute(
        select(Booking, Visit)
        .outerjoin(Visit, Visit.booking_id == Booking.id)
        .where(Booking.day_id == day.id, Booking.status == BookingStatus.checked_in)
        .where((Visit.id.is_(None)) | ((Visit.status == VisitStatus.skipped) & (Visit.skips < 2)))
        .options(selectinload(Booking.slot))
    ).all()
    keyed = [(rank(b, v, now=now, delegates_first=delegates_first), b.id, b, v) for b, v in rows]
    keyed.sort(key=lambda item: item[:2])
    return [(b, v) for _key, _id, b, v in keyed]


def check_callable(day, now):
    if day.status != DayStatus.scheduled:
        raise QueueError("closed", DAY_CANCELLED)
    if days.today_local(now) != day.date:
        raise QueueError("not_today", NOT_TODAY)


def _state(visit):
    return audit.snapshot(visit, "status", "desk", "called_at", "skips")


def call_next(day, desk_number, *, by, now):
    """«Call next» at a desk: the visit the desk had ends (done), and the first waiting
    visitor by the order rule is called to it. Returns the Visit."""
    check_callable(day, now)
    desk_of(day, desk_number)
    delegates_first = lock(day)
    current = db.session.scalars(
        select(Visit).where(
            Visit.day_id == day.id, Visit.desk == desk_number, Visit.status.in_(AT_DESK)
        )
    ).all()
    for visit in current:
        _change(visit, VisitStatus.done, by=by, now=now)
    queue = waiting(day, now=now, delegates_first=delegates_first)
    if not queue:
        raise QueueError("queue_empty", QUEUE_EMPTY, status=404)
    booking, visit = queue[0]
    before = _state(visit) if visit else None
    if visit is None:
        visit = Visit(booking_id=booking.id, day_id=day.id, first_called_at=now, skips=0)
        db.session.add(visit)
    visit.booking = booking
    visit.desk = desk_number
    visit.status = VisitStatus.called
    visit.called_at = now
    visit.serving_at = None
    visit.called_by_id = getattr(by, "id", None)
    db.session.flush()
    audit.record(by, "visit.call", visit, before=before, after=_state(visit), label=booking.code)
    return visit


def visit_by_code(day, code):
    return db.session.scalar(
        select(Visit).join(Booking, Booking.id == Visit.booking_id).where(Booking.code == code,
                                                                          Visit.day_id == day.id)
    )  # fmt: skip


def _change(visit, status, *, by, now):
    if visit.status not in TRANSITIONS.get(status, ()):
        raise QueueError("transition", TRANSITION, before=visit.status.value, after=status.value)
    before = _state(visit)
    visit.status = status
    if status == VisitStatus.serving:
        visit.serving_at = now
    elif status == VisitStatus.done:
        visit.done_at = now
    elif status == VisitStatus.skipped:
        visit.skips += 1
        visit.skipped_at = now
    elif status == VisitStatus.recalled:
        visit.called_at = now
    audit.record(by, f"visit.{status.value}", visit, before=before, after=_state(visit),
                 label=visit.booking.code)  # fmt: skip


def change_visit(visit, status, *, by, now):
    """serving, done, skipped or recalled, in the order TRANSITIONS allows (409 otherwise).
    A visitor skipped once queues again; skipped twice, they leave the queue."""
    status = VisitStatus(status)
    lock(visit.booking.day)
    db.session.refresh(visit)
    _change(visit, status, by=by, now=now)
    return visit


# --- what the desk, the screen and the API show --------------------------------------------


def serving(day):
    """Who is at which desk now (called, called again or being served), by desk."""
    return db.session.execute(
        select(Visit, Booking.code)
        .join(Booking, Booking.id == Visit.booking_id)
        .where(Visit.day_id == day.id, Visit.status.in_(AT_DESK))
        .order_by(Visit.desk, Visit.called_at)
    ).all()


def waitlist_count(day):
    return db.session.scalar(
        select(func.count(WaitlistEntry.id)).where(
            WaitlistEntry.day_id == day.id, WaitlistEntry.status == WaitlistStatus.waiting
        )
    )


def queue_state(day, *, now):
    """The Day's queue with codes only, never a name or a phone (the API's answer and what
    the hall screen shows)."""
    return {
        "serving": [
            {"desk": visit.desk, "code": code, "since": visit.called_at, "status": visit.status}
            for visit, code in serving(day)
        ],
        "waiting": [
            {
                "code": booking.code,
                "since": visit.skipped_at if visit else booking.checked_in_at,
                "kind": kind_of(booking),
            }
            for booking, visit in waiting(day, now=now)
        ],
        "waitlist": waitlist_count(day),
    }


def last_calls(day, after=None):
    """Calls (and calls again) of a Day since a moment, oldest first: (called_at, code, desk)."""
    stmt = (
        select(Visit.called_at, Booking.code, Visit.desk)
        .join(Booking, Booking.id == Visit.booking_id)
        .where(Visit.day_id == day.id, Visit.status.in_(AT_DESK))
        .order_by(Visit.called_at)
    )
    if after is not None:
        stmt = stmt.where(Visit.called_at > after)
    return db.session.execute(stmt).all()


# --- waiting and service times -------------------------------------------------------------


def _percentiles(values):
    """Median and 90th percentile in minutes (None without data)."""
    if not values:
        return {"count": 0, "median": None, "p90": None}
    minutes = sorted(v.total_seconds() / 60 for v in values)
    if len(minutes) == 1:
        p90 = minutes[0]
    else:
        p90 = statistics.quantiles(minutes, n=10, method="inclusive")[-1]
    return {"count": len(minutes), "median": round(statistics.median(minutes), 1),
            "p90": round(p90, 1)}  # fmt: skip


def times(day):
    """Waiting time (check-in → first call) and service time (latest call → done) of each
    visitor of a Day, with the median and 90th percentile per desk and for the Day. One
    query. The office's statistics read this too."""
    rows = db.session.execute(
        select(
            Visit.desk,
            Booking.code,
            Booking.checked_in_at,
            Visit.first_called_at,
            Visit.called_at,
            Visit.done_at,
        )
        .join(Booking, Booking.id == Visit.booking_id)
        .where(Visit.day_id == day.id)
        .order_by(Visit.first_called_at)
    ).all()
    visitors = []
    for desk, code, arrived, first_call, call, done in rows:
        visitors.append({
            "desk": desk,
            "code": code,
            "waited": first_call - arrived if arrived and first_call >= arrived else None,
            "served": done - call if done and done >= call else None,
        })  # fmt: skip
    desks = sorted({v["desk"] for v in visitors})

    def summary(items):
        return {
            "waiting": _percentiles([v["waited"] for v in items if v["waited"] is not None]),
            "service": _percentiles([v["served"] for v in items if v["served"] is not None]),
        }

    return {
        "visitors": visitors,
        "desks": {desk: summary([v for v in visitors if v["desk"] == desk]) for desk in desks},
        "day": summary(visitors),
    }


def at_desk(day, desk_number):
    """The visit a desk has now, or None."""
    return db.session.scalar(
        select(Visit)
        .where(Visit.day_id == day.id, Visit.desk == desk_number, Visit.status.in_(AT_DESK))
        .order_by(Visit.called_at.desc())
        .limit(1)
    )


def waitlist_entries(day):
    """The people waiting for a seat of the Day, first promoted first."""
    return db.session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.day_id == day.id, WaitlistEntry.status == WaitlistStatus.waiting)
        .order_by(WaitlistEntry.id)
    ).all()
