"""Pages stay flat as years pile up: every GET page and API list, for every role that may
open it, runs the same number of SQL statements with one year of data as with three (the
made-up years of ``app.dev.fake``, at a small density so the test stays quick). A query
inside a loop over rows — an N+1 — shows up as a count that grows with the data.

The timing side (p50/p95 at 1 and 10 years) is bench/pages.py; counts are what a test can
hold steady on a noisy machine.
"""

import pytest
from sqlalchemy import event, func, select

from app.auth import services as auth
from app.bookings.models import Booking, BookingStatus
from app.core.audit import AuditEntry
from app.core.db import utcnow
from app.days.models import Day, Slot
from app.dev import fake
from app.extensions import db
from app.registry.models import Proposal
from tests.conftest import IsolatedClient, sign_in
from tests.routes import ROLES, headers_for_rule, roles_for, url_for_rule

DENSITY = 0.03  # a year: 12 Days of a few bookings, 90 entries, 600 audit entries
#: A page is a handful of queries (sign-in, the rows, a count, a grouped figure or two); a
#: query per row of a full list page (50 rows) cannot hide under this.
MOST = 12
#: whole-table exports read their rows in batches (yield_per): one statement per batch
BATCHED_EXPORTS = {"office.audit_xlsx", "registry.export", "api.registry_xlsx"}
#: dashboards that show a dozen independent figures, one grouped query each (the statistics'
#: page, print page and XLSX build one view); the desk and the queue page carry the desks'
#: panel (desks, who is called, who waits, the settings)
DASHBOARDS = {"office.stats": 20, "office.stats_print": 20, "office.stats_xlsx": 20,
              "office.home": 16, "reception.desk": 16, "queue.day": 16}  # fmt: skip


class Statements:
    def __init__(self):
        self.seen = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.seen.append(" ".join(statement.split())[:120])


@pytest.fixture
def statements(app):
    counter = Statements()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)


def get_routes(app):
    """Every GET route but static files and the API's own documents."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" in rule.methods and rule.endpoint not in ("static", "api.openapi", "api.docs"):
            yield rule


def count_statements(app, world, statements):
    """(role, endpoint, URL) → (status, statements) of every GET route for each role that
    may open it; each URL is asked twice and the second one counted (sessions settle first)."""
    counts = {}
    for role in ROLES:
        client = IsolatedClient(app, app.response_class, use_cookies=True)
        headers = {}
        if role != "anonymous":
            user = world["users"][role]
            sign_in(client, user)
            headers = {"Authorization": "Bearer " + auth.issue_token(user)}
            db.session.commit()
        for rule in get_routes(app):
            if role not in roles_for(rule.endpoint):
                continue
            url = url_for_rule(app, rule, world)
            api = {**(headers if url.startswith("/api/") else {}), **headers_for_rule(rule, world)}
            client.get(url, headers=api)
            statements.seen.clear()
            response = client.get(url, headers=api)
            counts[role, rule.endpoint, url] = (response.status_code, len(statements.seen))
            db.session.rollback()
    return counts


def sizes():
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Day, Booking, Proposal, AuditEntry)
    }


def test_every_page_runs_as_many_statements_at_three_years_as_at_one(app, world, statements):
    now = utcnow()
    fake.fill(now, years=1, density=DENSITY, seed=3)
    one_year = sizes()
    small = count_statements(app, world, statements)
    fake.fill(now, years=2, offset_years=1, density=DENSITY, seed=3)
    three_years = sizes()
    large = count_statements(app, world, statements)

    assert all(three_years[name] > 2 * one_year[name] - 10 for name in one_year), (
        one_year,
        three_years,
    )
    assert len(small) >= 60, sorted(small)
    assert {key: status for key, (status, _) in small.items() if status >= 400} == {}
    heavy = {
        key: count for key, (_, count) in large.items() if count > DASHBOARDS.get(key[1], MOST)
    }
    assert heavy == {}, f"pages of more than {MOST} statements: {heavy}"
    grown = {
        key: (small[key], large[key])
        for key in small
        if small[key] != large[key] and key[1] not in BATCHED_EXPORTS
    }
    assert grown == {}, "statements that grow with the data: " + repr(grown)


def test_the_fill_is_what_the_office_would_have(app, app_ctx):
    """Twelve Days a year, never more bookings in a slot than its seats, every entry
    numbered and with its history."""
    now = utcnow()
    filled = fake.fill(now, years=1, density=0.1, seed=5)
    assert filled.days in (12, 13)
    assert filled.proposals == 300
    rows = db.session.execute(
        select(Day.date, func.count(Booking.id))
        .join(Booking, Booking.day_id == Day.id)
        .group_by(Day.date)
    ).all()
    assert len(rows) == filled.days and all(count >= 3 for _, count in rows)
    over = db.session.scalar(
        select(func.count()).select_from(Slot).where(Slot.booked > Slot.capacity)
    )
    assert over == 0
    held = db.session.scalar(select(func.sum(Slot.booked)))
    counted = db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.slot_id.is_not(None), Booking.status != BookingStatus.cancelled
        )
    )
    assert held == counted
    numbers = db.session.scalars(select(Proposal.number)).all()
    assert len(set(numbers)) == len(numbers) == 300


def test_the_command_fills_and_is_refused_in_production(app, app_ctx, monkeypatch):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["dev", "fake-data", "--years", "1", "--density", "0.02"])
    assert result.exit_code == 0, result.output
    assert "registry entries" in result.output
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 60
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    result = runner.invoke(args=["dev", "fake-data", "--years", "1"])
    assert result.exit_code != 0 and "refused" in result.output
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 60
