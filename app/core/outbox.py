"""The outbox: messages (mail and SMS) written in the same transaction as the change they
tell about, delivered later by ``flask outbox send`` with retries and back-off.

A row holds what the message must say — a kind and a snapshot of the facts of that change,
taken when it happened — and is rendered at delivery, from the snapshot alone, in the
recipient's language. So a booking request costs one small INSERT, a broken SMTP server
loses nothing, and a mail sent late still tells the change that caused it. Messages of one
thread (one booking, one proposal) go out in the order they were queued.

Each row has a channel (``email`` | ``sms``). The channels are claimed, leased, backed off
and sent apart: a provider that is down delays only its own channel's rows.
"""

import contextlib
import enum
import socket
import time as clock
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache

from flask import current_app
from flask_babel import force_locale
from flask_mail import Connection
from sqlalchemy import (
    JSON,
    Enum,
    Index,
    Numeric,
    String,
    Text,
    bindparam,
    func,
    insert,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db, mail

from . import jobs, sms
from .db import UTCDateTime, execute_now, utcnow
from .i18n import LOCAL_TZ

MAX_ATTEMPTS = 12
#: messages a worker claims at once (``flask outbox send --batch``)
BATCH = 20
RENDERERS = {}
#: kind → function(row) → the SMS text, from the row's snapshot alone
SMS_RENDERERS = {}


def lease():
    """How long a claimed message is this worker's. It is renewed before each message is
    sent, so it only has to outlast one slow delivery: each SMTP step may take up to
    MAIL_TIMEOUT seconds (connect, greeting, TLS, login, MAIL, RCPT, DATA, the body, QUIT)."""
    seconds = current_app.config.get("OUTBOX_LEASE_SECONDS")
    if seconds:
        return timedelta(seconds=seconds)
    return max(timedelta(minutes=10), timedelta(seconds=current_app.config["MAIL_TIMEOUT"] * 20))


class Delivery(tuple):
    """(sent, failed) of one batch, with what failed as ``errors``."""

    def __new__(cls, sent=0, failed=0, errors=()):
        result = super().__new__(cls, (sent, failed))
        result.errors = list(errors)
        return result

    @property
    def sent(self):
        return self[0]

    @property
    def failed(self):
        return self[1]


class OutboxStatus(enum.StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"


class Channel(enum.StrEnum):
    email = "email"
    sms = "sms"


class DeliveryStatus(enum.StrEnum):
    """What the provider's delivery report said of a sent SMS (None: no report yet)."""

    delivered = "delivered"
    failed = "failed"


class OutboxMessage(db.Model):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what happened, e.g. ``booking_confirmed``; picks the renderer
    kind: Mapped[str] = mapped_column(String(40))
    #: how it goes: ``email`` (recipient is an address) or ``sms`` (an E.164 phone)
    channel: Mapped[Channel] = mapped_column(
        Enum(Channel, native_enum=False, length=10, validate_strings=True),
        default=Channel.email,
        server_default="email",
    )
    recipient: Mapped[str] = mapped_column(String(254))
    #: the snapshot: every fact the message tells, as it was at the change (no secrets)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    #: e.g. ``booking:ACDE47``: messages of one thread are sent in queue order
    thread: Mapped[str | None] = mapped_column(String(60))
    #: ru or kk
    language: Mapped[str] = mapped_column(String(2), default="ru")
    #: unique when set: the same reminder is never queued twice
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, native_enum=False, length=20, validate_strings=True),
        default=OutboxStatus.pending,
        index=True,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    #: not before this moment (back-off after a failure); a claim's lease while sending
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: SMS: the text as it was sent, and the provider's id of it (for delivery reports)
    body: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(64))
    #: SMS: what the provider said it charged for it (tenge), if it said
    cost: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    #: SMS: the provider's delivery report, when it came (None: not known yet)
    delivery_status: Mapped[DeliveryStatus | None] = mapped_column(
        Enum(
            DeliveryStatus,
            native_enum=False,
            length=20,
            validate_strings=True,
            name="deliverystatus",
        )
    )
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_outbox_thread_id", "thread", "id"),
        Index("ix_outbox_channel_recipient_sent", "channel", "recipient", "sent_at"),
        Index("ix_outbox_channel_status_sent", "channel", "status", "sent_at"),
        Index("ix_outbox_delivery_status", "delivery_status"),
    )

    def __repr__(self):
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"


