"""Routing, numbering, the workflow and the late-funding flag through the services."""

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import product

import pytest
from sqlalchemy import select

from app.core.outbox import OutboxMessage
from app.days import services as days
from app.extensions import db
from app.registry import services as registry
from app.registry.models import (
    Kind,
    ProposalEvent,
    Registry,
    Scale,
    SpecialProject,
    Status,
)

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def expected_registry(scale, special, charity):
    # Written from seed points 7–8: region-wide entries, and «Туған жер» charity, go up.
    if scale == "region":
        return "regional"
    if special == "tugan_zher" and charity:
        return "regional"
    return "district"


@pytest.mark.parametrize(
    ("scale", "special", "charity"),
    list(
        product(["district", "region"], [None, *[s.value for s in SpecialProject]], [False, True])
    ),
)
def test_the_routing_table(scale, special, charity):
    got = registry.registry_for(Scale(scale), SpecialProject(special) if special else None, charity)
    assert got == Registry(expected_registry(scale, special, charity))


def test_numbers_per_registry_and_year(make_proposal):
    first = make_proposal()
    second = make_proposal()
    regional = make_proposal(scale=Scale.region)
    next_year = make_proposal(now=datetime(2027, 1, 5, 6, 0, tzinfo=UTC))
    assert (first.number, second.number) == ("NUR-2026-0001", "NUR-2026-0002")
    assert regional.number == "REG-2026-0001"
    assert next_year.number == "NUR-2027-0001"
    assert first.in_registry == Registry.district and regional.in_registry == Registry.regional


def test_rerouting_gives_a_new_number_and_keeps_the_old(make_proposal):
    proposal = make_proposal()
    old = proposal.number
    draft = registry.Draft(**{n: getattr(proposal, n) for n in registry.EDITABLE})
    draft.special_project = SpecialProject.tugan_zher
    draft.is_charity = True
    registry.update_proposal(proposal, draft, now=NOW)
    db.session.commit()
    assert proposal.in_registry == Registry.regional
    assert proposal.number == "REG-2026-0001"
    assert registry.proposal_by_number(old).id == proposal.id
    routed = db.session.scalars(select(ProposalEvent).where(ProposalEvent.action == "routed")).one()
    assert (routed.from_registry, routed.to_registry) == ("district", "regional")
    kinds = db.session.scalars(select(OutboxMessage.kind)).all()
    assert kinds == ["proposal_update", "proposal_update"]  # registered, then moved


def test_an_entry_moved_to_another_district_gets_that_districts_number(make_proposal):
    from app.places.services import district_by_code

    proposal = make_proposal(district="nura")
    old = proposal.number
    assert old.startswith("NUR-")
    draft = registry.Draft(**{n: getattr(proposal, n) for n in registry.EDITABLE})
    draft.district_id = district_by_code("temirtau").id
    registry.update_proposal(proposal, draft, now=NOW)
    db.session.commit()
    assert proposal.number == "TEM-2026-0001"
    assert proposal.in_registry == Registry.district
    assert registry.proposal_by_number(old).id == proposal.id
    assert registry.proposal_by_number("TEM-2026-0001").id == proposal.id
    # A regional entry keeps its number when its district changes.
    regional = make_proposal(district="nura", scale=Scale.region)
    draft = registry.Draft(**{n: getattr(regional, n) for n in registry.EDITABLE})
    draft.district_id = district_by_code("shet").id
    registry.update_proposal(regional, draft, now=NOW)
    db.session.commit()
    assert regional.number == "REG-2026-0001"


def test_the_report_shows_each_entry_with_its_status_on_the_date(make_proposal):
    proposal = make_proposal(now=datetime(2026, 11, 2, 6, 0, tzinfo=UTC))
    registry.change_status(proposal, "under_review", now=datetime(2026, 11, 10, 6, 0, tzinfo=UTC))
    registry.change_status(proposal, "accepted", now=datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
    registry.change_status(proposal, "in_progress", now=datetime(2026, 12, 2, 6, 0, tzinfo=UTC))
    db.session.commit()

    def status_counts(on, now=None):
        rows, _since, _on = registry.district_report(on, now=now)
        nura = next(r for r in rows if r.district.code == "nura")
        return {s.value: n for s, n in nura.by_status.items() if n}

    assert status_counts(date(2026, 11, 13)) == {"under_review": 1}
    assert status_counts(date(2026, 11, 27)) == {"accepted": 1}
    assert status_counts(date(2026, 12, 11)) == {"in_progress": 1}
    assert status_counts(date(2026, 10, 23)) == {}  # not yet registered
    # A date still ahead: as of now (everything so far), never a guess about the future.
    now = datetime(2026, 12, 5, 6, 0, tzinfo=UTC)
    assert now < days.end_of(date(2026, 12, 11))
    assert status_counts(date(2026, 12, 11), now=now) == {"in_progress": 1}


def test_the_report_page_labels_a_date_still_ahead(client, make_user, make_proposal):
    from tests.conftest import sign_in

    sign_in(client, make_user("admin"))
    ahead = client.get("/office/report?date=2099-12-11").get_data(as_text=True)
    assert "figures are as of now" in ahead or "по состоянию на сейчас" in ahead
    past = client.get("/office/report?date=2026-11-13").get_data(as_text=True)
    assert 'role="note"' not in past


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (["under_review"], True),
        (["under_review", "accepted"], True),
        (["under_review", "accepted", "in_progress", "done"], True),
        (["accepted"], False),
        (["in_progress"], False),
        (["done"], False),
        (["under_review", "in_progress"], False),
        (["under_review", "accepted", "done"], False),
        (["under_review", "accepted", "rejected"], False),
        (["under_review", "accepted", "in_progress", "done", "in_progress"], False),
        (["under_review", "under_review"], False),
    ],
)
def test_allowed_and_refused_transitions(make_proposal, path, allowed):
    proposal = make_proposal()
    *steps, last = path
    for step in steps:
        registry.change_status(proposal, step, now=NOW)
    if allowed:
        registry.change_status(proposal, last, now=NOW)
        assert proposal.status == Status(last)
    else:
        with pytest.raises(registry.RegistryError) as exc:
            registry.change_status(proposal, last, now=NOW)
        assert exc.value.code == "transition"


