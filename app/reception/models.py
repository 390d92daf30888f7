"""Notes the desk writes about a visit, and who checked a visitor in."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.bookings.models import Booking
from app.core.db import UTCDateTime, utcnow
from app.extensions import db


class VisitNote(db.Model):
    __tablename__ = "visit_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: what was discussed
    text: Mapped[str] = mapped_column(Text)
    #: what the office promised to do, if anything
    follow_up: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User")
    booking = relationship(Booking, back_populates="notes")


# A relation that points up (bookings know nothing of the desk) is declared on the higher side.
Booking.notes = relationship(VisitNote, back_populates="booking", order_by=VisitNote.created_at)
