"""The spreadsheet helper: typed XLSX cells, fitted and print-ready sheets, CSV for Excel in
ru-KZ / kk-KZ, formula defusing and phone numbers."""

import csv
import io
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from flask_babel import force_locale

from app.core.i18n import format_phone
from app.core.spreadsheet import (
    Column,
    Table,
    Tinted,
    Type,
    csv_chunks,
    csv_separator,
    safe_cell,
    xlsx_bytes,
    xlsx_file,
)
from tests.spreadsheets import assert_no_apostrophes, assert_print_ready, workbook

COLUMNS = [
    Column("Текст", wrap=True),
    Column("Телефон", Type.phone),
    Column("Дата", Type.date),
    Column("Время", Type.time),
    Column("Поступило", Type.datetime),
    Column("Охват", Type.integer),
    Column("Сумма", Type.money),
    Column("Благотворительность", Type.boolean),
    Column(date(2026, 11, 27)),
]
#: 27 November 2026, 05:20 UTC = 10:20 in Almaty (UTC+5 since March 2024)
MOMENT = datetime(2026, 11, 27, 5, 20, tzinfo=UTC)
ROWS = [
    ["=HYPERLINK(\"http://evil\")", "+77011234567", date(2026, 11, 27), MOMENT, MOMENT, 10000,
     Decimal("2500000.50"), True, Tinted("1/2", "C6EFCE")],
    ["Қарағанды облысы: әғқңөұүһі\nвторая строка", None, None, None, None, 0, Decimal(0),
     False, "2/1"],
    ["<r><t>rich?</t></r>", "+442079460958", None, time(9, 5), None, None, None, None, None],
]  # fmt: skip


@pytest.fixture
def ru(app_ctx):
    with force_locale("ru"):
        yield


def test_xlsx_cells_are_typed_and_formatted(ru):
    sheet = workbook(xlsx_bytes(Table("Лист", COLUMNS, iter(ROWS)))).active
    first = {COLUMNS[c.column - 1].label: c for c in sheet[2]}
    assert first["Текст"].value == '=HYPERLINK("http://evil")'  # text, not a formula
    assert first["Телефон"].value == "+7 701 123 45 67"
    assert first["Дата"].value == datetime(2026, 11, 27)
    assert first["Дата"].number_format == "DD.MM.YYYY"
    assert first["Время"].value == time(10, 20)  # Asia/Almaty, naive
    assert first["Время"].number_format == "HH:MM"
    assert first["Поступило"].value == datetime(2026, 11, 27, 10, 20)
    assert first["Поступило"].number_format == "DD.MM.YYYY HH:MM"
    assert first["Охват"].value == 10000 and first["Охват"].number_format == "#,##0"
    assert first["Сумма"].value == 2500000.5 and first["Сумма"].number_format == "#,##0.00"
    assert first["Благотворительность"].value == "да"
    assert first[date(2026, 11, 27)].fill.fgColor.rgb.endswith("C6EFCE")
    second = [c.value for c in sheet[3]]
    assert second[0] == "Қарағанды облысы: әғқңөұүһі\nвторая строка"
    assert second[5:8] == [0, 0, "нет"]
    third = [c.value for c in sheet[4]]
    assert third[:2] == ["<r><t>rich?</t></r>", "+44 207 946 09 58"]
    assert third[3] == time(9, 5)
    assert sheet.cell(2, 1).alignment.wrap_text and not sheet.cell(2, 2).alignment.wrap_text
    header = sheet[1]
    assert [c.value for c in header][:2] == ["Текст", "Телефон"]
    assert header[8].value == datetime(2026, 11, 27) and header[8].number_format == "DD.MM.YYYY"
    assert_print_ready(sheet, header_row=1, columns=len(COLUMNS), data_rows=3)
    assert_no_apostrophes(sheet)


def test_widths_fit_the_content_and_are_capped(ru):
    columns = [Column("Описание", wrap=True), Column("№"), Column("Сумма", Type.money)]
    rows = [["слово " * 40, "REG-2026-0001", Decimal("2500000")]]
    sheet = workbook(xlsx_bytes(Table("Лист", columns, rows))).active
    widths = [sheet.column_dimensions[letter].width for letter in "ABC"]
    assert 60 <= widths[0] <= 61  # capped at 60 characters, the text wraps
    assert 15 <= widths[1] <= 16  # "REG-2026-0001" + 2
    assert 14 <= widths[2] <= 15  # "2,500,000.00" + 2
    long_header = [Column("Поступило после 30 сентября", Type.boolean)]
    sheet = workbook(xlsx_bytes(Table("Лист", long_header, [[True]]))).active
    assert sheet.column_dimensions["A"].width < 27  # the header wraps instead
    assert sheet.cell(1, 1).alignment.wrap_text