def test_rejection_needs_a_reason_and_merge_a_target(make_proposal):
    proposal = make_proposal()
    other = make_proposal(title="Другое")
    registry.change_status(proposal, "under_review", now=NOW)
    with pytest.raises(registry.RegistryError) as exc:
        registry.change_status(proposal, "rejected", reason="  ", now=NOW)
    assert exc.value.field == "reason"
    for target in (None, "NUR-2026-9999", proposal.number):
        with pytest.raises(registry.RegistryError) as exc:
            registry.change_status(proposal, "merged", merged_into=target, now=NOW)
        assert exc.value.field == "merged_into"
    registry.change_status(proposal, "merged", merged_into=other.number.lower(), now=NOW)
    db.session.commit()
    assert proposal.merged_into_id == other.id and proposal.status == Status.merged


def test_every_public_change_tells_the_initiator_in_their_language(make_proposal):
    proposal = make_proposal(language="kk")
    registry.change_status(proposal, "under_review", now=NOW)
    registry.change_status(proposal, "rejected", reason="Нет бюджета", now=NOW)
    registry.add_note(proposal, "внутренняя заметка", now=NOW)
    db.session.commit()
    mails = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.language for m in mails] == ["kk", "kk", "kk"]
    assert len(proposal.events) == 4 and sum(e.is_public for e in proposal.events) == 3


def test_no_mail_without_an_email(make_proposal):
    make_proposal(email=None)
    assert db.session.scalars(select(OutboxMessage)).all() == []


@pytest.mark.parametrize(
    ("received", "starts", "amount", "late"),
    [
        (date(2026, 9, 30), date(2027, 3, 1), Decimal(100), False),
        (date(2026, 10, 1), date(2027, 3, 1), Decimal(100), True),
        (date(2026, 10, 1), date(2026, 12, 1), Decimal(100), False),  # this year's money
        (date(2026, 10, 1), date(2027, 3, 1), None, False),
    ],
)
def test_late_funding_is_flagged(make_proposal, received, starts, amount, late):
    proposal = make_proposal(
        now=datetime(received.year, received.month, received.day, 6, 0, tzinfo=UTC),
        kind=Kind.project, event_date=None, expected_result="100 участников",
        starts_on=starts, ends_on=starts + timedelta(days=30), funding_amount=amount,
    )  # fmt: skip
    assert proposal.funding_late is late


def test_the_database_refuses_an_event_without_a_date(make_proposal):
    proposal = make_proposal()
    proposal.event_date = None
    with pytest.raises(Exception, match=r"(?i)check|constraint"):
        db.session.commit()
    db.session.rollback()


def test_numbers_are_unique_under_concurrent_creation(app, make_proposal):
    errors, numbers = [], []
    barrier = threading.Barrier(16)

    def create():
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                numbers.append(make_proposal().number)
            except Exception as exc:  # recorded, asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=create) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(numbers) == [f"NUR-2026-{n:04d}" for n in range(1, 17)]


def test_report_dates_are_the_second_and_fourth_friday():
    assert days.report_dates(2026, 11) == [date(2026, 11, 13), date(2026, 11, 27)]
    assert days.report_dates(2017, 7) == [date(2017, 7, 14), date(2017, 7, 28)]
    assert days.next_report_dates(date(2026, 11, 28), 2) == [
        date(2026, 12, 11), date(2026, 12, 25),
    ]  # fmt: skip
    assert days.previous_report_date(date(2026, 12, 11)) == date(2026, 11, 27)


def test_the_report_counts_by_district_status_and_subprogram(make_proposal):
    make_proposal(people_involved=100, funding_amount=Decimal("1500000"))
    second = make_proposal(people_involved=50)
    registry.change_status(second, "under_review", now=NOW)
    make_proposal(district="shet", now=datetime(2026, 11, 20, tzinfo=UTC))
    make_proposal(district="shet", now=datetime(2026, 11, 30, tzinfo=UTC))  # after the date
    db.session.commit()
    rows, since, _on = registry.district_report(date(2026, 11, 27))
    by_code = {r.district.code: r for r in rows}
    nura = by_code["nura"]
    assert (nura.events, nura.projects, nura.people, nura.funding) == (
        2,
        0,
        150,
        Decimal("1500000"),
    )
    assert nura.by_status[Status.submitted] == 1 and nura.by_status[Status.under_review] == 1
    assert by_code["shet"].events == 1 and by_code["shet"].new == 1  # 20 Nov, after 13 Nov
    assert nura.new == 2 and since == date(2026, 11, 14)
    assert len(rows) == 13
