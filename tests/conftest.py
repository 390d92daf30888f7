"""Fixtures: the app on SQLite and on PostgreSQL, a clean database per test, factories."""

import os
import shutil
import threading
from datetime import UTC, date, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app import create_app
from app.days import services as days
from app.extensions import db
from app.places import services as places
from app.places.services import seed_districts

#: fixtures of the fake SMS provider (fake_smsc)
pytest_plugins = ["tests.fake_smsc"]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# .ci/run sets this: a PostgreSQL or browser test that cannot run fails instead of skipping.
STRICT = os.environ.get("STRICT_TEST_BACKENDS") == "1"
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "MAIL_SUPPRESS_SEND": True,
    # SMS tests switch it on (monkeypatch.setitem); elsewhere only mail is queued.
    "SMS_ENABLED": False,
    "PUBLIC_BASE_URL": "http://testserver",
    "SERVER_NAME": None,
    # the hall screen's event stream ends at once (tests that read it set their own)
    "DISPLAY_STREAM_SECONDS": 0,
}


def postgres_url():
    return os.environ.get("TEST_DATABASE_URL")


def sqlalchemy_url(url):
    """postgresql:// → postgresql+psycopg:// (the driver we ship)."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def skip_or_fail(reason):
    if STRICT:
        pytest.fail(reason + " (STRICT_TEST_BACKENDS=1)")
    pytest.skip(reason)


def database_url_for(backend, tmp_path_factory):
    if backend == "postgres":
        url = postgres_url()
        if not url:
            skip_or_fail("PostgreSQL tests need TEST_DATABASE_URL")
        return sqlalchemy_url(url)
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


def reset_schema(app):
    """Empty database → head through the real migrations."""
    from flask_migrate import upgrade

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()


def pytest_collection_modifyitems(items):
    """Mark the PostgreSQL half (``-m postgres`` / ``-m "not postgres"``): `make test` runs
    the two halves side by side."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("app") == "postgres":
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def app(request, tmp_path_factory):
    url = database_url_for(request.param, tmp_path_factory)
    instance = tmp_path_factory.mktemp("instance")
    application = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    application.instance_path = str(instance)
    reset_schema(application)
    with application.app_context():
        seed_districts()
        db.session.commit()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def clean_database():
    """Delete every row but the reference data; reseed districts as they were."""
    db.session.rollback()
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        for table in tables:
            conn.execute(table.delete())
    seed_districts()
    db.session.commit()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app
        clean_database()
        db.session.remove()


class IsolatedClient(FlaskClient):
    """Each request in its own app context, as in production (its own g, locale and
    session); the test's session then sees what the request committed."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
            response.get_data()
        db.session.expire_all()
        return response


@pytest.fixture
def client(app, app_ctx):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def backend(app):
    return (
        "postgres" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else "sqlite"
    )


# --- factories --------------------------------------------------------------------


@pytest.fixture
def make_day(app_ctx):
    def make(on=date(2026, 12, 25), **settings):
        day = days.new_day(on, **settings)
        db.session.add(day)
        db.session.commit()
        return day

    return make


def aware(*args):
    return datetime(*args, tzinfo=UTC)


# --- a live server for the browser ------------------------------------------------------


@pytest.fixture
def live_server(app, app_ctx):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM:
        skip_or_fail("browser tests need Chromium (apt-get install -y chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def visitor():
    """A valid visitor; override fields with keyword arguments."""
    from app.bookings.models import Category, Topic
    from app.bookings.services import Visitor

    counter = iter(range(1000, 10000))

    def make(**fields):
        n = next(counter)
        values = {
            "full_name": "Айгерим Бекова",
            "category": Category.citizen,
            "phone": f"+7701555{n:04d}",
            "email": f"visitor{n}@example.kz",
            "topic": Topic.proposal,
            "language": "ru",
            "consent": True,
        }
        values.update(fields)
        return Visitor(**values)

    return make


@pytest.fixture
def make_booking(app_ctx, visitor):
    from datetime import timedelta

    from app.bookings import services as bookings

    def make(slot, now=None, **fields):
        now = now or slot.starts_at - timedelta(days=1)
        booking = bookings.book_slot(slot, visitor(**fields), now=now)
        db.session.commit()
        return booking

    return make


# --- a real SMTP server -----------------------------------------------------------------


class Inbox:
    """What the SMTP server received, as parsed e-mail messages."""

    def __init__(self, delay=0.0):
        self.messages = []
        #: the bytes as they arrived, for header checks that must not trust a parser
        self.raw = []
        self.delay = delay
        #: a callable (parsed message) -> SMTP reply to refuse it, or None to accept
        self.refuse = None

    async def handle_DATA(self, server, session, envelope):
        import asyncio
        import email
        from email import policy

        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        reply = self.refuse(message) if self.refuse else None
        if reply:
            return reply
        self.raw.append(envelope.content)
        self.messages.append(message)
        return "250 Message accepted for delivery"


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """An aiosmtpd server on a free port; the app's mail settings point at it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_SUPPRESS_SEND")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_SUPPRESS_SEND=False)
    inbox.controller = controller
    yield inbox
    controller.stop()
    app.config.update(saved)


