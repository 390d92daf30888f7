"""The call: who is next (the order rule, as a table), the statuses of a visit, refusals."""

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.extensions import db
from app.queue import services as queue
from app.queue.models import Visit, VisitStatus
from tests.conftest import sign_in

from .conftest import ON, local

# (who arrives: (kind, slot index or None, check-in time)), the time of the call,
# the district session, and the order they are called in (indexes into "who").
ORDER_CASES = [
    pytest.param([("booked", 1, "10:05"), ("booked", 0, "10:10")], "10:25", False, [1, 0],
                 id="slot-order-before-arrival"),
    pytest.param([("booked", 0, "10:08"), ("booked", 0, "09:58")], "10:10", False, [1, 0],
                 id="same-slot-by-check-in"),
    pytest.param([("walk_in", None, "09:55"), ("booked", 0, "10:10")], "10:12", False, [1, 0],
                 id="walk-in-after-current-slot"),
    pytest.param([("booked", 3, "10:00"), ("walk_in", None, "10:05")], "10:10", False, [1, 0],
                 id="early-visitor-after-walk-in"),
    pytest.param([("booked", 0, "10:01"), ("booked", 0, "10:02"), ("walk_in", None, "09:50"),
                  ("booked", 1, "10:15")], "10:21", False, [0, 1, 3, 2],
                 id="late-slot-started-before-walk-in"),
    pytest.param([("booked", 0, "10:00"), ("delegate", 3, "10:05")], "10:10", True, [1, 0],
                 id="district-session-delegates-first"),
    pytest.param([("booked", 0, "10:00"), ("delegate", 3, "10:05")], "10:10", False, [0, 1],
                 id="no-session-delegate-waits-for-slot"),
    pytest.param([("delegate", None, "10:06"), ("booked", 0, "10:00")], "10:10", False, [1, 0],
                 id="delegate-without-time-as-walk-in"),
    pytest.param([("walk_in", None, "10:07"), ("walk_in", None, "10:03")], "10:10", False, [1, 0],
                 id="walk-ins-by-check-in"),
]  # fmt: skip


@pytest.mark.parametrize(("who", "at", "session", "expected"), ORDER_CASES)
def test_the_order_rule(make_day, arrive, who, at, session, expected):
    day = make_day(ON)
    if session:
        queue.configure(day, [("Стойка 1", "1-орын"), ("Стойка 2", "2-орын")],
                        delegates_first=True, by=None)  # fmt: skip
        db.session.commit()
    people = [arrive(day, kind, slot, time) for kind, slot, time in who]
    called = []
    for n in range(len(people)):
        visit = queue.call_next(day, 1 + n % 2, by=arrive.staff, now=local(at))
        db.session.commit()
        called.append(visit.booking.code)
    assert called == [people[i].code for i in expected]
    with pytest.raises(queue.QueueError) as refused:
        queue.call_next(day, 1, by=arrive.staff, now=local(at))
    assert refused.value.code == "queue_empty" and refused.value.status == 404


def test_only_checked_in_visitors_wait(make_day, make_booking, arrive):
    day = make_day(ON)
    make_booking(day.slots[0])  # booked, not arrived
    arrived = arrive(day, "booked", 0, "10:00")
    state = queue.queue_state(day, now=local("10:05"))
    assert [w["code"] for w in state["waiting"]] == [arrived.code]
    assert state["waiting"][0]["kind"] == "booked"
    assert "full_name" not in str(state) and arrived.full_name not in str(state)


def test_statuses_in_order_and_audited(make_day, arrive):
    day = make_day(ON)
    first = arrive(day, "booked", 0, "10:00")
    staff = arrive.staff
    visit = queue.call_next(day, 2, by=staff, now=local("10:05"))
    db.session.commit()
    assert (visit.booking_id, visit.desk, visit.status) == (first.id, 2, VisitStatus.called)
    assert queue.queue_state(day, now=local("10:05"))["serving"][0]["code"] == first.code
    queue.change_visit(visit, "serving", by=staff, now=local("10:06"))
    queue.change_visit(visit, "done", by=staff, now=local("10:16"))
    db.session.commit()
    with pytest.raises(queue.QueueError) as refused:
        queue.change_visit(visit, "serving", by=staff, now=local("10:17"))
    assert refused.value.code == "transition" and refused.value.status == 409
    db.session.rollback()
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert [a for a in actions if a.startswith("visit.")] == [
        "visit.call", "visit.serving", "visit.done"]  # fmt: skip
    times = queue.times(day)
    assert times["day"]["waiting"] == {"count": 1, "median": 5.0, "p90": 5.0}
    assert times["day"]["service"] == {"count": 1, "median": 11.0, "p90": 11.0}
    assert times["desks"][2]["service"]["median"] == 11.0


