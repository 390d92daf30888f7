"""A citizen who gives only a phone books on a phone-sized screen, gets the SMS (at a local
server that answers as SMSC.kz does), opens its short link, and stops further SMS."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.core import outbox
from app.core.db import utcnow
from app.days import services as days
from app.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("app", ["sqlite"], indirect=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 390, "height": 844}, "locale": "ru-RU"}


def test_book_without_e_mail_receive_the_sms_and_stop_them(
    app, live_server, page, fake_smsc, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", live_server)
    on = days.today_local(utcnow()) + timedelta(days=6)
    day = days.new_day(on)
    db.session.add(day)
    db.session.commit()

    page.goto(f"{live_server}/days/{on.isoformat()}?lang=ru")
    page.get_by_label("11:00–11:20").check()
    page.get_by_label("ФИО").fill("Дана Омарова")
    page.get_by_label("В качестве кого Вы обращаетесь").select_option("citizen")
    page.get_by_label("Телефон").fill("8 707 555 12 34")
    page.get_by_label("Ход реализации Программы").check()
    expect(page.get_by_text("и на сообщения о записи по электронной почте и SMS")).to_be_visible()
    page.get_by_label("Даю согласие на сбор и обработку персональных данных").check()
    page.get_by_role("button", name="Записаться").click()
    expect(page.get_by_text("Ваша запись подтверждена")).to_be_visible()
    code = page.locator("#booking-code").inner_text().strip()
    expect(page.get_by_role("heading", name="SMS")).to_be_visible()

    assert outbox.deliver() == (1, 0)  # the worker's pass
    [message] = fake_smsc.messages
    assert message["phones"] == "+77075551234"
    assert message["mes"].startswith("День гражданских инициатив: запись подтверждена.")
    assert f"Код {code}" in message["mes"] and "в 11:00" in message["mes"]
    link = re.search(r"(http://\S+/m/\S+)", message["mes"])[1]

    page.goto(f"{live_server}/")
    page.goto(link)  # as if tapped in the SMS
    expect(page.locator("#booking-code")).to_have_text(code)
    page.get_by_role("button", name="Больше не присылать SMS").click()
    expect(page.get_by_text("SMS больше не будут приходить.")).to_be_visible()
    expect(page.get_by_role("button", name="Снова присылать SMS")).to_be_visible()

    page.get_by_label("Новое время").select_option(index=2)
    page.get_by_role("button", name="Перенести").click()
    expect(page.locator(".flash")).to_be_visible()
    assert outbox.deliver() == (0, 0)  # no SMS about the move: the visitor said no
    assert len(fake_smsc.messages) == 1
