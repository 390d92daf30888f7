"""The registry through HTTP: intake, pages, scoping, exports and the API."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.registry import services as registry
from app.registry.models import Proposal, Registry, Scale, SpecialProject, Status
from tests.conftest import sign_in
from tests.html import selected


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(datetime(2026, 11, 27, 6, 0, tzinfo=UTC), tick=False):
        yield


def project_form(**fields):
    data = {"kind": "project", "title": "Музей под открытым небом", "description": "Описание",
            "subprogram": "rukhani_kazyna", "special_project": "", "district": "nura",
            "scale": "district", "initiator_type": "npo", "initiator_name": "ОФ «Мұра»",
            "expected_result": "10 000 посетителей в год", "starts_on": "2027-03-01",
            "ends_on": "2027-12-31", "people_involved": "10000", "funding_amount": "2500000",
            "funding_source": "местный бюджет"}  # fmt: skip
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def count():
    return db.session.scalar(select(func.count(Proposal.id)))


def test_the_office_enters_and_finds_an_entry(client, make_user):
    sign_in(client, make_user("admin"))
    response = client.post("/registry/new", data=project_form())
    assert response.status_code == 302
    proposal = db.session.scalars(select(Proposal)).one()
    assert proposal.number == "NUR-2026-0001" and proposal.funding_amount == Decimal("2500000")
    page = client.get("/registry/?q=музей").get_data(as_text=True)
    assert 'data-number="NUR-2026-0001"' in page
    assert client.get("/registry/?q=нет-такого").get_data(as_text=True).count("data-number=") == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"expected_result": ""}, "expected_result"),
        ({"starts_on": ""}, "starts_on"),
        ({"ends_on": "2026-01-01"}, "ends_on"),
        ({"kind": "event", "event_date": ""}, "event_date"),
        ({"subprogram": "nonsense"}, "subprogram"),
        ({"district": "atlantis"}, "district"),
        ({"title": ""}, "title"),
        ({"funding_amount": "-5"}, "funding_amount"),
    ],
)
def test_bad_entries_are_refused_beside_the_field(client, make_user, fields, field):
    sign_in(client, make_user("admin"))
    response = client.post("/registry/new?lang=kk", data=project_form(**fields))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert count() == 0


def test_a_district_works_in_its_own_registry_only(client, make_user, make_proposal):
    mine = make_proposal(district="nura")
    regional = make_proposal(district="nura", scale=Scale.region)
    theirs = make_proposal(district="shet")
    sign_in(client, make_user("district", district="nura"))
    page = client.get("/registry/").get_data(as_text=True)
    assert mine.number in page and regional.number in page and theirs.number not in page
    assert client.get(f"/registry/{theirs.number}").status_code == 403
    # What it sent to the region it can read, not review.
    assert client.get(f"/registry/{regional.number}").status_code == 200
    refused = client.post(f"/registry/{regional.number}/status", data={"status": "under_review"})
    assert refused.status_code == 403
    client.post(f"/registry/{mine.number}/status", data={"status": "under_review"})
    db.session.refresh(mine)
    assert mine.status == Status.under_review
    # A district enters entries for itself whatever the form says.
    client.post("/registry/new", data=project_form(district="shet"))
    created = db.session.scalars(select(Proposal).order_by(Proposal.id.desc())).first()
    assert created.district.code == "nura"


def test_filters(client, make_user, make_proposal):
    make_proposal(district="nura", special_project=SpecialProject.tugan_zher, is_charity=True)
    make_proposal(district="shet")
    make_proposal(district="shet", event_date=date(2030, 1, 1))
    sign_in(client, make_user("admin"))

    def numbers(query):
        page = client.get("/registry/?" + query).get_data(as_text=True)
        return page.count("data-number=")

    assert numbers("") == 3
    assert numbers("registry=regional") == 1
    assert numbers("district=shet") == 2
    assert numbers("special_project=tugan_zher") == 1
    assert numbers("special_project=none") == 2
    assert numbers("kind=project") == 0
    assert numbers("status=submitted") == 3
    assert numbers("from=2029-01-01") == 1
    assert numbers("to=2028-01-01") == 2
    assert numbers("funding=yes") == 0


def test_review_with_reason_and_a_refused_transition(client, make_user, make_proposal):
    proposal = make_proposal()
    sign_in(client, make_user("admin"))
    client.post(f"/registry/{proposal.number}/status", data={"status": "done"})
    db.session.refresh(proposal)
    assert proposal.status == Status.submitted
    client.post(f"/registry/{proposal.number}/status", data={"status": "under_review"})
    client.post(f"/registry/{proposal.number}/status", data={"status": "rejected", "reason": ""})
    db.session.refresh(proposal)
    assert proposal.status == Status.under_review
    client.post(f"/registry/{proposal.number}/status",
                data={"status": "rejected", "reason": "<i>не по программе</i>"})  # fmt: skip
    page = client.get(f"/registry/{proposal.number}").get_data(as_text=True)
    assert "&lt;i&gt;не по программе&lt;/i&gt;" in page


def test_an_empty_review_changes_nothing_and_says_why(client, make_user, make_proposal):
    proposal = make_proposal()
    sign_in(client, make_user("admin"))
    page = client.get(f"/registry/{proposal.number}").get_data(as_text=True)
    assert selected(page, "status") == ""  # not «объединено», the first allowed step
    response = client.post(f"/registry/{proposal.number}/status", data={"status": ""})
    assert response.status_code == 302
    assert "Выберите новый статус." in client.get(response.location).get_data(as_text=True)
    db.session.refresh(proposal)
    assert proposal.status == Status.submitted and len(proposal.events) == 1


def test_an_entry_shows_its_funding_as_the_list_does(client, make_user, make_proposal):
    proposal = make_proposal(funding_amount=Decimal("1500000"))
    make_proposal(funding_amount=Decimal("2500.50"))
    sign_in(client, make_user("admin"))
    detail = client.get(f"/registry/{proposal.number}").get_data(as_text=True)
    listing = client.get("/registry/").get_data(as_text=True)
    assert "1\u00a0500\u00a0000\u00a0₸" in detail and "1500000" not in detail
    assert "1\u00a0500\u00a0000\u00a0₸" in listing and "2\u00a0500,50\u00a0₸" in listing


def test_the_office_chooses_the_district_of_a_new_entry(client, make_user):
    sign_in(client, make_user("admin"))
    assert selected(client.get("/registry/new").get_data(as_text=True), "district") == ""
    response = client.post("/registry/new", data=project_form(district=""))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="district-error"' in page and "Выберите район или город." in page
    assert count() == 0
    kazakh = client.post("/registry/new?lang=kk", data=project_form(district=None))
    assert "Ауданды немесе қаланы таңдаңыз." in kazakh.get_data(as_text=True)
    assert count() == 0


@pytest.mark.parametrize(("district", "shown"), [("nura", "nura"), (None, "")])
def test_a_visitor_s_proposal_takes_the_district_of_the_booking_or_none(
    client, make_day, make_booking, district, shown
):
    from app.places.services import district_by_code

    day = make_day(date(2026, 12, 25))
    where = district_by_code(district).id if district else None
    booking = make_booking(day.slots[0], district_id=where)
    url = f"/bookings/{booking.code}/proposal?token={booking.manage_token}"
    assert selected(client.get(url).get_data(as_text=True), "district") == shown
    refused = client.post(url, data=project_form(district=""))
    assert refused.status_code == 422 and 'id="district-error"' in refused.get_data(as_text=True)
    assert count() == 0


def test_the_xlsx_has_one_row_per_entry_and_the_form_headers(client, make_user, make_proposal):
    for n in range(3):
        make_proposal(title=f"=cmd|{n}", funding_amount=Decimal(n * 1000))
    sign_in(client, make_user("admin"))
    response = client.get("/registry/export.xlsx?lang=kk")  # the form is Russian anyway
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.values)
    assert rows[0][0] == "№ в реестре" and "Наименование" in rows[0]
    assert len(rows) == 4
    # An XLSX text cell is never a formula: written as it was typed, no apostrophe.
    assert {r[4] for r in rows[1:]} == {"=cmd|0", "=cmd|1", "=cmd|2"}
    assert {sheet.cell(row, 5).data_type for row in (2, 3, 4)} == {"s"}
    csv_body = client.get("/registry/export.csv").get_data(as_text=True)
    assert csv_body.count("\n") == 4
    assert csv_body.count(";'=cmd|") == 3  # the CSV defuses them


def test_the_report_page_and_xlsx(client, make_user, make_proposal):
    make_proposal(people_involved=40)
    sign_in(client, make_user("admin"))
    page = client.get("/office/report?date=2026-11-27").get_data(as_text=True)
    nura = page.split('data-district="nura"')[1].split("</tr>")[0]
    assert "<td>40</td>" in nura
    book = load_workbook(io.BytesIO(client.get("/office/report.xlsx?date=2026-11-27").data))
    rows = list(book.active.values)
    assert rows[1][0] == "Район / город" and len(rows) == 2 + 13 + 1


def test_the_district_dashboard_shows_the_next_reporting_dates(client, make_user):
    sign_in(client, make_user("district", district="nura"))
    page = client.get("/districts/nura/?lang=ru").get_data(as_text=True)
    assert "27 ноября 2026" in page and "11 декабря 2026" in page  # today is a reporting Friday


def test_a_visitor_attaches_a_proposal_from_the_manage_link(client, make_day, make_booking):
    from app.bookings.models import Topic

    day = make_day(date(2026, 12, 25))
    booking = make_booking(day.slots[0], topic=Topic.proposal, district_id=None)
    url = f"/bookings/{booking.code}/proposal?token={booking.manage_token}"
    assert client.get(url).status_code == 200
    response = client.post(url, data=project_form(initiator_type="akimat", phone="+77000000000"))
    assert response.status_code == 302
    proposal = db.session.scalars(select(Proposal)).one()
    assert proposal.booking_id == booking.id and proposal.origin.value == "booking"
    assert proposal.initiator_type.value == "citizen"  # from the booking, not the form
    assert proposal.phone == booking.phone
    status_page = client.get(response.location).get_data(as_text=True)
    assert proposal.number in status_page
    manage = client.get(f"/bookings/{booking.code}?token={booking.manage_token}")
    assert proposal.number in manage.get_data(as_text=True)
    assert client.get(f"/bookings/{booking.code}/proposal?token=wrong").status_code == 404
    assert client.get(f"/proposals/{proposal.number}?token=wrong").status_code == 404


def test_api_create_list_and_status(client, make_user, api_token):
    admin = api_token(make_user("admin"))
    body = {"kind": "event", "title": "Акция", "subprogram": "akparat", "district": "shet",
            "scale": "district", "initiator_type": "party", "initiator_name": "Партия",
            "event_date": "2027-05-09", "special_project": "tugan_zher", "is_charity": True,
            "funding_amount": 1000}  # fmt: skip
    created = client.post("/api/proposals", json=body, headers=admin)
    assert created.status_code == 201, created.get_json()
    answer = created.get_json()
    assert (answer["number"], answer["registry"], answer["status"]) == (
        "REG-2026-0001", "regional", "submitted",
    )  # fmt: skip
    listing = client.get("/api/registry?registry=regional", headers=admin).get_json()
    assert listing["total"] == 1 and listing["proposals"][0]["number"] == "REG-2026-0001"
    refused = client.post("/api/proposals/REG-2026-0001/status", json={"status": "accepted"},
                          headers=admin)  # fmt: skip
    assert refused.status_code == 409 and refused.get_json()["error"] == "transition"
    ok = client.post("/api/proposals/REG-2026-0001/status", json={"status": "under_review"},
                     headers=admin)  # fmt: skip
    assert ok.get_json()["status"] == "under_review"
    no_reason = client.post("/api/proposals/REG-2026-0001/status", json={"status": "rejected"},
                            headers=admin)  # fmt: skip
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["fields"]
    xlsx = client.get("/api/registry.xlsx", headers=admin)
    assert len(list(load_workbook(io.BytesIO(xlsx.data)).active.values)) == 2


@pytest.mark.parametrize(
    ("fields", "bad"),
    [({"kind": "event", "event_date": None}, "event_date"),
     ({"expected_result": None}, "expected_result"),
     ({"subprogram": "x"}, "subprogram"),
     ({"district": "atlantis"}, "district"),
     ({"people_involved": "many"}, "people_involved")],
)  # fmt: skip
def test_api_refuses_bad_entries(client, make_user, api_token, fields, bad):
    admin = api_token(make_user("admin"))
    body = {"kind": "project", "title": "Проект", "subprogram": "tarbie", "district": "nura",
            "scale": "district", "initiator_type": "citizen", "initiator_name": "Иван",
            "expected_result": "результат", "starts_on": "2027-01-01",
            "ends_on": "2027-02-01"}  # fmt: skip
    body.update(fields)
    response = client.post("/api/proposals", json=body, headers=admin)
    assert response.status_code == 422
    assert bad in response.get_json()["fields"]
    assert count() == 0


def test_api_district_scope(client, make_user, api_token, make_proposal):
    theirs = make_proposal(district="shet")
    nura = api_token(make_user("district", district="nura"))
    body = {"kind": "event", "title": "Акция", "subprogram": "akparat", "district": "shet",
            "scale": "district", "initiator_type": "akimat", "initiator_name": "Акимат",
            "event_date": "2027-05-09"}  # fmt: skip
    assert client.post("/api/proposals", json=body, headers=nura).status_code == 403
    assert client.get("/api/registry", headers=nura).get_json()["total"] == 0
    moved = client.post(f"/api/proposals/{theirs.number}/status", json={"status": "under_review"},
                        headers=nura)  # fmt: skip
    assert moved.status_code == 404
    assert registry.proposal_by_number(theirs.number).status == Status.submitted
    assert theirs.in_registry == Registry.district


def test_the_csv_streams_in_chunks_with_every_row(make_proposal):
    from app.registry.exports import registry_csv
    from app.registry.services import Filters, export_rows

    for n in range(5):
        make_proposal(title=f"Запись {n}")
    chunks = list(registry_csv(export_rows(Filters()), batch=2))
    assert len(chunks) == 3
    text = b"".join(chunks).decode("utf-8")
    assert text.startswith("\ufeff№ в реестре") and text.count("\n") == 6


def test_the_csv_export_streams_after_the_view_returned(app, make_user, make_proposal):
    """Read as a WSGI server does: the body after the view's context has gone."""
    import threading

    from flask.testing import FlaskClient

    from tests.conftest import PASSWORD

    for n in range(3):
        make_proposal(title=f"Поток {n}")
    email = make_user("admin").email
    result = {}

    def download():  # a thread of its own: no app context of the test's leaks in
        client = FlaskClient(app)
        client.post("/login", data={"email": email, "password": PASSWORD})
        response = client.get("/registry/export.csv", buffered=False)
        result["status"] = response.status_code
        result["body"] = b"".join(response.response).decode("utf-8")
        response.close()

    thread = threading.Thread(target=download)
    thread.start()
    thread.join(timeout=30)
    assert result["status"] == 200
    assert result["body"].count("\n") == 4 and "Поток 2" in result["body"]
