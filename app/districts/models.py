"""A district's delegate quota, with its history."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, utcnow
from app.extensions import db
from app.places.models import District


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
