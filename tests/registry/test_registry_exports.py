"""The registry form (XLSX, CSV), the twice-monthly report, and the list page's filters and
export links: every filter value answers 200, and the links carry the filters."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine

from app.registry.models import Initiator, Kind, SpecialProject
from tests.conftest import sign_in
from tests.spreadsheets import (
    assert_no_apostrophes,
    assert_print_ready,
    header_map,
    workbook,
)


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(datetime(2026, 11, 27, 6, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def entries(make_proposal):
    """A regional project with every field, and a district event with the fewest."""
    project = make_proposal(
        kind=Kind.project,
        title="Музей под открытым небом «Ұлы дала»",
        description="Экспозиция под открытым небом.\n" + "Қазақ халқының тарихы. " * 10,
        expected_result="10 000 посетителей в год",
        starts_on=date(2027, 3, 1),
        ends_on=date(2027, 12, 31),
        event_date=None,
        people_involved=10000,
        funding_amount=Decimal("2500000.50"),
        funding_source="местный бюджет",
        phone="+77011234567",
        is_charity=True,
        special_project=SpecialProject.tugan_zher,
        initiator_type=Initiator.npo,
        initiator_name="=ОФ «Мұра»",
    )
    event = make_proposal()
    return project, event


def test_the_registry_form_xlsx_is_typed_and_print_ready(client, make_user, entries):
    project, event = entries
    sign_in(client, make_user("admin"))
    response = client.get("/registry/export.xlsx?lang=kk")  # the form is Russian anyway
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    disposition = response.headers["Content-Disposition"].replace('"', "")
    assert disposition == "attachment; filename=registry.xlsx"
    book = workbook(response.data)
    sheet = book.active
    assert sheet.title == "Реестр"
    column = header_map(sheet, 1)
    assert list(column)[:3] == ["№ в реестре", "Реестр", "Район / город"]
    assert len(column) == 28
    rows = {sheet.cell(r, 1).value: r for r in (2, 3)}
    assert set(rows) == {project.number, event.number}

    def cell(number, header):
        return sheet.cell(rows[number], column[header])

    assert cell(project.number, "Вид (проект / мероприятие)").value == "проект"
    assert cell(project.number, "Реестр").value == "областной реестр"
    assert cell(project.number, "Статус").value == "подано"
    assert cell(project.number, "Подпрограмма").value == "«Атамекен»"
    assert cell(project.number, "Благотворительность или меценатство").value == "да"
    assert cell(event.number, "Благотворительность или меценатство").value == "нет"
    assert cell(project.number, "Телефон").value == "+7 701 123 45 67"
    assert cell(project.number, "Наименование / ФИО инициатора").value == "=ОФ «Мұра»"
    assert cell(project.number, "Наименование").value == "Музей под открытым небом «Ұлы дала»"
    for header, value in [
        ("Начало реализации", datetime(2027, 3, 1)),
        ("Окончание реализации", datetime(2027, 12, 31)),
    ]:
        assert cell(project.number, header).value == value
        assert cell(project.number, header).number_format == "DD.MM.YYYY"
    event_date = cell(event.number, "Дата проведения мероприятия")
    assert event_date.value == datetime(2027, 6, 1) and event_date.number_format == "DD.MM.YYYY"
    received = cell(project.number, "Дата поступления")
    assert received.value == datetime(2026, 11, 27, 11, 0)  # 06:00 UTC in Almaty
    assert received.number_format == "DD.MM.YYYY HH:MM"
    people = cell(project.number, "Охват населения, чел.")
    assert people.value == 10000 and people.number_format == "#,##0"
    funding = cell(project.number, "Требуется финансирование, тенге")
    assert funding.value == 2500000.5 and funding.number_format == "#,##0.00"
    assert cell(event.number, "Требуется финансирование, тенге").value is None
    description = cell(project.number, "Описание")
    assert description.value.startswith("Экспозиция") and description.alignment.wrap_text
    widths = {h: sheet.column_dimensions[cell(project.number, h).column_letter].width
              for h in ("Описание", "Охват населения, чел.")}  # fmt: skip
    assert widths["Описание"] > 59 and widths["Охват населения, чел."] < 25
    assert_print_ready(sheet, header_row=1, columns=28, data_rows=2)
    assert_no_apostrophes(sheet)


def test_the_api_gives_the_same_registry_form(client, make_user, api_token, entries):
    admin = api_token(make_user("admin"))
    response = client.get("/api/registry.xlsx?kind=project", headers=admin)
    assert response.status_code == 200
    sheet = workbook(response.data).active
    assert sheet.max_row == 2 and sheet["A2"].value == entries[0].number
    assert_print_ready(sheet, header_row=1, columns=28, data_rows=1)


def test_the_registry_form_csv_for_excel_and_for_machines(client, make_user, entries):
    project, _event = entries
    sign_in(client, make_user("admin"))
    response = client.get("/registry/export.csv?kind=project&lang=kk")
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff№ в реестре;Реестр;")
    header, row = csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";")
    value = dict(zip(header, row, strict=True))
    assert value["№ в реестре"] == project.number
    assert value["Начало реализации"] == "01.03.2027"
    assert value["Дата поступления"] == "27.11.2026 11:00"
    assert value["Требуется финансирование, тенге"] == "2500000,50"
    assert value["Охват населения, чел."] == "10000"
    assert value["Телефон"] == "+7 701 123 45 67"  # no apostrophe: a phone, not a formula
    assert value["Наименование / ФИО инициатора"] == "'=ОФ «Мұра»"  # defused
    assert value["Благотворительность или меценатство"] == "да"
    machines = client.get("/registry/export.csv?kind=project&sep=comma").get_data(as_text=True)
    header, row = csv.reader(io.StringIO(machines.lstrip("\ufeff")))
    value = dict(zip(header, row, strict=True))
    assert value["Требуется финансирование, тенге"] == "2500000.50"
    assert value["Начало реализации"] == "01.03.2027"


def test_the_report_xlsx(client, make_user, entries):
    sign_in(client, make_user("admin"))
    response = client.get("/office/report.xlsx?date=2026-11-27&lang=kk")
    sheet = workbook(response.data).active
    assert sheet.title == "Информация"
    assert sheet["A1"].value == "Информация о реализации проектов и мероприятий на 27.11.2026"
    assert sheet["B1"].value == "новые с 14.11.2026"
    column = header_map(sheet, 2)
    assert list(column)[:4] == ["Район / город", "Проекты", "Мероприятия", "Новые"]
    assert "подано" in column and "«Атамекен»" in column
    districts = 13
    assert_print_ready(sheet, header_row=2, columns=len(column), data_rows=districts)
    nura = next(r for r in range(3, 3 + districts) if sheet.cell(r, 1).value == "Нуринский район")
    assert sheet.cell(nura, column["Проекты"]).value == 1
    assert sheet.cell(nura, column["Мероприятия"]).value == 1
    funding = sheet.cell(nura, column["Требуется финансирование, тенге"])
    assert funding.value == 2500000.5 and funding.number_format == "#,##0.00"
    totals = sheet[3 + districts]  # below the filtered table
    assert totals[0].value == "Итого" and all(c.font.b for c in totals if c.value is not None)
    assert totals[column["Проекты"] - 1].value == 1
    assert totals[column["Охват населения, чел."] - 1].value == 10000


# --- the list page's filters and export links ------------------------------------------------


class FilterForm(HTMLParser):
    """The list page's filter fields (with every option of each select) and export links."""

    def __init__(self, page):
        super().__init__()
        self.fields, self.exports, self._select = {}, [], None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self._select = attrs["name"]
            self.fields[self._select] = []
        elif tag == "option" and self._select:
            self.fields[self._select].append(attrs.get("value") or "")
        elif tag == "input" and attrs.get("name"):
            self.fields[attrs["name"]] = []
        elif tag == "a" and "/registry/export." in attrs.get("href", ""):
            self.exports.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


