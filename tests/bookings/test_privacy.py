"""flask privacy purge: personal data of old bookings goes, the counts stay."""

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from app.bookings import services
from app.bookings.models import Booking
from app.extensions import db
from app.reception import services as desk


def test_old_bookings_lose_their_personal_data(app, make_day, make_booking, make_user):
    old_day = make_day(date(2022, 11, 25))
    recent_day = make_day(date(2026, 11, 27))
    old = make_booking(old_day.slots[0], message="личное")
    desk.add_note(old, "обсудили", by=make_user("reception"))
    recent = make_booking(recent_day.slots[0])
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0 and "1 booking(s)" in result.output
    db.session.expire_all()
    gone = db.session.get(Booking, old.id)
    assert (gone.full_name, gone.phone, gone.email, gone.message) == ("—", None, None, None)
    assert gone.notes == []
    kept = db.session.get(Booking, recent.id)
    assert kept.phone is not None and kept.full_name != "—"
    assert db.session.scalar(select(func.count(Booking.id))) == 2
    assert services.purge_personal_data(datetime(2026, 11, 27, tzinfo=UTC)) == 0
