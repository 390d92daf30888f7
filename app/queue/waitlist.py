"""The waiting list of a full Day: who joins, their live rank, leaving, and the promotion
that fills a freed seat at once.

A waiting entry has a code and a manage token drawn as a booking's; on promotion the entry
*becomes* the booking through the one booking path (``bookings.create_booking`` with its
code), so the link the person already holds opens the booking. Promotions of a Day are
serialised by its queue row (``services.lock``); each entry is claimed by a conditional
UPDATE, so concurrent cancels promote distinct people and never two into one seat (the
seat's own conditional UPDATE refuses that too).
"""

from dataclasses import dataclass
from datetime import time

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from app.bookings import services as bookings
from app.bookings.models import Booking
from app.core import outbox
from app.core.db import Retry, violated_constraint
from app.core.i18n import LOCAL_TZ
from app.days import services as days
from app.days.models import Day, DayStatus, Slot
from app.extensions import db

from . import services
from .models import WaitlistEntry, WaitlistStatus


class WaitlistError(services.QueueError):
    """The waiting list refused; ``code`` for the API, ``message`` for people."""


SEATS_AVAILABLE = _l("There are free seats on this Day: please book one.")
CLOSED = _l("This Day takes no more bookings.")
DUPLICATE = _l("There is already a booking or a waiting-list entry for this Day with this "
               "phone or e-mail.")  # fmt: skip
BAD_WINDOW = _l("The earliest time must be before the latest.")
NOT_WAITING = _l("This entry is no longer on the waiting list.")


@dataclass(frozen=True)
class Window:
    """The hours a waiting person can come (local time); None: any."""

    earliest: time | None = None
    latest: time | None = None

    def fits(self, slot):
        starts = slot.starts_at.astimezone(LOCAL_TZ).time()
        ends = slot.ends_at.astimezone(LOCAL_TZ).time()
        return (self.earliest is None or starts >= self.earliest) and (
            self.latest is None or ends <= self.latest
        )


def window_of(entry):
    return Window(entry.earliest, entry.latest)


def _open_slots(day, now):
    """Slots of the Day whose booking has not closed (start after now), with free counts as
    the database has them now."""
    return db.session.scalars(
        select(Slot)
        .where(Slot.day_id == day.id, Slot.starts_at > now)
        .order_by(Slot.starts_at)
        .execution_options(populate_existing=True)
    ).all()


def position(entry):
    """The live rank: 1 is promoted next (among those waiting on that Day)."""
    if entry.status != WaitlistStatus.waiting:
        return None
    return db.session.scalar(
        select(func.count(WaitlistEntry.id)).where(
            WaitlistEntry.day_id == entry.day_id,
            WaitlistEntry.status == WaitlistStatus.waiting,
            WaitlistEntry.id <= entry.id,
        )
    )


def _duplicate_entry(day_id, phone, email):
    conditions = [WaitlistEntry.phone == phone]
    if email:
        conditions.append(WaitlistEntry.email == email)
    return db.session.scalar(
        select(WaitlistEntry.id)
        .where(WaitlistEntry.day_id == day_id, WaitlistEntry.status == WaitlistStatus.waiting)
        .where(conditions[0] if len(conditions) == 1 else conditions[0] | conditions[1])
        .limit(1)
    )


def check_window(window):
    if window.earliest and window.latest and window.earliest >= window.latest:
        raise WaitlistError("validation", BAD_WINDOW, field="earliest", status=422)


def join(day, visitor, window, *, now):
    """Put someone on a full Day's waiting list. Refused: a cancelled or past Day, or one
    whose booking has not opened (``closed``); a free seat in their hours
    (``seats_available``); a booking or entry of that Day with their phone or e-mail
    (``duplicate``). Returns the entry with ``manage_token`` and ``position``."""
    check_window(window)
    if day.status != DayStatus.scheduled or now < bookings.booking_opens_at(day):
        raise WaitlistError("closed", CLOSED)
    slots = _open_slots(day, now)
    if not slots:
        raise WaitlistError("closed", CLOSED)
    if any(slot.free > 0 and window.fits(slot) for slot in slots):
        raise WaitlistError("seats_available", SEATS_AVAILABLE)
    if bookings.find_duplicate(day.id, visitor.phone, visitor.email) or _duplicate_entry(
        day.id, visitor.phone, visitor.email
    ):
        raise WaitlistError("duplicate", DUPLICATE)
    code = bookings.new_code()
    if db.session.scalar(select(Booking.id).where(Booking.code == code)):
        raise Retry()
    token = bookings.manage_token(code)
    entry = WaitlistEntry(
        code=code,
        token_hash=bookings.hash_token(token),
        day_id=day.id,
        full_name=visitor.full_name,
        category=visitor.category,
        organization=visitor.organization if visitor.category.needs_organization else None,
        district_id=visitor.district_id,
        phone=visitor.phone,
        email=visitor.email,
        topic=visitor.topic,
        message=visitor.message,
        language=visitor.language,
        consent_version=bookings.PRIVACY_VERSION if visitor.consent else None,
        consented_at=now if visitor.consent else None,
        earliest=window.earliest,
        latest=window.latest,
        status=WaitlistStatus.waiting,
        created_at=now,
    )
    db.session.add(entry)
    try:
        db.session.flush()
    except IntegrityError as exc:
        if "code" in violated_constraint(exc):
            raise Retry() from exc
        raise WaitlistError("duplicate", DUPLICATE) from exc
    entry.manage_token = token
    entry.position = position(entry)
    if entry.email:
        # The link to their place; the promotion's mail follows it in the same thread.
        outbox.enqueue("waitlist_joined", entry.email, language=entry.language,
                       thread=f"booking:{code}", code=code, full_name=entry.full_name,
                       date=day.date.isoformat(), position=entry.position,
                       earliest=_hhmm(window.earliest), latest=_hhmm(window.latest),
                       token_hash=entry.token_hash)  # fmt: skip
    return entry