# --- a real multi-process server -----------------------------------------------------------


@pytest.fixture
def gunicorn(app, app_ctx):
    """Start gunicorn on the test database: ``gunicorn(workers=4, threads=4, **env)``."""
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    processes = []

    def start(workers=4, threads=4, **env):
        port = free_port()
        environment = {
            **os.environ,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "gunicorn-test-secret",
            "RATELIMIT_ENABLED": "false",
            "APP_ENV": "development",
            **env,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads",
             str(threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
             "--graceful-timeout", "5", "wsgi:app"],
            cwd=Path(__file__).resolve().parents[1],
            env=environment,
        )  # fmt: skip
        processes.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90  # a busy machine boots four workers slowly
        while True:
            try:
                urllib.request.urlopen(base + "/api/openapi.json", timeout=2).read()
                return base
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("gunicorn did not start")
                time.sleep(0.2)

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:  # a worker still in a keep-alive connection
            process.kill()
            process.wait()


# --- staff ------------------------------------------------------------------------------

PASSWORD = "correct horse battery"


@pytest.fixture
def make_user(app_ctx):
    from app.auth import services as auth
    from app.places.services import district_by_code

    def make(role="reception", email=None, district="nura"):
        user = auth.create_user(
            email or f"{role}-{os.urandom(3).hex()}@office.kz",
            role,
            PASSWORD,
            district=district_by_code(district) if role == "district" else None,
        )
        db.session.commit()
        return user

    return make


def sign_in(client, user, password=PASSWORD):
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def api_token(app_ctx):
    from app.auth import services as auth

    def issue(user):
        token = auth.issue_token(user, name="test")
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return issue


@pytest.fixture
def make_proposal(app_ctx):
    """A registry entry through the service (kind event by default: fewest fields)."""
    from app.places.services import district_by_code
    from app.registry import services as registry
    from app.registry.models import Initiator, Kind, Origin, Scale, Subprogram

    def make(district="nura", now=None, origin=None, by=None, booking=None, **fields):
        values = {
            "kind": Kind.event,
            "title": "Фестиваль «Туған жер»",
            "subprogram": Subprogram.atameken,
            "district_id": district_by_code(district).id,
            "scale": Scale.district,
            "initiator_type": Initiator.citizen,
            "initiator_name": "Жанна Ахметова",
            "event_date": date(2027, 6, 1),
            "email": "zhanna@example.kz",
        }
        values.update(fields)
        proposal = registry.create_proposal(
            registry.Draft(**values),
            origin=origin or Origin.office,
            now=now or datetime(2026, 11, 27, 6, 0, tzinfo=UTC),
            by=by,
            booking=booking,
        )
        db.session.commit()
        return proposal

    return make


# --- a world for tests that walk every page ------------------------------------------------


