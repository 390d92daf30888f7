"""The Day in the hall: a receptionist presses «Call next», the TV screen (another browser)
shows the code at that desk within 2 seconds, without reloading."""

import pytest
from playwright.sync_api import expect

from app.bookings.models import Category, Topic
from app.core.db import utcnow
from app.days import services as days
from app.extensions import db
from app.reception import services as desk
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("app", ["sqlite"], indirect=True)]


def test_a_call_reaches_the_hall_screen(app, live_server, browser, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "DISPLAY_STREAM_SECONDS", 60)
    day = days.new_day(days.today_local(utcnow()))
    db.session.add(day)
    db.session.commit()
    clerk = make_user("reception")
    walk = desk.WalkIn(full_name="Болат Исаев", category=Category.citizen, topic=Topic.problem,
                       phone="+77015550123")  # fmt: skip
    visitor = desk.register_walk_in(day, walk, by=clerk, now=utcnow())
    db.session.commit()

    hall = browser.new_context(viewport={"width": 1920, "height": 1080})
    screen = hall.new_page()
    screen.goto(f"{live_server}/display/{day.date}")
    expect(screen.locator("#waiting li")).to_have_text([visitor.code])
    expect(screen.locator("body")).to_have_attribute("data-live", "sse")

    office = browser.new_context()
    page = office.new_page()
    page.goto(f"{live_server}/login?next=/reception/{day.date}&lang=ru")
    page.get_by_label("Электронная почта").fill(clerk.email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_label("Моя стойка").select_option("2")
    page.get_by_role("button", name="Выбрать").click()
    page.get_by_role("button", name="Пригласить следующего").click()
    expect(page.locator(".call-current")).to_contain_text(visitor.code)

    desk_two = screen.locator('[data-desk="2"] [data-code]')
    expect(desk_two).to_have_text(visitor.code, timeout=2000)
    expect(screen.locator("#call")).to_be_visible(timeout=2000)
    expect(screen.locator('[data-desk="2"]')).to_have_class("desk flash")
    expect(screen.locator("#waiting li")).to_have_count(0, timeout=2000)
    assert "Болат" not in screen.content()
    office.close()
    hall.close()
