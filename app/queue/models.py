"""The Day itself: its desks, the call of each visitor, the waiting list, kiosk devices."""

import enum
from datetime import datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.bookings.models import Booking, Category, Topic
from app.core.db import UTCDateTime, utcnow
from app.days.models import Day
from app.extensions import db
from app.places.models import District


def _enum(cls):
    return Enum(cls, native_enum=False, length=20, validate_strings=True)


class QueueDay(db.Model):
    """The queue settings of a Day, and the row every change of its queue updates first
    (so the changes of one Day, on any app server, are serialised by its row lock)."""

    __tablename__ = "queue_days"

    day_id: Mapped[int] = mapped_column(ForeignKey("days.id", ondelete="CASCADE"), primary_key=True)
    #: the office marked a district session: delegates are called first
    district_session: Mapped[bool] = mapped_column(default=False, server_default="0")
    #: grows with every change of the Day's queue (a call, a status)
    version: Mapped[int] = mapped_column(default=0, server_default="0")


class Desk(db.Model):
    """A numbered desk of a Day, with its name in both languages (default: two desks)."""

    __tablename__ = "desks"
    __table_args__ = (
        UniqueConstraint("day_id", "number", name="uq_desks_day_id_number"),
        CheckConstraint("number > 0", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("days.id", ondelete="CASCADE"), index=True)
    #: what the hall screen and the API call the desk: 1, 2, …
    number: Mapped[int] = mapped_column()
    #: the desk's name shown to visitors, e.g. «Окно 1» / «1-терезе»
    name_ru: Mapped[str] = mapped_column(String(60))
    name_kk: Mapped[str] = mapped_column(String(60))


class VisitStatus(enum.StrEnum):
    called = "called"
    serving = "serving"
    done = "done"
    skipped = "skipped"
    recalled = "recalled"

    @property
    def title(self):
        return VISIT_TITLES[self]


VISIT_TITLES = {
    VisitStatus.called: _l("called"),
    VisitStatus.serving: _l("at the desk"),
    VisitStatus.done: _l("visit over"),
    VisitStatus.skipped: _l("did not come when called"),
    VisitStatus.recalled: _l("called again"),
}
#: a visitor at a desk (called, called again, or being served)
AT_DESK = (VisitStatus.called, VisitStatus.recalled, VisitStatus.serving)


class Visit(db.Model):
    """A checked-in visitor's way through the desks: one row per booking, made by the first
    call (the unique booking refuses a second)."""

    __tablename__ = "visits"
    __table_args__ = (
        CheckConstraint("skips >= 0 AND skips <= 2", name="skips_in_range"),
        Index("ix_visits_day_id_status", "day_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), unique=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("days.id"))
    #: the desk's number on that Day
    desk: Mapped[int] = mapped_column()
    status: Mapped[VisitStatus] = mapped_column(_enum(VisitStatus))
    #: the first call (waiting time = check-in → this) and the latest one
    first_called_at: Mapped[datetime] = mapped_column(UTCDateTime)
    called_at: Mapped[datetime] = mapped_column(UTCDateTime)
    serving_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the visit ended (service time = latest call → this)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: times the visitor did not come when called; after the first they queue again once
    skips: Mapped[int] = mapped_column(default=0)
    skipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    called_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    booking: Mapped[Booking] = relationship()


# A relation that points up (bookings know nothing of the call) is declared on the higher side.
Booking.visit = relationship(Visit, uselist=False, viewonly=True)


class WaitlistStatus(enum.StrEnum):
    waiting = "waiting"
    promoted = "promoted"
    left = "left"
    #: the Day was cancelled while the person waited
    cancelled = "cancelled"

    @property
    def title(self):
        return WAITLIST_TITLES[self]


WAITLIST_TITLES = {
    WaitlistStatus.waiting: _l("on the waiting list"),
    WaitlistStatus.promoted: _l("booked from the waiting list"),
    WaitlistStatus.left: _l("left the waiting list"),
    WaitlistStatus.cancelled: _l("the Day is cancelled"),
}
WAITING = "status = 'waiting'"


class WaitlistEntry(db.Model):
    """Someone waiting for a seat of a full Day. Its code and manage token become the
    booking's when a seat frees and it is promoted."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        # One waiting entry per phone and per e-mail per Day, whatever the concurrency.
        Index(
            "uq_waitlist_day_phone_waiting",
            "day_id",
            "phone",
            unique=True,
            sqlite_where=text(WAITING),
            postgresql_where=text(WAITING),
        ),
        Index(
            "uq_waitlist_day_email_waiting",
            "day_id",
            "email",
            unique=True,
            sqlite_where=text(WAITING),
            postgresql_where=text(WAITING),
        ),
        CheckConstraint(
            "earliest IS NULL OR latest IS NULL OR earliest < latest", name="window_in_order"
        ),
        CheckConstraint("email IS NULL OR email <> ''", name="email_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the code the booking will have (drawn like a booking's)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    #: SHA-256 of the manage token (the same HMAC of the code a booking's link carries)
    token_hash: Mapped[str] = mapped_column(String(64))
    day_id: Mapped[int] = mapped_column(ForeignKey("days.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    category: Mapped[Category] = mapped_column(_enum(Category))
    organization: Mapped[str | None] = mapped_column(String(200))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    #: E.164
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    topic: Mapped[Topic] = mapped_column(_enum(Topic))
    message: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2), default="ru")
    consent_version: Mapped[str | None] = mapped_column(String(20))
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the window the person can come in (local time of the Day); a slot fits when it starts
    #: at or after ``earliest`` and ends at or before ``latest``
    earliest: Mapped[time | None] = mapped_column(Time)
    latest: Mapped[time | None] = mapped_column(Time)
    status: Mapped[WaitlistStatus] = mapped_column(
        _enum(WaitlistStatus), default=WaitlistStatus.waiting
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: promoted (a booking with the same code), left, or the Day cancelled
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))

    day: Mapped[Day] = relationship()
    district: Mapped[District | None] = relationship()


class KioskDevice(db.Model):
    """A tablet at the entrance, set up once by reception staff: its browser carries the
    device token (only the hash is kept); revoking it ends the kiosk at once."""

    __tablename__ = "kiosk_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by = relationship("User")
