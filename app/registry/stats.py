"""How the Days went: the figures behind ``/office/stats`` and ``GET /api/stats``.

They span bookings, the desk, the quotas and the registry, so they live here, in the highest
domain layer, below both the office pages and the API (siblings that may not import each
other), and both serve the same numbers. Every figure is aggregated in SQL, grouped by Day,
so a period of ten years costs the same handful of queries as one Day.

The counts are the desk's (``reception.services.attendance``): *booked* is every active
booking but walk-ins, *arrived* everyone checked in (walk-ins included), *walk-ins* the
walk-ins checked in, *no-show* and *cancelled* as marked. Visitors *by category, topic and
district* count every active booking, walk-ins included (so they add up to booked +
walk-ins). *Proposals* of a Day are the registry entries raised at its visits; those of a
period, the entries registered in it.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, time

from sqlalchemy import case, func, select

from app.bookings.models import Booking, BookingStatus, Category, Source, Topic
from app.days import services as days
from app.days.models import Day
from app.districts import services as quotas
from app.districts.models import QuotaSetting
from app.extensions import db
from app.places.models import District

from .models import Kind, Proposal, Registry, Status, Subprogram

#: the longest period asked at once
MAX_YEARS = 5
COUNTERS = ("booked", "arrived", "no_show", "walk_ins", "cancelled")
NO_DISTRICT = "none"


def years_after(on, years):
    """The same date ``years`` later (29 February → 28 February)."""
    year = on.year + years
    return date(year, on.month, min(on.day, calendar.monthrange(year, on.month)[1]))


def period_too_long(since, until):
    return until > years_after(since, MAX_YEARS)


@dataclass
class DayFigures:
    day: Day
    booked: int = 0
    arrived: int = 0
    no_show: int = 0
    walk_ins: int = 0
    cancelled: int = 0
    by_category: dict = field(default_factory=lambda: {c.value: 0 for c in Category})
    by_topic: dict = field(default_factory=lambda: {t.value: 0 for t in Topic})
    by_district: dict = field(default_factory=dict)
    proposals: int = 0

    @property
    def no_show_rate(self):
        """No-shows per booking (walk-ins never miss), 0–1."""
        return self.no_show / self.booked if self.booked else 0.0


def _add(into, counts):
    for key, value in counts.items():
        into[key] = into.get(key, 0) + value


def totals_of(figures):
    """The period's sums, in the same shape as one Day's (``day`` None)."""
    total = DayFigures(None)
    for one in figures:
        for name in COUNTERS:
            setattr(total, name, getattr(total, name) + getattr(one, name))
        _add(total.by_category, one.by_category)
        _add(total.by_topic, one.by_topic)
        _add(total.by_district, one.by_district)
        total.proposals += one.proposals
    return total


def days_between(since, until):
    return db.session.scalars(
        select(Day).where(Day.date >= since, Day.date <= until).order_by(Day.date)
    ).all()


def day_figures(day_list):
    """[DayFigures] for these Days, in five grouped queries whatever their number."""
    figures = {day.id: DayFigures(day) for day in day_list}
    if not figures:
        return []
    ids = list(figures)
    walk_in = Booking.source == Source.walk_in
    status = Booking.status
    active = status != BookingStatus.cancelled
    counted = db.session.execute(
        select(
            Booking.day_id,
            func.count(case((active & ~walk_in, 1))),
            func.count(case((status == BookingStatus.checked_in, 1))),
            func.count(case((status == BookingStatus.no_show, 1))),
            func.count(case(((status == BookingStatus.checked_in) & walk_in, 1))),
            func.count(case((status == BookingStatus.cancelled, 1))),
        )
        .where(Booking.day_id.in_(ids))
        .group_by(Booking.day_id)
    )
    for day_id, *values in counted:
        for name, value in zip(COUNTERS, values, strict=True):
            setattr(figures[day_id], name, value)
    for column, attribute in ((Booking.category, "by_category"), (Booking.topic, "by_topic")):
        rows = db.session.execute(
            select(Booking.day_id, column, func.count())
            .where(Booking.day_id.in_(ids), active)
            .group_by(Booking.day_id, column)
        )
        for day_id, key, count in rows:
            getattr(figures[day_id], attribute)[getattr(key, "value", key)] = count
    rows = db.session.execute(
        select(Booking.day_id, District.code, func.count())
        .outerjoin(District, District.id == Booking.district_id)
        .where(Booking.day_id.in_(ids), active)
        .group_by(Booking.day_id, District.code)
    )
    for day_id, code, count in rows:
        figures[day_id].by_district[code or NO_DISTRICT] = count
    rows = db.session.execute(
        select(Booking.day_id, func.count(Proposal.id))
        .join(Booking, Booking.id == Proposal.booking_id)
        .where(Booking.day_id.in_(ids))
        .group_by(Booking.day_id)
    )
    for day_id, count in rows:
        figures[day_id].proposals = count
    return [figures[day.id] for day in day_list]


# --- delegates against the quota ---------------------------------------------------------


@dataclass
class DistrictQuotaFigures:
    """One district over a period: Days held, Days met, delegates registered and arrived."""

    district: District
    days: int = 0
    met: int = 0
    registered: int = 0
    attended: int = 0


def quota_figures(day_list, *, now):
    """Per district (active ones and any that sent someone), over these Days: how many
    held Days met the quota, by the same rule as the quota table. Three queries."""
    held = [d for d in day_list if not d.is_cancelled]
    ids = [d.id for d in held]
    counts = {}
    if ids:
        rows = db.session.execute(
            select(
                Booking.day_id,
                Booking.district_id,
                func.count(case((Booking.status != BookingStatus.cancelled, 1))),
                func.count(case((Booking.status == BookingStatus.checked_in, 1))),
            )
            .where(Booking.day_id.in_(ids), Booking.category == Category.delegate)
            .group_by(Booking.day_id, Booking.district_id)
        )
        counts = {(day, district): (r, a) for day, district, r, a in rows}
    with_people = {district for (_day, district) in counts}
    districts = db.session.scalars(
        select(District)
        .where(District.is_active | District.id.in_(with_people or {0}))
        .order_by(District.kind, District.name_ru)
    ).all()
    # The settings' history is short (a row per change): read once, resolved per Day.
    history = db.session.scalars(select(QuotaSetting).order_by(QuotaSetting.effective_from)).all()
    result = []
    for district in districts:
        changes = [s for s in history if s.district_id == district.id]
        row = DistrictQuotaFigures(district)
        for day in held:
            minimum = quotas.DEFAULT_MIN
            for setting in changes:
                if setting.effective_from <= day.date:
                    minimum = setting.delegate_min
            registered, attended = counts.get((day.id, district.id), (0, 0))
            row.days += 1
            row.registered += registered
            row.attended += attended
            status = quotas.quota_status(
                delegate_min=minimum,
                registered=registered,
                attended=attended,
                day_over=now >= day.ends_at,
            )
            row.met += status == quotas.QuotaStatus.met
        result.append(row)
    return result


# --- proposals ---------------------------------------------------------------------------


@dataclass
class ProposalFigures:
    total: int = 0
    by_kind: dict = field(default_factory=lambda: {k: 0 for k in Kind})
    by_subprogram: dict = field(default_factory=lambda: {s: 0 for s in Subprogram})
    by_registry: dict = field(default_factory=lambda: {r: 0 for r in Registry})
    by_status: dict = field(default_factory=lambda: {s: 0 for s in Status})


def proposal_figures(*, since=None, until=None, day=None):
    """Entries registered from ``since`` to ``until`` (dates, Asia/Almaty), or raised at
    ``day``'s visits, by kind, subprogram, registry and where they stand now: one query."""
    stmt = select(
        Proposal.kind, Proposal.subprogram, Proposal.in_registry, Proposal.status, func.count()
    )
    if day is not None:
        stmt = stmt.join(Booking, Booking.id == Proposal.booking_id).where(Booking.day_id == day.id)
    else:
        stmt = stmt.where(
            Proposal.created_at >= days.local_moment(since, time(0)),
            Proposal.created_at < days.end_of(until),
        )
    figures = ProposalFigures()
    grouped = stmt.group_by(
        Proposal.kind, Proposal.subprogram, Proposal.in_registry, Proposal.status
    )
    for kind, subprogram, registry, status, count in db.session.execute(grouped):
        figures.total += count
        figures.by_kind[Kind(kind)] += count
        figures.by_subprogram[Subprogram(subprogram)] += count
        figures.by_registry[Registry(registry)] += count
        figures.by_status[Status(status)] += count
    return figures


def as_json(figures):
    """One Day's (or the totals') figures as the API answers them."""
    answer = {name: getattr(figures, name) for name in COUNTERS}
    answer.update(
        by_category=dict(figures.by_category),
        by_topic=dict(figures.by_topic),
        by_district=dict(sorted(figures.by_district.items())),
        proposals=figures.proposals,
    )
    if figures.day is not None:
        answer = {"date": figures.day.date, **answer}
    return answer
