"""SMS through the outbox to a local server that answers as SMSC.kz does: what the visitor
receives, in their language; outages, limits, opt-out, short links, delivery reports."""

import re
import threading
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from app.bookings import services as bookings
from app.core import channels, outbox
from app.core.i18n import LOCAL_TZ
from app.core.outbox import Channel, DeliveryStatus, OutboxMessage, OutboxStatus
from app.extensions import db
from app.office import days as office_days
from app.registry import services as registry
from app.registry.models import Origin, Status
from tests.conftest import free_port

DAY = date(2026, 12, 25)
BEFORE = datetime(2026, 12, 20, 6, 0, tzinfo=UTC)


def sms_rows():
    db.session.expire_all()
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.channel == Channel.sms).order_by(OutboxMessage.id)
    ).all()


def test_book_move_cancel_texts_a_visitor_without_e_mail_in_kazakh(
    app,
    client,
    make_day,
    visitor,
    fake_smsc,
):
    day = make_day(DAY)
    booking = bookings.book_slot(day.slots[0], visitor(email=None, language="kk"), now=BEFORE)
    db.session.commit()
    bookings.move_booking(booking, day.slots[5], now=BEFORE)
    db.session.commit()
    bookings.cancel_booking(booking, now=BEFORE)
    db.session.commit()
    assert outbox.deliver() == (3, 0)
    confirmed, moved, cancelled = fake_smsc.messages
    assert {m["phones"] for m in fake_smsc.messages} == {booking.phone}
    assert confirmed["mes"].startswith("Азаматтық бастамалар күні: жазылымыңыз расталды.")
    assert f"Код {booking.code}, 25.12.2026, 10:00" in confirmed["mes"]
    assert "Қарағанды" in confirmed["mes"]
    assert f"жазылым {booking.code} ауыстырылды: 25.12.2026, 11:40" in moved["mes"]
    assert booking.code in cancelled["mes"] and "11:40" in cancelled["mes"]
    assert "http" not in cancelled["mes"]  # nothing left to manage
    # The short link of the SMS opens the booking's manage page.
    link = re.search(r"http://testserver(/m/\S+)", confirmed["mes"])[1]
    opened = client.get(link)
    assert opened.status_code == 302 and f"/bookings/{booking.code}?token=" in opened.location
    assert client.get(opened.location).status_code == 200
    rows = sms_rows()
    assert [r.status for r in rows] == [OutboxStatus.sent] * 3
    assert rows[0].body == confirmed["mes"] and rows[0].provider_id == str(rows[0].id)
    assert confirmed["id"] == str(rows[0].id)  # our id: a repeated request is one message


def test_russian_confirmation_with_both_channels(app, make_day, visitor, smtp_server, fake_smsc):
    day = make_day(DAY)
    booking = bookings.book_slot(day.slots[2], visitor(language="ru"), now=BEFORE)
    db.session.commit()
    assert outbox.deliver() == (2, 0)
    assert len(smtp_server.messages) == 1
    [text] = fake_smsc.texts()
    assert text.startswith("День гражданских инициатив: запись подтверждена. Код ")
    assert f"{booking.code}, 25.12.2026 в 10:40" in text


def test_provider_down_mail_goes_sms_waits_and_is_sent_once_later(
    app,
    make_day,
    visitor,
    smtp_server,
    fake_smsc,
):
    day = make_day(DAY)
    for n in range(3):
        bookings.book_slot(day.slots[n], visitor(), now=BEFORE)
    db.session.commit()
    fake_smsc.mode = "http500"
    sent, failed = outbox.deliver()
    assert (sent, failed) == (3, 1)  # all mail; one SMS tried, the rest held back with it
    assert len(smtp_server.messages) == 3
    rows = sms_rows()
    assert [r.status for r in rows] == [OutboxStatus.pending] * 3
    assert [r.attempts for r in rows] == [1, 0, 0]
    assert "HTTP 500" in rows[0].last_error
    assert all(r.next_attempt_at > datetime.now(UTC) for r in rows)
    assert outbox.deliver() == (0, 0)  # backing off: nothing asked of the provider
    assert len(fake_smsc.requests) == 1

    fake_smsc.mode = "garbage"  # up, but answering a maintenance page
    later = datetime.now(UTC) + timedelta(minutes=2)
    assert outbox.deliver(now=later) == (0, 1)
    assert "not JSON" in sms_rows()[0].last_error

    fake_smsc.mode = None
    much_later = later + timedelta(minutes=10)
    assert outbox.deliver(now=much_later) == (3, 0)
    assert outbox.deliver(now=much_later + timedelta(hours=2)) == (0, 0)
    assert len(fake_smsc.messages) == 3
    assert len(smtp_server.messages) == 3  # mail was never sent again


