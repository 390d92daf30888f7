"""The desk through HTTP: scanning, searching, walk-ins, exports, counters."""

import csv
import io
from datetime import UTC, date, datetime, time

import pytest
import time_machine
from openpyxl import load_workbook

from app.bookings.models import BookingStatus
from app.extensions import db
from tests.conftest import sign_in
from tests.html import selected
from tests.spreadsheets import assert_no_apostrophes, assert_print_ready, header_map, workbook

DAY = date(2026, 12, 25)
ON_THE_DAY = datetime(2026, 12, 25, 6, 30, tzinfo=UTC)  # 11:30 Almaty


@pytest.fixture
def desk_client(client, make_user):
    sign_in(client, make_user("reception"))
    return client


@pytest.fixture
def day(make_day):
    return make_day(DAY)


@pytest.fixture(autouse=True)
def on_the_day():
    with time_machine.travel(ON_THE_DAY, tick=True):
        yield


def scan(client, typed, lang="ru"):
    response = client.post(f"/reception/{DAY}/scan?lang={lang}", data={"q": typed})
    page = client.get(response.location).get_data(as_text=True)
    return response, page


def test_a_scanned_code_checks_in_once(desk_client, day, make_booking):
    booking = make_booking(day.slots[0], full_name="Сауле Ахметова")
    _response, page = scan(desk_client, booking.code + "\r\n")
    assert "Прибытие отмечено: Сауле Ахметова" in page
    db.session.refresh(booking)
    assert booking.status == BookingStatus.checked_in
    _response, again = scan(desk_client, booking.code.lower())
    assert "прибытие уже отмечено" in again


@pytest.mark.parametrize("typed", ["ZZZZZZ", "ACD34", "ACD3477", "]Q1ACD347"])
def test_unknown_or_garbled_codes_check_in_nobody(desk_client, day, make_booking, typed):
    booking = make_booking(day.slots[0])
    response, page = scan(desk_client, typed)
    assert "q=" in response.location
    assert "записей не найдено" in page
    db.session.refresh(booking)
    assert booking.status == BookingStatus.confirmed


def test_a_code_of_another_day_says_which_day(desk_client, day, make_day, make_booking):
    other = make_day(date(2027, 1, 29))
    booking = make_booking(other.slots[0], now=datetime(2027, 1, 20, tzinfo=UTC))
    _response, page = scan(desk_client, booking.code)
    assert "2027-01-29" in page
    db.session.refresh(booking)
    assert booking.status == BookingStatus.confirmed


def test_a_cancelled_booking_says_so(desk_client, day, make_booking):
    from app.bookings import services as bookings

    booking = make_booking(day.slots[5])
    bookings.cancel_booking(booking, now=datetime(2026, 12, 20, tzinfo=UTC))
    db.session.commit()
    _response, page = scan(desk_client, booking.code, lang="kk")
    assert booking.code in page
    db.session.refresh(booking)
    assert booking.status == BookingStatus.cancelled


def test_a_name_shows_the_matches(desk_client, day, make_booking):
    make_booking(day.slots[0], full_name="Мурат Ержанов")
    make_booking(day.slots[1], full_name="Динара Касымова")
    _response, page = scan(desk_client, "ержан")
    assert "Мурат Ержанов" in page.split('id="matches-title"')[1].split("</section>")[0]
    assert "Динара" not in page.split('id="matches-title"')[1].split("</section>")[0]


def test_walk_in_form_and_counters(desk_client, day, make_booking):
    make_booking(day.slots[0])
    response = desk_client.post(
        f"/reception/{DAY}/walk-in",
        data={"full_name": "Без Записи", "category": "citizen", "topic": "progress",
              "consent": "y"},
    )  # fmt: skip
    assert response.status_code == 302
    counters = desk_client.get(f"/reception/{DAY}/counters.json").get_json()
    assert counters == {"booked": 1, "checked_in": 1, "walk_ins": 1, "no_show": 0,
                        "arrived_booked": 0, "expected": 1}  # fmt: skip
    bad = desk_client.post(
        f"/reception/{DAY}/walk-in?lang=kk",
        data={"full_name": "", "category": "delegate", "topic": "progress"},
    )
    assert bad.status_code == 422
    assert "district-error" in bad.get_data(as_text=True)


def test_a_walk_in_s_category_and_topic_are_chosen_not_assumed(desk_client, day):
    page = desk_client.get(f"/reception/{DAY}/walk-in").get_data(as_text=True)
    assert (selected(page, "category"), selected(page, "topic")) == ("", "")
    bad = desk_client.post(
        f"/reception/{DAY}/walk-in", data={"full_name": "Без Записи", "category": "", "topic": ""}
    )
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert 'id="category-error"' in page and 'id="topic-error"' in page
    assert "Выберите один из вариантов." in page
    counters = desk_client.get(f"/reception/{DAY}/counters.json").get_json()
    assert counters["walk_ins"] == 0


def test_walk_ins_without_phone_or_email_do_not_collide(desk_client, day):
    for name in ("Первый Гость", "Второй Гость"):
        response = desk_client.post(
            f"/reception/{DAY}/walk-in",
            data={"full_name": name, "category": "citizen", "topic": "problem", "phone": "",
                  "email": "", "consent": "y"},
        )  # fmt: skip
        assert response.status_code == 302
    counters = desk_client.get(f"/reception/{DAY}/counters.json").get_json()
    assert counters["walk_ins"] == 2


