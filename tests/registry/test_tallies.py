"""The twice-monthly report from running totals: the same figures as counting every entry
and its history, on every date, after every kind of write."""

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select, text

from app.days import services as days
from app.extensions import db
from app.places.services import district_by_code
from app.registry import services as registry
from app.registry.models import Proposal, ProposalTally, Status, Subprogram

DISTRICTS = ("nura", "shet", "karaganda")
NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


def at(day, hour=10):
    return datetime(day.year, day.month, day.day, hour - 5, tzinfo=UTC)


def expected_report(on, now, scope=None):
    """The report counted the slow way: every entry, its history read in Python."""
    end = days.end_of(on)
    if now < end:
        end = None
    start = days.end_of(days.previous_report_date(on))
    then = min(on, days.today_local(now))
    rows = {}
    entries = db.session.scalars(select(Proposal)).all()
    for p in entries:
        if scope is not None and p.district_id != scope:
            continue
        row = rows.setdefault(p.district_id, Counter())
        if p.due_on is not None:
            answered = p.answered_on is not None and p.answered_on <= then
            if answered:
                row["on_time" if p.answered_on <= p.due_on else "late"] += 1
            elif p.due_on < then:
                row["overdue"] += 1
        if end is not None and p.created_at >= end:
            continue
        status = p.status
        changes = [e for e in p.events if e.to_status]
        if end is not None and any(e.at >= end for e in changes):
            before = [e for e in changes if e.at < end]
            if not before:
                continue
            status = Status(before[-1].to_status)
        row[status] += 1
        row[p.subprogram] += 1
        row["projects" if p.kind.value == "project" else "events"] += 1
        row["people"] += p.people_involved or 0
        row["funding"] += p.funding_amount or 0
        row["new"] += p.created_at >= start
    figures = {d: {k: v for k, v in c.items() if v} for d, c in rows.items()}
    return {d: f for d, f in figures.items() if f}


def actual_report(on, now, scope=None):
    rows, _since, _on = registry.district_report(on, scope=scope, now=now)
    result = {}
    for r in rows:
        figures = Counter(
            {**r.by_status, **r.by_subprogram, "projects": r.projects, "events": r.events,
             "people": r.people, "funding": r.funding, "new": r.new, "on_time": r.on_time,
             "late": r.late, "overdue": r.overdue}
        )  # fmt: skip
        figures = {k: v for k, v in figures.items() if v}
        if figures:
            result[r.district.id] = figures
    return result


def tallies_by_count():
    """What the tallies must hold, counted from every entry."""
    rows = db.session.execute(
        select(Proposal.district_id, Proposal.status, Proposal.subprogram, Proposal.kind,
               func.count(), func.coalesce(func.sum(Proposal.people_involved), 0),
               func.coalesce(func.sum(Proposal.funding_amount), 0))
        .group_by(Proposal.district_id, Proposal.status, Proposal.subprogram, Proposal.kind)
    )  # fmt: skip
    return {
        (d, s, sp, k): (n, int(people), Decimal(str(funding)).quantize(Decimal("0.01")))
        for d, s, sp, k, n, people, funding in rows
    }


def tallies():
    return {
        (t.district_id, t.status, t.subprogram, t.kind): (
            t.entries,
            t.people,
            (Decimal(t.funding_tiyn) / 100).quantize(Decimal("0.01")),
        )
        for t in db.session.scalars(select(ProposalTally))
        if t.entries or t.people or t.funding_tiyn
    }