def renderer(kind, channel=Channel.email):
    """Register the function that turns an outbox row into an ``EmailMessage`` (or, for
    ``channel="sms"``, the SMS text), using the row's snapshot only (never the current state
    of the rows it tells about)."""

    def register(func):
        (SMS_RENDERERS if channel == Channel.sms else RENDERERS)[kind] = func
        return func

    return register


@cache
def _insert_statement():
    return insert(OutboxMessage)


def _row(kind, recipient, *, language, dedupe_key, thread, channel, facts, now):
    return {
        "kind": kind,
        "channel": Channel(channel),
        "recipient": recipient,
        "language": language,
        "payload": facts,
        "thread": thread,
        "dedupe_key": dedupe_key,
        "status": OutboxStatus.pending,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None,
        "created_at": now,
        "sent_at": None,
        "body": None,
        "provider_id": None,
        "cost": None,
        "delivery_status": None,
        "delivered_at": None,
    }


def enqueue(kind, recipient, *, language="ru", dedupe_key=None, thread=None,
            channel=Channel.email, **facts):  # fmt: skip
    """Queue a message in the current transaction (it is sent only if that commits): one
    prebuilt INSERT, written at once."""
    execute_now(
        _insert_statement(),
        _row(kind, recipient, language=language, dedupe_key=dedupe_key, thread=thread,
             channel=channel, facts=facts, now=utcnow()),
    )  # fmt: skip


@cache
def _insert_ignoring_twins(count, keys):
    """INSERT … VALUES (…), (…) ON CONFLICT (dedupe_key) DO NOTHING for ``count`` rows of
    the columns ``keys`` — a message queued twice is one message — as one statement, sent
    once, the same on PostgreSQL and SQLite. Text with typed parameters ``<column>_<row>``:
    SQLAlchemy caches its compiled form (it does not for a multi-row ``insert().values``,
    and an executemany goes through psycopg's pipeline)."""
    columns = OutboxMessage.__table__.c
    names = ", ".join(columns[key].name for key in keys)
    rows = ", ".join("(" + ", ".join(f":{key}_{n}" for key in keys) + ")" for n in range(count))
    return text(
        f"INSERT INTO {OutboxMessage.__tablename__} ({names}) VALUES {rows} "  # noqa: S608 (the table's own column names; values are bound)
        "ON CONFLICT (dedupe_key) DO NOTHING"
    ).bindparams(
        *(bindparam(f"{key}_{n}", type_=columns[key].type) for n in range(count) for key in keys)
    )


def enqueue_each(kind, recipients, *, language="ru", thread=None, **facts):
    """Queue one message per (channel, recipient, dedupe key) — the same change told on
    every channel — in one statement; a row whose dedupe key is already queued is skipped."""
    now = utcnow()
    rows = [
        _row(kind, recipient, language=language, dedupe_key=key, thread=thread,
             channel=channel, facts=facts, now=now)
        for channel, recipient, key in recipients
    ]  # fmt: skip
    if rows:
        bound = {f"{key}_{n}": value for n, row in enumerate(rows) for key, value in row.items()}
        execute_now(_insert_ignoring_twins(len(rows), tuple(rows[0])), bound)


def backoff(attempts):
    """1, 2, 4 … minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


#: how long a message waits when an earlier message of its thread is not sent yet
THREAD_WAIT = timedelta(seconds=30)


def claim(now, limit=BATCH, channel=Channel.email):
    """Take due messages of one channel for this worker, committed as ``sending`` with a
    lease.

    The UPDATE re-checks that each row is still due, so of two workers (threads, nodes)
    that picked the same row only one gets it back; on PostgreSQL the SELECT already
    skips rows another worker has locked. A crashed worker's lease simply runs out.
    Oldest first: an earlier message of a thread is never left behind a later one.
    """
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.status.in_([OutboxStatus.pending, OutboxStatus.sending]),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(due))
    claimed = []
    if ids:
        claimed = list(
            db.session.scalars(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(ids),
                    OutboxMessage.status.in_([OutboxStatus.pending, OutboxStatus.sending]),
                    OutboxMessage.next_attempt_at <= now,
                )
                .values(status=OutboxStatus.sending, next_attempt_at=now + lease())
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            )
        )
    db.session.commit()
    return sorted(claimed)


def _waits_for_earlier(message):
    """True while an earlier message of the same thread and channel is not yet sent (or
    given up): a booking's CANCEL never overtakes its REQUEST, a status mail never its
    predecessor; a stuck SMS never holds back mail, nor the reverse."""
    if not message.thread:
        return False
    earlier = db.session.scalar(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.thread == message.thread,
            OutboxMessage.channel == message.channel,
            OutboxMessage.id < message.id,
            OutboxMessage.status.in_([OutboxStatus.pending, OutboxStatus.sending]),
        )
        .limit(1)
    )
    return earlier is not None


@contextlib.contextmanager
def mail_context(language):
    """Render in the recipient's language, with links on PUBLIC_BASE_URL."""
    base_url = current_app.config["PUBLIC_BASE_URL"]
    with current_app.test_request_context(base_url=base_url), force_locale(language):
        yield


