"""A coordinator registers two delegates; the office dashboard shows the district on track."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.core.db import utcnow
from app.days import services as days
from app.extensions import db
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("app", ["sqlite"], indirect=True)]


def sign_in(page, live_server, user):
    page.goto(f"{live_server}/login?lang=ru")
    page.get_by_label("Электронная почта").fill(user.email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()


def test_two_delegates_put_the_district_on_track(live_server, page, make_user):
    on = days.today_local(utcnow()) + timedelta(days=10)
    db.session.add(days.new_day(on))
    db.session.commit()
    coordinator = make_user("district", district="karkaraly")
    admin = make_user("admin")

    sign_in(page, live_server, coordinator)
    expect(page).to_have_url(f"{live_server}/districts/karkaraly/")
    page.get_by_role("link", name=re.compile(str(on.day))).first.click()
    for n, (name, role) in enumerate(
        [("Жанар Бекова", "ответственный за проект"), ("Ерболат Сапаров", "представитель НПО")]
    ):
        page.get_by_label("ФИО").fill(name)
        page.get_by_label("Должность").fill("специалист")
        page.get_by_label("Телефон").fill(f"8 702 555 00 1{n}")
        page.get_by_label("В качестве").select_option(label=role)
        page.get_by_role("button", name="Зарегистрировать").click()
        expect(page.locator(".flash-success")).to_contain_text(name)
    expect(page.locator("#registered")).to_have_text("2")
    page.locator(".staff-menu summary").click()  # sign-out sits in the staff menu
    page.get_by_role("button", name="Выйти").click()

    sign_in(page, live_server, admin)
    page.goto(f"{live_server}/office/quotas?date={on.isoformat()}")
    row = page.locator('tr[data-district="karkaraly"]')
    expect(row.locator("td").first).to_have_text("2")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "on_track")
    expect(row.locator("[data-status]")).to_have_text("зарегистрированы")
    expect(page.locator('tr[data-district="shet"] [data-status]')).to_have_attribute(
        "data-status", "below"
    )
