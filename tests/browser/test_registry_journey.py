"""Reception records a proposal for a visitor who arrived; the office finds it in the
regional registry (a «Туған жер» charity entry goes there, seed point 8)."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.bookings.models import Topic
from app.core.db import utcnow
from app.days import services as days
from app.extensions import db
from app.reception import services as desk
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("app", ["sqlite"], indirect=True)]


def sign_in(page, live_server, user):
    page.goto(f"{live_server}/login?lang=ru")
    page.get_by_label("Электронная почта").fill(user.email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()


def test_reception_records_a_proposal_and_the_office_finds_it(live_server, page, make_user,
                                                              make_booking):  # fmt: skip
    today = days.today_local(utcnow())
    day = days.new_day(today)
    db.session.add(day)
    db.session.commit()
    booking = make_booking(day.slots[0], now=day.slots[0].starts_at - timedelta(days=1),
                           full_name="Нурлан Абенов", topic=Topic.proposal)  # fmt: skip
    clerk = make_user("reception")
    desk.check_in(booking, day=day, by=clerk, now=utcnow())
    db.session.commit()

    sign_in(page, live_server, clerk)
    page.goto(f"{live_server}/reception/{today.isoformat()}")
    page.locator(f"#b{booking.id}").get_by_role("link", name="Внести предложение").click()
    page.get_by_label("Вид").select_option("event")
    page.get_by_label("Название", exact=True).fill("Субботник у памятника")
    page.get_by_label("Подпрограмма").select_option("atameken")
    page.get_by_label("Спецпроект").select_option("tugan_zher")
    page.get_by_label("Район или город").select_option("osakarov")
    page.get_by_label("Значение").select_option("district")  # nothing is preselected
    page.get_by_label("Дата проведения мероприятия").fill("2027-04-24")
    page.get_by_label("Благотворительность или меценатство").check()
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator(".flash-success")).to_contain_text("REG-")
    page.locator(".staff-menu summary").click()  # sign-out sits in the staff menu
    page.get_by_role("button", name="Выйти").click()

    sign_in(page, live_server, make_user("admin"))
    page.goto(f"{live_server}/registry/?registry=regional")
    row = page.locator("tr[data-number^='REG-']")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Субботник у памятника")
    row.get_by_role("link").first.click()
    expect(page.get_by_text("Нурлан Абенов")).to_be_visible()
    expect(page.locator("#proposal-status")).to_have_text("подано")