class _Connection:
    """One SMTP connection for a batch, opened on the first message, from the settings as
    they are now (Flask-Mail's: server, port, TLS/SSL, login; MAIL_SUPPRESS_SEND)."""

    def __init__(self):
        self.smtp = None
        self.opened = False

    def send(self, message):
        if not self.opened:
            state = mail.init_mail(current_app.config, current_app.debug, current_app.testing)
            self.smtp = Connection(state).__enter__().host
            self.opened = True
        if self.smtp is not None:  # None when sending is suppressed (tests)
            self.smtp.send_message(message)

    def close(self):
        if self.smtp is not None:
            # The server may have gone away already: nothing left to close then.
            with contextlib.suppress(Exception):
                self.smtp.quit()
        self.smtp, self.opened = None, False


def _renew(ids):
    """Extend this worker's lease on the messages it has still to send."""
    if ids:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.sending)
            .values(next_attempt_at=utcnow() + lease())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()


def _each_claimed(ids):
    """(position, message) of each claimed message in turn, the lease on the rest renewed
    first. One another worker has taken back is passed over; one that must wait for an
    earlier message of its thread goes back to pending for a while."""
    for position, message_id in enumerate(ids):
        _renew(ids[position:])
        message = db.session.get(OutboxMessage, message_id)
        if message is None or message.status != OutboxStatus.sending:
            continue
        if _waits_for_earlier(message):
            message.status = OutboxStatus.pending
            message.next_attempt_at = utcnow() + THREAD_WAIT
            db.session.commit()
            continue
        yield position, message


def deliver(now=None, limit=BATCH):
    """Send what is due on every channel, mail first; returns a ``Delivery`` (sent, failed)
    of both. Each channel has its own claim, lease and back-off."""
    now = now or utcnow()
    mail_delivery = deliver_mail(now, limit)
    text_delivery = deliver_sms(now, limit)
    return Delivery(
        mail_delivery.sent + text_delivery.sent,
        mail_delivery.failed + text_delivery.failed,
        mail_delivery.errors + text_delivery.errors,
    )


def deliver_mail(now, limit=BATCH):
    """Send due mail. Safe to run on several nodes at once: a message is claimed by one
    worker, whose lease is renewed message by message, so a slow SMTP server never lets a
    second worker send it again."""
    ids = claim(now, limit, Channel.email)
    if not ids:
        return Delivery()
    sent = failed = 0
    errors = []
    previous_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(current_app.config.get("MAIL_TIMEOUT", 30))
    connection = _Connection()
    try:
        for _position, message in _each_claimed(ids):
            message_id = message.id
            try:
                email = RENDERERS[message.kind](message)
                connection.send(email)
            except Exception as exc:  # SMTP down, slow, refusing: try again later
                db.session.rollback()
                connection.close()
                message = db.session.get(OutboxMessage, message_id)
                message.attempts += 1
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = OutboxStatus.failed
                else:
                    message.status = OutboxStatus.pending
                    message.next_attempt_at = utcnow() + backoff(message.attempts)
                failed += 1
                errors.append((message.id, message.kind, message.attempts, message.last_error))
            else:
                message.status = OutboxStatus.sent
                message.sent_at = utcnow()
                message.attempts += 1
                message.last_error = None
                sent += 1
            db.session.commit()
    finally:
        connection.close()
        socket.setdefaulttimeout(previous_timeout)
    return Delivery(sent, failed, errors)


# --- SMS -----------------------------------------------------------------------------------

