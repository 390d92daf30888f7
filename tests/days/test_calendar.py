"""The calendar rule, time zones, slot layout and idempotent generation."""

import calendar as stdcalendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.days import services
from app.days.models import Day, Slot
from app.extensions import db

# Months 2017–2031 whose last Friday is a public holiday of Kazakhstan, with the
# Day the office holds instead. Written out by hand from the calendar of holidays
# (Constitution Day 30 Aug, Republic Day 25 Oct since 2022, Kurban Ait, the
# transferred day off of 31 Aug 2018), not computed by the code under test.
MOVED = {
    (2018, 8): date(
        2018, 8, 29
    ),  # Fri 31 Aug: day off moved from Sat 25 Aug; Thu 30: Constitution Day
    (2019, 8): date(2019, 8, 29),  # Fri 30 Aug: Constitution Day
    (2020, 7): date(2020, 7, 30),  # Fri 31 Jul: Kurban Ait
    (2024, 8): date(2024, 8, 29),  # Fri 30 Aug: Constitution Day
    (2024, 10): date(2024, 10, 24),  # Fri 25 Oct: Republic Day
    (2030, 10): date(2030, 10, 24),  # Fri 25 Oct: Republic Day
}


def expected_day(year, month):
    if (year, month) in MOVED:
        return MOVED[(year, month)]
    weeks = stdcalendar.monthcalendar(year, month)
    fridays = [week[stdcalendar.FRIDAY] for week in weeks if week[stdcalendar.FRIDAY]]
    return date(year, month, fridays[-1])


@pytest.mark.parametrize("year", range(2017, 2032))
def test_day_of_every_month_follows_the_rule(year):
    for month in range(1, 13):
        assert services.day_date_for(year, month) == expected_day(year, month), (year, month)


def test_a_moved_day_is_a_working_day_before_the_holiday():
    for (year, month), moved in MOVED.items():
        assert moved.weekday() < 5
        assert services.is_working_day(moved)
        assert services.is_holiday(services.last_friday(year, month))


def test_every_month_not_listed_keeps_its_last_friday():
    moved = {
        (y, m)
        for y in range(2017, 2032)
        for m in range(1, 13)
        if services.day_date_for(y, m) != services.last_friday(y, m)
    }
    assert moved == set(MOVED)


@pytest.mark.parametrize(
    ("on", "offset"),
    [
        (date(2017, 7, 28), timedelta(hours=6)),  # the first Day ever
        (date(2024, 2, 23), timedelta(hours=6)),  # last Day before the change
        (date(2024, 3, 29), timedelta(hours=5)),  # first Day after it
        (date(2026, 11, 27), timedelta(hours=5)),
    ],
)
def test_local_times_use_the_offset_of_their_date(on, offset):
    starts = services.local_moment(on, time(10, 0))
    assert starts.tzinfo == UTC
    assert starts == datetime.combine(on, time(10, 0), tzinfo=UTC) - offset
    assert starts.astimezone(ZoneInfo("Asia/Almaty")).utcoffset() == offset


def test_default_slots_are_eighteen_of_twenty_minutes(app_ctx):
    day = services.new_day(date(2026, 12, 25))
    assert len(day.slots) == 18
    assert all(s.capacity == 2 for s in day.slots)
    assert day.slots[0].starts_at == datetime(2026, 12, 25, 5, 0, tzinfo=UTC)
    assert day.slots[-1].ends_at == datetime(2026, 12, 25, 11, 0, tzinfo=UTC)
    assert all(b.starts_at == a.ends_at for a, b in zip(day.slots, day.slots[1:], strict=False))


def test_slot_settings_and_a_break_are_per_day(app_ctx):
    day = services.new_day(date(2026, 12, 25), slot_minutes=30, capacity=3)
    day.break_starts_at = services.local_moment(day.date, time(13, 0))
    day.break_ends_at = services.local_moment(day.date, time(14, 0))
    services.build_slots(day)
    local = [s.local_starts_at.strftime("%H:%M") for s in day.slots]
    assert local == [
        "10:00", "10:30", "11:00", "11:30", "12:00", "12:30",
        "14:00", "14:30", "15:00", "15:30",
    ]  # fmt: skip
    assert {s.capacity for s in day.slots} == {3}


