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
                                                 smtp_server, monkeypatch):  # fmt: skip
    monkeypatch.setitem(app.config, "SMS_ENABLED", True)  # SMS rows (log backend) too
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


def test_the_audit_log_and_delivered_mail_are_pruned_by_their_retention(
    app, app_ctx, make_user, monkeypatch
):
    """Audit entries older than AUDIT_RETENTION_YEARS go, delivered mail older than
    OUTBOX_RETENTION_DAYS goes; undelivered mail, recent rows and the registry's own history
    stay."""
    from app.auth.models import LoginFailure
    from app.core import jobs
    from app.core.audit import AuditEntry
    from app.core.outbox import OutboxMessage, OutboxStatus

    now = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
    admin = make_user("admin")

    def entry(label, at):
        db.session.add(AuditEntry(action="test", object_type="x", object_label=label, at=at))

    entry("six years", datetime(2020, 11, 1, tzinfo=UTC))
    entry("five years and a day", datetime(2021, 11, 26, 18, 0, tzinfo=UTC))  # 27.11 local
    entry("five years to the day", datetime(2021, 11, 27, 19, 0, tzinfo=UTC))  # 28.11 local
    entry("last month", datetime(2026, 10, 28, tzinfo=UTC))

    def message(label, status, sent_at):
        db.session.add(OutboxMessage(kind="test", recipient=f"{label}@example.kz",
                                     status=status, sent_at=sent_at, created_at=datetime(
                                         2026, 1, 1, tzinfo=UTC)))  # fmt: skip

    message("sent-91", OutboxStatus.sent, datetime(2026, 8, 29, tzinfo=UTC))
    message("sent-89", OutboxStatus.sent, datetime(2026, 8, 31, 7, 0, tzinfo=UTC))
    message("failed-old", OutboxStatus.failed, None)
    message("pending-old", OutboxStatus.pending, None)
    long_ago = datetime(2026, 11, 26, tzinfo=UTC)
    db.session.add(LoginFailure(email="a@b.kz", ip="10.0.0.1", at=long_ago))
    db.session.add(LoginFailure(email="a@b.kz", ip="10.0.0.1", at=now))
    old_job = jobs.submit(
        "registry_csv", {}, total=1, by=admin, now=datetime(2026, 9, 1, tzinfo=UTC)
    )
    old_job.status = jobs.JobStatus.expired
    jobs.submit("registry_csv", {}, total=1, by=admin, now=now)
    db.session.commit()

    monkeypatch.setitem(app.config, "AUDIT_RETENTION_YEARS", 5)
    monkeypatch.setitem(app.config, "OUTBOX_RETENTION_DAYS", 90)
    with time_machine.travel(now, tick=False):
        result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert (
        "pruned 2 audit entries, 1 delivered messages, 1 sign-in failures, 1 export jobs"
        in result.output
    ), result.output
    db.session.expire_all()
    labels = set(db.session.scalars(select(AuditEntry.object_label)))
    assert {"five years to the day", "last month"} <= labels
    assert not {"six years", "five years and a day"} & labels
    recipients = set(db.session.scalars(select(OutboxMessage.recipient)))
    assert recipients == {"sent-89@example.kz", "failed-old@example.kz", "pending-old@example.kz"}
    assert db.session.scalar(select(func.count(LoginFailure.id))) == 1
    assert db.session.scalar(select(func.count(jobs.Job.id))) == 1

    # Run again: nothing more goes. A shorter setting prunes more.
    with time_machine.travel(now, tick=False):
        again = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert "pruned 0 audit entries, 0 delivered messages" in again.output
    monkeypatch.setitem(app.config, "OUTBOX_RETENTION_DAYS", 30)
    with time_machine.travel(now, tick=False):
        shorter = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert "1 delivered messages" in shorter.output


def test_pruning_refuses_a_retention_of_nothing(app_ctx):
    with pytest.raises(ValueError):
        privacy.prune_records(datetime(2026, 11, 28, tzinfo=UTC), audit_years=0, outbox_days=90)