#: SMS a phone may get in one day (Asia/Almaty), whatever they tell
SMS_PER_PHONE_DAY = 5
#: how long after sending a delivery report is still asked for
REPORT_WINDOW = timedelta(days=3)


def _local_day_bounds(now):
    """The start of today and of tomorrow in Asia/Almaty, as aware moments."""
    today = now.astimezone(LOCAL_TZ).date()
    start = datetime.combine(today, time(0), tzinfo=LOCAL_TZ)
    return start, datetime.combine(today + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)


def sms_sent_today(now):
    """SMS handed to the provider since midnight (Asia/Almaty): what SMS_DAILY_LIMIT caps."""
    start, _end = _local_day_bounds(now)
    return db.session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.channel == Channel.sms,
            OutboxMessage.status == OutboxStatus.sent,
            OutboxMessage.sent_at >= start,
        )
    )


def sms_cost_today(now):
    """What the provider charged for today's SMS (tenge), as far as it told us."""
    start, _end = _local_day_bounds(now)
    return db.session.scalar(
        select(func.coalesce(func.sum(OutboxMessage.cost), 0)).where(
            OutboxMessage.channel == Channel.sms,
            OutboxMessage.status == OutboxStatus.sent,
            OutboxMessage.sent_at >= start,
        )
    )


def _cost(text):
    try:
        return Decimal(text).quantize(Decimal("0.01")) if text is not None else None
    except (InvalidOperation, ValueError):
        return None


def sms_waiting(now):
    """SMS due but not sent (held by the daily limit, or waiting for the provider)."""
    return db.session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.channel == Channel.sms,
            OutboxMessage.status.in_([OutboxStatus.pending, OutboxStatus.sending]),
        )
    )


def _sent_today_by_phone(ids, now):
    """For the recipients of the claimed rows: SMS each got today (one grouped query)."""
    start, _end = _local_day_bounds(now)
    recipients = select(OutboxMessage.recipient).where(OutboxMessage.id.in_(ids))
    rows = db.session.execute(
        select(OutboxMessage.recipient, func.count(OutboxMessage.id))
        .where(
            OutboxMessage.channel == Channel.sms,
            OutboxMessage.status == OutboxStatus.sent,
            OutboxMessage.sent_at >= start,
            OutboxMessage.recipient.in_(recipients),
        )
        .group_by(OutboxMessage.recipient)
    )
    return dict(rows.all())


def _retry_later(message, error):
    message.attempts += 1
    message.last_error = error[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.failed
    else:
        message.status = OutboxStatus.pending
        message.next_attempt_at = utcnow() + backoff(message.attempts)


def _release(ids, until):
    """Give claimed messages back, unsent and uncharged, due again at ``until``."""
    if ids:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.sending)
            .values(status=OutboxStatus.pending, next_attempt_at=until)
            .execution_options(synchronize_session=False)
        )


def deliver_sms(now, limit=BATCH):
    """Send due SMS through the provider of SMS_BACKEND.

    The provider gets our row id with each message, so a request repeated after a crash is
    recognised as the same message (SMSC's error 9) — exactly once as far as it lets us.
    A rejected message (bad number, forbidden text) is given up at once and shown to the
    office; when the provider cannot take messages (down, slow, 5xx, not JSON, no money) the
    message backs off and the rest of the batch waits with it, without an attempt charged.
    Past SMS_DAILY_LIMIT, or SMS_PER_PHONE_DAY for one phone, messages wait for tomorrow.
    """
    ids = claim(now, limit, Channel.sms)
    if not ids:
        return Delivery()
    config = current_app.config
    budget = config["SMS_DAILY_LIMIT"] - sms_sent_today(now)
    per_phone = _sent_today_by_phone(ids, now)
    _start, tomorrow = _local_day_bounds(now)
    provider = None
    sent = failed = 0
    errors = []
    try:
        for position, message in _each_claimed(ids):
            message_id = message.id
            if budget <= 0 or per_phone.get(message.recipient, 0) >= SMS_PER_PHONE_DAY:
                message.status = OutboxStatus.pending
                message.next_attempt_at = tomorrow
                message.last_error = (
                    "SMS_DAILY_LIMIT reached" if budget <= 0 else "5 SMS to this phone today"
                )
                db.session.commit()
                continue
            try:
                text = SMS_RENDERERS[message.kind](message)
                provider = provider or sms.current_provider()
                result = provider.send(message.recipient, text, reference=str(message.id))
            except sms.SmsRejected as exc:
                message.attempts += 1
                message.status = OutboxStatus.failed
                message.delivery_status = DeliveryStatus.failed
                message.last_error = str(exc)[:2000]
                failed += 1
                errors.append(
                    (message.id, f"{message.kind}, SMS", message.attempts, message.last_error)
                )
            except sms.SmsUnavailable as exc:
                _retry_later(message, str(exc))
                _release(ids[position + 1 :], message.next_attempt_at)
                db.session.commit()
                failed += 1
                errors.append(
                    (message.id, f"{message.kind}, SMS", message.attempts, message.last_error)
                )
                break
            except Exception as exc:  # this message's own fault (e.g. rendering)
                db.session.rollback()
                message = db.session.get(OutboxMessage, message_id)
                _retry_later(message, f"{type(exc).__name__}: {exc}")
                failed += 1
                errors.append(
                    (message.id, f"{message.kind}, SMS", message.attempts, message.last_error)
                )
            else:
                message.status = OutboxStatus.sent
                message.sent_at = utcnow()
                message.attempts += 1
                message.body = text
                message.provider_id = result.id
                message.cost = _cost(result.cost)
                message.last_error = None
                budget -= 1
                per_phone[message.recipient] = per_phone.get(message.recipient, 0) + 1
                sent += 1
            db.session.commit()
    finally:
        if provider is not None:
            provider.close()
    return Delivery(sent, failed, errors)


