"""The districts and cities, edited by the office on its page: names, registry prefix,
active or retired. Retiring a district asks first what to do with the delegates it has
registered for Days still ahead; the last active district cannot be retired."""

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.bookings.models import Booking, BookingStatus, Category
from app.core import audit
from app.core.errors import DomainError
from app.days.models import Day
from app.districts import services as quotas
from app.extensions import db
from app.places.models import District

PREFIX = re.compile(r"^[A-Z]{3}$")
#: the regional registry's numbers start so
RESERVED = {"REG"}
KEEP, CANCEL = "keep", "cancel"

LAST_ACTIVE = _l("This is the last active district: the region needs at least one.")
BAD_PREFIX = _l("Three Latin capital letters, e.g. TEM.")
PREFIX_TAKEN = _l("This prefix already belongs to another registry.")
PENDING = _l(
    "This district has %(count)d delegate(s) registered for Days ahead: choose what to do "
    "with them."
)


class OfficeError(DomainError):
    """The office's page refused a change."""

    status = 422


@dataclass
class DistrictChanges:
    name_ru: str
    name_kk: str
    prefix: str
    is_active: bool


def future_delegates(district, now):
    """The district's active delegates for Days that have not ended."""
    return db.session.scalars(
        select(Booking)
        .join(Day, Day.id == Booking.day_id)
        .where(
            Booking.district_id == district.id,
            Booking.category == Category.delegate,
            Booking.status == BookingStatus.confirmed,
            Day.ends_at > now,
        )
        .order_by(Day.date)
    ).all()


def _state(district):
    return audit.snapshot(district, "name_ru", "name_kk", "prefix", "is_active")


def edit_district(district, changes, *, delegates=None, now, by):
    """Apply the changes; ``delegates`` (keep / cancel) answers the question a retirement
    with delegates ahead asks. Returns the delegates cancelled."""
    prefix = changes.prefix.strip().upper()
    if not PREFIX.match(prefix) or prefix in RESERVED:
        raise OfficeError("prefix", BAD_PREFIX, field="prefix")
    taken = db.session.scalar(
        select(District.id).where(District.prefix == prefix, District.id != district.id)
    )
    if taken:
        raise OfficeError("prefix_taken", PREFIX_TAKEN, field="prefix")
    cancelled = []
    if district.is_active and not changes.is_active:
        others = db.session.scalar(
            select(func.count(District.id)).where(District.is_active, District.id != district.id)
        )
        if not others:
            raise OfficeError("last_district", LAST_ACTIVE, field="is_active")
        ahead = future_delegates(district, now)
        if ahead and delegates not in (KEEP, CANCEL):
            raise OfficeError("delegates_pending", PENDING, field="delegates", count=len(ahead))
        if delegates == CANCEL:
            for delegate in ahead:
                quotas.cancel_delegate(delegate, district, now=now, by=by)
                cancelled.append(delegate)
    before = _state(district)
    district.name_ru = changes.name_ru.strip()
    district.name_kk = changes.name_kk.strip()
    district.prefix = prefix
    district.is_active = changes.is_active
    district.is_edited = True
    after = _state(district)
    if cancelled:
        after["delegates"] = len(cancelled)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if changed:
        audit.record(by, "district.edit", district, label=district.code,
                     before={k: before[k] for k in changed if k in before},
                     after=changed)  # fmt: skip
    return cancelled


def districts_with_quotas(today):
    """Every district (active first) with the quota in force for Days from tomorrow."""
    districts = db.session.scalars(
        select(District).order_by(District.is_active.desc(), District.kind, District.name_ru)
    ).all()
    return districts, quotas.settings_on(today)
