"""A Day of civil initiatives and its time slots."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, utcnow
from app.core.i18n import LOCAL_TZ
from app.extensions import db


class DayStatus(enum.StrEnum):
    scheduled = "scheduled"
    cancelled = "cancelled"

    @property
    def title(self):
        return {"scheduled": _l("scheduled"), "cancelled": _l("cancelled")}[self.value]


class Day(db.Model):
    __tablename__ = "days"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("slot_minutes > 0", name="slot_minutes_positive"),
        CheckConstraint("slot_capacity >= 0", name="slot_capacity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the local date in Asia/Almaty; one Day per date
    date: Mapped[date] = mapped_column(Date, unique=True)
    #: opening and closing moments (UTC)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: length of one slot and the seats in each (desks working at once)
    slot_minutes: Mapped[int] = mapped_column(default=20)
    slot_capacity: Mapped[int] = mapped_column(default=2)
    #: an optional break with no slots, e.g. lunch
    break_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    break_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[DayStatus] = mapped_column(
        Enum(DayStatus, native_enum=False, length=20, validate_strings=True),
        default=DayStatus.scheduled,
    )
    #: set when an admin moved, re-timed or cancelled the Day: generation leaves it alone
    is_edited: Mapped[bool] = mapped_column(default=False)
    #: why it was moved or cancelled, shown to visitors
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: iCalendar SEQUENCE of the Day's event: grows when it is moved, re-timed or cancelled
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    #: the last change subscribers should see (the feed's LAST-MODIFIED)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    slots: Mapped[list["Slot"]] = relationship(
        back_populates="day", order_by="Slot.starts_at", cascade="all, delete-orphan"
    )

    @property
    def is_cancelled(self):
        return self.status == DayStatus.cancelled

    @property
    def local_starts_at(self):
        return self.starts_at.astimezone(LOCAL_TZ)

    @property
    def local_ends_at(self):
        return self.ends_at.astimezone(LOCAL_TZ)

    def __repr__(self):
        return f"<Day {self.date}>"


class Slot(db.Model):
    __tablename__ = "slots"
    __table_args__ = (
        UniqueConstraint("day_id", "starts_at", name="uq_slots_day_id_starts_at"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        # The seat counter is the scarce resource: the database refuses overbooking.
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("days.id", ondelete="CASCADE"), index=True)
    #: the window (UTC)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: seats in the window
    capacity: Mapped[int] = mapped_column(default=2)
    #: seats taken by active bookings, changed only by atomic UPDATEs in the booking service
    booked: Mapped[int] = mapped_column(default=0, server_default="0")

    day: Mapped[Day] = relationship(back_populates="slots")

    @property
    def free(self):
        return max(self.capacity - self.booked, 0)

    @property
    def local_starts_at(self):
        return self.starts_at.astimezone(LOCAL_TZ)

    @property
    def local_ends_at(self):
        return self.ends_at.astimezone(LOCAL_TZ)

    def __repr__(self):
        return f"<Slot {self.day_id} {self.starts_at:%H:%M}>"
