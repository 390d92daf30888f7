"""Every mail tells the change that queued it (the outbox snapshot), in order; invitations
that calendar programs treat as invitations; headers that arrive intact.

Each scenario is delivered to a real SMTP server (aiosmtpd) and read back from what it got.
"""

from datetime import UTC, date, datetime, time, timedelta
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser

import pytest
import vobject
from icalendar import Calendar

from app.bookings import services as bookings
from app.core import outbox
from app.days import services as days
from app.extensions import db
from app.office import days as office
from app.registry import services as registry
from app.registry.models import Status

DAY = date(2026, 12, 25)
BEFORE = datetime(2026, 12, 20, 6, 0, tzinfo=UTC)


def calendar_part(message):
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return part.get_payload(decode=True)
    return None


def event_of(message):
    data = calendar_part(message)
    cal = Calendar.from_ical(data)
    return str(cal["METHOD"]), cal.events[0]


def local(moment):
    return moment.astimezone(days.LOCAL_TZ).strftime("%H:%M")


def text_of(message):
    # Babel writes «2026 г.» with a narrow no-break space.
    return message.get_body(preferencelist=("plain",)).get_content().replace("\u202f", " ")


@pytest.fixture
def day(make_day):
    return make_day(DAY)


def slot_at(day, hhmm):
    return next(s for s in day.slots if local(s.starts_at) == hhmm)


def test_a_proposal_taken_through_the_workflow_before_a_send(app, smtp_server, make_proposal):
    proposal = make_proposal(language="ru")
    steps = [Status.under_review, Status.accepted, Status.in_progress, Status.done]
    for step in steps:
        registry.change_status(proposal, step, now=BEFORE)
    db.session.commit()
    assert outbox.deliver() == (5, 0)
    subjects = [str(m["Subject"]) for m in smtp_server.messages]
    titles = ["подано", "на рассмотрении", "принято", "в работе", "реализовано"]
    assert subjects == [f"Ваше предложение {proposal.number}: {t}" for t in titles]
    first = text_of(smtp_server.messages[0])
    assert "зарегистрировано под номером" in first and "реализовано" not in first
    assert "принято" in text_of(smtp_server.messages[2])


def test_a_booking_moved_there_and_back_tells_each_move(app, smtp_server, day, make_booking):
    booking = make_booking(slot_at(day, "10:00"), now=BEFORE, language="ru")
    bookings.move_booking(booking, slot_at(day, "15:40"), now=BEFORE)
    db.session.commit()
    bookings.move_booking(booking, slot_at(day, "10:00"), now=BEFORE)
    db.session.commit()
    assert outbox.deliver() == (3, 0)
    confirmed, there, back = smtp_server.messages
    assert [m["Subject"] for m in (there, back)] == ["Ваша запись перенесена"] * 2
    assert "Прежнее время: пятница, 25 декабря 2026 г., 10:00" in text_of(there)
    assert "Время: 15:40–16:00" in text_of(there)
    assert "Прежнее время: пятница, 25 декабря 2026 г., 15:40" in text_of(back)
    assert "Время: 10:00–10:20" in text_of(back)
    events = [event_of(m) for m in (confirmed, there, back)]
    assert [int(e["SEQUENCE"]) for _m, e in events] == [0, 1, 2]
    assert [local(e.start) for _m, e in events] == ["10:00", "15:40", "10:00"]
    assert {m for m, _e in events} == {"REQUEST"}


def test_a_booking_cancelled_before_the_worker_ran(app, smtp_server, day, make_booking):
    booking = make_booking(day.slots[0], now=BEFORE, language="ru")
    bookings.cancel_booking(booking, now=BEFORE)
    db.session.commit()
    assert outbox.deliver() == (2, 0)
    confirmed, cancelled = smtp_server.messages
    assert confirmed["Subject"] == "Ваша запись подтверждена"
    assert cancelled["Subject"] == "Ваша запись отменена"
    (m1, e1), (m2, e2) = event_of(confirmed), event_of(cancelled)
    assert (m1, int(e1["SEQUENCE"]), str(e1["STATUS"])) == ("REQUEST", 0, "CONFIRMED")
    assert (m2, int(e2["SEQUENCE"]), str(e2["STATUS"])) == ("CANCEL", 1, "CANCELLED")
    assert "token=" not in text_of(cancelled)  # no manage link for what is cancelled


def test_a_refused_request_holds_back_the_cancel_that_follows(app, smtp_server, day,
                                                              make_booking):  # fmt: skip
    refused = []

    def refuse_the_first_confirmation(message):
        if "подтверждена" in str(message["Subject"]) and not refused:
            refused.append(message)
            return "451 4.3.0 Try again later"
        return None

    smtp_server.refuse = refuse_the_first_confirmation
    booking = make_booking(day.slots[0], now=BEFORE, language="ru")
    bookings.cancel_booking(booking, now=BEFORE)
    db.session.commit()
    sent, failed = outbox.deliver()
    assert (sent, failed) == (0, 1) and smtp_server.messages == []
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert outbox.deliver(now=later) == (2, 0)
    methods = [event_of(m)[0] for m in smtp_server.messages]
    assert methods == ["REQUEST", "CANCEL"]


