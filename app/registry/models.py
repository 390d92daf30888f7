"""Entries of the registry of projects and proposals (seed points 4–8)."""

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import text

from app.core.db import UTCDateTime, utcnow
from app.extensions import db


def _enum(cls):
    return Enum(cls, native_enum=False, length=20, validate_strings=True)


class Titled(enum.StrEnum):
    @property
    def title(self):
        return TITLES[type(self)][self]


class Kind(Titled):
    project = "project"
    event = "event"


class Registry(Titled):
    district = "district"
    regional = "regional"


class Scale(Titled):
    district = "district"
    region = "region"


class Subprogram(Titled):
    tarbie = "tarbie"
    atameken = "atameken"
    rukhani_kazyna = "rukhani_kazyna"
    akparat = "akparat"


class SpecialProject(Titled):
    tugan_zher = "tugan_zher"
    sacred_geography = "sacred_geography"
    modern_culture = "modern_culture"
    textbooks_100 = "textbooks_100"
    new_faces_100 = "new_faces_100"
    latin_alphabet = "latin_alphabet"


class Initiator(Titled):
    akimat = "akimat"
    citizen = "citizen"
    npo = "npo"
    business = "business"
    party = "party"


class Origin(Titled):
    booking = "booking"
    district = "district"
    office = "office"


class Status(Titled):
    submitted = "submitted"
    under_review = "under_review"
    accepted = "accepted"
    rejected = "rejected"
    merged = "merged"
    in_progress = "in_progress"
    done = "done"


TITLES = {
    Kind: {Kind.project: _l("project"), Kind.event: _l("event")},
    Registry: {
        Registry.district: _l("district registry"),
        Registry.regional: _l("regional registry"),
    },
    Scale: {Scale.district: _l("the district (city)"), Scale.region: _l("the whole region")},
    Subprogram: {
        Subprogram.tarbie: "«Тәрбие және білім»",
        Subprogram.atameken: "«Атамекен»",
        Subprogram.rukhani_kazyna: "«Рухани қазына»",
        Subprogram.akparat: "«Ақпарат толқыны»",
    },
    SpecialProject: {
        SpecialProject.tugan_zher: "«Туған жер»",
        SpecialProject.sacred_geography: _l("«Sacred geography of Kazakhstan»"),
        SpecialProject.modern_culture: _l("«Modern Kazakhstani culture in the global world»"),
        SpecialProject.textbooks_100: _l("«100 new textbooks»"),
        SpecialProject.new_faces_100: _l("«100 new faces of Kazakhstan»"),
        SpecialProject.latin_alphabet: _l("«Transition of the Kazakh alphabet to Latin script»"),
    },
    Initiator: {
        Initiator.akimat: _l("akimat"),
        Initiator.citizen: _l("citizen"),
        Initiator.npo: _l("NPO (non-profit organisation)"),
        Initiator.business: _l("business"),
        Initiator.party: _l("political party"),
    },
    Origin: {
        Origin.booking: _l("a visit to the Day"),
        Origin.district: _l("a district"),
        Origin.office: _l("the Project Office"),
    },
    Status: {
        Status.submitted: _l("submitted"),
        Status.under_review: _l("under review"),
        Status.accepted: _l("accepted"),
        Status.rejected: _l("rejected"),
        Status.merged: _l("merged"),
        Status.in_progress: _l("in progress"),
        Status.done: _l("done"),
    },
}