def test_skipped_queues_again_once(make_day, arrive):
    day = make_day(ON)
    late = arrive(day, "booked", 0, "10:00")
    other = arrive(day, "booked", 0, "10:01")
    staff = arrive.staff
    visit = queue.call_next(day, 1, by=staff, now=local("10:05"))
    assert visit.booking_id == late.id
    queue.change_visit(visit, "skipped", by=staff, now=local("10:06"))
    db.session.commit()
    # Back in the queue, behind the others.
    state = queue.queue_state(day, now=local("10:06"))
    assert [w["code"] for w in state["waiting"]] == [other.code, late.code]
    assert queue.call_next(day, 1, by=staff, now=local("10:07")).booking_id == other.id
    again = queue.call_next(day, 2, by=staff, now=local("10:08"))
    assert again.booking_id == late.id and again.status == VisitStatus.called
    queue.change_visit(again, "recalled", by=staff, now=local("10:09"))
    queue.change_visit(again, "skipped", by=staff, now=local("10:10"))
    db.session.commit()
    assert queue.queue_state(day, now=local("10:10"))["waiting"] == []


def test_call_next_ends_the_desks_visit(make_day, arrive):
    day = make_day(ON)
    arrive(day, "booked", 0, "10:00")
    arrive(day, "booked", 0, "10:01")
    first = queue.call_next(day, 1, by=arrive.staff, now=local("10:02"))
    second = queue.call_next(day, 1, by=arrive.staff, now=local("10:12"))
    db.session.commit()
    assert first.status == VisitStatus.done and first.done_at == local("10:12")
    assert second.status == VisitStatus.called


def test_refusals(make_day, arrive):
    day = make_day(ON)
    arrive(day, "booked", 0, "10:00")
    staff = arrive.staff
    with pytest.raises(queue.QueueError) as not_today:
        queue.call_next(day, 1, by=staff, now=local("10:00") - timedelta(days=1))
    assert not_today.value.code == "not_today"
    with pytest.raises(queue.QueueError) as no_desk:
        queue.call_next(day, 3, by=staff, now=local("10:05"))
    assert (no_desk.value.code, no_desk.value.status) == ("unknown_desk", 404)
    db.session.rollback()
    assert db.session.scalar(select(Visit.id)) is None


# --- through HTTP ---------------------------------------------------------------------------


@pytest.fixture
def today_day(make_day):
    from app.core.db import utcnow
    from app.days import services as days

    return make_day(days.today_local(utcnow()))


def test_api_call_next_status_and_queue(client, today_day, arrive, api_token):
    day = today_day
    walk_in = arrive(day, "walk_in", None, "00:01")
    headers = api_token(arrive.staff)
    base = f"/api/days/{day.date}/queue"
    assert client.get(base, headers=headers).json["waiting"][0]["code"] == walk_in.code
    answer = client.post("/api/desks/2/call-next", json={}, headers=headers)
    assert answer.status_code == 200, answer.json
    assert answer.json["code"] == walk_in.code and answer.json["desk"] == 2
    assert answer.json["called_at"].endswith("+05:00")
    state = client.get(base, headers=headers).json
    assert state == {"serving": [{"desk": 2, "code": walk_in.code,
                                  "since": answer.json["called_at"]}],
                     "waiting": [], "waitlist": 0}  # fmt: skip
    empty = client.post("/api/desks/1/call-next", json={"date": str(day.date)}, headers=headers)
    assert (empty.status_code, empty.json) == (404, {"error": "queue_empty"})
    no_desk = client.post("/api/desks/7/call-next", json={}, headers=headers)
    assert (no_desk.status_code, no_desk.json["error"]) == (404, "unknown_desk")
    url = f"/api/visits/{walk_in.code}/status"
    assert client.post(url, json={"status": "done"}, headers=headers).json["status"] == "done"
    back = client.post(url, json={"status": "serving"}, headers=headers)
    assert back.status_code == 409 and back.json["error"] == "transition"
    bad = client.post(url, json={"status": "called"}, headers=headers)
    assert bad.status_code == 422
    assert client.post("/api/visits/AAAAAA/status", json={"status": "done"},
                       headers=headers).status_code == 404  # fmt: skip
    other_day = client.post("/api/desks/1/call-next", json={"date": "2026-12-25"},
                            headers=headers)  # fmt: skip
    assert other_day.status_code == 404  # no Day on that date