def _hhmm(moment):
    return moment.strftime("%H:%M") if moment else None


def entry_for_token(code, token):
    """The waiting entry if the token is its own; None otherwise."""
    code = bookings.clean_code(code)
    entry = (
        db.session.scalar(select(WaitlistEntry).where(WaitlistEntry.code == code)) if code else None
    )
    if entry is None or not bookings.token_matches(entry, token):
        return None
    return entry


def leave(entry, *, now):
    if entry.status != WaitlistStatus.waiting:
        raise WaitlistError("closed", NOT_WAITING)
    left = db.session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.id == entry.id, WaitlistEntry.status == WaitlistStatus.waiting)
        .values(status=WaitlistStatus.left, ended_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not left:
        raise WaitlistError("closed", NOT_WAITING)
    db.session.refresh(entry)
    return entry


def _visitor(entry):
    return bookings.Visitor(
        full_name=entry.full_name,
        category=entry.category,
        phone=entry.phone,
        topic=entry.topic,
        language=entry.language,
        organization=entry.organization,
        district_id=entry.district_id,
        email=entry.email,
        message=entry.message,
        consent=entry.consent_version is not None,
    )


def _claim(entry, status, now):
    return db.session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.id == entry.id, WaitlistEntry.status == WaitlistStatus.waiting)
        .values(status=status, ended_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def _promote(entry, slots, now):
    """Book the entry into the first fitting slot that still has a seat; None if none."""
    for slot in slots:
        try:
            with db.session.begin_nested():
                booking = bookings.create_booking(
                    None, _visitor(entry), slot=slot.id, now=now, code=entry.code,
                    tell="waitlist_promoted",
                )  # fmt: skip
        except bookings.BookingError as error:
            if error.code in ("slot_full", "closed"):
                continue
            raise
        return booking
    return None


def fill(day, *, now):
    """Give the Day's free seats to the waiting list, first come first served among those
    whose hours fit, until no free seat fits anyone. Returns the promoted bookings."""
    if day.status != DayStatus.scheduled:
        return []
    has_waiting = db.session.scalar(
        select(WaitlistEntry.id)
        .where(WaitlistEntry.day_id == day.id, WaitlistEntry.status == WaitlistStatus.waiting)
        .limit(1)
    )
    if not has_waiting:
        return []
    services.lock(day)  # one promotion of a Day at a time, on every app server
    promoted = []
    entries = db.session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.day_id == day.id, WaitlistEntry.status == WaitlistStatus.waiting)
        .order_by(WaitlistEntry.id)
        .execution_options(populate_existing=True)
    ).all()
    for entry in entries:
        fitting = [s for s in _open_slots(day, now) if s.free > 0 and window_of(entry).fits(s)]
        if not fitting:
            continue
        if bookings.find_duplicate(day.id, entry.phone, entry.email):
            _claim(entry, WaitlistStatus.left, now)  # booked by themselves meanwhile
            continue
        if not _claim(entry, WaitlistStatus.promoted, now):
            continue
        booking = _promote(entry, fitting, now)
        if booking is None:
            db.session.execute(
                update(WaitlistEntry)
                .where(WaitlistEntry.id == entry.id)
                .values(status=WaitlistStatus.waiting, ended_at=None)
                .execution_options(synchronize_session=False)
            )
            continue
        db.session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.id == entry.id)
            .values(booking_id=booking.id)
            .execution_options(synchronize_session=False)
        )
        promoted.append(booking)
    return promoted


def close(day, *, now):
    """The Day is cancelled: everyone still waiting is off its list, told by mail (the
    booked get the Day's own cancellation). Returns how many were waiting."""
    entries = db.session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.day_id == day.id, WaitlistEntry.status == WaitlistStatus.waiting)
        .order_by(WaitlistEntry.id)
    ).all()
    if not entries:
        return 0
    db.session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.id.in_([e.id for e in entries]),
               WaitlistEntry.status == WaitlistStatus.waiting)
        .values(status=WaitlistStatus.cancelled, ended_at=now)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    for entry in entries:
        if entry.email:
            outbox.enqueue("waitlist_cancelled", entry.email, language=entry.language,
                           thread=f"booking:{entry.code}", code=entry.code,
                           full_name=entry.full_name, date=day.date.isoformat())  # fmt: skip
    return len(entries)


def forget_past(now):
    """Delete the waiting lists of Days that are over: an entry never promoted has no use
    after its Day, and one promoted lives on as its booking (``flask privacy purge``)."""
    past = select(Day.id).where(Day.date < days.today_local(now)).scalar_subquery()
    return db.session.execute(
        delete(WaitlistEntry)
        .where(WaitlistEntry.day_id.in_(past))
        .execution_options(synchronize_session=False)
    ).rowcount


def _seat_freed(day_id, now):
    day = db.session.get(Day, day_id)
    if day is not None:
        fill(day, now=now)


# A cancel or a move that frees a seat of a full slot fills it from the waiting list at once
# (bookings sit below the queue and only call the listeners registered with them).
bookings.SEAT_FREED.append(_seat_freed)
