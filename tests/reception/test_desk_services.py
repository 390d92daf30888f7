"""Desk rules through the service API: check-in, undo, walk-ins, no-shows, notes, audit."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.bookings.models import BookingStatus, Category, Source, Topic
from app.core.audit import AuditEntry
from app.days.models import Slot
from app.extensions import db
from app.places.services import district_by_code
from app.reception import services as desk

DAY = date(2026, 12, 25)
MORNING = datetime(2026, 12, 25, 4, 30, tzinfo=UTC)  # 09:30 Almaty


@pytest.fixture
def day(make_day):
    return make_day(DAY)


@pytest.fixture
def clerk(make_user):
    return make_user("reception")


def actions():
    """What the desk did (the fixtures' user.create entries left out)."""
    entries = select(AuditEntry.action).where(AuditEntry.action.like("booking.%"))
    return db.session.scalars(entries.order_by(AuditEntry.id)).all()


def test_check_in_is_idempotent_and_recorded(day, clerk, make_booking):
    booking = make_booking(day.slots[0])
    assert desk.check_in(booking, day=day, by=clerk, now=MORNING) is True
    db.session.commit()
    later = MORNING + timedelta(minutes=5)
    assert desk.check_in(booking, day=day, by=clerk, now=later) is False
    db.session.commit()
    assert booking.status == BookingStatus.checked_in
    assert booking.checked_in_at == MORNING
    assert booking.checked_in_by_id == clerk.id
    assert actions() == ["booking.check_in"]
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "booking.check_in")
    ).one()
    assert entry.before["status"] == "confirmed" and entry.after["status"] == "checked_in"
    assert entry.actor_id == clerk.id and entry.object_label == booking.code


def test_undo_returns_to_expected(day, clerk, make_booking):
    booking = make_booking(day.slots[0])
    desk.check_in(booking, day=day, by=clerk, now=MORNING)
    desk.undo_check_in(booking, by=clerk)
    db.session.commit()
    assert booking.status == BookingStatus.confirmed and booking.checked_in_at is None
    with pytest.raises(desk.DeskError):
        desk.undo_check_in(booking, by=clerk)
    assert actions() == ["booking.check_in", "booking.undo_check_in"]


def test_cancelled_and_other_day_bookings_are_refused(day, clerk, make_booking, make_day):
    other = make_day(date(2027, 1, 29))
    cancelled = make_booking(day.slots[0])
    from app.bookings import services as bookings

    bookings.cancel_booking(cancelled, now=MORNING - timedelta(days=1))
    elsewhere = make_booking(other.slots[0], now=datetime(2027, 1, 20, tzinfo=UTC))
    db.session.commit()
    with pytest.raises(desk.DeskError) as exc:
        desk.check_in(cancelled, day=day, by=clerk, now=MORNING)
    assert exc.value.code == "cancelled"
    with pytest.raises(desk.DeskError) as exc:
        desk.check_in(elsewhere, day=day, by=clerk, now=MORNING)
    assert exc.value.code == "wrong_day" and exc.value.details["date"] == "2027-01-29"
    assert elsewhere.status == BookingStatus.confirmed


def test_walk_ins_are_checked_in_outside_capacity_and_counted(day, clerk, make_booking):
    make_booking(day.slots[0])
    make_booking(day.slots[0])
    walk = desk.register_walk_in(
        day,
        desk.WalkIn(full_name="Гость", category=Category.delegate, topic=Topic.problem,
                    district_id=district_by_code("shet").id),
        by=clerk,
        now=MORNING,
    )  # fmt: skip
    db.session.commit()
    assert walk.source == Source.walk_in and walk.status == BookingStatus.checked_in
    assert walk.slot_id is None
    assert db.session.get(Slot, day.slots[0].id).booked == 2
    assert desk.attendance(day) == {"booked": 2, "checked_in": 1, "walk_ins": 1, "no_show": 0,
                                    "arrived_booked": 0, "expected": 2}  # fmt: skip
    assert actions() == ["booking.walk_in"]


def test_a_walk_in_with_a_booked_phone_is_sent_to_the_booking(day, clerk, make_booking):
    booking = make_booking(day.slots[0])
    with pytest.raises(desk.DeskError) as exc:
        desk.register_walk_in(
            day,
            desk.WalkIn(full_name="Twin", category=Category.citizen, topic=Topic.problem,
                        phone=booking.phone),
            by=clerk, now=MORNING,
        )  # fmt: skip
    assert exc.value.code == "duplicate" and exc.value.details["code"] == booking.code


def test_no_show_only_after_the_slot_ended(day, clerk, make_booking):
    first = make_booking(day.slots[0])
    second = make_booking(day.slots[0])
    arrived = make_booking(day.slots[1])
    desk.check_in(arrived, day=day, by=clerk, now=MORNING)
    during = day.slots[0].starts_at + timedelta(minutes=5)
    with pytest.raises(desk.DeskError) as exc:
        desk.mark_no_show(first, by=clerk, now=during)
    assert exc.value.code == "too_early"
    with pytest.raises(desk.DeskError):
        desk.mark_slot_no_shows(day.slots[0], by=clerk, now=during)
    after = day.slots[0].ends_at
    assert desk.mark_slot_no_shows(day.slots[0], by=clerk, now=after) == 2
    db.session.commit()
    assert {first.status, second.status} == {BookingStatus.no_show}
    with pytest.raises(desk.DeskError) as exc:
        desk.mark_no_show(arrived, by=clerk, now=day.slots[1].ends_at)
    assert exc.value.code == "not_expected"
    # A late visitor can still be checked in.
    assert desk.check_in(first, day=day, by=clerk, now=after + timedelta(minutes=30))
    assert desk.attendance(day) == {"booked": 3, "checked_in": 2, "walk_ins": 0, "no_show": 1,
                                    "arrived_booked": 2, "expected": 0}  # fmt: skip
    assert actions().count("booking.no_show") == 2


def test_notes_are_kept_with_their_author(day, clerk, make_booking):
    booking = make_booking(day.slots[0])
    desk.add_note(booking, "  Обсудили проект  ", "Ответить до 10 января", by=clerk)
    db.session.commit()
    [note] = booking.notes
    assert (note.text, note.follow_up, note.author_id) == (
        "Обсудили проект", "Ответить до 10 января", clerk.id,
    )  # fmt: skip
    with pytest.raises(desk.DeskError):
        desk.add_note(booking, "   ", by=clerk)
    assert actions() == ["booking.note"]


def test_search_by_name_and_phone_is_case_insensitive_in_cyrillic(day, make_booking):
    make_booking(day.slots[0], full_name="Ерлан Абенов", phone="+77011112233")
    make_booking(day.slots[1], full_name="Айгуль Серикова", phone="+77014445566")
    listing = desk.day_bookings(day)
    assert [b.full_name for b in desk.search(listing, "АБЕН")] == ["Ерлан Абенов"]
    assert [b.full_name for b in desk.search(listing, "айгуль")] == ["Айгуль Серикова"]
    assert [b.full_name for b in desk.search(listing, "8 701 444 55 66")] == ["Айгуль Серикова"]
    assert desk.search(listing, "нет такого") == []
