"""What the desk says to the person at it: counters without sums to do, phones as written,
a check-in on another Day shown with its date, a walk-in's consent asked first."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from app.bookings.models import Booking, Source
from app.bookings.services import PRIVACY_VERSION
from app.extensions import db
from tests.conftest import sign_in

DAY = date(2026, 12, 25)
ON_THE_DAY = datetime(2026, 12, 25, 6, 30, tzinfo=UTC)  # 11:30 Almaty
TWO_DAYS_LATER = datetime(2026, 12, 27, 5, 0, tzinfo=UTC)  # 10:00 Almaty, 27 Dec


@pytest.fixture
def desk_client(client, make_user):
    sign_in(client, make_user("reception"))
    return client


def test_counters_say_arrived_of_booked_and_still_expected(desk_client, make_day, make_booking):
    day = make_day(DAY)
    first, _second = make_booking(day.slots[5]), make_booking(day.slots[6])
    with time_machine.travel(ON_THE_DAY, tick=False):
        desk_client.post(f"/reception/{DAY}/bookings/{first.id}/checkin")
        walk_in = {"full_name": "Без Записи", "category": "citizen", "topic": "progress"}
        desk_client.post(f"/reception/{DAY}/walk-in", data={**walk_in, "consent": "y"})
        page = desk_client.get(f"/reception/{DAY}?lang=ru").get_data(as_text=True)
    counters = page.split('id="counters"')[1].split("</div>\n</div>")[0]
    assert (
        '<span data-counter="arrived_booked">1</span> / <span data-counter="booked">2</span>'
        in counters
    )
    assert 'data-counter="expected">1<' in counters and 'data-counter="walk_ins">1<' in counters
    assert "записавшихся прибыли" in counters and "ещё ожидаются" in counters


def test_phones_read_as_written(desk_client, make_day, make_booking):
    day = make_day(DAY)
    make_booking(day.slots[0], phone="+77011234501")
    page = desk_client.get(f"/reception/{DAY}").get_data(as_text=True)
    assert "+7 701 123 45 01" in page and ">+77011234501<" not in page


def test_a_check_in_on_another_day_shows_its_date(desk_client, make_day, make_booking):
    day = make_day(DAY)
    booking = make_booking(day.slots[0])
    with time_machine.travel(TWO_DAYS_LATER, tick=False):
        page = desk_client.get(f"/reception/{DAY}?lang=ru").get_data(as_text=True)
        assert 'id="not-today"' in page
        desk_client.post(f"/reception/{DAY}/bookings/{booking.id}/checkin")
        page = desk_client.get(f"/reception/{DAY}?lang=ru").get_data(as_text=True)
    row = page.split(f'id="b{booking.id}"')[1].split("</tr>")[0]
    assert "внесено позже:" in row and "27 дек. 2026" in row and "10:00" in row
    with time_machine.travel(ON_THE_DAY, tick=False):
        assert 'id="not-today"' not in desk_client.get(f"/reception/{DAY}").get_data(as_text=True)


def test_a_walk_in_needs_the_visitors_consent(desk_client, make_day):
    make_day(DAY)
    form = {"full_name": "Без Записи", "category": "citizen", "topic": "progress"}
    with time_machine.travel(ON_THE_DAY, tick=False):
        refused = desk_client.post(f"/reception/{DAY}/walk-in?lang=ru", data=form)
        assert refused.status_code == 422
        assert "Сначала спросите согласие посетителя." in refused.get_data(as_text=True)
        assert db.session.scalar(select(Booking.id)) is None
        done = desk_client.post(f"/reception/{DAY}/walk-in", data={**form, "consent": "y"})
    assert done.status_code == 302
    walk_in = db.session.scalars(select(Booking)).one()
    assert walk_in.source == Source.walk_in and walk_in.consent_version == PRIVACY_VERSION
    assert walk_in.consented_at == ON_THE_DAY
