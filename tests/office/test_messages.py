"""The office's list of undelivered messages and the desk's "call them" block."""

from datetime import UTC, date, datetime

from app.bookings import services as bookings
from app.core import outbox
from app.extensions import db
from tests.conftest import sign_in

DAY = date(2026, 12, 25)
BEFORE = datetime(2026, 12, 20, 6, 0, tzinfo=UTC)


def test_a_refused_sms_is_listed_for_the_office_and_the_desk(
    app, client, make_day, make_user, visitor, fake_smsc
):
    day = make_day(DAY)
    booking = bookings.book_slot(day.slots[0], visitor(email=None, full_name="Дана Омарова"),
                                 now=BEFORE)  # fmt: skip
    reached = bookings.book_slot(day.slots[1], visitor(email=None), now=BEFORE)
    db.session.commit()
    fake_smsc.mode = ("error", 8)  # this number cannot be texted
    outbox.deliver(limit=1)
    fake_smsc.mode = None
    outbox.deliver()
    sign_in(client, make_user("reception"))
    page = client.get("/office/messages?lang=ru").get_data(as_text=True)
    assert "Недоставленные сообщения" in page
    assert booking.code in page and "Дана Омарова" in page and "SMSC error 8" in page
    assert "подтверждение записи" in page
    assert reached.code not in page
    assert "Отправлено SMS сегодня: 1 из 500." in page
    assert booking.code not in client.get("/office/messages?channel=email").get_data(as_text=True)
    desk = client.get(f"/reception/{DAY}?lang=ru").get_data(as_text=True)
    assert "Не получили сообщение: позвоните" in desk and "SMSC error 8" in desk


def test_the_office_is_warned_when_the_daily_budget_is_spent(
    app, client, make_day, make_user, visitor, fake_smsc, monkeypatch
):
    monkeypatch.setitem(app.config, "SMS_DAILY_LIMIT", 1)
    day = make_day(DAY)
    for n in range(3):
        bookings.book_slot(day.slots[n], visitor(email=None), now=BEFORE)
    db.session.commit()
    outbox.deliver()
    sign_in(client, make_user("admin"))
    page = client.get("/office/messages?lang=ru").get_data(as_text=True)
    assert "Дневной лимит SMS (1) исчерпан: 2 SMS ждут до завтра." in page
