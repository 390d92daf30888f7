"""Districts and cities of regional significance."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, utcnow
from app.extensions import db


class DistrictKind(enum.StrEnum):
    city = "city"
    district = "district"

    @property
    def title(self):
        return {"city": _l("city"), "district": _l("district")}[self.value]


class District(db.Model):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable code used by URLs, the API and exports, e.g. ``bukhar-zhyrau``
    code: Mapped[str] = mapped_column(String(40), unique=True)
    #: three letters that start its registry numbers, e.g. ``TEM`` in TEM-2026-0012
    prefix: Mapped[str | None] = mapped_column(String(3), unique=True)
    #: official name in Russian, e.g. «г. Караганда»
    name_ru: Mapped[str] = mapped_column(String(120))
    #: official name in Kazakh, e.g. «Қарағанды қаласы»
    name_kk: Mapped[str] = mapped_column(String(120))
    #: a city of regional significance or a district
    kind: Mapped[DistrictKind] = mapped_column(
        Enum(DistrictKind, native_enum=False, length=20, validate_strings=True)
    )
    #: inactive districts (now in Ulytau region) keep their history but take nothing new
    is_active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self):
        return f"<District {self.code}>"


class QuotaSetting(db.Model):
    """A district's delegate quota from a date on; the history is never rewritten, so a
    change applies to later Days only and past compliance stays as it was."""

    __tablename__ = "quota_settings"
    __table_args__ = (
        UniqueConstraint("district_id", "effective_from", name="uq_quota_settings_district_from"),
        CheckConstraint("delegate_min >= 0", name="min_not_negative"),
        CheckConstraint("delegate_target >= delegate_min", name="target_at_least_min"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    #: the first Day date this setting applies to
    effective_from: Mapped[date] = mapped_column(Date)
    #: delegates who must attend (the quota), and how many the office hopes for
    delegate_min: Mapped[int] = mapped_column(default=1)
    delegate_target: Mapped[int] = mapped_column(default=2)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    district: Mapped[District] = relationship()
