"""The waiting list: joining a full Day, refusals, and the promotion that fills a freed seat
at once (on a cancel, a move, added seats), told by mail with a REQUEST .ics."""

import re
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from app.bookings import services as bookings
from app.bookings.models import Booking
from app.core.db import utcnow
from app.core.outbox import OutboxMessage
from app.days import services as days
from app.days.models import DayStatus
from app.extensions import db
from app.queue import waitlist
from app.queue.models import WaitlistEntry, WaitlistStatus


@pytest.fixture
def full_day(app_ctx, make_booking):
    """A Day a week ahead, 10:00–11:00, three slots of one seat, all booked."""
    day = days.new_day(days.today_local(utcnow()) + timedelta(days=7), opens=time(10),
                       closes=time(11), capacity=1)  # fmt: skip
    db.session.add(day)
    db.session.commit()
    day.booked = [make_booking(slot, now=utcnow()) for slot in day.slots]
    return day


def body(n, **fields):
    return {"full_name": f"Ожидающий {n}", "category": "citizen", "phone": f"+7701888{n:04d}",
            "email": f"wait{n}@example.kz", "topic": "progress", "consent": True,
            **fields}  # fmt: skip


def join(client, day, n, **fields):
    return client.post(f"/api/days/{day.date}/waitlist", json=body(n, **fields))


def test_join_a_full_day(client, full_day):
    first = join(client, full_day, 1)
    assert first.status_code == 201, first.json
    assert first.json["status"] == "waiting" and first.json["position"] == 1
    second = join(client, full_day, 2, earliest="10:20", latest="11:00")
    assert second.json["position"] == 2
    again = join(client, full_day, 1, email="other@example.kz")
    assert (again.status_code, again.json) == (409, {"error": "duplicate"})
    booked = join(client, full_day, 3, phone=full_day.booked[0].phone)
    assert booked.json == {"error": "duplicate"}
    bad = join(client, full_day, 4, earliest="11:00", latest="10:00")
    assert bad.status_code == 422 and "earliest" in bad.json["fields"]
    assert join(client, full_day, 5, latest="25:99").status_code == 422
    assert client.post("/api/days/2030-01-03/waitlist", json=body(6)).status_code == 404


def test_refused_while_a_seat_is_free_or_the_day_is_closed(client, full_day):
    bookings.cancel_booking(full_day.booked[2], now=utcnow())
    db.session.commit()
    free = join(client, full_day, 1)
    assert (free.status_code, free.json) == (409, {"error": "seats_available"})
    # A free seat outside the person's hours does not stop them.
    assert join(client, full_day, 2, latest="10:40").status_code == 201
    full_day.status = DayStatus.cancelled
    db.session.commit()
    assert join(client, full_day, 3).json == {"error": "closed"}


def test_promotion_on_cancel_keeps_the_code_and_link(client, full_day):
    first = join(client, full_day, 1).json
    second = join(client, full_day, 2).json
    victim = full_day.booked[1]
    token = bookings.manage_token(victim.code)
    assert client.delete(f"/api/bookings/{victim.code}",
                         headers={"X-Manage-Token": token}).status_code == 200  # fmt: skip
    promoted = client.get(f"/api/bookings/{first['code']}",
                          headers={"X-Manage-Token": first["manage_token"]})  # fmt: skip
    assert promoted.status_code == 200
    assert promoted.json["status"] == "confirmed"
    assert promoted.json["slot"]["id"] == full_day.slots[1].id
    entry = db.session.scalar(select(WaitlistEntry).where(WaitlistEntry.code == first["code"]))
    assert entry.status == WaitlistStatus.promoted and entry.booking_id is not None
    # The link they hold now opens the booking; the second moves up.
    page = client.get(f"/waitlist/{first['code']}?token={first['manage_token']}")
    assert page.status_code == 302 and f"/bookings/{first['code']}" in page.location
    still = db.session.scalar(select(WaitlistEntry).where(WaitlistEntry.code == second["code"]))
    assert waitlist.position(still) == 1
    kinds = db.session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
    assert kinds[-1] == "waitlist_promoted"
    assert db.session.get(type(full_day.slots[1]), full_day.slots[1].id).booked == 1