def poll_sms_reports(now, limit=500):
    """Ask the provider how SMS sent in the last days fared; returns (delivered, failed,
    pending). Idempotent: a row with a final report is not asked again."""
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.channel == Channel.sms,
            OutboxMessage.status == OutboxStatus.sent,
            OutboxMessage.delivery_status.is_(None),
            OutboxMessage.provider_id.is_not(None),
            OutboxMessage.sent_at >= now - REPORT_WINDOW,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    counts = {"delivered": 0, "failed": 0, "pending": 0}
    if not rows:
        return counts
    provider = sms.current_provider()
    try:
        for row in rows:
            report = provider.status(row.provider_id, row.recipient)
            counts[report.state] += 1
            if report.state == "delivered":
                row.delivery_status, row.delivered_at = DeliveryStatus.delivered, now
            elif report.state == "failed":
                row.delivery_status, row.last_error = DeliveryStatus.failed, report.detail
            db.session.commit()
    finally:
        provider.close()
    return counts


def undelivered(channel=None, *, since=None, threads=None, limit=200):
    """Messages the person did not get, newest first: given up after retries or rejected,
    or an SMS whose delivery report said it failed. ``channel``: ``email``, ``sms`` or both;
    ``threads``: only those of these threads (e.g. a Day's bookings). (The office's list and
    the desk's; the dashboard can reuse it.)"""
    # Two index look-ups (an OR would walk the whole outbox, newest first, for a few rows).
    failed = union_all(
        select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.failed),
        select(OutboxMessage.id).where(OutboxMessage.delivery_status == DeliveryStatus.failed),
    )
    stmt = select(OutboxMessage).where(OutboxMessage.id.in_(failed))
    if channel:
        stmt = stmt.where(OutboxMessage.channel == Channel(channel))
    if since:
        stmt = stmt.where(OutboxMessage.created_at >= since)
    if threads is not None:
        stmt = stmt.where(OutboxMessage.thread.in_(list(threads)))
    return db.session.scalars(stmt.order_by(OutboxMessage.id.desc()).limit(limit)).all()


def run(loop=False, interval=10.0, batch=BATCH, echo=print):
    """Deliver batch after batch until nothing is due; with ``loop``, then wait ``interval``
    seconds and start again. Returns the last batch's Delivery."""
    while True:
        delivery = deliver(limit=batch)
        # Background jobs (large exports) run in this same worker, one per pass.
        ran = jobs.run_due()
        jobs.expire(utcnow())
        db.session.commit()
        if delivery.sent or delivery.failed or not loop:
            echo(f"outbox: {delivery.sent} sent, {delivery.failed} failed")
        for message_id, kind, attempts, error in delivery.errors:
            echo(f"outbox: message {message_id} ({kind}) failed, attempt {attempts}: {error}")
        if not loop:
            return delivery
        if not (delivery.sent or delivery.failed or ran):
            clock.sleep(interval)