def test_api_not_today(client, make_day, arrive, api_token):
    day = make_day(ON)
    answer = client.post("/api/desks/1/call-next", json={"date": str(day.date)},
                         headers=api_token(arrive.staff))  # fmt: skip
    assert (answer.status_code, answer.json) == (409, {"error": "not_today"})


def test_desk_panel_choose_and_call(client, today_day, arrive):
    from tests.conftest import sign_in

    day = today_day
    walk_in = arrive(day, "walk_in", None, "00:01")
    sign_in(client, arrive.staff)
    page = client.get(f"/reception/{day.date}").get_data(as_text=True)
    assert "Моя стойка" in page and walk_in.code in page
    assert client.post(f"/queue/{day.date}/call").status_code == 302  # no desk chosen yet
    client.post(f"/queue/{day.date}/desk", data={"desk": "2"})
    assert "Пригласить следующего" in client.get(f"/reception/{day.date}").get_data(as_text=True)
    response = client.post(f"/queue/{day.date}/call", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert walk_in.code in page and "Стойка 2" in page
    visit = db.session.scalar(select(Visit))
    assert visit.desk == 2
    client.post(f"/queue/{day.date}/visits/{visit.id}/serving")
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).status == VisitStatus.serving
    queue_page = client.get(f"/queue/{day.date}").get_data(as_text=True)
    assert walk_in.full_name in queue_page


def test_settings_name_the_desks(client, today_day, make_user):
    from tests.conftest import sign_in

    day = today_day
    sign_in(client, make_user("admin"))
    response = client.post(f"/queue/{day.date}/settings", data={
        "name_ru": ["Окно А", "Окно Б", "Окно В"], "name_kk": ["А терезе", "Б терезе", "В терезе"],
        "district_session": "1"})  # fmt: skip
    assert response.status_code == 302
    assert [d.name_kk for d in queue.desks_of(day)] == ["А терезе", "Б терезе", "В терезе"]
    assert queue.district_session(day)
    half = client.post(f"/queue/{day.date}/settings", data={"name_ru": ["Окно"], "name_kk": [""]})
    assert half.status_code == 200 and len(queue.desks_of(day)) == 3


def test_times_of_several_days_in_one_query(make_day, arrive):
    day = make_day(ON)
    other = make_day(ON + timedelta(days=28))
    arrive(day, "booked", 0, "10:00")
    visit = queue.call_next(day, 1, by=arrive.staff, now=local("10:04"))
    queue.change_visit(visit, "done", by=arrive.staff, now=local("10:10"))
    db.session.commit()
    found = queue.times_by_day([day, other])
    assert found[day.id]["desks"][1]["waiting"]["median"] == 4.0
    assert found[day.id]["day"]["service"] == {"count": 1, "median": 6.0, "p90": 6.0}
    assert found[other.id]["day"]["waiting"] == {"count": 0, "median": None, "p90": None}


def test_the_office_statistics_show_the_queue_times_by_desk_and_by_day(
    client, make_day, arrive, make_user
):
    day = make_day(ON)
    other = make_day(ON + timedelta(days=28))
    arrive(day, "booked", 0, "10:00")
    arrive(day, "booked", 1, "10:02")
    first = queue.call_next(day, 1, by=arrive.staff, now=local("10:04"))
    queue.change_visit(first, "done", by=arrive.staff, now=local("10:10"))
    second = queue.call_next(day, 2, by=arrive.staff, now=local("10:07"))
    queue.change_visit(second, "done", by=arrive.staff, now=local("10:22"))
    db.session.commit()
    sign_in(client, make_user("admin"))

    html = client.get(f"/office/stats?date={day.date}&lang=ru").get_data(as_text=True)
    table = html[html.index('data-table="queue_times"') :]
    table = table[: table.index("</table>")]
    rows = [re.sub(r"<[^>]+>", "|", row).strip("|").split("||")
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]  # fmt: skip
    # waiting 4 and 5 minutes, service 6 and 15, as queue.times has them
    assert rows == [
        ["Стойка 1", "4,0", "4,0", "6,0", "6,0", "1"],
        ["Стойка 2", "5,0", "5,0", "15,0", "15,0", "1"],
        ["День", "4,5", "4,9", "10,5", "14,1", "2"],
    ]

    period = client.get(f"/office/stats.xlsx?from={day.date}&to={other.date}&table=queue_times")
    sheet = openpyxl.load_workbook(io.BytesIO(period.data)).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert [day.date, 4.5, 4.9, 10.5, 14.1, 2] in [
        [r[0].date() if hasattr(r[0], "date") else r[0], *r[1:6]] for r in values
    ]
    assert sheet.cell(row=len(values), column=2).number_format == "0.0"
    assert other.date not in [r[0] for r in values]  # a Day with no calls has no row