def test_widths_come_from_the_first_rows_and_every_row_is_written(ru):
    columns = [Column("N", Type.integer), Column("Текст")]
    rows = ([n, "x" * (5 if n < 200 else 50)] for n in range(1000))
    sheet = workbook(xlsx_bytes(Table("Лист", columns, rows))).active
    assert sheet.max_row == 1001 and sheet.cell(1001, 1).value == 999
    assert sheet.column_dimensions["B"].width < 10  # fitted on the rows read ahead


def test_heading_and_totals_stay_outside_the_table(ru):
    table = Table(
        "Отчёт",
        [Column("Район"), Column("Проектов", Type.integer), Column("Сумма", Type.money)],
        [["Нура", 2, Decimal("10.5")], ["Шет", 1, Decimal(0)]],
        heading=["Информация на", date(2026, 11, 27)],
        totals=["Итого", 3, Decimal("10.5")],
    )
    sheet = workbook(xlsx_bytes(table)).active
    assert sheet["A1"].value == "Информация на" and sheet["A1"].font.b
    assert sheet["B1"].value == datetime(2026, 11, 27) and sheet["B1"].number_format == "DD.MM.YYYY"
    assert_print_ready(sheet, header_row=2, columns=3, data_rows=2)
    totals = sheet[5]
    assert [c.value for c in totals] == ["Итого", 3, 10.5]
    assert all(c.font.b for c in totals) and totals[2].number_format == "#,##0.00"


def test_several_sheets_with_safe_names(ru):
    file = xlsx_file(
        Table("2026-11-27", [Column("A")], [["1"]]), Table("a/b:c?" * 10, [Column("B")], [])
    )
    book = workbook(file.read())
    file.close()
    assert book.sheetnames == ["2026-11-27", ("a-b-c-" * 10)[:31]]
    assert_print_ready(book.worksheets[1], header_row=1, columns=1, data_rows=0)


def test_csv_for_excel_in_kazakhstan_by_default(ru):
    body = b"".join(csv_chunks(COLUMNS, ROWS)).decode("utf-8")
    assert body.startswith("\ufeffТекст;Телефон;")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][-1] == "27.11.2026"
    assert rows[1] == [
        "'=HYPERLINK(\"http://evil\")", "+7 701 123 45 67", "27.11.2026", "10:20",
        "27.11.2026 10:20", "10000", "2500000,50", "да", "1/2",
    ]  # fmt: skip
    assert rows[2][0] == "Қарағанды облысы: әғқңөұүһі\nвторая строка"
    assert rows[2][5:8] == ["0", "0,00", "нет"]
    assert rows[3][1] == "+44 207 946 09 58"
    assert "\r\n" in body


def test_csv_with_commas_for_machines(ru):
    body = b"".join(csv_chunks(COLUMNS, ROWS, sep="comma")).decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[1][6] == "2500000.50" and rows[1][2] == "27.11.2026"
    assert rows[2][6] == "0.00"
    assert csv_separator("comma") == "comma"
    assert {csv_separator(v) for v in (None, "", "semicolon", ";", "COMMA")} == {"semicolon"}


def test_csv_streams_in_chunks(ru):
    rows = ([n, f"строка {n}"] for n in range(5))
    chunks = list(csv_chunks([Column("N", Type.integer), Column("Текст")], rows, batch=2))
    assert len(chunks) == 3
    assert b"".join(chunks).decode("utf-8").count("\r\n") == 6


@pytest.mark.parametrize(
    ("value", "safe"),
    [("=1+2", "'=1+2"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
     ("\tx", "'\tx"), ("\rx", "'\rx"), ("+7 701 123 45 67", "+7 701 123 45 67"),
     ("+77011234567", "+77011234567"), ("+7 701 =1", "'+7 701 =1"), ("Асель", "Асель"),
     ("", ""), (5, 5), (None, None)],
)  # fmt: skip
def test_safe_cell(value, safe):
    assert safe_cell(value) == safe


@pytest.mark.parametrize(
    ("e164", "shown"),
    [("+77011234567", "+7 701 123 45 67"), ("+77212123456", "+7 721 212 34 56"),
     ("+442079460958", "+44 207 946 09 58"), ("+4930123456", "+49 30 12 34 56"),
     ("", ""), (None, ""), ("not a phone", "not a phone")],
)  # fmt: skip
def test_format_phone(e164, shown):
    assert format_phone(e164) == shown