def snapshot():
    days = db.session.execute(
        select(Day.date, Day.starts_at, Day.ends_at, Day.status).order_by(Day.date)
    ).all()
    slots = db.session.execute(
        select(Slot.day_id, Slot.starts_at, Slot.capacity).order_by(Slot.day_id, Slot.starts_at)
    ).all()
    return days, slots


def test_generation_twice_changes_nothing(app_ctx):
    first = services.generate_days(date(2026, 1, 1), 24)
    db.session.commit()
    before = snapshot()
    second = services.generate_days(date(2026, 1, 1), 24)
    db.session.commit()
    assert first == {"created": 24, "moved": 0, "kept": 0}
    assert second == {"created": 0, "moved": 0, "kept": 24}
    assert snapshot() == before
    assert db.session.scalar(select(func.count(Slot.id))) == 24 * 18


def test_generation_leaves_an_edited_day_alone(app_ctx):
    services.generate_days(date(2026, 12, 1), 1)
    day = services.day_by_date(date(2026, 12, 25))
    day.date = date(2026, 12, 24)
    day.is_edited = True
    db.session.commit()
    assert services.generate_days(date(2026, 12, 1), 1) == {"created": 0, "moved": 0, "kept": 1}
    assert services.day_by_date(date(2026, 12, 24)) is not None
    assert services.day_by_date(date(2026, 12, 25)) is None


def test_generation_moves_an_untouched_day_back_to_the_rule(app_ctx):
    services.generate_days(date(2026, 12, 1), 1)
    day = services.day_by_date(date(2026, 12, 25))
    day.date = date(2026, 12, 18)  # as if the holiday calendar had said otherwise
    db.session.commit()
    assert services.generate_days(date(2026, 12, 1), 1)["moved"] == 1
    moved = services.day_by_date(date(2026, 12, 25))
    assert moved.starts_at == datetime(2026, 12, 25, 5, 0, tzinfo=UTC)
    assert len(moved.slots) == 18


def test_the_day_unique_per_date_in_the_database(app_ctx):
    from sqlalchemy.exc import IntegrityError

    db.session.add(services.new_day(date(2026, 12, 25)))
    db.session.commit()
    db.session.add(services.new_day(date(2026, 12, 25)))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_slot_rules_in_the_database(app_ctx):
    from sqlalchemy.exc import IntegrityError

    day = services.new_day(date(2026, 12, 25))
    db.session.add(day)
    db.session.commit()
    first = day.slots[0]
    for bad in (
        Slot(day_id=day.id, starts_at=first.starts_at, ends_at=first.ends_at, capacity=2),
        Slot(day_id=day.id, starts_at=first.ends_at, ends_at=first.starts_at, capacity=2),
        Slot(
            day_id=day.id,
            starts_at=first.starts_at + timedelta(days=1),
            ends_at=first.ends_at + timedelta(days=1),
            capacity=-1,
        ),
    ):
        db.session.add(bad)
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_days_cli_generate_and_list(app, app_ctx):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["days", "generate", "--from", "2024-01", "--months", "12"])
    assert result.exit_code == 0, result.output
    assert "12 created" in result.output
    again = runner.invoke(args=["days", "generate", "--from", "2024-01", "--months", "12"])
    assert "0 created, 0 moved, 12 kept" in again.output
    listing = runner.invoke(args=["days", "list", "--from", "2024-01-01"])
    assert "2024-02-23  10:00-16:00 +0600" in listing.output
    assert "2024-10-24  10:00-16:00 +0500" in listing.output
    bad = runner.invoke(args=["days", "generate", "--from", "2024/01"])
    assert bad.exit_code != 0
    assert "YYYY-MM" in bad.output