def test_a_slow_provider_is_a_timeout_not_a_hang(app, make_day, visitor, fake_smsc):
    day = make_day(DAY)
    bookings.book_slot(day.slots[0], visitor(email=None), now=BEFORE)
    db.session.commit()
    fake_smsc.mode, fake_smsc.delay = "slow", 2.5  # SMS_TIMEOUT is 1 s in the tests
    assert outbox.deliver() == (0, 1)
    [row] = sms_rows()
    assert row.status == OutboxStatus.pending and "timeout" in row.last_error


def test_an_invalid_number_is_given_up_at_once_and_shown(app, make_day, visitor, fake_smsc):
    day = make_day(DAY)
    bookings.book_slot(day.slots[0], visitor(email=None), now=BEFORE)
    db.session.commit()
    fake_smsc.mode = ("error", 7)
    assert outbox.deliver() == (0, 1)
    [row] = sms_rows()
    assert row.status == OutboxStatus.failed and row.delivery_status == DeliveryStatus.failed
    assert "SMSC error 7" in row.last_error
    fake_smsc.mode = None
    assert outbox.deliver(now=datetime.now(UTC) + timedelta(days=1)) == (0, 0)  # never again
    assert outbox.undelivered("sms") == [row]
    assert outbox.undelivered("email") == []


def test_a_change_queued_twice_is_texted_once(app, make_day, visitor, fake_smsc):
    day = make_day(DAY)
    booking = bookings.book_slot(day.slots[0], visitor(email=None), now=BEFORE)
    bookings.notify("booking_confirmed", booking, slot=booking.slot, day=day)  # again
    db.session.commit()
    assert len(sms_rows()) == 1
    assert outbox.deliver() == (1, 0)


