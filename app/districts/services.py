"""Districts' delegates: quotas with history, registering delegates, quota reminders."""

import enum
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select

from app.auth.models import Role, User
from app.bookings import services as bookings
from app.bookings.models import Booking, BookingStatus, Category, DelegateRole, Source, Topic
from app.core import audit, outbox
from app.core.errors import DomainError
from app.core.i18n import LOCAL_TZ
from app.core.outbox import OutboxMessage
from app.days.models import Day, DayStatus
from app.extensions import db
from app.places.models import District
from app.places.services import active_districts

from .models import QuotaSetting

# --- quotas ---------------------------------------------------------------------------

DEFAULT_MIN = 1
DEFAULT_TARGET = 2


class QuotaStatus(enum.StrEnum):
    met = "met"
    on_track = "on_track"
    below = "below"

    @property
    def title(self):
        return QUOTA_TITLES[self]


QUOTA_TITLES = {
    QuotaStatus.met: _l("quota met"),
    QuotaStatus.on_track: _l("on track"),
    QuotaStatus.below: _l("below quota"),
}


class DistrictError(DomainError):
    """A delegate or quota rule refused the action."""


@dataclass
class Quota:
    """One district's standing for one Day."""

    district: District
    delegate_min: int
    delegate_target: int
    registered: int
    attended: int
    status: QuotaStatus | None  # None for a cancelled Day
    #: below the minimum, but the Day is still more than QUOTA_WARNING_DAYS away: pages say
    #: "not registered yet" rather than a red "below quota" (the API keeps ``below``)
    early: bool = False


def quota_status(*, delegate_min, registered, attended, day_over):
    """The rule (DESIGN.md §3): met when enough delegates checked in; before the Day is
    over, enough registered ones are "on track"; otherwise below."""
    if attended >= delegate_min:
        return QuotaStatus.met
    if not day_over and registered >= delegate_min:
        return QuotaStatus.on_track
    return QuotaStatus.below


def settings_on(on, district_ids=None):
    """{district_id: (min, target)} in force for a Day on that date."""
    return settings_on_dates([on], district_ids)[on]


def settings_on_dates(dates, district_ids=None):
    """{date: {district_id: (min, target)}} for several Days, in one query (the settings
    are a short history: a row per change)."""
    dates = sorted(set(dates))
    result = {on: {} for on in dates}
    if not dates:
        return result
    stmt = select(QuotaSetting).where(QuotaSetting.effective_from <= dates[-1])
    if district_ids is not None:
        stmt = stmt.where(QuotaSetting.district_id.in_(district_ids))
    for setting in db.session.scalars(stmt.order_by(QuotaSetting.effective_from)):
        for on in dates:
            if setting.effective_from <= on:
                result[on][setting.district_id] = (setting.delegate_min, setting.delegate_target)
    return result


def set_quota(district, delegate_min, delegate_target, *, today, by=None):
    """Change a district's quota for the Days after today; earlier Days keep theirs."""
    if delegate_min < 0 or delegate_target < delegate_min:
        raise DistrictError(
            "invalid", _l("The target must be at least the minimum, and both 0 or more.")
        )
    effective = today + timedelta(days=1)
    before = settings_on(effective, [district.id]).get(district.id, (DEFAULT_MIN, DEFAULT_TARGET))
    setting = db.session.scalar(
        select(QuotaSetting).where(
            QuotaSetting.district_id == district.id, QuotaSetting.effective_from == effective
        )
    )
    if setting is None:
        setting = QuotaSetting(district=district, effective_from=effective)
        db.session.add(setting)
    setting.delegate_min = delegate_min
    setting.delegate_target = delegate_target
    setting.created_by_id = getattr(by, "id", None)
    db.session.flush()
    audit.record(by, "quota.change", district, label=district.code,
                 before={"min": before[0], "target": before[1]},
                 after={"min": delegate_min, "target": delegate_target,
                        "from": effective.isoformat()})  # fmt: skip
    return setting