FILTERS = ["q", "registry", "district", "subprogram", "special_project", "kind", "status",
           "funding", "from", "to", "sort"]  # fmt: skip
#: values typed or pasted into the fields that have no options
TYPED = {
    "q": ["памятник", "REG-2026", "%_\\'\"", "=cmd|' /C calc'!A0", "ә" * 300],
    "from": ["2026-11-27", "2026-13-45", "0001-01-01", "9999-12-31", "27.11.2026"],
    "to": ["2027-01-01", "2027-02-30", "0001-01-01"],
}
#: for every filter: nothing, an unknown value, odd ones
ODD = ["", "unknown", " ", "ғ'ә\"", "fmt", "<script>"]


@pytest.mark.parametrize("name", FILTERS)
def test_every_value_of_every_filter_answers_with_working_export_links(
    client, make_user, entries, name
):
    sign_in(client, make_user("admin"))
    form = FilterForm(client.get("/registry/").get_data(as_text=True))
    assert set(FILTERS) <= set(form.fields), "the page's filters changed: update FILTERS"
    values = form.fields[name] + TYPED.get(name, []) + ODD
    assert len(values) > len(ODD) or name in TYPED
    for value in values:
        query = dict.fromkeys(form.fields, "")  # as the form sends it: every field, kind= too
        query[name] = value
        page = client.get("/registry/", query_string=query)
        assert page.status_code == 200, (name, value)
        links = FilterForm(page.get_data(as_text=True)).exports
        assert len(links) == 3, links
        for link in links:
            export = client.get(link)
            assert export.status_code == 200, (name, value, link)
            given = parse_qs(urlsplit(link).query, keep_blank_values=True)
            if value.strip():
                assert given[name] == [value], (link, value)
            assert not {key for key, v in given.items() if v == [""]}, link  # no empty ones
            assert ("sep" in given) == ("sep=comma" in link)


