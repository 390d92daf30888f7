"""The coordinator's area and the office dashboard through HTTP, with district scoping."""

import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import select

from app.bookings.models import Booking, Category
from app.districts import services
from app.extensions import db
from app.places import services as places
from tests.conftest import sign_in
from tests.html import selected
from tests.spreadsheets import assert_print_ready, header_map, workbook

DAY = date(2026, 12, 25)


@pytest.fixture
def day(make_day):
    return make_day(DAY)


@pytest.fixture(autouse=True)
def week_before():
    with time_machine.travel(datetime(2026, 12, 18, 6, 0, tzinfo=UTC), tick=False):
        yield


def delegate_form(n=1, **fields):
    data = {"full_name": f"Делегат {n}", "position": "аким села", "phone": f"8 701 777 00 0{n}",
            "role": "project_lead", "slot_id": "0"}  # fmt: skip
    data.update(fields)
    return data


def test_a_coordinator_registers_and_sees_on_track(client, day, make_user):
    sign_in(client, make_user("district", district="nura"))
    assert client.get("/districts/").location.endswith("/districts/nura/")
    url = f"/districts/nura/days/{DAY}"
    # Neither gives an e-mail: an empty field is no e-mail, not a shared one.
    assert client.post(url, data=delegate_form(1, email="")).status_code == 302
    second = delegate_form(2, slot_id=str(day.slots[3].id), email="")
    assert client.post(url, data=second).status_code == 302
    page = client.get(url + "?lang=ru").get_data(as_text=True)
    assert "Делегат 1" in page and "Делегат 2" in page
    assert 'data-status="on_track"' in page
    delegates = db.session.scalars(
        select(Booking).where(Booking.category == Category.delegate)
    ).all()
    assert {d.district.code for d in delegates} == {"nura"}


def test_errors_beside_fields_and_duplicates(client, day, make_user):
    sign_in(client, make_user("district", district="nura"))
    url = f"/districts/nura/days/{DAY}?lang=kk"
    assert selected(client.get(url).get_data(as_text=True), "role") == ""
    bad = client.post(url, data=delegate_form(1, phone="12", position="", role=""))
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert 'id="phone-error"' in page and 'id="position-error"' in page
    assert 'id="role-error"' in page and "Нұсқалардың бірін таңдаңыз." in page
    client.post(url, data=delegate_form(1))
    again = client.post(url, data=delegate_form(1, phone="8 701 999 99 99"))
    assert again.status_code == 422
    assert db.session.scalar(select(Booking.id).where(Booking.full_name == "Делегат 1")) is not None
    assert len(db.session.scalars(select(Booking)).all()) == 1


def test_a_coordinator_sees_only_their_district(client, day, make_user):
    sign_in(client, make_user("district", district="nura"))
    assert client.get("/districts/shet/").status_code == 403
    assert client.get(f"/districts/shet/days/{DAY}").status_code == 403
    assert client.post(f"/districts/shet/days/{DAY}", data=delegate_form(1)).status_code == 403
    shet = services.register_delegate(
        day, places.district_by_code("shet"),
        services.DelegatePerson(full_name="Чужой", phone="+77017771111", role="npo"),
        now=datetime(2026, 12, 18, tzinfo=UTC),
    )  # fmt: skip
    db.session.commit()
    assert client.post(f"/districts/shet/delegates/{shet.id}/cancel").status_code == 403
    assert client.post(f"/districts/nura/delegates/{shet.id}/cancel").status_code == 404
    assert client.get("/office/quotas").status_code == 403


def test_replace_and_cancel_through_the_page(client, day, make_user):
    sign_in(client, make_user("district", district="nura"))
    url = f"/districts/nura/days/{DAY}"
    client.post(url, data=delegate_form(1, slot_id=str(day.slots[0].id)))
    first = db.session.scalars(select(Booking)).one()
    response = client.post(f"/districts/nura/delegates/{first.id}/replace",
                           data=delegate_form(2, slot_id=str(day.slots[0].id)))  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    substitute = db.session.scalars(select(Booking).where(Booking.full_name == "Делегат 2")).one()
    assert substitute.slot_id == day.slots[0].id
    client.post(f"/districts/nura/delegates/{substitute.id}/cancel")
    db.session.refresh(substitute)
    assert substitute.status.value == "cancelled"