def _delegate_counts(day_ids):
    """{(day_id, district_id): (registered, attended)} in one grouped query."""
    rows = db.session.execute(
        select(
            Booking.day_id,
            Booking.district_id,
            func.count(case((Booking.status != BookingStatus.cancelled, 1))),
            func.count(case((Booking.status == BookingStatus.checked_in, 1))),
        )
        .where(Booking.day_id.in_(day_ids), Booking.category == Category.delegate)
        .group_by(Booking.day_id, Booking.district_id)
    )
    return {
        (day_id, district_id): (registered, attended)
        for day_id, district_id, registered, attended in rows
    }


def _day_over(day, now):
    return now >= day.ends_at


#: "below quota" is shown from this many days before a Day (the reminders start then too)
QUOTA_WARNING_DAYS = 7


def _early(day, now, status):
    """Below, but too far ahead for a warning: registration has only just begun."""
    today = now.astimezone(LOCAL_TZ).date()
    return status == QuotaStatus.below and (day.date - today).days > QUOTA_WARNING_DAYS


def _quota(district, day, settings, counts, now):
    """A district's standing for a Day from the settings in force and the grouped counts."""
    minimum, target = settings.get(district.id, (DEFAULT_MIN, DEFAULT_TARGET))
    registered, attended = counts.get((day.id, district.id), (0, 0))
    status = None if day.is_cancelled else quota_status(
        delegate_min=minimum, registered=registered, attended=attended,
        day_over=_day_over(day, now),
    )  # fmt: skip
    return Quota(district, minimum, target, registered, attended, status, _early(day, now, status))


def day_quotas(day, *, now, districts=None):
    """Every active district's standing for a Day (or the given districts)."""
    districts = districts if districts is not None else active_districts()
    counts = _delegate_counts([day.id])
    settings = settings_on(day.date)
    return [_quota(district, day, settings, counts, now) for district in districts]


def district_standing(district, days, *, now):
    """[(Day, Quota)] of one district for several Days, in two queries."""
    counts = _delegate_counts([day.id for day in days])
    settings = settings_on_dates([day.date for day in days], [district.id])
    return [(day, _quota(district, day, settings[day.date], counts, now)) for day in days]


def recent_days(now, count=12):
    """The last ``count`` Days up to today, oldest first."""
    today = now.astimezone(LOCAL_TZ).date()
    days = db.session.scalars(
        select(Day).where(Day.date <= today).order_by(Day.date.desc()).limit(count)
    ).all()
    return list(reversed(days))


def quota_matrix(days, *, now):
    """Districts × Days: {district_id: {day_id: Quota}}, with the districts to show
    (active ones, and inactive ones that sent someone in that period)."""
    counts = _delegate_counts([d.id for d in days])
    with_people = {district_id for (_day, district_id) in counts}
    districts = db.session.scalars(
        select(District)
        .where(or_(District.is_active, District.id.in_(with_people or {0})))
        .order_by(District.kind, District.name_ru)
    ).all()
    settings = settings_on_dates([day.date for day in days])
    matrix = {
        district.id: {
            day.id: _quota(district, day, settings[day.date], counts, now) for day in days
        }
        for district in districts
    }
    return districts, matrix


# --- delegates -------------------------------------------------------------------------

PAST_DAY = _l("This Day is over or cancelled: delegates can no longer be registered.")
INACTIVE = _l("This district no longer takes delegates.")
SAME_PERSON = _l("This person is already registered for this Day.")
NOT_A_DELEGATE = _l("This is not a delegate of this district.")


@dataclass
class DelegatePerson:
    full_name: str
    phone: str
    role: DelegateRole
    position: str | None = None
    organization: str | None = None
    email: str | None = None
    language: str = "ru"


def district_delegates(day, district):
    return db.session.scalars(
        select(Booking)
        .where(
            Booking.day_id == day.id,
            Booking.district_id == district.id,
            Booking.category == Category.delegate,
        )
        .order_by(Booking.status == BookingStatus.cancelled, Booking.created_at)
    ).all()


