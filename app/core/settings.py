"""Settings the office changes on its pages (a default in the code or environment until
then): one row per key, read where a rule needs it."""

from datetime import datetime

from flask import current_app
from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

from .db import UTCDateTime, utcnow


class Setting(db.Model):
    __tablename__ = "settings"

    #: e.g. ``answer_days``, ``privacy_retention_months``
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


def get(key, default_config=None):
    """The stored value, else the app's config value named ``default_config``."""
    value = db.session.scalar(select(Setting.value).where(Setting.key == key))
    if value is None and default_config:
        return current_app.config[default_config]
    return value


def put(key, value, *, by=None):
    """Store a value in the current transaction; returns the one it replaced (or None)."""
    row = db.session.get(Setting, key)
    previous = row.value if row else None
    if row is None:
        row = Setting(key=key)
        db.session.add(row)
    row.value = value
    row.updated_at = utcnow()
    row.updated_by_id = getattr(by, "id", None)
    return previous
