"""flask privacy purge keeps the privacy notice's promise: personal data of old bookings goes
everywhere it was copied (notes, audit log, mail), the counts stay."""

import json
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import func, select, text

from app.bookings import services as bookings
from app.bookings.models import Booking, Category, DelegateRole
from app.core import outbox
from app.districts import services as districts
from app.extensions import db
from app.office import privacy
from app.places import services as places
from app.reception import services as desk
from app.registry.models import Origin

MARK = "Zq7marker"


def dump(backend):
    """Every row of every table, as text: what a database dump would hold."""
    rows = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            rows.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(rows)


@pytest.mark.parametrize(
    ("today", "months", "cutoff"),
    [
        (date(2028, 2, 29), 36, date(2025, 2, 28)),
        (date(2027, 3, 31), 1 * 12 + 1, date(2026, 2, 28)),
        (date(2026, 11, 28), 36, date(2023, 11, 28)),
        (date(2026, 1, 15), 13, date(2024, 12, 15)),
    ],
)
def test_the_cutoff_is_valid_every_day(today, months, cutoff):
    assert privacy.months_before(today, months) == cutoff


def test_purge_runs_on_29_february(app, app_ctx):
    with time_machine.travel(datetime(2028, 2, 29, 6, 0, tzinfo=UTC), tick=False):
        result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output


def test_no_personal_field_is_left_after_a_purge(app, backend, make_day, make_user, make_proposal,
                                                 smtp_server):  # fmt: skip
    old_day = make_day(date(2022, 11, 25))
    recent_day = make_day(date(2026, 11, 27))
    before = datetime(2022, 11, 20, 6, 0, tzinfo=UTC)
    staff = make_user("reception")
    # A visitor: every personal field carries the marker.
    visitor = bookings.Visitor(
        full_name=f"Айгерім {MARK}", category=Category.npo, organization=f"ОФ {MARK}",
        phone="+77019997755", email=f"{MARK.lower()}@example.kz", topic=bookings.Topic.proposal,
        message=f"хабарлама {MARK}", consent=True, language="kk",
    )  # fmt: skip
    old = bookings.book_slot(old_day.slots[0], visitor, now=before)
    db.session.flush()
    desk.add_note(old, f"обсудили {MARK}", f"перезвонить {MARK}", by=staff)
    # A delegate, replaced (names in the audit log's before/after).
    person = districts.DelegatePerson(
        full_name=f"Серік {MARK}", phone="+77029997755", role=DelegateRole.npo,
        position=f"аким {MARK}", email=f"d{MARK.lower()}@example.kz",
    )  # fmt: skip
    nura = places.district_by_code("nura")
    delegate = districts.register_delegate(old_day, nura, person, now=before, by=staff)
    substitute = districts.DelegatePerson(
        full_name=f"Болат {MARK}", phone="+77039997755", role=DelegateRole.npo,
        position=f"орынбасар {MARK}",
    )  # fmt: skip
    districts.replace_delegate(delegate, nura, substitute, now=before, by=staff)
    db.session.commit()
    # A proposal raised at that visit, with the visitor's contact.
    make_proposal(booking=old, origin=Origin.booking, initiator_name="ОФ «Мұра»",
                  phone="+77019997755", email=f"{MARK.lower()}@example.kz",
                  now=before)  # fmt: skip
    outbox.deliver()  # mail sent: the rows keep their snapshot until the purge
    recent = bookings.book_slot(
        recent_day.slots[0], bookings.Visitor(full_name="Дана", category=Category.citizen,
                                              phone="+77015550000", topic=bookings.Topic.problem,
                                              consent=True),
        now=datetime(2026, 11, 20, tzinfo=UTC),
    )  # fmt: skip
    db.session.commit()
    assert MARK in dump(backend) and "9997755" in dump(backend)

    with time_machine.travel(datetime(2026, 11, 28, 6, 0, tzinfo=UTC), tick=False):
        result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0 and "3 booking(s)" in result.output, result.output
    db.session.expire_all()
    everything = dump(backend)
    assert MARK not in everything and MARK.lower() not in everything
    assert "9997755" not in everything
    # The counts stay; the recent booking is untouched; the audit keeps what happened.
    assert db.session.scalar(select(func.count(Booking.id))) == 4
    assert db.session.get(Booking, recent.id).full_name == "Дана"
    actions = [row[0] for row in db.session.execute(text(
        "SELECT action FROM audit_log ORDER BY id"))]  # fmt: skip
    assert {"booking.note", "delegate.register", "delegate.replace", "privacy.purge"} <= set(
        actions
    )
    again = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert "0 booking(s)" in again.output


@pytest.mark.parametrize(
    "name", ["\u200b\u200b", "\u200b \u200c\u200d\u2060", "\ufeff", "\u202e\u202c", "   "]
)
def test_a_name_of_invisible_characters_is_refused_as_empty(client, make_day, name):
    day = make_day(date(2026, 12, 25))
    with time_machine.travel(datetime(2026, 12, 20, tzinfo=UTC), tick=False):
        response = client.post(f"/days/{day.date}?lang=ru", data={
            "slot_id": day.slots[0].id, "full_name": name, "category": "citizen",
            "phone": "8 701 555 12 34", "topic": "problem", "consent": "y"})  # fmt: skip
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Booking.id))) == 0


def test_bidi_controls_are_stripped_from_names(client, make_day):
    day = make_day(date(2026, 12, 25))
    with time_machine.travel(datetime(2026, 12, 20, tzinfo=UTC), tick=False):
        body = {"slot_id": day.slots[0].id, "full_name": "Ali\u202egnp.exe Ахмет",
                "category": "citizen", "phone": "8 701 555 12 35", "topic": "problem",
                "consent": True}  # fmt: skip
        response = client.post("/api/bookings", json=body)
    assert response.status_code == 201
    assert db.session.scalars(select(Booking.full_name)).one() == "Alignp.exe Ахмет"