def test_the_daily_budget_holds_sms_until_tomorrow(app, make_day, visitor, fake_smsc, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_DAILY_LIMIT", 2)
    day = make_day(DAY)
    for n in range(3):
        bookings.book_slot(day.slots[n], visitor(email=None), now=BEFORE)
    db.session.commit()
    now = datetime.now(UTC)
    assert outbox.deliver(now=now) == (2, 0)
    assert outbox.sms_sent_today(now) == 2 and outbox.sms_waiting(now) == 1
    held = sms_rows()[2]
    assert held.status == OutboxStatus.pending and "SMS_DAILY_LIMIT" in held.last_error
    local_midnight = held.next_attempt_at.astimezone(LOCAL_TZ)
    assert (local_midnight.hour, local_midnight.minute) == (0, 0)
    assert outbox.deliver(now=now + timedelta(minutes=30)) == (0, 0)
    assert outbox.deliver(now=held.next_attempt_at) == (1, 0)
    assert len(fake_smsc.messages) == 3


def test_no_more_than_five_sms_to_one_phone_a_day(app, make_day, visitor, fake_smsc):
    days = [make_day(DAY + timedelta(days=7 * n)) for n in range(3)]
    booking = bookings.book_slot(days[0].slots[0], visitor(email=None), now=BEFORE)
    db.session.commit()
    for n in range(1, 6):  # five moves: six SMS
        bookings.move_booking(booking, days[n % 3].slots[n], now=BEFORE)
        db.session.commit()
    assert outbox.deliver() == (5, 0)
    assert sms_rows()[5].last_error == "5 SMS to this phone today"


def test_numbers_outside_kazakhstan_are_not_texted_unless_allowed(
    app,
    make_day,
    visitor,
    fake_smsc,
    monkeypatch,
):
    day = make_day(DAY)
    bookings.book_slot(day.slots[0], visitor(email=None, phone="+4915112345678"), now=BEFORE)
    bookings.book_slot(day.slots[1], visitor(email=None, phone="+77212400863"), now=BEFORE)
    db.session.commit()
    assert sms_rows() == []  # a German mobile; a Karaganda landline
    monkeypatch.setitem(app.config, "SMS_ALLOW_FOREIGN", True)
    bookings.book_slot(day.slots[2], visitor(email=None, phone="+4915112345679"), now=BEFORE)
    db.session.commit()
    assert [r.recipient for r in sms_rows()] == ["+4915112345679"]


def test_without_consent_no_sms(app, make_day, visitor, fake_smsc):
    day = make_day(DAY)
    bookings.book_slot(day.slots[0], visitor(consent=False), now=BEFORE)
    db.session.commit()
    assert sms_rows() == []


def test_opt_out_on_the_manage_page(app, client, make_day, visitor, fake_smsc):
    day = make_day(DAY)
    booking = bookings.book_slot(day.slots[0], visitor(), now=BEFORE)
    db.session.commit()
    token = booking.manage_token
    page = client.get(f"/bookings/{booking.code}?token={token}&lang=ru").get_data(as_text=True)
    assert "Больше не присылать SMS" in page
    answer = client.post(f"/bookings/{booking.code}/sms", data={"token": token, "sms": "off"})
    assert answer.status_code == 302
    assert sms_rows() == []  # the queued confirmation is dropped, the mail stays
    assert db.session.get(type(booking), booking.id).sms_opt_out_at is not None
    bookings.move_booking(db.session.get(type(booking), booking.id), day.slots[4], now=BEFORE)
    db.session.commit()
    assert sms_rows() == []
    mails = db.session.scalars(select(OutboxMessage)).all()
    assert [m.channel for m in mails] == [Channel.email, Channel.email]
    page = client.get(f"/bookings/{booking.code}?token={token}&lang=kk").get_data(as_text=True)
    assert "SMS қайта жіберілсін" in page
    client.post(f"/bookings/{booking.code}/sms", data={"token": token, "sms": "on"})
    assert db.session.get(type(booking), booking.id).sms_opt_out_at is None
    wrong = client.post(f"/bookings/{booking.code}/sms", data={"token": "nope", "sms": "off"})
    assert wrong.status_code == 404


def test_short_links_revoke_apart_from_mail_links(app, client, make_day, visitor):
    day = make_day(DAY)
    booking = bookings.book_slot(day.slots[0], visitor(), now=BEFORE)
    db.session.commit()
    short = bookings.sms_token(booking.code, 0)
    assert len(short) == bookings.SMS_TOKEN_LENGTH
    assert client.get(f"/m/{booking.code}/{short}").status_code == 302
    assert client.get(f"/m/{booking.code}/{short.lower()}").status_code == 302  # typed by hand
    assert client.get(f"/m/{booking.code}/{short[:-1]}A").status_code in (302, 404)
    assert client.get(f"/m/{booking.code}/WRONGTOKEN").status_code == 404
    # The page without the token part asks for it.
    form = client.get(f"/m/{booking.code}?lang=ru")
    assert form.status_code == 200 and 'name="t"' in form.get_data(as_text=True)
    typed = client.get(f"/m/{booking.code}?t={short}")
    assert typed.status_code == 302 and typed.location.endswith(f"/m/{booking.code}/{short}")
    assert client.get("/m/NOTACODE").status_code == 404
    bookings.revoke_sms_links(booking)
    db.session.commit()
    assert client.get(f"/m/{booking.code}/{short}").status_code == 404
    new = bookings.sms_token(booking.code, 1)
    assert client.get(f"/m/{booking.code}/{new}").status_code == 302
    mail_link = f"/bookings/{booking.code}?token={booking.manage_token}"
    assert client.get(mail_link).status_code == 200


def test_delivery_reports_through_the_command(app, make_day, visitor, fake_smsc):
    day = make_day(DAY)
    first = bookings.book_slot(day.slots[0], visitor(email=None), now=BEFORE)
    bookings.book_slot(day.slots[1], visitor(email=None), now=BEFORE)
    db.session.commit()
    assert outbox.deliver() == (2, 0)
    rows = sms_rows()
    fake_smsc.states[rows[1].provider_id] = 20  # the operator could not deliver it
    result = app.test_cli_runner().invoke(args=["outbox", "sms-status"])
    assert result.exit_code == 0, result.output
    assert "1 delivered, 1 failed, 0 pending" in result.output
    rows = sms_rows()
    assert rows[0].delivery_status == DeliveryStatus.delivered and rows[0].delivered_at
    assert rows[1].delivery_status == DeliveryStatus.failed
    assert outbox.undelivered("sms") == [rows[1]]
    asked = len(fake_smsc.requests)
    result = app.test_cli_runner().invoke(args=["outbox", "sms-status"])
    assert "0 delivered, 0 failed, 0 pending" in result.output  # final reports: not asked again
    assert len(fake_smsc.requests) == asked
    assert first.code in rows[0].body


def test_sms_status_with_the_provider_down(app, make_day, visitor, fake_smsc):
    day = make_day(DAY)
    bookings.book_slot(day.slots[0], visitor(email=None), now=BEFORE)
    db.session.commit()
    outbox.deliver()
    fake_smsc.mode = "http500"
    result = app.test_cli_runner().invoke(args=["outbox", "sms-status"])
    assert result.exit_code == 1 and "did not answer" in result.output
    assert sms_rows()[0].delivery_status is None


def test_the_log_backend_is_the_default(app, make_day, visitor, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_ENABLED", True)
    assert app.config["SMS_BACKEND"] == "log"
    day = make_day(DAY)
    bookings.book_slot(day.slots[0], visitor(email=None), now=BEFORE)
    db.session.commit()
    assert outbox.deliver() == (1, 0)
    [row] = sms_rows()
    assert row.provider_id == f"log-{row.id}" and "Код" in row.body


def test_sms_off_queues_none(app, make_day, visitor):
    assert app.config["SMS_ENABLED"] is False  # the test default
    day = make_day(DAY)
    bookings.book_slot(day.slots[0], visitor(email=None), now=BEFORE)
    db.session.commit()
    assert sms_rows() == []
    contact = channels.Contact(phone="+77015550000", sms_allowed=True)
    assert channels.routes("booking_confirmed", contact) == []


def test_reminder_day_moved_and_cancelled_reach_a_phone_only_visitor(
    app, make_day, visitor, fake_smsc
):
    day = make_day(DAY)
    booking = bookings.book_slot(day.slots[3], visitor(email=None), now=BEFORE)
    db.session.commit()
    eve = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)
    assert bookings.queue_reminders(eve) == 1
    assert bookings.queue_reminders(eve) == 0  # hourly runs queue it once
    db.session.commit()
    wanted = office_days.DayChanges(date=date(2026, 12, 24), opens=time(10), closes=time(16),
                                    slot_minutes=20, slot_capacity=2)  # fmt: skip
    office_days.edit_day(day, wanted, now=BEFORE)
    db.session.commit()
    cancel = office_days.DayChanges(date=date(2026, 12, 24), opens=time(10), closes=time(16),
                                    slot_minutes=20, slot_capacity=2, cancelled=True)  # fmt: skip
    office_days.edit_day(day, cancel, now=BEFORE)
    db.session.commit()
    assert outbox.deliver() == (4, 0)
    _confirmed, reminder, moved, cancelled = fake_smsc.texts()
    assert reminder.startswith("Напоминание: завтра, 25.12.2026, в 11:00")
    assert f"Код {booking.code}." in reminder
    assert moved.startswith(f"День гражданских инициатив перенесён. Запись {booking.code}: "
                            "24.12.2026, 11:00. http://testserver/m/")  # fmt: skip
    assert cancelled == (f"День гражданских инициатив 24.12.2026 отменён, запись {booking.code} "
                         "отменена.")  # fmt: skip


def test_a_proposal_from_a_visit_is_answered_by_sms(app, make_day, visitor, make_proposal,
                                                    fake_smsc):  # fmt: skip
    day = make_day(DAY)
    booking = bookings.book_slot(day.slots[0], visitor(email=None, language="kk"), now=BEFORE)
    db.session.commit()
    proposal = make_proposal(booking=booking, email=None, phone=booking.phone, language="kk",
                             origin=Origin.booking)  # fmt: skip
    registry.change_status(proposal, Status.under_review, now=BEFORE, by=None)
    db.session.commit()
    outbox.deliver()
    texts = fake_smsc.texts()[1:]
    assert texts == [
        f"Азаматтық бастамалар күні: {proposal.number} ұсынысыңыз — жіберілді.",
        f"Азаматтық бастамалар күні: {proposal.number} ұсынысыңыз — қаралуда.",
    ]
    # An entry not raised at a booking has no SMS consent: mail only.
    other = make_proposal(phone="+77015559999", email=None)
    assert other.number and len(sms_rows()) == 3


def test_smtp_down_never_delays_sms(app, make_day, visitor, fake_smsc, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens
    monkeypatch.setitem(app.config, "MAIL_SUPPRESS_SEND", False)
    day = make_day(DAY)
    bookings.book_slot(day.slots[0], visitor(), now=BEFORE)
    bookings.book_slot(day.slots[1], visitor(), now=BEFORE)
    db.session.commit()
    assert outbox.deliver() == (2, 2)  # both mails failed, both SMS sent
    assert len(fake_smsc.messages) == 2
    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.channel == Channel.email)
    ).all()
    assert [m.status for m in mails] == [OutboxStatus.pending] * 2


def test_two_workers_and_a_slow_provider_send_each_sms_once(app, make_day, visitor, fake_smsc):
    day = make_day(DAY)
    for n in range(4):
        bookings.book_slot(day.slots[n], visitor(email=None), now=BEFORE)
    db.session.commit()
    fake_smsc.mode, fake_smsc.delay = "slow", 0.3
    results = []

    def worker():
        with app.app_context():
            results.append(outbox.deliver())
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(sent for sent, _failed in results) == 4
    assert len(fake_smsc.messages) == 4
    assert len({m["phones"] for m in fake_smsc.messages}) == 4