@pytest.fixture
def world(app_ctx, make_user, make_booking, make_proposal):
    """Rows for every page to show: a Day three days ahead (booking open) with a booking,
    a visitor who arrived (with a visit note), a walk-in and a nura delegate; a staff user of
    each role (the district user's district is nura); a nura entry of the registry with
    funding, a review step and a note, and one attached to the booking; a quota change; the
    district user's finished export job."""
    from datetime import timedelta
    from decimal import Decimal

    from app.bookings.models import Category, DelegateRole, Topic
    from app.bookings.services import hash_token as bookings_hash
    from app.bookings.services import manage_token as manage_token_of
    from app.core import jobs
    from app.core.db import utcnow
    from app.districts import services as districts
    from app.reception import services as desk
    from app.registry import services as registry
    from app.registry.models import Origin, Status

    now = utcnow()
    day = days.new_day(days.today_local(now) + timedelta(days=3))
    db.session.add(day)
    db.session.commit()
    users = {role: make_user(role) for role in ("reception", "district", "admin")}
    nura = places.district_by_code("nura")
    booking = make_booking(day.slots[0], now=now, topic=Topic.proposal)
    arrived = make_booking(day.slots[1], now=now, full_name="Мурат Ержанов", district_id=nura.id)
    desk.check_in(arrived, day=day, by=users["reception"], now=now)
    desk.add_note(arrived, "Обсудили проект", "Позвонить", by=users["reception"])
    walk_in = desk.register_walk_in(
        day,
        desk.WalkIn(full_name="Ерлан Сапаров", category=Category.business, topic=Topic.problem,
                    organization="ТОО «Қадам»", district_id=nura.id),
        by=users["reception"],
        now=now,
    )  # fmt: skip
    delegate = districts.register_delegate(
        day,
        nura,
        districts.DelegatePerson(full_name="Аян Нурланов", phone="+77015550001",
                                 role=DelegateRole.npo, position="аким села"),
        now=now,
        by=users["district"],
    )  # fmt: skip
    districts.set_quota(nura, 2, 3, today=days.today_local(now), by=users["admin"])
    db.session.commit()
    proposal = make_proposal(district="nura", funding_amount=Decimal("1500000"), by=users["admin"])
    registry.change_status(proposal, Status.under_review, now=now, by=users["admin"])
    registry.add_note(proposal, "Уточнить смету", now=now, by=users["admin"])
    db.session.commit()
    attached = make_proposal(district="nura", origin=Origin.booking, booking=booking)
    job = jobs.submit("registry_csv", {"filters": {}}, total=1, by=users["district"], now=now)
    job.status, job.filename, job.content_type = jobs.JobStatus.done, "registry.csv", "text/csv"
    job.content, job.until = b"x\r\n", now + jobs.KEPT
    _fail_one_mail(booking)
    db.session.commit()
    from app.queue.models import WaitlistEntry

    waiting = WaitlistEntry(code="WAYT47", token_hash=bookings_hash(manage_token_of("WAYT47")),
                            day_id=day.id, full_name="Дана Ким", category=Category.citizen,
                            phone="+77015550999", topic=Topic.progress, language="ru")  # fmt: skip
    db.session.add(waiting)
    # An SMS the provider refused: the desk and /office/messages list it.
    from app.core.outbox import OutboxMessage, OutboxStatus

    db.session.add(OutboxMessage(kind="booking_confirmed", channel="sms", recipient=arrived.phone,
                                 thread=f"booking:{arrived.code}", status=OutboxStatus.failed,
                                 last_error="SMSC error 7: invalid phone number"))  # fmt: skip
    db.session.commit()
    return {
        "waitlist": waiting,
        "day": day,
        "booking": booking,
        "arrived": arrived,
        "walk_in": walk_in,
        "delegate": delegate,
        "users": users,
        "proposal": proposal,
        "attached": attached,
        "job": job,
    }


def _fail_one_mail(booking):
    """The booking's confirmation marked as failed (the office home lists it)."""
    from sqlalchemy import select

    from app.core.outbox import OutboxMessage, OutboxStatus

    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.thread == f"booking:{booking.code}")
    ).first()
    if message is not None:
        message.status, message.attempts = OutboxStatus.failed, 12
        message.last_error = "550 mailbox unavailable"
