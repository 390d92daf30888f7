"""The booking rules through the service API."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.bookings import services
from app.bookings.models import Booking, BookingStatus
from app.core.outbox import OutboxMessage
from app.days.models import DayStatus, Slot
from app.extensions import db

DAY = date(2026, 12, 25)
BEFORE = datetime(2026, 12, 20, 6, 0, tzinfo=UTC)


@pytest.fixture
def day(make_day):
    return make_day(DAY)


def book(slot, visitor, now=BEFORE, **fields):
    booking = services.book_slot(slot, visitor(**fields), now=now)
    db.session.commit()
    return booking


def test_a_booking_takes_a_seat_and_queues_the_confirmation(day, visitor):
    slot = day.slots[0]
    booking = book(slot, visitor)
    assert booking.status == BookingStatus.confirmed
    assert db.session.get(Slot, slot.id).booked == 1
    assert len(booking.code) == services.CODE_LENGTH
    assert set(booking.code) <= set(services.CODE_ALPHABET)
    mail = db.session.scalars(select(OutboxMessage)).one()
    assert (mail.kind, mail.recipient, mail.thread) == (
        "booking_confirmed",
        booking.email,
        f"booking:{booking.code}",
    )
    # The snapshot of this change: what the mail will say, whatever happens later.
    assert mail.payload["code"] == booking.code
    assert mail.payload["sequence"] == 0 and mail.payload["cancelled"] is False
    assert mail.payload["when"] == {
        "date": "2026-12-25",
        "starts_at": slot.starts_at.isoformat(),
        "ends_at": slot.ends_at.isoformat(),
    }
    assert booking.manage_token not in str(mail.payload)
    assert booking.consent_version == services.PRIVACY_VERSION
    assert booking.consented_at == BEFORE


def test_only_the_token_hash_is_stored(day, visitor):
    booking = book(day.slots[0], visitor)
    token = booking.manage_token
    stored = db.session.execute(select(Booking.token_hash)).scalar_one()
    assert token not in stored and stored == services.hash_token(token)
    assert services.booking_for_token(booking.code, token).id == booking.id
    assert services.booking_for_token(booking.code.lower(), token).id == booking.id


def test_a_token_opens_only_its_own_booking(day, visitor):
    first = book(day.slots[0], visitor)
    second = book(day.slots[0], visitor)
    assert services.booking_for_token(second.code, first.manage_token) is None
    assert services.booking_for_token(first.code, second.manage_token) is None
    other_end = "B" if first.manage_token.endswith("A") else "A"
    assert services.booking_for_token(first.code, first.manage_token[:-1] + other_end) is None
    assert services.booking_for_token(first.code, "") is None
    assert services.booking_for_token("NOPE00", first.manage_token) is None


def test_no_more_bookings_than_seats(day, visitor):
    slot = day.slots[0]
    book(slot, visitor)
    book(slot, visitor)
    with pytest.raises(services.BookingError) as exc:
        book(slot, visitor)
    assert exc.value.code == "slot_full"
    db.session.rollback()
    assert db.session.get(Slot, slot.id).booked == 2
    assert db.session.scalar(select(func.count(Booking.id))) == 2


def test_the_database_refuses_overbooking(day):
    slot = day.slots[0]
    slot.booked = slot.capacity + 1
    with pytest.raises(Exception, match=r"(?i)check|constraint"):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("same", ["phone", "email"])
def test_one_active_booking_per_phone_or_email_per_day(day, visitor, same):
    first = book(day.slots[0], visitor)
    twin = {"phone": first.phone} if same == "phone" else {"email": first.email}
    with pytest.raises(services.BookingError) as exc:
        book(day.slots[3], visitor, **twin)
    assert exc.value.code == "duplicate"
    db.session.rollback()
    services.cancel_booking(first, now=BEFORE)
    db.session.commit()
    assert book(day.slots[3], visitor, **twin).status == BookingStatus.confirmed


def test_the_database_refuses_a_second_active_booking_for_a_phone(day, visitor):
    first = book(day.slots[0], visitor)
    twin = Booking(
        code="TWIN77",
        token_hash="x" * 64,
        day_id=day.id,
        slot_id=day.slots[1].id,
        full_name="Twin",
        category=first.category,
        phone=first.phone,
        topic=first.topic,
    )
    db.session.add(twin)
    with pytest.raises(Exception, match=r"(?i)unique"):
        db.session.commit()
    db.session.rollback()


def test_booking_opens_thirty_days_before_and_closes_at_the_slot_start(day, visitor):
    slot = day.slots[0]  # 10:00 Almaty = 05:00 UTC
    opens = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)  # 25 Nov 00:00 Almaty
    for now in (opens - timedelta(seconds=1), slot.starts_at, slot.starts_at + timedelta(hours=1)):
        with pytest.raises(services.BookingError) as exc:
            book(slot, visitor, now=now)
        assert exc.value.code == "closed"
        db.session.rollback()
    assert book(slot, visitor, now=opens).status == BookingStatus.confirmed
    assert book(slot, visitor, now=slot.starts_at - timedelta(seconds=1))


def test_a_cancelled_day_refuses_bookings(day, visitor):
    day.status = DayStatus.cancelled
    db.session.commit()
    with pytest.raises(services.BookingError) as exc:
        book(day.slots[0], visitor)
    assert exc.value.code == "closed"


def test_cancel_frees_the_seat_at_once_and_is_idempotent(day, visitor):
    slot = day.slots[0]
    booking = book(slot, visitor)
    services.cancel_booking(booking, now=BEFORE)
    db.session.commit()
    assert db.session.get(Slot, slot.id).booked == 0
    assert booking.status == BookingStatus.cancelled
    assert booking.sequence == 1
    services.cancel_booking(booking, now=BEFORE)
    db.session.commit()
    assert db.session.get(Slot, slot.id).booked == 0
    kinds = db.session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
    assert kinds == ["booking_confirmed", "booking_cancelled"]


def test_no_cancel_after_the_slot_started(day, visitor):
    booking = book(day.slots[0], visitor)
    with pytest.raises(services.BookingError):
        services.cancel_booking(booking, now=day.slots[0].starts_at)


def test_move_to_another_slot_and_another_day(day, visitor, make_day):
    other = make_day(date(2027, 1, 15))
    booking = book(day.slots[0], visitor)
    services.move_booking(booking, day.slots[5], now=BEFORE)
    db.session.commit()
    assert (day.slots[0].booked, day.slots[5].booked) == (0, 1)
    services.move_booking(booking, other.slots[2], now=BEFORE)
    db.session.commit()
    db.session.refresh(day.slots[5])
    assert (day.slots[5].booked, other.slots[2].booked) == (0, 1)
    assert booking.day_id == other.id and booking.sequence == 2
    kinds = db.session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
    assert kinds == ["booking_confirmed", "booking_moved", "booking_moved"]


def test_move_to_a_full_slot_changes_nothing(day, visitor):
    booking = book(day.slots[0], visitor)
    book(day.slots[1], visitor)
    book(day.slots[1], visitor)
    with pytest.raises(services.BookingError) as exc:
        services.move_booking(booking, day.slots[1], now=BEFORE)
    assert exc.value.code == "slot_full"
    db.session.rollback()
    assert booking.slot_id == day.slots[0].id
    assert db.session.get(Slot, day.slots[0].id).booked == 1


def test_move_to_a_day_where_the_phone_is_booked_is_refused(day, visitor, make_day):
    other = make_day(date(2027, 1, 15))
    booking = book(day.slots[0], visitor)
    book(other.slots[0], visitor, phone=booking.phone, email=None)
    with pytest.raises(services.BookingError) as exc:
        services.move_booking(booking, other.slots[3], now=BEFORE)
    assert exc.value.code == "duplicate"
    db.session.rollback()


def test_without_email_nothing_is_queued(day, visitor):
    book(day.slots[0], visitor, email=None)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_reminders_are_queued_once(day, visitor, app):
    kept = book(day.slots[0], visitor)
    book(day.slots[1], visitor, email=None)
    cancelled = book(day.slots[2], visitor)
    services.cancel_booking(cancelled, now=BEFORE)
    db.session.commit()
    eve = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)
    runner = app.test_cli_runner()
    with_time = {"now": eve}
    assert services.queue_reminders(with_time["now"] - timedelta(days=2)) == 0
    first = runner.invoke(args=["reminders", "send"])
    assert first.exit_code == 0
    assert services.queue_reminders(eve) == 1
    db.session.commit()
    assert services.queue_reminders(eve + timedelta(hours=1)) == 0
    db.session.commit()
    reminders = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "booking_reminder")
    ).all()
    assert [r.payload["code"] for r in reminders] == [kept.code]


def test_codes_are_unambiguous(app_ctx):
    codes = {services.new_code() for _ in range(500)}
    assert len(codes) > 490  # 20**6 codes: a repeat among 500 is rare, never many
    assert not set("".join(codes)) & set("0O1IL2Z5S6G8BQUV")


def test_a_code_in_use_is_never_given_again(day, visitor, monkeypatch):
    """The code is not looked up first: the unique index refuses a code drawn twice, and the
    transaction runs again with a new one — the seat taken in the first try is given back."""
    from app.core.db import run_in_transaction

    taken = book(day.slots[0], visitor).code
    fresh = "ACDEFH" if taken != "ACDEFH" else "HFEDCA"
    letters = iter(taken + fresh)
    monkeypatch.setattr(services.secrets, "choice", lambda alphabet: next(letters))
    second = run_in_transaction(lambda: services.book_slot(day.slots[1], visitor(), now=BEFORE))
    assert second.code == fresh
    assert db.session.get(Slot, day.slots[1].id).booked == 1
    assert db.session.scalar(select(func.count(Booking.id))) == 2


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("k7m4px", "K7M4PX"),
        ("ob1234", None),
        (" ACD-347 ", "ACD347"),
        ("acd347\n", "ACD347"),
        ("ACD3470", None),
    ],
)
def test_clean_code(typed, code):
    assert services.clean_code(typed) == code
