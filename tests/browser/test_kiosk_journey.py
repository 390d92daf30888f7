"""A visitor at the entrance tablet (768 px, in Kazakh) checks in by typing their code, and a
walk-in joins the queue; each sees only their own code and place."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.core.db import utcnow
from app.days import services as days
from app.extensions import db
from app.queue import kiosk

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("app", ["sqlite"], indirect=True)]


def test_kiosk_journey_on_a_tablet_in_kazakh(live_server, browser, make_user, make_booking):
    day = days.new_day(days.today_local(utcnow()))
    db.session.add(day)
    db.session.commit()
    slot = day.slots[-1]
    booking = make_booking(slot, now=slot.starts_at - timedelta(hours=1),
                           full_name="Сәуле Жұмабаева")  # fmt: skip
    _device, token = kiosk.create_device("Кіреберіс", by=make_user("reception"), now=utcnow())
    db.session.commit()

    tablet = browser.new_context(viewport={"width": 768, "height": 1024}, has_touch=True)
    tablet.add_cookies([{"name": "kiosk_device", "value": token, "url": live_server}])
    page = tablet.new_page()
    page.goto(f"{live_server}/kiosk/")
    page.locator(".kiosk-langs").get_by_role("link", name="Қазақша").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Қош келдіңіз! Осында белгіленіңіз")
    box = page.locator("#code")
    expect(box).to_be_focused()
    box.press_sequentially(booking.code.lower(), delay=20)  # as a USB scanner types it
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Сіз белгілендіңіз")
    expect(page.locator("#kiosk-code")).to_have_text(booking.code)
    expect(page.locator(".kiosk-place")).to_have_text("Кезектегі орныңыз: 1")
    assert "Сәуле" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 768

    page.get_by_role("link", name="Дайын").click()
    page.get_by_role("link", name="Алдын ала жазылусыз").click()
    page.get_by_label("Т.А.Ә.").fill("Ерлан Сапаров")
    page.get_by_label("Телефон").fill("8 701 444 55 77")
    page.locator("input[name=topic]").first.check()
    page.locator("#consent").check()
    page.get_by_role("button", name="Кезекке тұру").click()
    # Ahead of the booked visitor while their time has not begun (the order rule), after
    # them once it has.
    expect(page.locator(".kiosk-place")).to_have_text(re.compile(r"^Кезектегі орныңыз: [12]$"))
    assert "Сәуле" not in page.content() and booking.code not in page.content()

    page.goto(f"{live_server}/kiosk/")
    page.locator("#code").fill("AAAAAA")
    page.locator("#code").press("Enter")
    expect(page.locator(".kiosk-message")).to_have_text(
        "Бұл код табылмады. Қабылдау орнына өтіңіз.")  # fmt: skip
    tablet.close()
