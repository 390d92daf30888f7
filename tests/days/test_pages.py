"""Public pages in Russian and Kazakh, the calendar feed and 404s."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from icalendar import Calendar

from app.days import services

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)  # a week before the November Day


@pytest.fixture
def calendar_of_days(app_ctx):
    from app.extensions import db

    services.generate_days(date(2026, 11, 1), 3)
    db.session.commit()


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("ru", ["Ближайший День", "пятница, 27 ноября 2026\u202fг.", "с 10:00 до 16:00",
                "г. Караганда, ул. Гоголя, 31, офис 204", "ход реализации Программы"]),
        ("kk", ["Келесі күн", "2026\u202fж. 27 қараша, жұма", "10:00-ден 16:00-ге дейін",
                "Қарағанды қ., Гоголь к-сі, 31, 204-кеңсе",
                "Бағдарламаның іске асырылу барысы"]),
    ],
)  # fmt: skip
def test_home_shows_the_next_day_in_each_language(client, calendar_of_days, lang, words):
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    for word in words:
        assert word in page
    assert "/days/2026-11-27" in page


def test_language_is_remembered_in_a_cookie(client, calendar_of_days):
    with time_machine.travel(NOW, tick=False):
        first = client.get("/?lang=kk")
        assert "lang=kk" in first.headers["Set-Cookie"]
        again = client.get("/days/2026-11-27").get_data(as_text=True)
    assert '<html lang="kk">' in again
    assert "Уақытты таңдаңыз" in again


def test_unknown_language_falls_back_to_russian(client, calendar_of_days):
    page = client.get("/?lang=xx", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ru">' in page


def test_home_after_the_day_shows_the_following_one(client, calendar_of_days):
    with time_machine.travel(datetime(2026, 11, 27, 11, 30, tzinfo=UTC), tick=False):
        page = client.get("/?lang=ru").get_data(as_text=True)
    assert "пятница, 25 декабря 2026\u202fг." in page
    assert "пятница, 27 ноября 2026\u202fг." not in page


def test_home_without_days_says_so(client):
    page = client.get("/?lang=ru").get_data(as_text=True)
    assert "Следующий День ещё не назначен" in page


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_day_page_lists_slots_and_free_seats(client, calendar_of_days, lang):
    with time_machine.travel(NOW, tick=False):
        response = client.get(f"/days/2026-11-27?lang={lang}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # each time once, in the picker: a tile with its free seats
    assert page.count('class="slot-tile"') == 18 and page.count("10:00–10:20") == 1
    assert "10:00–10:20" in page and "15:40–16:00" in page
    assert page.count("свободно: 2" if lang == "ru" else "бос: 2") == 18
    assert ("36 свободных мест" if lang == "ru" else "36 бос орын") in page


def test_a_cancelled_day_says_so(client, calendar_of_days):
    from app.days.models import DayStatus
    from app.extensions import db

    day = services.day_by_date(date(2026, 12, 25))
    day.status = DayStatus.cancelled
    db.session.commit()
    page = client.get("/days/2026-12-25?lang=ru").get_data(as_text=True)
    assert "Этот День отменён." in page


@pytest.mark.parametrize("url", ["/days/2026-12-24", "/days/2026-02-30", "/days/2026-13-01",
                                 "/days/yesterday", "/days/2026-1-1", "/nowhere"])  # fmt: skip
@pytest.mark.parametrize(
    ("lang", "title"), [("ru", "Страница не найдена"), ("kk", "Бет табылмады")]
)
def test_unknown_or_malformed_dates_answer_a_translated_404(client, url, lang, title):
    response = client.get(f"{url}?lang={lang}")
    assert response.status_code == 404
    assert title in response.get_data(as_text=True)


def test_calendar_feed_parses_back_with_the_right_instants(client, calendar_of_days):
    from app.extensions import db

    services.generate_days(date(2024, 2, 1), 2)  # one Day at +06:00, one at +05:00
    db.session.commit()
    with time_machine.travel(datetime(2024, 2, 1, 6, 0, tzinfo=UTC), tick=False):
        response = client.get("/calendar.ics?lang=kk")
        again = Calendar.from_ical(client.get("/calendar.ics").data)
    assert response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Asia/Almaty"
    events = {e.start.date(): e for e in cal.events}
    assert events[date(2024, 2, 23)].start.astimezone(UTC) == datetime(
        2024, 2, 23, 4, 0, tzinfo=UTC
    )
    assert events[date(2024, 3, 29)].start.astimezone(UTC) == datetime(
        2024, 3, 29, 5, 0, tzinfo=UTC
    )
    assert events[date(2026, 11, 27)].end.astimezone(UTC) == datetime(
        2026, 11, 27, 11, 0, tzinfo=UTC
    )
    event = events[date(2026, 11, 27)]
    assert str(event["SUMMARY"]) == "Азаматтық бастамалар күні"
    assert "Гоголь" in str(event["LOCATION"])
    assert event["DTSTAMP"] is not None
    uids = [str(e["UID"]) for e in cal.events]
    assert len(set(uids)) == len(uids)
    assert sorted(str(e["UID"]) for e in again.events) == sorted(uids)
    assert str(again.events[0]["SUMMARY"]) in {
        "Азаматтық бастамалар күні",
        "День гражданских инициатив",
    }