class Proposal(db.Model):
    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint("kind <> 'event' OR event_date IS NOT NULL", name="event_has_date"),
        CheckConstraint(
            "kind <> 'project' OR (expected_result IS NOT NULL AND starts_on IS NOT NULL "
            "AND ends_on IS NOT NULL)",
            name="project_has_result_and_period",
        ),
        CheckConstraint(
            "ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="period_in_order"
        ),
        CheckConstraint("status <> 'rejected' OR reason IS NOT NULL", name="rejection_has_reason"),
        CheckConstraint(
            "status <> 'merged' OR merged_into_id IS NOT NULL", name="merge_has_target"
        ),
        CheckConstraint(
            "people_involved IS NULL OR people_involved >= 0", name="people_not_negative"
        ),
        CheckConstraint(
            "funding_amount IS NULL OR funding_amount >= 0", name="funding_not_negative"
        ),
        Index("ix_proposals_registry_status", "registry", "status"),
        Index("ix_proposals_district_registry", "district_id", "registry"),
        # Open entries by due date (the overdue count, reminders) and answers by date (a past
        # report's answers given since): both stay the size of what is open or recent.
        Index(
            "ix_proposals_unanswered",
            "due_on",
            sqlite_where=text("answered_on IS NULL"),
            postgresql_where=text("answered_on IS NULL"),
        ),
        Index("ix_proposals_answered_on", "answered_on"),
        # what waits for a decision, oldest first (the office home), whatever the years
        Index("ix_proposals_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the current human number, e.g. REG-2026-0007 (every number it had is kept)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    #: the district registry or the regional one (routing decides)
    in_registry: Mapped[Registry] = mapped_column("registry", _enum(Registry))
    kind: Mapped[Kind] = mapped_column(_enum(Kind), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    subprogram: Mapped[Subprogram] = mapped_column(_enum(Subprogram), index=True)
    special_project: Mapped[SpecialProject | None] = mapped_column(
        _enum(SpecialProject), index=True
    )
    #: the district it concerns (and whose registry holds it, unless regional)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    scale: Mapped[Scale] = mapped_column(_enum(Scale))
    initiator_type: Mapped[Initiator] = mapped_column(_enum(Initiator))
    initiator_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    #: ru or kk: the initiator hears back in this language
    language: Mapped[str] = mapped_column(String(2), default="ru")
    #: projects: a unique, measurable result and a period
    expected_result: Mapped[str | None] = mapped_column(Text)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    #: events: the date
    event_date: Mapped[date | None] = mapped_column(Date)
    people_involved: Mapped[int | None] = mapped_column()
    #: funding needed, in tenge, with its source and justification
    funding_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    funding_source: Mapped[str | None] = mapped_column(String(200))
    funding_justification: Mapped[str | None] = mapped_column(Text)
    #: a charity or patronage entry (seed point 8)
    is_charity: Mapped[bool] = mapped_column(default=False)
    #: funding for next year received after 30 September (seed point 6)
    funding_late: Mapped[bool] = mapped_column(default=False)
    origin: Mapped[Origin] = mapped_column(_enum(Origin))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"), index=True)
    status: Mapped[Status] = mapped_column(_enum(Status), default=Status.submitted)
    #: why it was rejected
    reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    #: who at the office or district follows it
    responsible: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    #: SHA-256 of the initiator's status-page token
    token_hash: Mapped[str] = mapped_column(String(64))
    #: casefolded number, title, description and initiator, for search on every database
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the answer is due by this date: working days of Kazakhstan after registration
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    #: the day (Asia/Almaty) it was first answered: accepted, rejected or merged
    answered_on: Mapped[date | None] = mapped_column(Date)

    district = relationship("District")
    booking = relationship("Booking")
    merged_into = relationship("Proposal", remote_side=[id])
    events: Mapped[list["ProposalEvent"]] = relationship(
        back_populates="proposal", order_by="ProposalEvent.id"
    )

    @property
    def period_year(self):
        moment = self.event_date if self.kind == Kind.event else self.starts_on
        return moment.year if moment else None


class ProposalTally(db.Model):
    """Running totals of the registry per district, status, subprogram and kind: what the
    twice-monthly report shows as of now, read in one small query however many years the
    registry holds. Kept by database triggers on ``proposals`` (migration 0019), so every
    insert, update and delete, through the app or not, moves them in the same transaction."""

    __tablename__ = "proposal_tallies"

    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), primary_key=True)
    status: Mapped[Status] = mapped_column(_enum(Status), primary_key=True)
    subprogram: Mapped[Subprogram] = mapped_column(_enum(Subprogram), primary_key=True)
    kind: Mapped[Kind] = mapped_column(_enum(Kind), primary_key=True)
    entries: Mapped[int] = mapped_column(default=0)
    people: Mapped[int] = mapped_column(BigInteger, default=0)
    #: funding requested, in tiyn (1/100 tenge): exact sums on every database
    funding_tiyn: Mapped[int] = mapped_column(BigInteger, default=0)
    #: entries with a due date answered by it, and after it
    on_time: Mapped[int] = mapped_column(default=0)
    late: Mapped[int] = mapped_column(default=0)


class ProposalNumber(db.Model):
    """Every number a proposal was given (a re-routed entry keeps its old ones)."""

    __tablename__ = "proposal_numbers"

    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)

    proposal: Mapped[Proposal] = relationship()


class RegistryCounter(db.Model):
    """The last number given in a registry and year, e.g. ``REG-2026`` → 7."""

    __tablename__ = "registry_counters"

    key: Mapped[str] = mapped_column(String(12), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class ProposalEvent(db.Model):
    """One step of a proposal's history: created, status changed, re-routed, edited."""

    __tablename__ = "proposal_events"
    __table_args__ = (
        Index("ix_proposal_events_history", "proposal_id", "at"),
        # a report for a past date looks for the entries whose status changed after it
        Index(
            "ix_proposal_events_status_at",
            "at",
            sqlite_where=text("to_status IS NOT NULL"),
            postgresql_where=text("to_status IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: created, status, routed, edited, note
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    from_registry: Mapped[str | None] = mapped_column(String(20))
    to_registry: Mapped[str | None] = mapped_column(String(20))
    number: Mapped[str | None] = mapped_column(String(20))
    #: the reason, the merge target, or what was noted
    comment: Mapped[str | None] = mapped_column(Text)
    #: whether the initiator is told (a public change)
    is_public: Mapped[bool] = mapped_column(default=False)

    proposal: Mapped[Proposal] = relationship(back_populates="events")
    actor = relationship("User")

    def title_of(self, name):
        """A stored status or registry value as its translated title."""
        value = getattr(self, name)
        if not value:
            return ""
        return (Status if name.endswith("status") else Registry)(value).title
