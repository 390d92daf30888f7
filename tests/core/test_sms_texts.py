"""Every SMS text in both languages, with the longest realistic values, fits its budget:
the confirmation 3 segments (it carries the address and the short link), every other SMS 2.
Cyrillic and Kazakh letters make a text UCS-2: 70 characters alone, 67 a segment when split.
"""

from datetime import UTC, date, datetime

import pytest

from app.bookings import services as bookings
from app.bookings.facts import BookingFacts, Moment
from app.bookings.models import Topic
from app.core import outbox, sms
from app.core.outbox import OutboxMessage
from app.registry.models import Registry, Status

#: the longest address the site may realistically have
LONG_BASE = "https://civic-day.karaganda.gov.kz"
BUDGET = {"booking_confirmed": 3}
CODE = "WWWWWW"


def facts(*, timed=True, cancelled=False, previous=False):
    day = date(2026, 12, 25)
    when = Moment(day, datetime(2026, 12, 25, 10, 40, tzinfo=UTC),
                  datetime(2026, 12, 25, 11, 0, tzinfo=UTC))  # fmt: skip
    if not timed:  # a delegate without a time: the Day's hours
        when = Moment(day, datetime(2026, 12, 25, 5, 0, tzinfo=UTC),
                      datetime(2026, 12, 25, 11, 0, tzinfo=UTC))  # fmt: skip
    return BookingFacts(
        code=CODE,
        full_name="Нұрсұлтанова Гүлжанат Әбдіқадырқызы",
        email=None,
        topic=Topic.proposal,
        when=when,
        timed=timed,
        sequence=3,
        cancelled=cancelled,
        token_hash=bookings.hash_token(bookings.manage_token(CODE)),
        note="Перенесено в связи с выездным заседанием акима области" * 3,
        previous=when if previous else None,
        link_version=12345,
    )


def booking_rows(kind):
    variants = [facts(timed=True), facts(timed=False)]
    if kind in ("booking_cancelled",):
        variants = [facts(timed=t, cancelled=True) for t in (True, False)]
    if kind == "day_changed":
        variants = [facts(timed=t, cancelled=c, previous=not c)
                    for t in (True, False) for c in (True, False)]  # fmt: skip
    return [row.as_json() for row in variants]


def proposal_rows():
    return [
        {"proposal_id": 1, "number": "REG-2026-0123", "title": "Т" * 200,
         "initiator_name": "Н" * 100, "action": "status", "status": status.value,
         "registry": Registry.regional.value, "comment": "К" * 500}
        for status in Status
    ]  # fmt: skip


def texts(app, kind, language):
    payloads = proposal_rows() if kind == "proposal_update" else booking_rows(kind)
    for payload in payloads:
        row = OutboxMessage(kind=kind, language=language, payload=payload, recipient="+77015550000")
        yield outbox.SMS_RENDERERS[kind](row)


@pytest.mark.parametrize("language", ["ru", "kk"])
@pytest.mark.parametrize(
    "kind",
    ["booking_confirmed", "booking_moved", "booking_cancelled", "booking_reminder",
     "day_changed", "proposal_update"],
)  # fmt: skip
def test_every_sms_fits_its_segments(app, kind, language, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", LONG_BASE)
    with app.app_context():
        found = list(texts(app, kind, language))
    assert found
    for text in found:
        assert not sms.is_gsm7(text)  # Cyrillic: UCS-2
        assert sms.segments(text) <= BUDGET.get(kind, 2), (sms.length(text), text)
        assert "{" not in text and "%(" not in text  # every placeholder filled
        assert CODE in text or kind == "proposal_update"
        if kind in ("booking_confirmed", "booking_moved") or "/m/" in text:
            assert f"{LONG_BASE}/m/{CODE}/" in text


def test_every_sms_kind_is_covered(app):
    assert set(outbox.SMS_RENDERERS) == {
        "booking_confirmed", "booking_moved", "booking_cancelled", "booking_reminder",
        "day_changed", "proposal_update",
    }  # fmt: skip
