"""Every export opened by a real spreadsheet: LibreOffice (headless) loads each XLSX and
imports each CSV as a Russian-locale user would; dates come back as dates, numbers as
numbers, phones keep their plus, Cyrillic and Kazakh letters stay intact."""

import os
import shutil
import signal
import subprocess
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
import time_machine
from openpyxl import load_workbook

from app.districts import services as districts
from app.places import services as places
from app.registry.models import Initiator, Kind
from tests.conftest import sign_in, skip_or_fail

pytestmark = pytest.mark.libreoffice

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
DAY = date(2026, 12, 25)
#: every letter of the Kazakh alphabet that Russian lacks, both cases
KAZAKH = "ӘәҒғҚқҢңӨөҰұҮүҺһІі"
#: LibreOffice's CSV import options, in its documented token order: separator 59 (;), text
#: delimiter 34 ("), character set 76 (UTF-8), first line 1, no column formats, language
#: 1049 (ru-RU), quoted fields not forced to text, detect special numbers (dates, times)
RUSSIAN_CSV_IMPORT = "CSV:59,34,76,1,,1049,false,true"


@pytest.fixture(scope="session")
def soffice(tmp_path_factory):
    """convert(files, outdir, infilter=None): each file converted to XLSX by one soffice run,
    with a profile of this session's own (parallel runs do not clash)."""
    if not SOFFICE:
        skip_or_fail("LibreOffice tests need soffice (apt-get install -y libreoffice-calc-nogui)")
    profile = tmp_path_factory.mktemp("libreoffice-profile")

    def convert(files, outdir, infilter=None):
        command = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                   "--norestore", "--nologo", "--nolockcheck"]  # fmt: skip
        if infilter:
            command.append(f"--infilter={infilter}")
        command += ["--convert-to", "xlsx", "--outdir", str(outdir), *map(str, files)]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            output, _ = process.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # soffice.bin too, not only the wrapper
            process.communicate()
            raise
        converted = [outdir / (file.stem + ".xlsx") for file in files]
        missing = [path.name for path in converted if not path.exists()]
        assert not missing, (missing, output.decode(errors="replace"))
        return {path.stem: load_workbook(path) for path in converted}

    return convert


@pytest.fixture
def exports(client, make_day, make_booking, make_user, make_proposal):
    """Every export of a Day, its quotas and a registry with Kazakh and Russian text."""
    day = make_day(DAY)
    booked = make_booking(day.slots[0], full_name=f"Айгерим {KAZAKH}", phone="+77015550001",
                          message=f"=1+2 {KAZAKH}")  # fmt: skip
    districts.register_delegate(
        day, places.district_by_code("nura"),
        districts.DelegatePerson(full_name="Делегат Нуры", phone="+77017771111", role="npo"),
        now=datetime(2026, 12, 18, tzinfo=UTC),
    )  # fmt: skip
    project = make_proposal(
        kind=Kind.project, title=f"Музей «{KAZAKH}»", expected_result="10 000 посетителей",
        starts_on=date(2027, 3, 1), ends_on=date(2027, 12, 31), event_date=None,
        people_involved=10000, funding_amount=Decimal("2500000.50"), phone="+77011234567",
        initiator_type=Initiator.npo, initiator_name="=ОФ «Мұра»",
    )  # fmt: skip
    sign_in(client, make_user("admin"))
    with time_machine.travel(datetime(2026, 12, 25, 6, 30, tzinfo=UTC), tick=False):
        assert client.post(f"/reception/{DAY}/bookings/{booked.id}/checkin").status_code == 302
        responses = {
            "registry.xlsx": client.get("/registry/export.xlsx"),
            "report.xlsx": client.get("/office/report.xlsx?date=2026-12-11"),
            "attendance.xlsx": client.get(f"/reception/{DAY}/export.xlsx"),
            "quotas.xlsx": client.get(f"/office/quotas.xlsx?date={DAY}"),
            "registry.csv": client.get("/registry/export.csv"),
            "attendance.csv": client.get(f"/reception/{DAY}/export.csv"),
        }
    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 200)
    return {name: r.data for name, r in responses.items()}, project


