"""Booking through the pages: the form, errors beside fields, confirmation, manage."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from app.bookings.models import Booking, BookingStatus
from app.days.models import Slot
from app.extensions import db
from tests.html import selected

DAY = date(2026, 12, 25)
NOW = datetime(2026, 12, 20, 6, 0, tzinfo=UTC)


@pytest.fixture
def day(make_day):
    return make_day(DAY)


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def form(slot, **fields):
    data = {
        "slot_id": str(slot.id),
        "full_name": "Ержан Сапаров",
        "category": "citizen",
        "phone": "8 701 123 45 67",
        "email": "Erzhan@Example.KZ",
        "topic": "problem",
        "message": "Про проект «Туған жер»",
        "consent": "y",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def test_book_then_see_the_receipt(client, day, at_now):
    response = client.post(f"/days/{DAY}?lang=ru", data=form(day.slots[3]))
    assert response.status_code == 302
    booking = db.session.scalars(select(Booking)).one()
    assert booking.phone == "+77011234567"
    assert booking.email == "erzhan@example.kz"
    assert booking.language == "ru"
    assert f"/bookings/{booking.code}?token=" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "Ваша запись подтверждена" in page
    assert booking.code in page
    assert "<svg" in page  # the QR code, inline
    assert f"/bookings/{booking.code}.ics?token=" in page
    ics = client.get(response.location.replace(f"/{booking.code}?", f"/{booking.code}.ics?"))
    assert ics.mimetype == "text/calendar"
    assert b"DTSTART;TZID=Asia/Almaty:20261225T110000" in ics.data


@pytest.mark.parametrize(
    ("fields", "field", "ru", "kk"),
    [
        ({"full_name": ""}, "full_name", "Обязательное поле.", "Міндетті өріс."),
        ({"phone": "12345"}, "phone", "Неверный номер телефона.", "Телефон нөмірі қате."),
        ({"email": "not-an-address"}, "email", "Неверный адрес", "Электрондық пошта"),
        ({"consent": None}, "consent", "согласие", "келісім"),
        ({"category": "npo"}, "organization", "организацию", "ұйым"),
        ({"category": ""}, "category", "Обязательное поле.", "Міндетті өріс."),
        ({"category": None}, "category", "Обязательное поле.", "Міндетті өріс."),
        ({"full_name": "Я" * 20000}, "full_name", "", ""),
    ],
)
@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_errors_are_shown_beside_their_field(client, day, at_now, fields, field, ru, kk, lang):
    response = client.post(f"/days/{DAY}?lang={lang}", data=form(day.slots[0], **fields))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    errors = re.search(rf'<ul class="errors" id="{field}-error">(.*?)</ul>', page, re.S)
    assert errors, f"no error beside {field}"
    assert (ru if lang == "ru" else kk).lower() in errors.group(1).lower()
    assert db.session.scalar(select(func.count(Booking.id))) == 0


@pytest.mark.parametrize("typed", ["8 701 123 45 67", "+7 (701) 123-45-67", "87011234567"])
def test_phones_as_people_type_them(client, day, at_now, typed):
    response = client.post(f"/days/{DAY}", data=form(day.slots[0], phone=typed))
    assert response.status_code == 302
    assert db.session.scalars(select(Booking.phone)).one() == "+77011234567"


def test_a_full_slot_says_so_beside_the_time(client, day, at_now):
    slot = day.slots[0]
    for n in range(2):
        client.post(f"/days/{DAY}", data=form(slot, phone=f"8701000000{n}", email=None))
    response = client.post(f"/days/{DAY}?lang=kk", data=form(slot, phone="87010000009"))
    assert response.status_code == 422
    assert db.session.get(Slot, slot.id).booked == 2
    assert 'id="slot_id-error"' in response.get_data(as_text=True)


def test_the_honeypot_books_nothing(client, day, at_now):
    response = client.post(f"/days/{DAY}", data=form(day.slots[0], website="http://spam"))
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Booking.id))) == 0


def test_visitor_text_is_escaped(client, day, at_now):
    name = '<script>alert("x")</script>'
    response = client.post(f"/days/{DAY}", data=form(day.slots[0], full_name=name))
    page = client.get(response.location).get_data(as_text=True)
    assert name not in page
    assert "&lt;script&gt;" in page


def test_cancel_from_the_manage_link(client, day, at_now):
    response = client.post(f"/days/{DAY}?lang=kk", data=form(day.slots[0]))
    manage = response.location
    token = manage.split("token=")[1]
    code = manage.split("/bookings/")[1].split("?")[0]
    done = client.post(f"/bookings/{code}/cancel", data={"token": token})
    assert done.status_code == 302
    page = client.get(done.location).get_data(as_text=True)
    assert "жазылымнан бас тартылды" in page.lower() or "Жазылымнан" in page
    assert db.session.scalars(select(Booking.status)).one() == BookingStatus.cancelled
    assert db.session.get(Slot, day.slots[0].id).booked == 0


def test_move_from_the_manage_link(client, day, at_now):
    response = client.post(f"/days/{DAY}", data=form(day.slots[0]))
    token = response.location.split("token=")[1]
    code = response.location.split("/bookings/")[1].split("?")[0]
    page = client.get(response.location).get_data(as_text=True)
    assert f'value="{day.slots[4].id}"' in page
    assert selected(page, "slot_id") == ""  # no time is proposed for the visitor
    stay = client.post(f"/bookings/{code}/move", data={"token": token, "slot_id": ""})
    assert "Выберите время." in client.get(stay.location).get_data(as_text=True)
    assert db.session.scalars(select(Booking.slot_id)).one() == day.slots[0].id
    client.post(f"/bookings/{code}/move", data={"token": token, "slot_id": day.slots[4].id})
    booking = db.session.scalars(select(Booking)).one()
    assert booking.slot_id == day.slots[4].id


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_a_wrong_token_is_a_404(client, day, at_now, lang):
    response = client.post(f"/days/{DAY}", data=form(day.slots[0]))
    code = response.location.split("/bookings/")[1].split("?")[0]
    for url in (f"/bookings/{code}?token=guess", f"/bookings/{code}", f"/bookings/{code}.ics"):
        assert client.get(f"{url}&lang={lang}" if "?" in url else url).status_code == 404
    assert client.post(f"/bookings/{code}/cancel", data={"token": "guess"}).status_code == 404
    assert db.session.scalars(select(Booking.status)).one() == BookingStatus.confirmed


def test_before_the_window_the_page_says_when_it_opens(client, make_day):
    make_day(date(2027, 3, 26))
    with time_machine.travel(NOW, tick=False):
        page = client.get("/days/2027-03-26?lang=ru").get_data(as_text=True)
    assert "Запись ещё не открыта" in page and "Запись откроется: 24 февраля 2027\u202fг." in page
    assert 'name="full_name"' not in page and 'name="slot_id"' not in page


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_privacy_notice_in_both_languages(client, lang):
    page = client.get(f"/privacy?lang={lang}").get_data(as_text=True)
    assert ("персональных данных" if lang == "ru" else "Дербес деректер") in page
