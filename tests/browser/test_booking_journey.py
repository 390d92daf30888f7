"""A citizen books a slot in Kazakh on a phone-sized screen, then cancels from the link."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.bookings.models import Booking, BookingStatus
from app.core.db import utcnow
from app.days import services as days
from app.days.models import Slot
from app.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("app", ["sqlite"], indirect=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 390, "height": 844}, "locale": "kk-KZ"}


def test_book_in_kazakh_then_cancel(live_server, page):
    on = days.today_local(utcnow()) + timedelta(days=6)
    day = days.new_day(on)
    db.session.add(day)
    db.session.commit()
    eleven = day.slots[3]  # 11:00–11:20 Almaty

    page.goto(f"{live_server}/days/{on.isoformat()}?lang=kk")
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    page.get_by_label("11:00–11:20").check()
    page.get_by_label("Т.А.Ә.").fill("Асқар Нұрланұлы")
    page.get_by_label("Кім ретінде келесіз").select_option("citizen")  # nothing is preselected
    page.get_by_label("Телефон").fill("8 701 123 45 67")
    page.get_by_label("Бағдарламаның іске асырылу барысы").check()
    page.get_by_role("button", name="Жазылу").click()

    # The consent is missing: the error shows beside it, in Kazakh, nothing is booked.
    expect(page.locator("#consent-error")).to_be_visible()
    assert db.session.scalar(select(Booking.id)) is None
    page.get_by_label("Дербес деректерімді жинауға және өңдеуге келісім беремін").check()
    page.get_by_label("11:00–11:20").check()
    page.get_by_role("button", name="Жазылу").click()

    expect(page.get_by_text("Сіздің жазылымыңыз расталды")).to_be_visible()
    code = page.locator("#booking-code").inner_text().strip()
    expect(page.locator(".qr svg")).to_be_visible()
    expect(page.locator("#booking-time")).to_have_text("11:00–11:20")
    db.session.expire_all()
    booking = db.session.scalars(select(Booking).where(Booking.code == code)).one()
    assert booking.language == "kk" and booking.phone == "+77011234567"
    assert db.session.get(Slot, eleven.id).booked == 1

    manage_link = page.url
    page.goto(f"{live_server}/")
    page.goto(manage_link)
    # Cancelling takes a second step: the first tap only asks.
    page.get_by_role("link", name="Жазылымнан бас тарту").click()
    expect(page.get_by_role("heading", name="Жазылымнан бас тартасыз ба?")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == BookingStatus.confirmed
    page.get_by_role("button", name="Иә, жазылымнан бас тарту").click()
    # The cancelled state: said plainly, focused, no QR and no "show this code", and a way
    # to book again.
    expect(page.get_by_role("heading", name="Жазылымнан бас тартылды", exact=True)).to_be_visible()
    expect(page.locator("#cancelled")).to_be_focused()
    expect(page.locator(".qr")).to_have_count(0)
    expect(page.get_by_text("Осы кодты")).to_have_count(0)
    page.get_by_role("link", name="Басқа уақытқа жазылу").click()
    expect(page).to_have_url(f"{live_server}/days/{on.isoformat()}")
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == BookingStatus.cancelled
    assert db.session.get(Slot, eleven.id).booked == 0