def test_office_dashboard_matrix_and_xlsx(client, day, make_user, make_day):
    services.register_delegate(
        day, places.district_by_code("nura"),
        services.DelegatePerson(full_name="Делегат", phone="+77017771111", role="npo"),
        now=datetime(2026, 12, 18, tzinfo=UTC),
    )  # fmt: skip
    past = make_day(date(2026, 11, 27))
    db.session.commit()
    sign_in(client, make_user("admin"))
    page = client.get(f"/office/quotas?date={DAY}&lang=ru").get_data(as_text=True)
    assert page.count("<tr data-district=") == 13
    nura_row = page.split('data-district="nura"')[1].split("</tr>")[0]
    assert 'data-status="on_track"' in nura_row
    shet_row = page.split('data-district="shet"')[1].split("</tr>")[0]
    assert 'data-status="below"' in shet_row
    assert "cell-below" in page  # the past Day in the 12-Day matrix
    xlsx = client.get(f"/office/quotas.xlsx?date={DAY}")
    book = load_workbook(io.BytesIO(xlsx.data))
    rows = list(book.worksheets[0].values)
    assert rows[1][0] == "Район или город" or rows[1][0]
    assert len(rows) == 2 + 13
    grid = list(book.worksheets[1].values)
    assert grid[0][1] == datetime.combine(past.date, datetime.min.time())  # a date cell
    assert client.get("/office/quotas?date=2026-13-01").status_code == 404


def test_the_quota_xlsx_is_typed_coloured_and_print_ready(client, day, make_user, make_day):
    services.register_delegate(
        day, places.district_by_code("nura"),
        services.DelegatePerson(full_name="Делегат", phone="+77017771111", role="npo"),
        now=datetime(2026, 12, 18, tzinfo=UTC),
    )  # fmt: skip
    make_day(date(2026, 11, 27))
    sign_in(client, make_user("admin"))
    book = workbook(client.get(f"/office/quotas.xlsx?date={DAY}&lang=kk").data)
    standing, grid = book.worksheets
    assert standing["A1"].value == "Аудандар мен қалалардың өкілдері"  # the page's language
    assert standing["B1"].value == datetime(2026, 12, 25)
    assert standing["B1"].number_format == "DD.MM.YYYY"
    column = header_map(standing, 2)
    assert list(column) == ["Аудан немесе қала", "Тіркелген", "Келді", "Ең аз саны", "Мақсат",
                            "Күйі"]  # fmt: skip
    assert_print_ready(standing, header_row=2, columns=6, data_rows=13)
    nura = next(r for r in range(3, 16) if standing.cell(r, 1).value == "Нұра ауданы")
    assert [standing.cell(nura, c).value for c in range(2, 6)] == [1, 0, 1, 2]  # numbers
    status = standing.cell(nura, 6)
    assert status.value == "тіркелген" and status.fill.fgColor.rgb.endswith("FFEB9C")
    assert grid.title == "Соңғы 12 күн"
    days = [c.value for c in grid[1]][1:-1]
    assert days == [datetime(2026, 11, 27)]  # the Days up to today, as date cells
    assert grid.cell(1, 2).number_format == "DD.MM.YYYY"
    assert_print_ready(grid, header_row=1, columns=3, data_rows=13)
    totals = grid[15]  # below the filtered table
    assert totals[0].value == "Норманы орындаған аудандар мен қалалар"
    assert totals[1].value == 0 and all(c.font.b for c in totals if c.value is not None)
    past = grid.cell(next(r for r in range(2, 15) if grid.cell(r, 1).value == "Нұра ауданы"), 2)
    assert past.value == "0/1" and past.fill.fgColor.rgb.endswith("FFC7CE")  # below


def test_quota_settings_by_admin(client, make_user):
    sign_in(client, make_user("admin"))
    nura = places.district_by_code("nura")
    url = "/office/quotas/settings"
    response = client.post(url, data={"district_id": nura.id, "delegate_min": 2,
                                      "delegate_target": 3})  # fmt: skip
    assert response.status_code == 302
    assert services.settings_on(date(2030, 1, 1))[nura.id] == (2, 3)
    bad = client.post(url, data={"district_id": nura.id, "delegate_min": 3,
                                 "delegate_target": 1})  # fmt: skip
    assert bad.status_code == 302
    assert services.settings_on(date(2030, 1, 1))[nura.id] == (2, 3)
