"""A visitor's booking of a slot (or a walk-in at the desk)."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, utcnow
from app.days.models import Day, Slot
from app.extensions import db
from app.places.models import District


def _enum(cls):
    return Enum(cls, native_enum=False, length=20, validate_strings=True)


class Category(enum.StrEnum):
    citizen = "citizen"
    npo = "npo"
    business = "business"
    party = "party"
    delegate = "delegate"

    @property
    def title(self):
        return CATEGORY_TITLES[self]

    @property
    def needs_organization(self):
        return self in (Category.npo, Category.business, Category.party)


PUBLIC_CATEGORIES = (Category.citizen, Category.npo, Category.business, Category.party)
CATEGORY_TITLES = {
    Category.citizen: _l("citizen"),
    Category.npo: _l("NPO (non-profit organisation)"),
    Category.business: _l("business"),
    Category.party: _l("political party"),
    Category.delegate: _l("district (city) delegate"),
}


class Topic(enum.StrEnum):
    progress = "progress"
    problem = "problem"
    proposal = "proposal"

    @property
    def title(self):
        return TOPIC_TITLES[self]


TOPIC_TITLES = {
    Topic.progress: _l("how the programme goes"),
    Topic.problem: _l("problems in the implementation of projects"),
    Topic.proposal: _l("proposals to improve the work under the programme"),
}


class DelegateRole(enum.StrEnum):
    project_lead = "project_lead"
    npo = "npo"

    @property
    def title(self):
        return DELEGATE_ROLE_TITLES[self]


DELEGATE_ROLE_TITLES = {
    DelegateRole.project_lead: _l("responsible for a project"),
    DelegateRole.npo: _l("NPO representative"),
}


class BookingStatus(enum.StrEnum):
    confirmed = "confirmed"
    cancelled = "cancelled"
    checked_in = "checked_in"
    no_show = "no_show"

    @property
    def title(self):
        return STATUS_TITLES[self]


STATUS_TITLES = {
    BookingStatus.confirmed: _l("confirmed"),
    BookingStatus.cancelled: _l("booking cancelled"),
    BookingStatus.checked_in: _l("arrived"),
    BookingStatus.no_show: _l("no-show"),
}


class Source(enum.StrEnum):
    online = "online"
    walk_in = "walk_in"
    district = "district"

    @property
    def title(self):
        return SOURCE_TITLES[self]


SOURCE_TITLES = {
    Source.online: _l("online"),
    Source.walk_in: _l("walk-in (without booking)"),
    Source.district: _l("registered by the district"),
}


ACTIVE = "status <> 'cancelled'"


class Booking(db.Model):
    __tablename__ = "bookings"
    __table_args__ = (
        # One active booking per phone and per e-mail per Day, whatever the concurrency.
        Index(
            "uq_bookings_day_phone_active",
            "day_id",
            "phone",
            unique=True,
            sqlite_where=text(ACTIVE),
            postgresql_where=text(ACTIVE),
        ),
        Index(
            "uq_bookings_day_email_active",
            "day_id",
            "email",
            unique=True,
            sqlite_where=text(ACTIVE),
            postgresql_where=text(ACTIVE),
        ),
        # Online bookings take a slot; walk-ins and district delegates may come without one.
        CheckConstraint("source <> 'online' OR slot_id IS NOT NULL", name="online_has_slot"),
        CheckConstraint(
            "category <> 'delegate' OR district_id IS NOT NULL", name="delegate_has_district"
        ),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        # An empty string would be a phone or address that every such visitor shares.
        CheckConstraint("phone IS NULL OR phone <> ''", name="phone_not_empty"),
        CheckConstraint("email IS NULL OR email <> ''", name="email_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: short human code, typed or scanned at the desk (no ambiguous characters)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    #: SHA-256 of the secret manage token; the token itself is never stored
    token_hash: Mapped[str] = mapped_column(String(64))
    #: the Day (kept beside the slot so "one per phone per Day" is a plain index)
    day_id: Mapped[int] = mapped_column(ForeignKey("days.id"), index=True)
    #: the booked slot; a walk-in may have none
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("slots.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    category: Mapped[Category] = mapped_column(_enum(Category))
    #: required for NPOs, businesses and parties
    organization: Mapped[str | None] = mapped_column(String(200))
    #: a delegate's position and why the district sends them
    position: Mapped[str | None] = mapped_column(String(200))
    delegate_role: Mapped[DelegateRole | None] = mapped_column(_enum(DelegateRole))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    #: E.164, e.g. +77011234567
    phone: Mapped[str | None] = mapped_column(String(20))
    #: normalised, lower-case; optional
    email: Mapped[str | None] = mapped_column(String(254))
    topic: Mapped[Topic] = mapped_column(_enum(Topic))
    message: Mapped[str | None] = mapped_column(Text)
    #: the visitor's language for mail and pages: ru or kk
    language: Mapped[str] = mapped_column(String(2), default="ru")
    #: which privacy notice the visitor agreed to, and when
    consent_version: Mapped[str | None] = mapped_column(String(20))
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[BookingStatus] = mapped_column(
        _enum(BookingStatus), default=BookingStatus.confirmed, index=True
    )
    source: Mapped[Source] = mapped_column(_enum(Source), default=Source.online)
    #: iCalendar SEQUENCE: grows with every move or cancellation
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: set once when the day-before reminder is queued; never queued twice
    reminder_queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the visitor asked for no more SMS (on the manage page); None: SMS allowed
    sms_opt_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: generation of the SMS short link: raised to revoke SMS links (mail links stay)
    sms_link_version: Mapped[int] = mapped_column(default=0, server_default="0")
    #: arrival at the desk, and who recorded it
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    day: Mapped[Day] = relationship()
    slot: Mapped[Slot | None] = relationship()
    district: Mapped[District | None] = relationship()
    checked_in_by = relationship("User")
    # ``notes`` (the desk's visit notes) is declared by reception, the layer above.

    @property
    def is_active(self):
        return self.status != BookingStatus.cancelled

    @property
    def sms_allowed(self):
        """The booking consent covers SMS, until the visitor opts out."""
        return self.consent_version is not None and self.sms_opt_out_at is None

    @property
    def holds_seat(self):
        """An active booking of a slot takes one of its seats; a walk-in takes none."""
        return self.is_active and self.slot_id is not None and self.source != Source.walk_in

    def __repr__(self):
        return f"<Booking {self.code} {self.status}>"
