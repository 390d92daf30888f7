"""The mail outbox: messages written in the same transaction as the change they tell
about, delivered later by ``flask outbox send`` with retries and back-off.

A row holds what the message must say — a kind and a snapshot of the facts of that change,
taken when it happened — and is rendered at delivery, from the snapshot alone, in the
recipient's language. So a booking request costs one small INSERT, a broken SMTP server
loses nothing, and a mail sent late still tells the change that caused it. Messages of one
thread (one booking, one proposal) go out in the order they were queued.
"""

import contextlib
import enum
import socket
import time
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from flask_babel import force_locale
from flask_mail import Connection
from sqlalchemy import JSON, Enum, Index, String, Text, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db, mail

from . import jobs
from .db import UTCDateTime, execute_now, utcnow

MAX_ATTEMPTS = 12
#: messages a worker claims at once (``flask outbox send --batch``)
BATCH = 20
RENDERERS = {}


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


class OutboxMessage(db.Model):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what happened, e.g. ``booking_confirmed``; picks the renderer
    kind: Mapped[str] = mapped_column(String(40))
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

    __table_args__ = (Index("ix_outbox_thread_id", "thread", "id"),)

    def __repr__(self):
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"


def renderer(kind):
    """Register the function that turns an outbox row into an ``EmailMessage``, using the
    row's snapshot only (never the current state of the rows it tells about)."""

    def register(func):
        RENDERERS[kind] = func
        return func

    return register


@cache
def _insert_statement():
    return insert(OutboxMessage)


def enqueue(kind, recipient, *, language="ru", dedupe_key=None, thread=None, **facts):
    """Queue a message in the current transaction (it is sent only if that commits): one
    prebuilt INSERT, written at once."""
    now = utcnow()
    execute_now(
        _insert_statement(),
        {
            "kind": kind,
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
        },
    )


def backoff(attempts):
    """1, 2, 4 … minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


#: how long a message waits when an earlier message of its thread is not sent yet
THREAD_WAIT = timedelta(seconds=30)


def claim(now, limit=BATCH):
    """Take due messages for this worker, committed as ``sending`` with a lease.

    The UPDATE re-checks that each row is still due, so of two workers (threads, nodes)
    that picked the same row only one gets it back; on PostgreSQL the SELECT already
    skips rows another worker has locked. A crashed worker's lease simply runs out.
    Oldest first: an earlier message of a thread is never left behind a later one.
    """
    due = (
        select(OutboxMessage.id)
        .where(
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
    """True while an earlier message of the same thread is not yet sent (or given up):
    a booking's CANCEL never overtakes its REQUEST, a status mail never its predecessor."""
    if not message.thread:
        return False
    earlier = db.session.scalar(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.thread == message.thread,
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


def deliver(now=None, limit=BATCH):
    """Send what is due; returns a ``Delivery`` (sent, failed). Safe to run on several nodes
    at once: a message is claimed by one worker, whose lease is renewed message by message,
    so a slow SMTP server never lets a second worker send it again."""
    now = now or utcnow()
    ids = claim(now, limit)
    if not ids:
        return Delivery()
    sent = failed = 0
    errors = []
    previous_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(current_app.config.get("MAIL_TIMEOUT", 30))
    connection = _Connection()
    try:
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
            time.sleep(interval)
