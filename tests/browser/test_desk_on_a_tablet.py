"""The desk on a tablet (768 px) and a phone (360 px): each visitor is a card with the time,
status, code, name and one large primary action; nothing scrolls sideways."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.core.db import utcnow
from app.days import services as days
from app.extensions import db
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("app", ["sqlite"], indirect=True)]


@pytest.mark.parametrize("width", [768, 360])
def test_each_visitor_is_a_card(live_server, page, make_user, make_booking, width):
    day = days.new_day(days.today_local(utcnow()))
    db.session.add(day)
    db.session.commit()
    later = day.slots[-1]
    booking = make_booking(later, now=later.starts_at - timedelta(days=1),
                           full_name="Гульнара Сейткали", phone="+77011234501")  # fmt: skip
    clerk = make_user("reception")
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto(f"{live_server}/login?lang=ru")
    page.get_by_label("Электронная почта").fill(clerk.email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.locator("#q")).to_be_focused()

    assert page.evaluate("document.documentElement.scrollWidth") <= width
    card = page.locator(f"#b{booking.id}")
    assert card.evaluate("e => getComputedStyle(e).display") == "grid"
    expect(card).to_contain_text("Гульнара Сейткали")
    expect(card).to_contain_text("+7 701 123 45 01")
    expect(card).to_contain_text(booking.code)
    button = card.get_by_role("button", name="Отметить прибытие")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= width
    assert box["width"] >= card.bounding_box()["width"] * 0.8  # the one large action
    button.click()
    expect(page.locator(f"#b{booking.id} [data-status]")).to_have_attribute(
        "data-status", "checked_in"
    )
    page.screenshot(path=f"/tmp/desk-{width}.png", full_page=True)
