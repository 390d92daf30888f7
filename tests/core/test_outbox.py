"""Mail through the outbox to a real SMTP server (aiosmtpd): delivered once, never lost."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.bookings import services as bookings
from app.core import outbox
from app.core.outbox import OutboxMessage, OutboxStatus
from app.extensions import db
from tests.conftest import Inbox, free_port

DAY = date(2026, 12, 25)
BEFORE = datetime(2026, 12, 20, 6, 0, tzinfo=UTC)


@pytest.fixture
def booked(make_day, visitor):
    day = make_day(DAY)
    booking = bookings.book_slot(day.slots[3], visitor(language="kk"), now=BEFORE)
    db.session.commit()
    return booking


def calendar_of(message):
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return part, Calendar.from_ical(part.get_payload(decode=True))
    raise AssertionError("no text/calendar part")


def test_the_confirmation_arrives_with_a_parseable_ics(app, smtp_server, booked, client):
    assert outbox.deliver() == (1, 0)
    [message] = smtp_server.messages
    assert message["To"] == booked.email
    assert message["Subject"] == "Сіздің жазылымыңыз расталды"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert booked.code in text and booked.code in html
    assert "Қарағанды қ., Гоголь к-сі, 31, 204-кеңсе" in text
    part, cal = calendar_of(message)
    assert "method=REQUEST" in part["Content-Type"].replace('"', "")
    assert str(cal["METHOD"]) == "REQUEST"
    event = cal.events[0]
    assert event.start.astimezone(UTC) == datetime(2026, 12, 25, 6, 0, tzinfo=UTC)
    assert event.end.astimezone(UTC) == datetime(2026, 12, 25, 6, 20, tzinfo=UTC)
    assert str(event["UID"]).startswith(f"booking-{booked.code}@")
    link = next(w for w in text.split() if "/bookings/" in w and "token=" in w)
    assert client.get(link.replace("http://testserver", "")).status_code == 200
    row = db.session.scalars(select(OutboxMessage)).one()
    assert row.status == OutboxStatus.sent and row.attempts == 1


def test_the_cancellation_carries_method_cancel(app, smtp_server, booked):
    bookings.cancel_booking(booked, now=BEFORE)
    db.session.commit()
    assert outbox.deliver() == (2, 0)
    cancelled = smtp_server.messages[1]
    _part, cal = calendar_of(cancelled)
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(cal.events[0]["STATUS"]) == "CANCELLED"
    assert int(cal.events[0]["SEQUENCE"]) == 1


def test_visitor_text_is_escaped_in_html_mail(app, smtp_server, make_day, visitor):
    day = make_day(DAY)
    bookings.book_slot(day.slots[0], visitor(full_name="<b>Bold</b> & co"), now=BEFORE)
    db.session.commit()
    outbox.deliver()
    html = smtp_server.messages[0].get_body(preferencelist=("html",)).get_content()
    assert "<b>Bold</b>" not in html and "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in html


def test_with_smtp_down_mail_waits_and_is_delivered_once_later(app, booked):
    port = free_port()  # nothing listens here yet
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_SUPPRESS_SEND")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False)
    try:
        assert outbox.deliver() == (0, 1)
        row = db.session.scalars(select(OutboxMessage)).one()
        assert row.status == OutboxStatus.pending
        assert row.attempts == 1 and "Connection" in row.last_error
        assert row.next_attempt_at > datetime.now(UTC)
        assert outbox.deliver() == (0, 0)  # backing off

        from aiosmtpd.controller import Controller

        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            later = datetime.now(UTC) + timedelta(minutes=2)
            assert outbox.deliver(now=later) == (1, 0)
            assert outbox.deliver(now=later + timedelta(hours=2)) == (0, 0)
        finally:
            controller.stop()
        assert len(inbox.messages) == 1
        db.session.expire_all()
        row = db.session.scalars(select(OutboxMessage)).one()
        assert row.status == OutboxStatus.sent and row.attempts == 2
    finally:
        app.config.update(saved)


def test_slow_smtp_and_two_workers_send_each_message_once(app, smtp_server, make_day, visitor):
    day = make_day(DAY)
    for n in range(4):
        bookings.book_slot(day.slots[n], visitor(), now=BEFORE)
    db.session.commit()
    smtp_server.delay = 0.3
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
    assert len(smtp_server.messages) == 4
    assert len({m["To"] for m in smtp_server.messages}) == 4


def test_a_message_fails_for_good_after_many_attempts(app, booked):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_SUPPRESS_SEND=False)
    try:
        moment = datetime.now(UTC)
        for _ in range(outbox.MAX_ATTEMPTS):
            outbox.deliver(now=moment)
            moment += timedelta(hours=2)
        row = db.session.scalars(select(OutboxMessage)).one()
        db.session.refresh(row)
        assert row.status == OutboxStatus.failed
        assert row.attempts == outbox.MAX_ATTEMPTS
    finally:
        app.config.update(MAIL_SUPPRESS_SEND=True)


def test_outbox_cli(app, smtp_server, booked):
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 0 failed" in result.output
    assert len(smtp_server.messages) == 1


def test_reminder_mail_in_the_visitors_language(app, smtp_server, booked):
    eve = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)
    assert bookings.queue_reminders(eve) == 1
    db.session.commit()
    outbox.deliver()
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert len(subjects) == 2
    assert any("ертең" in s.lower() for s in subjects), subjects


def test_the_cli_exits_non_zero_when_the_whole_batch_failed(app, booked):
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_SUPPRESS_SEND")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_SUPPRESS_SEND=False)
    try:
        result = app.test_cli_runner().invoke(args=["outbox", "send"])
    finally:
        app.config.update(saved)
    assert result.exit_code == 1
    assert "0 sent, 1 failed" in result.output
    assert "(booking_confirmed) failed, attempt 1: ConnectionRefusedError" in result.output


def test_batch_size_is_a_cli_option(app, smtp_server, make_day, visitor):
    day = make_day(DAY)
    for n in range(3):
        bookings.book_slot(day.slots[n], visitor(), now=BEFORE)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "send", "--batch", "2"])
    assert result.exit_code == 0 and "2 sent, 0 failed" in result.output
    assert len(smtp_server.messages) == 2


def test_a_slow_server_never_makes_a_second_worker_send_again(app, smtp_server, make_day,
                                                              visitor):  # fmt: skip
    """Each message takes 0.8 s and the lease is 2 s: a batch of five outlives a lease
    taken once, but not one renewed message by message."""
    import time

    day = make_day(DAY)
    for n in range(5):
        bookings.book_slot(day.slots[n], visitor(), now=BEFORE)
    db.session.commit()
    smtp_server.delay = 0.8
    app.config["OUTBOX_LEASE_SECONDS"] = 2
    results = []

    def worker(start_after):
        time.sleep(start_after)
        with app.app_context():
            results.append(outbox.deliver())
            db.session.remove()

    try:
        threads = [threading.Thread(target=worker, args=(wait,)) for wait in (0, 2.6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        app.config.pop("OUTBOX_LEASE_SECONDS")
    assert len(smtp_server.messages) == 5
    assert len({m["To"] for m in smtp_server.messages}) == 5
    assert sum(sent for sent, _failed in results) == 5
