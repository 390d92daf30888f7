"""A visitor opens the site, switches to Kazakh and sees the next Day's slots."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.core.db import utcnow
from app.days import services
from app.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("app", ["sqlite"], indirect=True)]


def test_switch_to_kazakh_and_open_the_next_day(live_server, page):
    today = services.today_local(utcnow())
    services.generate_days((today + timedelta(days=1)).replace(day=1), 3)
    db.session.commit()
    upcoming = services.next_day(utcnow())

    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", name="Ближайший День")).to_be_visible()

    page.get_by_role("link", name="Қазақша").click()
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.get_by_role("heading", name="Келесі күн")).to_be_visible()

    page.get_by_role("link", name="Уақытты таңдап, жазылу").click()
    expect(page).to_have_url(f"{live_server}/days/{upcoming.date.isoformat()}")
    expect(page.get_by_role("heading", name="Уақытқа жазылу")).to_be_visible()
    expect(page.locator(".slot-tile:not(.slot-tile-off)")).to_have_count(18)
    expect(page.locator(".slot-tile").first).to_contain_text("10:00–10:20")
    expect(page.locator(".slot-tile").first).to_contain_text("бос: 2")
