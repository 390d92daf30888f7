"""Statistics: the same counts as the desk, the quota table and the registry; charts that
parse and carry their tables' numbers; exports; refusals; a period stays flat in queries."""

import io
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import event, func, select

from app.bookings import services as bookings
from app.bookings.models import Booking, Category, Topic
from app.core.db import utcnow
from app.days import services as days
from app.districts import services as quotas
from app.extensions import db
from app.places.services import district_by_code
from app.reception import services as desk
from app.registry import stats
from app.registry.models import Proposal
from tests.conftest import sign_in

SVG = re.compile(r"<svg\b.*?</svg>", re.S)


@pytest.fixture
def busy_day(world, make_booking, make_proposal):
    """The world's Day with a cancellation, a party visitor from Temirtau and a second
    proposal raised at a visit, besides its booking, arrival, walk-in and delegate."""
    day = world["day"]
    now = utcnow()
    gone = make_booking(day.slots[2], now=now)
    bookings.cancel_booking(gone, now=now)
    party = make_booking(
        day.slots[3], now=now, category=Category.party, organization="Партия",
        topic=Topic.problem, district_id=district_by_code("temirtau").id,
    )  # fmt: skip
    make_proposal(district="temirtau", origin=None, booking=party)
    db.session.commit()
    return world


def test_the_api_counts_agree_with_the_desk_quotas_and_registry(client, busy_day, api_token):
    world = busy_day
    day = world["day"]
    headers = api_token(world["users"]["admin"])
    answer = client.get(f"/api/stats?from={day.date}&to={day.date}", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    [figures] = body["days"]
    assert figures["date"] == day.date.isoformat()
    desk_counts = client.get(f"/api/days/{day.date}/attendance", headers=headers).get_json()
    assert figures["booked"] == desk_counts["booked"] == 4
    assert figures["arrived"] == desk_counts["checked_in"] == 2
    assert figures["walk_ins"] == desk_counts["walk_ins"] == 1
    assert figures["no_show"] == desk_counts["no_show"] == 0
    assert figures["cancelled"] == 1
    active = db.session.scalar(
        select(func.count()).where(Booking.day_id == day.id, Booking.status != "cancelled")
    )
    assert sum(figures["by_category"].values()) == active == 5
    assert sum(figures["by_topic"].values()) == active
    assert sum(figures["by_district"].values()) == active
    assert figures["by_category"]["party"] == 1 and figures["by_category"]["delegate"] == 1
    assert figures["by_district"] == {"none": 1, "nura": 3, "temirtau": 1}
    raised = db.session.scalar(
        select(func.count(Proposal.id))
        .join(Booking, Booking.id == Proposal.booking_id)
        .where(Booking.day_id == day.id)
    )
    assert figures["proposals"] == raised == 2
    assert body["totals"] == {k: v for k, v in figures.items() if k != "date"}
    # the quota table of the same Day, district by district
    table = client.get(f"/api/days/{day.date}/quotas", headers=headers).get_json()
    by_code = {f.district.code: f for f in stats.quota_figures([day], now=utcnow())}
    for row in table["districts"]:
        mine = by_code[row["code"]]
        assert (mine.registered, mine.attended) == (row["registered"], row["attended"])
        assert mine.met == (row["status"] == "met")


def test_the_page_shows_the_same_figures_as_the_desk(client, busy_day):
    world = busy_day
    day = world["day"]
    sign_in(client, world["users"]["admin"])
    page = client.get(f"/office/stats?date={day.date}").get_data(as_text=True)
    counts = desk.attendance(day)
    summary = page.split('data-table="summary"')[1].split("</table>")[0]
    cells = re.findall(r'<td class="num">(\d+)</td>', summary)
    assert cells[:2] == [str(counts["booked"]), str(counts["checked_in"])]
    standing = {q.district.code: q for q in quotas.day_quotas(day, now=utcnow())}
    quota_table = page.split('data-table="quotas"')[1].split("</table>")[0]
    assert (
        f'<th scope="row">Нуринский район</th><td class="num">{standing["nura"].registered}<'
        in quota_table
    )


def test_every_chart_parses_as_xml_and_carries_its_tables_numbers(client, busy_day):
    world = busy_day
    sign_in(client, world["users"]["admin"])
    for query in (
        f"date={world['day'].date}",
        f"from={world['day'].date - timedelta(days=400)}&to={world['day'].date}",
    ):
        page = client.get(f"/office/stats?{query}").get_data(as_text=True)
        sections = re.findall(r'data-chart="(\w+)">(<svg\b.*?</svg>)</figure>', page, re.S)
        assert len(sections) >= 6
        for name, svg in sections:
            root = ET.fromstring(svg)  # well-formed XML with its namespace
            assert root.tag == "{http://www.w3.org/2000/svg}svg"
            shown = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")
                     if "chart-value" in (t.get("class") or "")]  # fmt: skip
            table = page.split(f'data-table="{name}"')[1].split("</tbody>")[0]
            rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
            shown = [value.replace("\u202f", "") for value in shown]
            if name == "summary" and query.startswith("date="):
                # the Day's chart draws the counters of its one row
                assert shown == re.findall(r'<td class="num">(\d+)</td>', rows[0])
                continue
            assert len(shown) == len(rows) > 0, name
            for row, value in zip(rows, shown, strict=True):
                numbers = re.findall(r'<td class="num">(\d+)</td>', row)
                # arrivals per Day; arrivals (a Day) or Days met (a period) per district
                column = 1 if name in ("summary", "quotas") else -1
                assert numbers[column] == value, (name, row)