def make_history(make_proposal, seed):
    """Entries over 2026 with random status paths, edits and answers, in date order."""
    rng = random.Random(seed)
    moves = []  # (moment, entry, action)
    for n in range(36):
        created = at(date(2026, 1, 5) + timedelta(days=rng.randrange(320)), rng.randrange(9, 18))
        proposal = make_proposal(
            district=rng.choice(DISTRICTS),
            now=created,
            subprogram=rng.choice(list(Subprogram)),
            people_involved=rng.choice([None, 0, 12, 250]),
            funding_amount=rng.choice([None, Decimal("0.10"), Decimal("1500000.55")]),
            title=f"Предложение {n}",
        )
        moment = created
        for step in rng.choice(
            [[], ["under_review"], ["under_review", "accepted", "in_progress"],
             ["under_review", "rejected"], ["under_review", "accepted", "edit", "in_progress",
                                            "done"], ["edit"]]
        ):  # fmt: skip
            moment += timedelta(days=rng.randrange(1, 40), hours=rng.randrange(8))
            moves.append((moment, proposal.id, step))
    for moment, proposal_id, step in sorted(moves, key=lambda m: m[0]):
        if moment > NOW:
            continue
        proposal = db.session.get(Proposal, proposal_id)
        if step == "edit":
            draft = registry.Draft(**{n: getattr(proposal, n) for n in registry.EDITABLE})
            draft.district_id = district_by_code(rng.choice(DISTRICTS)).id
            draft.subprogram = rng.choice(list(Subprogram))
            draft.people_involved = rng.choice([None, 7, 40])
            draft.funding_amount = rng.choice([None, Decimal("99.99"), Decimal("20000000")])
            registry.update_proposal(proposal, draft, now=moment)
        else:
            reason = "Не соответствует целям программы." if step == "rejected" else None
            registry.change_status(proposal, step, now=moment, reason=reason)
        db.session.commit()


def report_dates():
    on, dates = date(2026, 1, 9), []
    while on <= date(2027, 1, 15):
        dates.append(on)
        on = days.next_report_dates(on + timedelta(days=1), 1)[0]
    return dates


def test_the_report_matches_counting_every_entry_on_every_date(make_proposal):
    make_history(make_proposal, seed=2026)
    assert tallies() == tallies_by_count()
    dates = report_dates()
    assert len(dates) > 20
    nura = district_by_code("nura").id
    for on in dates:
        assert actual_report(on, NOW) == expected_report(on, NOW), on
        assert actual_report(on, NOW, scope=nura) == expected_report(on, NOW, scope=nura), on
    # Something to compare: answers, overdue entries, moved statuses and money were made.
    past = expected_report(date(2026, 10, 23), NOW)
    kinds = set().union(*past.values())
    assert {"on_time", "overdue", "people", "funding", "new", Status.in_progress} <= kinds


def test_the_tallies_follow_writes_that_bypass_the_app(make_proposal):
    """Triggers, not the service layer, keep the totals: a bulk UPDATE or DELETE by hand
    (a data fix, a restore script) leaves them right too."""
    make_history(make_proposal, seed=7)
    first, *rest = db.session.scalars(select(Proposal.id).order_by(Proposal.id)).all()
    shet = district_by_code("shet").id
    db.session.execute(
        text(
            "UPDATE proposals SET district_id = :shet, funding_amount = 12.34, "
            "people_involved = 3, answered_on = due_on WHERE id IN (:a, :b)"
        ),
        {"shet": shet, "a": rest[0], "b": rest[1]},
    )
    db.session.execute(text("UPDATE proposals SET status = 'done' WHERE id = :a"), {"a": rest[2]})
    for table in ("proposal_events", "proposal_numbers"):
        db.session.execute(text(f"DELETE FROM {table} WHERE proposal_id = :id"), {"id": first})
    db.session.execute(text("DELETE FROM proposals WHERE id = :id"), {"id": first})
    db.session.commit()
    db.session.expire_all()
    assert tallies() == tallies_by_count()
    on_time = db.session.scalar(select(func.sum(ProposalTally.on_time)))
    late = db.session.scalar(select(func.sum(ProposalTally.late)))
    answered = db.session.execute(
        select(
            func.count().filter(Proposal.answered_on <= Proposal.due_on),
            func.count().filter(Proposal.answered_on > Proposal.due_on),
        )
    ).one()
    assert (on_time, late) == tuple(answered)
    assert on_time >= 2


def test_a_report_reads_what_changed_since_not_every_entry(make_proposal, app):
    """The statements of the report do not scan ``proposals`` whole: each has a condition
    on a date column (indexed) or reads the tallies."""
    from sqlalchemy import event

    make_proposal(now=at(date(2026, 11, 2)))
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        registry.district_report(date(2026, 11, 27), now=NOW)
        registry.district_report(date(2026, 10, 23), now=NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    on_proposals = [s for s in seen if " FROM proposals" in s]
    assert on_proposals
    for statement in on_proposals:
        where = statement.split(" WHERE ", 1)[-1]
        assert any(c in where for c in ("created_at >=", "answered_on >", "answered_on IS NULL")), (
            statement
        )