def test_promotion_on_move_and_only_in_the_persons_hours(client, full_day, make_booking):
    late = join(client, full_day, 1, earliest="10:40").json  # only the last slot fits
    early = join(client, full_day, 2, latest="10:20").json  # only the first
    # A seat added to the middle slot fits neither of them.
    first, last = full_day.booked[0], full_day.booked[2]
    middle = full_day.slots[1]
    middle.capacity = 2
    db.session.commit()
    bookings.move_booking(last, middle, now=utcnow())
    db.session.commit()
    by_code = {b.code: b for b in db.session.scalars(select(Booking))}
    assert by_code[late["code"]].slot_id == full_day.slots[2].id
    assert early["code"] not in by_code
    bookings.cancel_booking(first, now=utcnow())
    db.session.commit()
    assert db.session.scalar(select(Booking.slot_id).where(Booking.code == early["code"])) == \
        full_day.slots[0].id  # fmt: skip


def test_promotion_on_added_seats(client, full_day, make_user):
    from app.office.days import DayChanges, edit_day

    entries = [join(client, full_day, n).json["code"] for n in range(4)]
    day = full_day
    changes = DayChanges(date=day.date, opens=time(10), closes=time(11), slot_minutes=20,
                         slot_capacity=2, break_from=None, break_to=None, cancelled=False,
                         note=None)  # fmt: skip
    edit_day(day, changes, now=utcnow(), by=make_user("admin"))
    db.session.commit()
    promoted = db.session.scalars(
        select(Booking.code).where(Booking.code.in_(entries)).order_by(Booking.slot_id)
    ).all()
    assert promoted == entries[:3]  # three new seats, the first three waiting, in order
    assert waitlist.position(db.session.scalar(
        select(WaitlistEntry).where(WaitlistEntry.code == entries[3]))) == 1  # fmt: skip


def test_no_promotion_once_the_slot_has_begun(client, full_day):
    join(client, full_day, 1, latest="10:20")
    booking = full_day.booked[0]
    after_start = full_day.slots[0].starts_at + timedelta(minutes=1)
    bookings.cancel_booking(booking, now=after_start, while_open=False)
    db.session.commit()
    assert db.session.scalar(select(WaitlistEntry.status)) == WaitlistStatus.waiting


def test_the_pages_join_show_the_place_and_leave(client, full_day):
    page = client.get(f"/days/{full_day.date}/waitlist")
    assert page.status_code == 200 and "Лист ожидания" in page.get_data(as_text=True)
    response = client.post(f"/days/{full_day.date}/waitlist", data={
        "full_name": "Алия Нурова", "category": "citizen", "phone": "8 701 999 00 11",
        "topic": "problem", "consent": "y", "earliest": "10:20", "latest": ""})  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    entry_page = client.get(response.location).get_data(as_text=True)
    assert "Ваше место в листе ожидания: 1" in entry_page
    entry = db.session.scalar(select(WaitlistEntry))
    token = bookings.manage_token(entry.code)
    client.post(f"/waitlist/{entry.code}/leave", data={"token": token})
    db.session.expire_all()
    assert db.session.get(WaitlistEntry, entry.id).status == WaitlistStatus.left
    assert client.get(f"/waitlist/{entry.code}?token=wrong").status_code == 404
    bad = client.post(f"/days/{full_day.date}/waitlist", data={
        "full_name": "Алия", "category": "citizen", "phone": "8 701 999 00 12",
        "topic": "problem", "consent": "y", "earliest": "10:40", "latest": "10:20"})  # fmt: skip
    assert bad.status_code == 422


