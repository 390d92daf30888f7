"""An admin moves, re-times or cancels a Day; visitors are told; generation leaves it."""

from datetime import UTC, date, datetime, time

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.bookings.models import BookingStatus
from app.core import outbox
from app.core.outbox import OutboxMessage
from app.days import services
from app.days.models import DayStatus, Slot
from app.extensions import db
from app.office import days as office
from tests.conftest import sign_in

NOW = datetime(2026, 12, 10, 6, 0, tzinfo=UTC)


def changes(day, **fields):
    values = {"date": day.date, "opens": time(10), "closes": time(16), "slot_minutes": 20,
              "slot_capacity": 2}  # fmt: skip
    values.update(fields)
    return office.DayChanges(**values)


def test_a_day_without_bookings_is_laid_out_again(make_day):
    day = make_day(date(2026, 12, 25))
    wanted = changes(day, opens=time(9), closes=time(13), slot_minutes=30,
                     break_from=time(11), break_to=time(11, 30))  # fmt: skip
    office.edit_day(day, wanted, now=NOW)
    db.session.commit()
    local = [s.local_starts_at.strftime("%H:%M") for s in day.slots]
    assert local == ["09:00", "09:30", "10:00", "10:30", "11:30", "12:00", "12:30"]
    assert day.is_edited
    assert services.generate_days(date(2026, 12, 1), 1) == {"created": 0, "moved": 0, "kept": 1}


def test_a_day_without_bookings_moves_and_gets_more_seats_in_one_save(make_day):
    # Found by deploy/test/e2e.sh: the slots laid out anew had no seat count yet, and the
    # capacity check compared None with the new capacity (a 500 on the admin's page).
    day = make_day(date(2026, 12, 25))
    office.edit_day(day, changes(day, date=date(2026, 12, 18), slot_capacity=3), now=NOW)
    db.session.commit()
    assert day.date == date(2026, 12, 18)
    assert {(s.local_starts_at.date(), s.capacity, s.booked) for s in day.slots} == {
        (date(2026, 12, 18), 3, 0)
    }
    assert len(day.slots) == 18


def test_moving_a_booked_day_moves_its_bookings_and_tells_them(app, make_day, make_booking,
                                                               smtp_server):  # fmt: skip
    day = make_day(date(2026, 12, 25))
    booking = make_booking(day.slots[3], language="kk")
    office.edit_day(day, changes(day, date=date(2026, 12, 24), note="25-і — демалыс"), now=NOW)
    db.session.commit()
    db.session.refresh(booking)
    assert booking.slot.local_starts_at.strftime("%Y-%m-%d %H:%M") == "2026-12-24 11:00"
    assert booking.day.date == date(2026, 12, 24) and booking.sequence == 1
    assert outbox.deliver() == (2, 0)  # the confirmation, then the move
    moved = smtp_server.messages[1]
    cal = next(Calendar.from_ical(p.get_payload(decode=True)) for p in moved.walk()
               if p.get_content_type() == "text/calendar")  # fmt: skip
    assert str(cal["METHOD"]) == "REQUEST" and int(cal.events[0]["SEQUENCE"]) == 1
    assert cal.events[0].start.astimezone(UTC) == datetime(2026, 12, 24, 6, 0, tzinfo=UTC)


def test_a_booked_day_keeps_its_layout(make_day, make_booking):
    day = make_day(date(2026, 12, 25))
    make_booking(day.slots[0])
    with pytest.raises(services.DayError):
        office.edit_day(day, changes(day, slot_minutes=30), now=NOW)
    db.session.rollback()
    office.edit_day(day, changes(day, slot_capacity=3), now=NOW)
    db.session.commit()
    assert {s.capacity for s in day.slots} == {3}
    with pytest.raises(services.DayError):
        office.edit_day(day, changes(day, slot_capacity=0), now=NOW)


def test_cancelling_frees_every_seat_and_tells_everyone(make_day, make_booking):
    day = make_day(date(2026, 12, 25))
    first = make_booking(day.slots[0])
    make_booking(day.slots[1], email=None)
    office.edit_day(day, changes(day, cancelled=True, note="Карантин"), now=NOW)
    db.session.commit()
    assert day.status == DayStatus.cancelled
    assert db.session.get(type(first), first.id).status == BookingStatus.cancelled
    assert sum(s.booked for s in db.session.scalars(select(Slot))) == 0
    told = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "day_changed")
    ).all()
    assert [m.payload["cancelled"] for m in told] == [True]


def test_the_admin_page(client, make_day, make_user):
    day = make_day(date(2026, 12, 25))
    make_day(date(2027, 1, 29))
    sign_in(client, make_user("admin"))
    assert "2026" in client.get("/office/days").get_data(as_text=True)
    taken = client.post(f"/office/days/{day.date}",
                        data={"date": "2027-01-29", "opens": "10:00", "closes": "16:00",
                              "slot_minutes": "20", "slot_capacity": "2"})  # fmt: skip
    assert taken.status_code == 422
    moved = client.post(f"/office/days/{day.date}",
                        data={"date": "2026-12-24", "opens": "10:00", "closes": "16:00",
                              "slot_minutes": "20", "slot_capacity": "2"})  # fmt: skip
    assert moved.status_code == 302
    assert services.day_by_date(date(2026, 12, 24)) is not None