def test_invitations_name_organizer_and_attendee_for_two_parsers(app, smtp_server, day,
                                                                 make_booking):  # fmt: skip
    app.config["MAIL_DEFAULT_SENDER"] = "День гражданских инициатив <office@karaganda.kz>"
    try:
        booking = make_booking(day.slots[0], now=BEFORE, full_name="Әлия Сәрсенқызы")
        bookings.cancel_booking(booking, now=BEFORE)
        db.session.commit()
        outbox.deliver()
    finally:
        app.config["MAIL_DEFAULT_SENDER"] = "Civil Initiatives Day <noreply@localhost>"
    for message, method in zip(smtp_server.messages, ("REQUEST", "CANCEL"), strict=True):
        data = calendar_part(message)
        # icalendar
        cal = Calendar.from_ical(data)
        event = cal.events[0]
        assert str(cal["METHOD"]) == method
        organizer, attendee = event["ORGANIZER"], event["ATTENDEE"]
        assert str(organizer) == "mailto:office@karaganda.kz"
        assert organizer.params["CN"] == "День гражданских инициатив"
        assert str(attendee).lower() == f"mailto:{booking.email}"
        assert attendee.params["CN"] == "Әлия Сәрсенқызы"
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params.get("PARTSTAT") == ("NEEDS-ACTION" if method == "REQUEST" else None)
        # vobject, a second, independent parser
        vcal = vobject.readOne(data.decode("utf-8"))
        vevent = vcal.vevent
        assert vcal.method.value == method
        assert vevent.organizer.value == "mailto:office@karaganda.kz"
        assert vevent.organizer.params["CN"] == ["День гражданских инициатив"]
        assert vevent.attendee.value.lower() == f"mailto:{booking.email}"
        assert vevent.attendee.params["CN"] == ["Әлия Сәрсенқызы"]
        assert vevent.uid.value == f"booking-{booking.code}@civil-initiatives-day.karaganda"
        assert int(vevent.sequence.value) == (0 if method == "REQUEST" else 1)


@pytest.mark.parametrize(
    "sender",
    [
        "День гражданских инициатив <office@karaganda.kz>",
        "Азаматтық бастамалар күні — Өңірлік жобалық кеңсе <office@karaganda.kz>",
    ],
)
def test_a_cyrillic_sender_arrives_intact(app, smtp_server, day, make_booking, sender):
    saved = dict(app.config)
    app.config.update(MAIL_DEFAULT_SENDER=sender, PUBLIC_BASE_URL="https://kun.karaganda.kz")
    try:
        make_booking(day.slots[0], now=BEFORE)
        assert outbox.deliver() == (1, 0)
    finally:
        app.config.update(
            MAIL_DEFAULT_SENDER=saved["MAIL_DEFAULT_SENDER"],
            PUBLIC_BASE_URL=saved["PUBLIC_BASE_URL"],
        )
    headers = BytesHeaderParser().parsebytes(smtp_server.raw[0])
    assert str(make_header(decode_header(headers["From"]))) == sender
    assert headers["Message-ID"].strip().endswith("@kun.karaganda.kz>")
    assert headers["Auto-Submitted"] == "auto-generated"
    assert headers["To"].strip() == smtp_server.messages[0]["To"]
    text = text_of(smtp_server.messages[0])
    assert "https://kun.karaganda.kz/bookings/" in text


def test_the_download_is_an_invitation_only_when_there_is_an_attendee(client, day, make_booking):
    with_mail = make_booking(day.slots[0], now=BEFORE)
    without = make_booking(day.slots[1], now=BEFORE, email=None)

    def download(booking):
        token = bookings.manage_token(booking.code)
        response = client.get(f"/bookings/{booking.code}.ics?token={token}")
        assert response.status_code == 200
        return Calendar.from_ical(response.data)

    cal = download(with_mail)
    assert str(cal["METHOD"]) == "REQUEST" and "ATTENDEE" in cal.events[0]
    cal = download(without)
    assert str(cal["METHOD"]) == "PUBLISH"
    assert "ATTENDEE" not in cal.events[0] and "ORGANIZER" not in cal.events[0]
    bookings.cancel_booking(with_mail, now=BEFORE)
    bookings.cancel_booking(without, now=BEFORE)
    db.session.commit()
    cal = download(with_mail)
    event = cal.events[0]
    assert (str(cal["METHOD"]), str(event["STATUS"]), int(event["SEQUENCE"])) == (
        "CANCEL",
        "CANCELLED",
        1,
    )
    assert str(download(without).events[0]["STATUS"]) == "CANCELLED"


def test_links_are_built_from_public_base_url_never_from_the_host(client, day, make_booking):
    booking = make_booking(day.slots[0], now=BEFORE)
    token = bookings.manage_token(booking.code)
    response = client.get(
        f"/bookings/{booking.code}.ics?token={token}", headers={"Host": "evil.example"}
    )
    body = response.get_data(as_text=True).replace("\r\n ", "")
    assert "evil.example" not in body
    assert f"http://testserver/bookings/{booking.code}?token=" in body


def test_the_calendar_feed_is_stable_and_tracks_a_moved_day(client, day):
    first, second = client.get("/calendar.ics").data, client.get("/calendar.ics").data
    assert first == second  # no per-fetch identifiers or stamps
    event = Calendar.from_ical(first).events[0]
    assert int(event["SEQUENCE"]) == 0
    moved_at = datetime(2026, 12, 10, 6, 0, tzinfo=UTC)
    change = office.DayChanges(date=date(2026, 12, 24), opens=time(10), closes=time(16),
                             slot_minutes=20, slot_capacity=2)  # fmt: skip
    office.edit_day(day, change, now=moved_at)
    db.session.commit()
    event = Calendar.from_ical(client.get("/calendar.ics").data).events[0]
    assert int(event["SEQUENCE"]) == 1
    assert event["LAST-MODIFIED"].dt == moved_at
    assert event.start.date() == date(2026, 12, 24)
    office.edit_day(
        day, office.DayChanges(**{**change.__dict__, "note": "only a note"}), now=BEFORE
    )
    db.session.commit()
    assert int(Calendar.from_ical(client.get("/calendar.ics").data).events[0]["SEQUENCE"]) == 1
