"""The coordinator's page: a Day far ahead with nobody registered yet is not a red "below
quota" (registration has only begun); within 7 days of it, it is. Phones read as people
write them."""

from datetime import UTC, date, datetime

import time_machine

from app.districts import services
from app.extensions import db
from app.places import services as places
from tests.conftest import sign_in


def test_below_quota_only_once_the_day_is_near(client, make_day, make_user):
    make_day(date(2026, 12, 25))
    make_day(date(2027, 1, 29))
    sign_in(client, make_user("district", district="nura"))
    with time_machine.travel(datetime(2026, 12, 20, 6, 0, tzinfo=UTC), tick=False):
        page = client.get("/districts/nura/?lang=ru").get_data(as_text=True)
    upcoming = page.split('id="upcoming-title"')[1].split("</section>")[0]
    december, january = upcoming.split("<tr>")[2:4]
    assert "ниже нормы" in december  # 5 days ahead, nobody registered
    assert "ещё не зарегистрированы" in january and "ниже нормы" not in january
    assert 'data-status="below"' in january  # the status itself is unchanged


def test_the_rule_of_seven_days(make_day):
    day = make_day(date(2027, 1, 29))
    nura = places.district_by_code("nura")
    far = datetime(2027, 1, 21, 6, 0, tzinfo=UTC)  # 8 days before
    near = datetime(2027, 1, 22, 6, 0, tzinfo=UTC)  # 7 days before
    (quota,) = services.day_quotas(day, now=far, districts=[nura])
    assert quota.status == "below" and quota.early
    (quota,) = services.day_quotas(day, now=near, districts=[nura])
    assert quota.status == "below" and not quota.early


def test_a_delegates_phone_reads_as_written(client, make_day, make_user):
    day = make_day(date(2026, 12, 25))
    user = make_user("district", district="nura")
    with time_machine.travel(datetime(2026, 12, 20, 6, 0, tzinfo=UTC), tick=False):
        services.register_delegate(
            day,
            places.district_by_code("nura"),
            services.DelegatePerson(full_name="Аян Нурланов", phone="+77015550001",
                                    role=services.DelegateRole.npo),
            now=datetime(2026, 12, 20, 6, 0, tzinfo=UTC),
            by=user,
        )  # fmt: skip
        db.session.commit()
        sign_in(client, user)
        page = client.get("/districts/nura/days/2026-12-25").get_data(as_text=True)
    assert "+7 701 555 00 01" in page and "+77015550001" not in page
