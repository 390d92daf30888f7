"""One person's request: everything held about them as a ZIP (page and command), and
erasure of that person only, keeping the counts; the retention and deadline settings."""

import io
import json
import zipfile
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from app.bookings import services as bookings
from app.bookings.models import Booking, Category
from app.core import outbox
from app.core.audit import AuditEntry
from app.extensions import db
from app.office import privacy
from app.queue.models import WaitlistEntry, WaitlistStatus
from app.reception import services as desk
from app.registry import deadlines
from app.registry.models import Initiator, Origin
from tests.conftest import sign_in
from tests.office.test_privacy import MARK, dump

PHONE = "+77019997755"
EMAIL = f"{MARK.lower()}@example.kz"


def seed_person(make_day, make_user, make_proposal):
    """A visitor whose every personal field carries the marker, with a note, a proposal
    and mail; and another visitor who must be left alone."""
    day = make_day(date(2026, 12, 25))
    staff = make_user("reception")
    before = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    visitor = bookings.Visitor(
        full_name=f"Айгерім {MARK}", category=Category.npo, organization=f"ОФ {MARK}",
        phone=PHONE, email=EMAIL, topic=bookings.Topic.proposal, message=f"хабар {MARK}",
        consent=True, language="kk",
    )  # fmt: skip
    booking = bookings.book_slot(day.slots[0], visitor, now=before)
    db.session.flush()
    desk.add_note(booking, f"обсудили {MARK}", f"перезвонить {MARK}", by=staff)
    other = bookings.book_slot(
        day.slots[1],
        bookings.Visitor(full_name="Дана Омарова", category=Category.citizen,
                         phone="+77015550000", topic=bookings.Topic.problem, consent=True),
        now=before,
    )  # fmt: skip
    # ... and waits on a later Day's list (the entry and its mail are theirs too)
    later = make_day(date(2027, 1, 29))
    entry = WaitlistEntry(
        code="WAITMK", token_hash="0" * 64, day_id=later.id, full_name=f"Айгерім {MARK}",
        category=Category.npo, organization=f"ОФ {MARK}", phone=PHONE, email=EMAIL,
        topic=bookings.Topic.proposal, message=f"күту {MARK}", language="kk",
        status=WaitlistStatus.waiting, created_at=before,
    )  # fmt: skip
    db.session.add(entry)
    outbox.enqueue("waitlist_joined", EMAIL, thread="booking:WAITMK", code="WAITMK",
                   full_name=entry.full_name, date=later.date.isoformat(), position=1,
                   earliest=None, latest=None, token_hash=entry.token_hash)  # fmt: skip
    db.session.commit()
    make_proposal(booking=booking, origin=Origin.booking, initiator_type=Initiator.citizen,
                  initiator_name=f"Айгерім {MARK}", phone=PHONE, email=EMAIL,
                  now=before)  # fmt: skip
    return booking, other


def test_the_export_holds_everything_about_the_person(client, make_day, make_user, make_proposal):
    booking, other = seed_person(make_day, make_user, make_proposal)
    admin = make_user("admin")
    sign_in(client, admin)
    found = client.get("/office/privacy?phone=8 701 999 77 55").get_data(as_text=True)
    assert 'data-figure="found">' in found and booking.code in found
    response = client.post("/office/privacy/export", data={"phone": PHONE, "email": ""})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == ["data.json", "summary.html"]
    data = json.loads(archive.read("data.json"))
    [held] = data["bookings"]
    assert held["code"] == booking.code and held["full_name"] == f"Айгерім {MARK}"
    assert held["visit_notes"][0]["text"] == f"обсудили {MARK}"
    assert len(data["proposals"]) == 1 and data["mails"]
    [waiting] = data["waitlist"]
    assert waiting["code"] == "WAITMK" and waiting["message"] == f"күту {MARK}"
    assert waiting["day"] == "2027-01-29" and waiting["status"] == "waiting"
    assert "waitlist_joined" in [m["kind"] for m in data["mails"]]
    assert "WAITMK" in found
    assert other.code not in json.dumps(data)
    assert f"Айгерім {MARK}" in archive.read("summary.html").decode()
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "privacy.export")
    ).one()
    assert PHONE not in (entry.object_label or "") and entry.after == {
        "found": held and 1 + 1 + 1 + len(data["mails"])
    }


def test_the_command_writes_the_same_zip(app, make_day, make_user, make_proposal, tmp_path):
    booking, _other = seed_person(make_day, make_user, make_proposal)
    target = tmp_path / "person.zip"
    result = app.test_cli_runner().invoke(
        args=["privacy", "export", "--email", EMAIL.upper(), "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(zipfile.ZipFile(target).read("data.json"))
    assert data["bookings"][0]["code"] == booking.code
    refused = app.test_cli_runner().invoke(args=["privacy", "export"])
    assert refused.exit_code != 0


def test_erasure_removes_the_person_only_and_keeps_the_counts(
    client, backend, make_day, make_user, make_proposal
):
    booking, other = seed_person(make_day, make_user, make_proposal)
    sign_in(client, make_user("admin"))
    assert MARK in dump(backend) and "9997755" in dump(backend)
    unconfirmed = client.post("/office/privacy/erase", data={"phone": PHONE})
    assert unconfirmed.status_code == 302
    assert MARK in dump(backend)  # nothing without the confirmation
    response = client.post(
        "/office/privacy/erase", data={"phone": PHONE, "email": EMAIL, "confirm": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    everything = dump(backend)
    assert MARK not in everything and MARK.lower() not in everything
    assert "9997755" not in everything
    assert db.session.scalar(select(func.count(Booking.id))) == 2
    assert db.session.scalar(select(func.count(WaitlistEntry.id))) == 0
    assert db.session.get(Booking, other.id).full_name == "Дана Омарова"
    assert db.session.get(Booking, booking.id).category == Category.npo  # counts stay
    assert db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action == "privacy.erase")
    ).one()


def test_settings_refuse_a_short_retention_and_a_zero_deadline(client, make_user, app_ctx):
    sign_in(client, make_user("admin"))
    for data in ({"answer_days": "0", "retention_months": "36"},
                 {"answer_days": "15", "retention_months": "11"}):  # fmt: skip
        response = client.post("/office/settings", data=data)
        assert response.status_code == 422
    saved = client.post("/office/settings", data={"answer_days": "10", "retention_months": "48"})
    assert saved.status_code == 302
    assert deadlines.answer_days() == 10 and privacy.retention_months() == 48
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"settings.deadline", "privacy.settings"} <= actions


def test_the_language_switch_asks_nothing(client, make_user, app_ctx):
    sign_in(client, make_user("admin"))
    page = client.get("/office/privacy?lang=kk")
    assert page.status_code == 200 and 'class="errors"' not in page.get_data(as_text=True)
    refused = client.get("/office/privacy?phone=12")
    assert refused.status_code == 422
