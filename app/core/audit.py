"""The audit log: who changed what, when, with the state before and after."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

from .db import UTCDateTime, utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: the staff member who acted (None for the system, e.g. a CLI run)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: e.g. ``booking.check_in``, ``user.create``
    action: Mapped[str] = mapped_column(String(60), index=True)
    #: the changed object, e.g. ``booking`` 42
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(index=True)
    #: a short human label of the object, e.g. the booking code
    object_label: Mapped[str | None] = mapped_column(String(200))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    # ``actor`` (the User) is declared by auth, the layer above.


def record(actor, action, obj, *, before=None, after=None, label=None):
    """Add an entry in the current transaction (kept only if the change commits)."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=getattr(obj, "id", None),
        object_label=label,
        before=before,
        after=after,
        at=utcnow(),
    )
    db.session.add(entry)
    return entry


def snapshot(obj, *fields):
    """The named fields of an object as JSON-friendly values."""
    values = {}
    for name in fields:
        value = getattr(obj, name)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif hasattr(value, "value"):
            value = value.value
        values[name] = value
    return values