def test_undo_no_show_and_notes_through_the_page(desk_client, day, make_booking):
    booking = make_booking(day.slots[0])
    base = f"/reception/{DAY}/bookings/{booking.id}"
    desk_client.post(base + "/checkin")
    desk_client.post(base + "/undo")
    db.session.refresh(booking)
    assert booking.status == BookingStatus.confirmed
    desk_client.post(base + "/no_show")  # slot 10:00–10:20 is over at 11:30
    db.session.refresh(booking)
    assert booking.status == BookingStatus.no_show
    desk_client.post(base + "/notes", data={"text": "<b>не пришёл</b>", "follow_up": ""})
    page = desk_client.get(f"/reception/{DAY}").get_data(as_text=True)
    assert "&lt;b&gt;не пришёл&lt;/b&gt;" in page


def test_exports_have_one_row_per_visitor(desk_client, day, make_booking):
    make_booking(day.slots[0], full_name="=HYPERLINK(1)")
    make_booking(day.slots[1], full_name="Асель Нурова")
    raw = desk_client.get(f"/reception/{DAY}/export.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(raw.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Время", "Код записи", "ФИО"]
    assert len(rows) == 3
    assert rows[1][2] == "'=HYPERLINK(1)"
    xlsx = desk_client.get(f"/reception/{DAY}/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = list(sheet.values)
    assert values[1][2] == "ФИО" and len(values) == 4
    assert values[3][2] == "Асель Нурова"


def test_the_desk_list_xlsx_is_typed_and_print_ready(desk_client, day, make_booking):
    booked = make_booking(day.slots[0], full_name="Әсел Құрманғазиева", phone="+77015550001",
                          message="=1+2 және ұсыныс")  # fmt: skip
    desk_client.post(f"/reception/{DAY}/bookings/{booked.id}/checkin")  # 11:30 in Almaty
    desk_client.post(f"/reception/{DAY}/bookings/{booked.id}/notes",
                     data={"text": "Обсудили музей", "follow_up": "ответить письмом"})  # fmt: skip
    walk_in_form = {"full_name": "Без Записи", "category": "citizen", "topic": "progress",
                    "consent": "y"}  # fmt: skip
    desk_client.post(f"/reception/{DAY}/walk-in", data=walk_in_form)
    response = desk_client.get(f"/reception/{DAY}/export.xlsx?lang=kk")
    assert 'filename="attendance-2026-12-25.xlsx"' in response.headers["Content-Disposition"]
    sheet = workbook(response.data).active
    assert sheet["A1"].value == "Азаматтық бастамалар күні"  # the page's language
    assert sheet["B1"].value == datetime(2026, 12, 25) and sheet["B1"].number_format == "DD.MM.YYYY"
    column = header_map(sheet, 2)
    assert list(column)[:3] == ["Уақыт", "Жазылым коды", "Т.А.Ә."]
    assert_print_ready(sheet, header_row=2, columns=14, data_rows=2)
    assert_no_apostrophes(sheet)
    row = next(r for r in (3, 4) if sheet.cell(r, column["Т.А.Ә."]).value == booked.full_name)
    walk_in = 7 - row

    def cell(r, header):
        return sheet.cell(r, column[header])

    assert cell(row, "Уақыт").value == time(10, 0) and cell(row, "Уақыт").number_format == "HH:MM"
    assert cell(row, "Келген уақыты").value.replace(second=0) == time(11, 30)
    assert cell(row, "Келген уақыты").number_format == "HH:MM"
    assert cell(row, "Телефон").value == "+7 701 555 00 01"
    assert cell(row, "Хабарлама").value == "=1+2 және ұсыныс"
    assert cell(row, "Хабарлама").alignment.wrap_text
    assert cell(row, "Қабылдау туралы жазба").value == "Обсудили музей → ответить письмом"
    assert cell(walk_in, "Уақыт").value is None  # a walk-in has no slot
    assert cell(walk_in, "Т.А.Ә.").value == "Без Записи"


def test_the_desk_list_csv_for_excel_and_for_machines(desk_client, day, make_booking):
    make_booking(day.slots[1], full_name="Асель", phone="+77015550002", message="-cmd")
    raw = desk_client.get(f"/reception/{DAY}/export.csv").get_data(as_text=True)
    assert raw.startswith("\ufeffВремя;Код записи;ФИО;")
    header, row = csv.reader(io.StringIO(raw.lstrip("\ufeff")), delimiter=";")
    value = dict(zip(header, row, strict=True))
    assert value["Время"] == "10:20" and value["Время прибытия"] == ""
    assert value["Телефон"] == "+7 701 555 00 02" and value["Сообщение"] == "'-cmd"
    commas = desk_client.get(f"/reception/{DAY}/export.csv?sep=comma").get_data(as_text=True)
    header, row = csv.reader(io.StringIO(commas.lstrip("\ufeff")))
    assert dict(zip(header, row, strict=True))["Телефон"] == "+7 701 555 00 02"


def test_printable_list(desk_client, day, make_booking):
    make_booking(day.slots[0], full_name="Асель Нурова")
    page = desk_client.get(f"/reception/{DAY}/print").get_data(as_text=True)
    assert "Асель Нурова" in page


def test_reception_home_opens_todays_day(desk_client, day):
    response = desk_client.get("/reception/")
    assert response.location.endswith(f"/reception/{DAY}")
