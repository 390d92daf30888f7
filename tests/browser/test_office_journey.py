"""The office on a 360 px phone: the admin signs in, lands on the office home, opens the
statistics from the menu, and downloads a table as XLSX."""

import io
from datetime import timedelta

import openpyxl
import pytest
from playwright.sync_api import expect

from app.core.db import utcnow
from app.days import services as days
from app.extensions import db
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("app", ["sqlite"], indirect=True)]
PHONE = {"width": 360, "height": 740}


def fits(page):
    """Nothing wider than the screen: no sideways scrolling of the whole page."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_admin_runs_the_office_from_a_phone(browser, live_server, make_user, make_booking):
    on = days.today_local(utcnow()) - timedelta(days=1)
    day = days.new_day(on)
    db.session.add(day)
    db.session.commit()
    make_booking(day.slots[0], now=day.starts_at - timedelta(days=2))
    admin = make_user("admin")
    context = browser.new_context(viewport=PHONE, accept_downloads=True, locale="ru-RU")
    page = context.new_page()
    page.goto(f"{live_server}/login?lang=ru")
    page.get_by_label("Электронная почта").fill(admin.email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page).to_have_url(f"{live_server}/office/")
    expect(page.get_by_role("heading", name="Главная офиса")).to_be_visible()
    assert fits(page)
    page.get_by_text("Меню", exact=True).click()
    menu = page.locator(".staff-menu")
    expect(menu.get_by_role("link", name="Журнал аудита")).to_be_visible()
    menu.get_by_role("link", name="Статистика").click()
    expect(page).to_have_url(f"{live_server}/office/stats")
    expect(page.locator('[data-table="summary"] td.num').first).to_have_text("1")
    expect(page.locator('figure[data-chart="summary"] svg')).to_be_visible()
    assert fits(page)
    section = page.locator(".stats-section").filter(has_text="Посетители по категориям")
    with page.expect_download() as download:
        section.get_by_role("link", name="Скачать (XLSX)").click()
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["гражданин", 1] in [row[:2] for row in values]
    page.get_by_role("link", name="Главная офиса").first.click()
    page.get_by_role("button", name="Выйти").click()
    expect(page).to_have_url(f"{live_server}/")
    context.close()