def test_an_empty_join_lists_each_error_as_a_link_to_its_field(client, full_day):
    """The booking form's error summary (GOV.UK pattern) on the waiting list's form too,
    in the order the page shows the fields."""
    page = client.post(f"/days/{full_day.date}/waitlist", data={})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    summary = html[html.index('class="error-summary"') : html.index("</ul>")]
    links = re.findall(r'<a href="#([\w-]+)">', summary)
    assert links == ["full_name", "category", "phone", "topic-0", "consent"]
    for anchor in links:
        assert f'id="{anchor}"' in html
    # the consent covers the promotion's mail and SMS
    assert "и на сообщения о записи по электронной почте и SMS" in html


def test_promotion_mail_reaches_smtp_with_a_request_ics(app, client, full_day, smtp_server):
    from icalendar import Calendar

    entry = join(client, full_day, 1).json
    bookings.cancel_booking(full_day.booked[0], now=utcnow())
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    mails = [m for m in smtp_server.messages if m["To"] == "wait1@example.kz"]
    assert len(mails) == 2  # joined, then promoted: one thread, in that order
    joined = mails[0].get_body(("plain",)).get_content()
    assert "Ваше место в листе ожидания: 1" in joined
    assert f"/waitlist/{entry['code']}?token={entry['manage_token']}" in joined
    mail = mails[1]
    text = mail.get_body(("plain",)).get_content()
    assert entry["code"] in text and f"/bookings/{entry['code']}?token=" in text
    ics = next(p for p in mail.walk() if p.get_content_type() == "text/calendar")
    assert ics.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(ics.get_payload(decode=True))
    assert calendar["METHOD"] == "REQUEST"
    event = calendar.events[0]
    assert event.start == full_day.slots[0].starts_at
    assert "wait1@example.kz" in str(event["ATTENDEE"])


def test_refused_for_a_past_day(client, make_day):
    past = make_day(days.today_local(utcnow()) - timedelta(days=3))
    answer = client.post(f"/api/days/{past.date}/waitlist", json=body(1))
    assert (answer.status_code, answer.json) == (409, {"error": "closed"})


def test_privacy_purge_deletes_the_waiting_lists_of_past_days(app, client, full_day):
    join(client, full_day, 1)
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert "0 waiting-list entries" in result.output
    full_day.date = days.today_local(utcnow()) - timedelta(days=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert "1 waiting-list entries of past Days deleted" in result.output, result.output
    assert db.session.scalar(select(WaitlistEntry.id)) is None


def test_a_cancelled_day_closes_its_waiting_list_and_tells_each_person(
    app, client, full_day, make_user, smtp_server
):
    from app.office.days import DayChanges, edit_day

    first = join(client, full_day, 1).json
    second = join(client, full_day, 2, email=None, language="kk").json
    changes = DayChanges(date=full_day.date, opens=time(10), closes=time(11), slot_minutes=20,
                         slot_capacity=1, break_from=None, break_to=None, cancelled=True,
                         note=None)  # fmt: skip
    edit_day(full_day, changes, now=utcnow(), by=make_user("admin"))
    db.session.commit()
    entries = db.session.scalars(select(WaitlistEntry).order_by(WaitlistEntry.id)).all()
    assert [e.status for e in entries] == [WaitlistStatus.cancelled] * 2
    assert all(e.ended_at is not None and e.booking_id is None for e in entries)
    promoted = select(func.count(Booking.id)).where(
        Booking.code.in_([first["code"], second["code"]])
    )
    assert db.session.scalar(promoted) == 0

    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    mails = [m for m in smtp_server.messages if m["To"] == "wait1@example.kz"]
    assert len(mails) == 2  # joined, then the cancellation, in one thread
    text = mails[1].get_body(("plain",)).get_content()
    assert "отменён" in text and first["code"] in text and "://testserver/\n" in text

    page = client.get(f"/waitlist/{second['code']}?token={second['manage_token']}&lang=kk")
    html = page.get_data(as_text=True)
    assert "Бұл күн болмайды." in html and 'class="button button-primary" href="/"' in html
    assert f"/waitlist/{second['code']}/leave" not in html
    # the person cannot rejoin a cancelled Day's list, nor leave a closed one
    assert join(client, full_day, 3).status_code == 409