def register_delegate(day, district, person, *, slot=None, now, by=None):
    """A district sends a delegate. With a slot the delegate takes one of its seats (so the
    public sees it taken at once); without one they come to the Day outside slot capacity.
    The same confirmation mail and .ics as any visitor (the one booking path)."""
    if not district.is_active:
        raise DistrictError("inactive_district", INACTIVE, status=422)
    if day.is_cancelled or now >= day.ends_at:
        raise DistrictError("closed", PAST_DAY)
    if slot is not None:
        if slot.day_id != day.id:
            raise DistrictError("not_found", _l("Unknown time."), status=404)
        if now >= slot.starts_at:
            raise DistrictError("closed", bookings.CLOSED)
    name = " ".join(person.full_name.split()).casefold()
    for other in district_delegates(day, district):
        if other.is_active and " ".join(other.full_name.split()).casefold() == name:
            raise DistrictError("duplicate", SAME_PERSON)
    visitor = bookings.Visitor(
        full_name=person.full_name,
        category=Category.delegate,
        phone=person.phone,
        topic=Topic.progress,
        language=person.language,
        organization=person.organization,
        district_id=district.id,
        email=person.email,
        position=person.position,
        delegate_role=person.role,
    )
    delegate = bookings.create_booking(
        day, visitor, slot=slot, now=now, source=Source.district, by=by
    )
    audit.record(by, "delegate.register", delegate, label=delegate.code,
                 after={"district": district.code, "full_name": delegate.full_name})  # fmt: skip
    return delegate


def cancel_delegate(delegate, district, *, now, by=None):
    if delegate.category != Category.delegate or delegate.district_id != district.id:
        raise DistrictError("not_found", NOT_A_DELEGATE, status=404)
    if delegate.day.is_cancelled or now >= delegate.day.ends_at:
        raise DistrictError("closed", PAST_DAY)
    bookings.cancel_booking(delegate, now=now, by=by, while_open=False)
    audit.record(by, "delegate.cancel", delegate, label=delegate.code,
                 before={"status": "confirmed"}, after={"status": "cancelled"})  # fmt: skip


def replace_delegate(delegate, district, person, *, now, by=None):
    """A substitute takes the delegate's place (and seat, if any), in one transaction."""
    slot = delegate.slot
    cancel_delegate(delegate, district, now=now, by=by)
    db.session.flush()
    substitute = register_delegate(delegate.day, district, person, slot=slot, now=now, by=by)
    audit.record(by, "delegate.replace", substitute, label=substitute.code,
                 before={"code": delegate.code, "full_name": delegate.full_name},
                 after={"code": substitute.code, "full_name": substitute.full_name})  # fmt: skip
    return substitute


# --- reminders -------------------------------------------------------------------------

REMINDER_THRESHOLDS = ((7, 2), (1, 0))  # (label, earliest days before): 7…2 days, 1…0 days


def queue_quota_reminders(now):
    """Mail each coordinator whose district is below its minimum, 7 days and 1 day before a
    Day. Once per Day, district, threshold and coordinator, however often this runs."""
    today = now.astimezone(LOCAL_TZ).date()
    upcoming = db.session.scalars(
        select(Day).where(
            Day.status == DayStatus.scheduled,
            Day.date >= today,
            Day.date <= today + timedelta(days=7),
        )
    ).all()
    coordinators = db.session.scalars(
        select(User).where(User.role == Role.district, User.is_active_account)
    ).all()
    by_district = {}
    for user in coordinators:
        by_district.setdefault(user.district_id, []).append(user)
    queued = 0
    for day in upcoming:
        days_left = (day.date - today).days
        threshold = next(
            (label for label, earliest in REMINDER_THRESHOLDS if days_left >= earliest), None
        )
        if threshold is None or days_left > 7:
            continue
        for quota in day_quotas(day, now=now):
            if quota.registered >= quota.delegate_min:
                continue
            for user in by_district.get(quota.district.id, []):
                key = f"quota:{day.id}:{quota.district.id}:{threshold}:{user.id}"
                if db.session.scalar(
                    select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)
                ):
                    continue
                outbox.enqueue(
                    "quota_reminder",
                    user.email,
                    language="ru",
                    dedupe_key=key,
                    date=day.date.isoformat(),
                    district=quota.district.code,
                    name_ru=quota.district.name_ru,
                    name_kk=quota.district.name_kk,
                    registered=quota.registered,
                    delegate_min=quota.delegate_min,
                    delegate_target=quota.delegate_target,
                    days_left=days_left,
                )
                queued += 1
    return queued
