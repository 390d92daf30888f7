"""What a visitor sees first on the home page and a Day's page: the Day's state (open, opens
on …, full, closed, cancelled), times only for an open Day, the error summary, other Days
when one cannot be booked; and cancelling in two steps, to a plain cancelled state."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from app.bookings.models import Booking, BookingStatus
from app.bookings.services import manage_token
from app.days import services as days
from app.days.models import DayStatus
from app.extensions import db
from tests.bookings.test_pages import form

NOW = datetime(2026, 12, 20, 6, 0, tzinfo=UTC)  # 20 Dec: December open, January not yet


@pytest.fixture
def two_days(make_day):
    return make_day(date(2026, 12, 25)), make_day(date(2027, 1, 29))


def get(client, url):
    with time_machine.travel(NOW, tick=False):
        return client.get(url).get_data(as_text=True)


def test_the_state_of_each_day_on_the_home_page(client, two_days):
    page = get(client, "/?lang=ru")
    december, january = page.split("Ближайшие Дни")[1].split("<li>")[1:3]
    assert "Идёт запись" in december and "свободных мест" in december
    # a Day not open yet shows no seats, only when it opens
    assert "Запись ещё не открыта" in january and "свободн" not in january
    assert "Запись откроется: 30 декабря 2026\u202fг." in january


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_a_day_not_open_yet_shows_no_times_and_offers_the_open_one(client, two_days, lang):
    page = get(client, f"/days/2027-01-29?lang={lang}")
    assert 'name="slot_id"' not in page and "10:00–10:20" not in page
    expected = {"ru": "Запись откроется: 30 декабря 2026\u202fг.",
                "kk": "Жазылу ашылатын күн: 2026\u202fж. 30 желтоқсан"}[lang]  # fmt: skip
    assert expected in page
    assert page.index("day-state") < page.index("other-days")
    assert 'href="/days/2026-12-25"' in page.split('id="other-days"')[1]


def test_an_open_day_shows_each_time_once_in_the_picker(client, two_days):
    page = get(client, "/days/2026-12-25?lang=ru")
    assert page.count("10:00–10:20") == 1 and page.count('type="radio" name="slot_id"') == 18
    assert page.index('name="slot_id"') < page.index('name="full_name"')  # the form follows
    assert 'id="other-days"' not in page


def test_a_full_day_offers_the_other_open_days(client, make_day):
    full = make_day(date(2026, 12, 25), capacity=1)
    make_day(date(2027, 1, 8))  # another (hand-made) Day, open
    for slot in full.slots:
        slot.booked = slot.capacity
    db.session.commit()
    page = get(client, "/days/2026-12-25?lang=ru")
    assert "Всё время занято" in page and 'name="slot_id"' not in page
    assert 'href="/days/2026-12-25/waitlist"' in page.split('id="waitlist-offer"')[1]
    assert 'href="/days/2027-01-08"' in page.split('id="other-days"')[1]


def test_a_cancelled_day_says_so_first(client, two_days):
    two_days[0].status = DayStatus.cancelled
    db.session.commit()
    page = get(client, "/days/2026-12-25?lang=ru")
    assert "День отменён" in page and 'name="slot_id"' not in page


def test_an_empty_post_lists_every_error_as_a_link_in_page_order(client, two_days):
    with time_machine.travel(NOW, tick=False):
        response = client.post("/days/2026-12-25?lang=ru", data={})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    assert "data-autofocus" in page.split('class="error-summary"')[1][:200]
    links = re.findall(r'<a href="#([^"]+)">', summary)
    first_slot = two_days[0].slots[0].id
    assert links == [f"slot-{first_slot}", "full_name", "category", "phone", "topic-0", "consent"]
    assert "Время: Выберите время." in summary and "ФИО: Обязательное поле." in summary
    # the time fieldset names its error
    assert 'aria-describedby="slot_id-error"' in page and 'id="slot_id-error"' in page
    assert db.session.scalar(select(Booking.id)) is None


def test_cancel_asks_first_then_shows_a_plain_cancelled_state(client, two_days):
    with time_machine.travel(NOW, tick=False):
        receipt = client.post("/days/2026-12-25?lang=ru", data=form(two_days[0].slots[2]))
    booking = db.session.scalars(select(Booking)).one()
    token = manage_token(booking.code)
    manage = get(client, receipt.location)
    assert f'href="/bookings/{booking.code}/cancel?token={token}"' in manage
    assert f'action="/bookings/{booking.code}/cancel"' not in manage  # no one-tap cancel

    ask = get(client, f"/bookings/{booking.code}/cancel?token={token}&lang=ru")
    assert "Отменить запись?" in ask and "Нет, оставить запись" in ask
    assert f'action="/bookings/{booking.code}/cancel"' in ask
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == BookingStatus.confirmed
    assert client.get(f"/bookings/{booking.code}/cancel?token=wrong").status_code == 404

    with time_machine.travel(NOW, tick=False):
        done = client.post(f"/bookings/{booking.code}/cancel", data={"token": token})
    cancelled = get(client, done.location)
    assert db.session.get(Booking, booking.id).status == BookingStatus.cancelled
    assert "Запись отменена" in cancelled and "<svg" not in cancelled
    assert "Покажите этот код" not in cancelled
    assert 'href="/days/2026-12-25"' in cancelled and "Записаться на другое время" in cancelled
    # asking again once cancelled goes back to the booking's page
    again = client.get(f"/bookings/{booking.code}/cancel?token={token}")
    assert again.status_code == 302 and f"/bookings/{booking.code}?" in again.location


def test_booking_state_rules(make_day):
    day = make_day(date(2026, 12, 25))
    state = days.booking_state
    assert state(day, datetime(2026, 11, 24, 18, 0, tzinfo=UTC), 36) == "opens"  # 23:00 local
    assert state(day, datetime(2026, 11, 24, 19, 0, tzinfo=UTC), 36) == "open"  # 00:00 local
    assert state(day, NOW, 0) == "full"
    assert state(day, NOW, 0, all_started=True) == "closed"
    assert state(day, day.ends_at, 0) == "closed"