def columns(sheet, header_row):
    return {cell.value: cell.column for cell in sheet[header_row] if cell.value is not None}


def row_where(sheet, header_row, column, value):
    for row in range(header_row + 1, sheet.max_row + 1):
        if sheet.cell(row, column).value == value:
            return row
    raise AssertionError(f"no row with {value!r}")


def check_registry(sheet, project):
    column = columns(sheet, 1)
    row = row_where(sheet, 1, column["№ в реестре"], project.number)

    def value(header):
        return sheet.cell(row, column[header]).value

    assert value("Наименование") == f"Музей «{KAZAKH}»"
    assert value("Начало реализации") == datetime(2027, 3, 1)
    assert value("Окончание реализации") == datetime(2027, 12, 31)
    assert value("Дата поступления") == datetime(2026, 11, 27, 11, 0)
    assert value("Требуется финансирование, тенге") == 2500000.5
    assert value("Охват населения, чел.") == 10000
    assert value("Телефон") == "+7 701 123 45 67"
    assert value("Вид (проект / мероприятие)") == "проект"
    return value("Наименование / ФИО инициатора"), sheet.cell(
        row, column["Наименование / ФИО инициатора"]
    )


def check_attendance(sheet, header_row):
    column = columns(sheet, header_row)
    row = row_where(sheet, header_row, column["ФИО"], f"Айгерим {KAZAKH}")

    def value(header):
        return sheet.cell(row, column[header]).value

    assert value("Время") in (time(10, 0), datetime(1899, 12, 30, 10, 0))
    arrived = value("Время прибытия")
    assert (arrived.hour, arrived.minute) == (11, 30)
    assert value("Телефон") == "+7 701 555 00 01"
    return value("Сообщение"), sheet.cell(row, column["Сообщение"])


def test_libreoffice_opens_every_xlsx_export(exports, soffice, tmp_path):
    files, project = exports
    sources = tmp_path / "xlsx"
    sources.mkdir()
    for name, data in files.items():
        if name.endswith(".xlsx"):
            (sources / name).write_bytes(data)
    books = soffice(sorted(sources.iterdir()), tmp_path / "out")

    registry = books["registry"].active
    initiator, cell = check_registry(registry, project)
    assert initiator == "=ОФ «Мұра»" and cell.data_type == "s"  # text, as written
    dates = columns(registry, 1)["Начало реализации"]
    shown = registry.cell(2, dates).number_format.replace("\\", "")  # LibreOffice escapes dots
    assert shown.upper() == "DD.MM.YYYY"

    message, cell = check_attendance(books["attendance"].active, header_row=2)
    assert message == f"=1+2 {KAZAKH}" and cell.data_type == "s"
    assert books["attendance"].active["B1"].value == datetime(2026, 12, 25)

    report = books["report"].active
    nura = row_where(report, 2, 1, "Нуринский район")
    assert report.cell(nura, columns(report, 2)["Проекты"]).value == 1

    standing, grid = books["quotas"].worksheets
    nura = row_where(standing, 2, 1, "Нуринский район")
    assert [standing.cell(nura, c).value for c in range(2, 6)] == [1, 0, 1, 2]
    assert grid.cell(1, 2).value == datetime(2026, 12, 25)


def test_libreoffice_imports_every_csv_export_as_a_russian_user(exports, soffice, tmp_path):
    files, project = exports
    sources = tmp_path / "csv"
    sources.mkdir()
    for name, data in files.items():
        if name.endswith(".csv"):
            (sources / name).write_bytes(data)
    books = soffice(sorted(sources.iterdir()), tmp_path / "out", infilter=RUSSIAN_CSV_IMPORT)

    initiator, cell = check_registry(books["registry"].active, project)
    assert initiator == "'=ОФ «Мұра»" and cell.data_type == "s"  # defused: not a formula
    message, cell = check_attendance(books["attendance"].active, header_row=1)
    assert message == f"'=1+2 {KAZAKH}" and cell.data_type == "s"