def test_each_table_exports_to_xlsx(client, busy_day):
    world = busy_day
    day = world["day"]
    sign_in(client, world["users"]["admin"])
    whole = client.get(f"/office/stats.xlsx?date={day.date}")
    assert whole.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(whole.data))
    assert len(book.sheetnames) == 10 and len(set(book.sheetnames)) == 10
    one = client.get(f"/office/stats.xlsx?date={day.date}&table=category&lang=kk")
    sheet = openpyxl.load_workbook(io.BytesIO(one.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][:2] == ["Санат", "Келушілер"]
    assert ["саяси партия", 1] in [row[:2] for row in values]
    assert values[-1][:2] == ["Барлығы", 5]
    assert client.get(f"/office/stats.xlsx?date={day.date}&table=nope").status_code == 404


def test_the_print_page_fits_one_day_in_both_languages(client, busy_day):
    world = busy_day
    sign_in(client, world["users"]["admin"])
    ru = client.get(f"/office/stats/print?date={world['day'].date}&lang=ru")
    kk = client.get(f"/office/stats/print?date={world['day'].date}&lang=kk")
    assert ru.status_code == kk.status_code == 200
    assert "Представители районов" in ru.get_data(as_text=True)
    assert "Аудандар" in kk.get_data(as_text=True)
    assert "size: A4" in client.get("/static/css/site.css").get_data(as_text=True)


@pytest.mark.parametrize(
    "query, field",
    [("from=2026-05-01&to=2026-04-01", "from"), ("from=2020-01-01&to=2025-01-02", "to")],
)
def test_a_period_backwards_or_over_five_years_is_refused(client, world, api_token, query, field):
    headers = api_token(world["users"]["admin"])
    answer = client.get(f"/api/stats?{query}", headers=headers)
    assert answer.status_code == 422
    assert answer.get_json()["error"] == "validation" and field in answer.get_json()["fields"]
    sign_in(client, world["users"]["admin"])
    page = client.get(f"/office/stats?{query}&lang=kk")
    assert page.status_code == 422 and 'role="alert"' in page.get_data(as_text=True)
    # exactly five years is allowed
    assert (
        client.get("/api/stats?from=2020-01-01&to=2025-01-01", headers=headers).status_code == 200
    )


def test_stats_are_for_admins_only(client, world, api_token):
    for role in ("reception", "district"):
        headers = api_token(world["users"][role])
        assert client.get("/api/stats", headers=headers).status_code == 403


def test_a_long_period_costs_as_many_queries_as_one_day(app, app_ctx, make_booking):
    start = utcnow().date() + timedelta(days=1)
    made = []
    for month in range(24):
        on = start + timedelta(days=30 * month)
        day = days.new_day(on)
        db.session.add(day)
        made.append(day)
    db.session.commit()
    for day in made:
        make_booking(day.slots[0], now=day.starts_at - timedelta(days=1))
    made = stats.days_between(made[0].date, made[-1].date)  # loaded, as the views do
    seen = []

    def count(*args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        stats.day_figures(made[:1])
        one = len(seen)
        seen.clear()
        figures = stats.day_figures(made)
        many = len(seen)
        seen.clear()
        stats.quota_figures(made, now=utcnow())
        quota_queries = len(seen)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert many == one == 5
    assert quota_queries <= 3
    assert sum(f.booked for f in figures) == 24


def test_without_any_day_the_page_says_so_and_nothing_exports(client, make_user, app_ctx):
    sign_in(client, make_user("admin"))
    page = client.get("/office/stats")
    assert page.status_code == 200
    assert client.get("/office/stats.xlsx").status_code == 404
    assert client.get("/office/stats/print").status_code == 404
