"""The quota rule at its edges, quota history, delegates and capacity, reminders."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.bookings.models import BookingStatus, Category, DelegateRole, Topic
from app.core.errors import DomainError
from app.core.outbox import OutboxMessage
from app.days.models import DayStatus, Slot
from app.districts import services
from app.districts.services import QuotaStatus
from app.extensions import db
from app.places import services as places
from app.reception import services as desk

DAY = date(2026, 12, 25)
WEEK_BEFORE = datetime(2026, 12, 18, 6, 0, tzinfo=UTC)
DURING = datetime(2026, 12, 25, 6, 0, tzinfo=UTC)  # 11:00 Almaty
AFTER = datetime(2026, 12, 25, 12, 0, tzinfo=UTC)  # 17:00 Almaty


@pytest.mark.parametrize(
    ("minimum", "registered", "attended", "over", "expected"),
    [
        (1, 0, 0, False, "below"),
        (1, 1, 0, False, "on_track"),
        (1, 2, 0, False, "on_track"),
        (1, 1, 1, False, "met"),
        (1, 1, 0, True, "below"),  # registered but absent
        (1, 2, 1, True, "met"),
        (2, 1, 0, False, "below"),
        (2, 2, 0, False, "on_track"),
        (2, 2, 1, True, "below"),
        (2, 2, 2, True, "met"),
        (2, 3, 2, False, "met"),
        (0, 0, 0, True, "met"),
    ],
)
def test_the_status_rule(minimum, registered, attended, over, expected):
    status = services.quota_status(
        delegate_min=minimum, registered=registered, attended=attended, day_over=over
    )
    assert status == QuotaStatus(expected)


@pytest.fixture
def day(make_day):
    return make_day(DAY)


@pytest.fixture
def nura(app_ctx):
    return places.district_by_code("nura")


def person(n=1, **fields):
    values = {
        "full_name": f"Делегат Номер {n}",
        "phone": f"+7701777{n:04d}",
        "role": DelegateRole.project_lead,
        "position": "главный специалист",
    }
    values.update(fields)
    return services.DelegatePerson(**values)


def standing(day, district, now):
    [quota] = services.day_quotas(day, now=now, districts=[district])
    return quota


def test_registered_then_arrived_then_after_the_day(day, nura, make_user):
    clerk = make_user("reception")
    assert standing(day, nura, WEEK_BEFORE).status == QuotaStatus.below
    first = services.register_delegate(day, nura, person(1), now=WEEK_BEFORE)
    services.register_delegate(day, nura, person(2), now=WEEK_BEFORE)
    db.session.commit()
    quota = standing(day, nura, WEEK_BEFORE)
    assert (quota.registered, quota.attended, quota.status) == (2, 0, QuotaStatus.on_track)
    assert standing(day, nura, DURING).status == QuotaStatus.on_track
    assert standing(day, nura, AFTER).status == QuotaStatus.below  # nobody came
    desk.check_in(first, day=day, by=clerk, now=DURING)
    db.session.commit()
    assert standing(day, nura, DURING).status == QuotaStatus.met
    assert standing(day, nura, AFTER).attended == 1


def test_a_walk_in_delegate_counts_for_the_district(day, nura, make_user):
    clerk = make_user("reception")
    desk.register_walk_in(
        day,
        desk.WalkIn(full_name="Пришёл Сам", category=Category.delegate, topic=Topic.progress,
                    district_id=nura.id),
        by=clerk, now=DURING,
    )  # fmt: skip
    db.session.commit()
    quota = standing(day, nura, AFTER)
    assert (quota.registered, quota.attended, quota.status) == (1, 1, QuotaStatus.met)


def test_a_quota_changed_after_a_day_does_not_rewrite_it(day, nura, make_day, make_user):
    clerk = make_user("reception")
    delegate = services.register_delegate(day, nura, person(1), now=WEEK_BEFORE)
    desk.check_in(delegate, day=day, by=clerk, now=DURING)
    db.session.commit()
    assert standing(day, nura, AFTER).status == QuotaStatus.met
    services.set_quota(nura, 2, 3, today=date(2026, 12, 26))
    db.session.commit()
    past = standing(day, nura, AFTER)
    assert (past.delegate_min, past.delegate_target, past.status) == (1, 2, QuotaStatus.met)
    later = make_day(date(2027, 1, 29))
    future = standing(later, nura, AFTER)
    assert (future.delegate_min, future.delegate_target) == (2, 3)


def test_a_quota_change_today_starts_tomorrow(day, nura):
    services.set_quota(nura, 2, 2, today=DAY)
    db.session.commit()
    assert standing(day, nura, DURING).delegate_min == 1
    with pytest.raises(services.DistrictError):
        services.set_quota(nura, 3, 2, today=DAY)


def test_a_delegate_with_a_time_takes_a_visible_seat(day, nura):
    slot = day.slots[4]
    services.register_delegate(day, nura, person(1), slot=slot, now=WEEK_BEFORE)
    services.register_delegate(day, nura, person(2), now=WEEK_BEFORE)
    db.session.commit()
    assert db.session.get(Slot, slot.id).booked == 1
    assert sum(s.booked for s in day.slots) == 1


def test_delegates_are_refused_when_they_should_be(day, nura, make_day):
    services.register_delegate(day, nura, person(1), now=WEEK_BEFORE)
    db.session.commit()
    cases = [
        (lambda: services.register_delegate(day, nura, person(1, phone="+77017770099"),
                                            now=WEEK_BEFORE), "duplicate"),
        (lambda: services.register_delegate(day, nura, person(9, phone="+77017770001"),
                                            now=WEEK_BEFORE), "duplicate"),
        (lambda: services.register_delegate(day, places.district_by_code("satpayev"),
                                            person(5), now=WEEK_BEFORE), "inactive_district"),
        (lambda: services.register_delegate(day, nura, person(6), now=AFTER), "closed"),
    ]  # fmt: skip
    for attempt, code in cases:
        # The district's own rules, or the one booking path's (a phone already booked).
        with pytest.raises(DomainError) as exc:
            attempt()
        assert exc.value.code == code
        db.session.rollback()
    day.status = DayStatus.cancelled
    db.session.commit()
    with pytest.raises(services.DistrictError) as exc:
        services.register_delegate(day, nura, person(7), now=WEEK_BEFORE)
    assert exc.value.code == "closed"


def test_replace_keeps_the_seat_and_cancel_frees_it(day, nura):
    slot = day.slots[2]
    first = services.register_delegate(day, nura, person(1), slot=slot, now=WEEK_BEFORE)
    db.session.commit()
    substitute = services.replace_delegate(first, nura, person(2), now=WEEK_BEFORE)
    db.session.commit()
    assert first.status == BookingStatus.cancelled
    assert substitute.slot_id == slot.id and db.session.get(Slot, slot.id).booked == 1
    services.cancel_delegate(substitute, nura, now=WEEK_BEFORE)
    db.session.commit()
    assert db.session.get(Slot, slot.id).booked == 0
    assert standing(day, nura, WEEK_BEFORE).registered == 0


def test_delegates_get_the_confirmation_mail(day, nura):
    services.register_delegate(day, nura, person(1, email="d@akimat.kz"), now=WEEK_BEFORE)
    db.session.commit()
    [mail] = db.session.scalars(select(OutboxMessage)).all()
    assert (mail.kind, mail.recipient) == ("booking_confirmed", "d@akimat.kz")


def test_reminders_seven_days_and_one_day_before_once_each(app, day, nura, make_user):
    coordinator = make_user("district", district="nura")
    make_user("district", district="shet")
    services.set_quota(places.district_by_code("shet"), 0, 1, today=date(2026, 12, 1))
    db.session.commit()
    runner = app.test_cli_runner()
    eight_days = datetime(2026, 12, 17, 3, 0, tzinfo=UTC)
    assert services.queue_quota_reminders(eight_days) == 0
    seven = datetime(2026, 12, 18, 3, 0, tzinfo=UTC)
    assert services.queue_quota_reminders(seven) == 1  # nura only: shet needs nobody
    db.session.commit()
    assert services.queue_quota_reminders(seven + timedelta(hours=1)) == 0
    assert services.queue_quota_reminders(seven + timedelta(days=2)) == 0
    db.session.commit()
    eve = datetime(2026, 12, 24, 3, 0, tzinfo=UTC)
    assert services.queue_quota_reminders(eve) == 1
    db.session.commit()
    assert services.queue_quota_reminders(eve + timedelta(hours=5)) == 0
    result = runner.invoke(args=["quotas", "remind"])
    assert result.exit_code == 0 and "queued" in result.output
    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "quota_reminder")
    ).all()
    assert [m.recipient for m in mails] == [coordinator.email, coordinator.email]
    assert sorted(m.payload["days_left"] for m in mails) == [1, 7]


def test_no_reminder_when_the_district_has_registered(day, nura, make_user):
    make_user("district", district="nura")
    services.register_delegate(day, nura, person(1), now=WEEK_BEFORE)
    db.session.commit()
    assert services.queue_quota_reminders(datetime(2026, 12, 18, 3, 0, tzinfo=UTC)) == 0


def test_the_reminder_mail_renders(app, smtp_server, day, nura, make_user):
    from app.core import outbox

    make_user("district", district="nura")
    services.queue_quota_reminders(datetime(2026, 12, 18, 3, 0, tzinfo=UTC))
    db.session.commit()
    assert outbox.deliver() == (1, 0)
    text = smtp_server.messages[0].get_body(preferencelist=("plain",)).get_content()
    assert "/districts/nura/days/2026-12-25" in text
