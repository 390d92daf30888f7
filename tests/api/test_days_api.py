"""GET /api/days and /api/days/<date>/slots (DESIGN.md §6)."""

from datetime import date

import pytest

from app.days import services
from app.extensions import db


@pytest.fixture
def two_days(app_ctx):
    services.generate_days(date(2024, 2, 1), 2)
    services.generate_days(date(2026, 11, 1), 2)
    db.session.commit()


def test_days_from_a_date_with_offsets_and_seats(client, two_days):
    body = client.get("/api/days?from=2024-01-01").get_json()
    by_date = {d["date"]: d for d in body["days"]}
    assert list(by_date) == ["2024-02-23", "2024-03-29", "2026-11-27", "2026-12-25"]
    assert by_date["2024-02-23"]["starts_at"] == "2024-02-23T10:00:00+06:00"
    assert by_date["2024-03-29"]["starts_at"] == "2024-03-29T10:00:00+05:00"
    assert by_date["2026-11-27"] == {
        "date": "2026-11-27",
        "starts_at": "2026-11-27T10:00:00+05:00",
        "ends_at": "2026-11-27T16:00:00+05:00",
        "status": "scheduled",
        "location": "г. Караганда, ул. Гоголя, 31, офис 204",
        "seats_total": 36,
        "seats_free": 36,
    }


def test_days_location_in_kazakh(client, two_days):
    body = client.get("/api/days?from=2026-12-01&lang=kk").get_json()
    assert body["days"][0]["location"] == "Қарағанды қ., Гоголь к-сі, 31, 204-кеңсе"


def test_days_default_from_today_and_bad_from(client, two_days):
    assert client.get("/api/days?from=2026-12-01").get_json()["days"][0]["date"] == "2026-12-25"
    bad = client.get("/api/days?from=tomorrow")
    assert bad.status_code == 422
    assert bad.get_json()["error"] == "validation"
    assert "from" in bad.get_json()["fields"]


def test_slots_of_a_day(client, two_days):
    body = client.get("/api/days/2026-11-27/slots").get_json()
    assert body["date"] == "2026-11-27"
    assert len(body["slots"]) == 18
    first = body["slots"][0]
    assert set(first) == {"id", "starts_at", "ends_at", "capacity", "free"}
    assert first["starts_at"] == "2026-11-27T10:00:00+05:00"
    assert first["ends_at"] == "2026-11-27T10:20:00+05:00"
    assert (first["capacity"], first["free"]) == (2, 2)


@pytest.mark.parametrize("url", ["/api/days/2026-11-28/slots", "/api/days/2026-02-30/slots",
                                 "/api/days/soon/slots", "/api/nothing"])  # fmt: skip
def test_unknown_answers_json_404(client, two_days, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.get_json() == {"error": "not_found"}


def test_wrong_method_answers_json_405(client, two_days):
    response = client.post("/api/days")
    assert response.status_code == 405
    assert response.get_json() == {"error": "method_not_allowed"}
