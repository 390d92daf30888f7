"""A receptionist signs in, a scanner types a code and Enter, the visitor shows as arrived."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.bookings.models import Booking, BookingStatus
from app.core.db import utcnow
from app.days import services as days
from app.extensions import db
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("app", ["sqlite"], indirect=True)]


def test_scan_a_code_at_the_desk(live_server, page, make_user, make_booking):
    today = days.today_local(utcnow())
    day = days.new_day(today)
    db.session.add(day)
    db.session.commit()
    booking = make_booking(day.slots[-1], now=day.slots[-1].starts_at - timedelta(days=1),
                           full_name="Гульнара Сейткали")  # fmt: skip
    clerk = make_user("reception")

    page.goto(f"{live_server}/reception/?lang=ru")
    expect(page).to_have_url(re.compile(r"/login\?next=/reception/"))
    page.get_by_label("Электронная почта").fill(clerk.email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()

    expect(page).to_have_url(f"{live_server}/reception/{today.isoformat()}")
    box = page.locator("#q")
    expect(box).to_be_focused()
    expect(page.locator('[data-counter="arrived_booked"]')).to_have_text("0")
    # A USB scanner is a keyboard: it types the code and presses Enter.
    box.press_sequentially(booking.code.lower(), delay=15)
    box.press("Enter")

    expect(page.locator(".flash-success")).to_contain_text("Гульнара Сейткали")
    row = page.locator(f"#b{booking.id}")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "checked_in")
    expect(page.locator('[data-counter="arrived_booked"]')).to_have_text("1")
    expect(page.locator("#q")).to_be_focused()
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == BookingStatus.checked_in