def test_odd_pages_and_parameters_answer(client, make_user, entries):
    sign_in(client, make_user("admin"))
    for page in ("99999999999999999999", "-1", "x", "0"):
        assert client.get(f"/registry/?page={page}").status_code == 200
    # parameters url_for takes for itself, or the export's own, never reach a link
    odd = "/registry/?fmt=csv&_external=1&_scheme=javascript&_anchor=x&sep=comma&kind=event"
    page = client.get(odd)
    assert page.status_code == 200
    xlsx, semicolons, commas = FilterForm(page.get_data(as_text=True)).exports
    assert xlsx == "/registry/export.xlsx?kind=event"
    assert semicolons == "/registry/export.csv?kind=event"
    assert commas == "/registry/export.csv?sep=comma&amp;kind=event".replace("&amp;", "&")
    assert client.get("/registry/export.csv?kind=event&fmt=xlsx").mimetype == "text/csv"
    # NUL is refused with a 400 before any view runs: no database stores it
    assert client.get("/registry/", query_string={"q": "\x00"}).status_code == 400


def test_the_export_links_carry_the_filters(client, make_user, entries):
    project, _event = entries
    sign_in(client, make_user("admin"))
    page = client.get("/registry/?kind=project&status=&q=&sort=number")
    xlsx, semicolons, commas = FilterForm(page.get_data(as_text=True)).exports
    assert urlsplit(xlsx).path == "/registry/export.xlsx"
    assert parse_qs(urlsplit(xlsx).query) == {"kind": ["project"], "sort": ["number"]}
    sheet = workbook(client.get(xlsx).data).active
    assert [c.value for c in sheet["A"]] == ["№ в реестре", project.number]
    assert urlsplit(semicolons).path == urlsplit(commas).path == "/registry/export.csv"
    body = client.get(semicolons).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert len(rows) == 2 and rows[1][0] == project.number
    assert parse_qs(urlsplit(commas).query)["sep"] == ["comma"]
    rows = list(csv.reader(io.StringIO(client.get(commas).get_data(as_text=True))))
    assert len(rows) == 2 and rows[1][0] == project.number and len(rows[1]) == 28


def test_the_form_names_the_district_and_the_entry_merged_into(client, make_user, entries):
    from app.extensions import db
    from app.registry import services as registry

    project, event = entries
    now = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
    registry.change_status(event, "under_review", now=now)
    registry.change_status(event, "merged", now=now, merged_into=project.number)
    db.session.commit()
    sign_in(client, make_user("admin"))
    sheet = workbook(client.get("/registry/export.xlsx").data).active
    column = header_map(sheet, 1)
    rows = {sheet.cell(r, 1).value: r for r in (2, 3)}
    merged_into = column["Причина отклонения / объединено с"]
    assert sheet.cell(rows[event.number], merged_into).value == project.number
    assert sheet.cell(rows[project.number], merged_into).value is None
    district = column["Район / город"]
    assert sheet.cell(rows[event.number], district).value == "Нуринский район"
