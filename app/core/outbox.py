"""The mail outbox: messages written in the same transaction as the change they tell
about, delivered later by ``flask outbox send`` with retries and back-off.

A row holds what to send (a kind and its JSON payload, rendered at delivery in the
recipient's language), so a booking request costs one small INSERT and a broken SMTP
server loses nothing.
"""

import contextlib
import enum
import socket
import time
from datetime import datetime, timedelta

from flask import current_app
from flask_mail import Connection
from sqlalchemy import JSON, Enum, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db, mail

from .db import UTCDateTime, utcnow

MAX_ATTEMPTS = 12
LEASE = timedelta(minutes=10)
RENDERERS = {}


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
    #: ids and facts the renderer needs (no secrets)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
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

    def __repr__(self):
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"


def renderer(kind):
    """Register the function that turns an outbox row into a flask_mail.Message."""

    def register(func):
        RENDERERS[kind] = func
        return func

    return register


def enqueue(kind, recipient, *, language="ru", dedupe_key=None, **payload):
    """Queue a message in the current transaction (it is sent only if that commits)."""
    message = OutboxMessage(
        kind=kind,
        recipient=recipient,
        language=language,
        payload=payload,
        dedupe_key=dedupe_key,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    return message


def backoff(attempts):
    """1, 2, 4 … minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def claim(now, limit=20):
    """Take due messages for this worker, committed as ``sending`` with a lease.

    The UPDATE re-checks that each row is still due, so of two workers (threads, nodes)
    that picked the same row only one gets it back; on PostgreSQL the SELECT already
    skips rows another worker has locked. A crashed worker's lease simply runs out.
    """
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status.in_([OutboxStatus.pending, OutboxStatus.sending]),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
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
                .values(status=OutboxStatus.sending, next_attempt_at=now + LEASE)
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            )
        )
    db.session.commit()
    return sorted(claimed)


def _connection():
    """One SMTP connection for a batch, from the settings as they are now."""
    state = mail.init_mail(current_app.config, current_app.debug, current_app.testing)
    return Connection(state)


def deliver(now=None, limit=20):
    """Send what is due; returns (sent, failed). Safe to run on several nodes at once."""
    now = now or utcnow()
    ids = claim(now, limit)
    if not ids:
        return 0, 0
    sent = failed = 0
    previous_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(current_app.config.get("MAIL_TIMEOUT", 30))
    connection = None
    try:
        for message_id in ids:
            message = db.session.get(OutboxMessage, message_id)
            if message is None or message.status != OutboxStatus.sending:
                continue
            try:
                email = RENDERERS[message.kind](message)
                if connection is None:
                    connection = _connection().__enter__()
                connection.send(email)
            except Exception as exc:  # SMTP down, slow, refusing: try again later
                db.session.rollback()
                connection = _close(connection)
                message = db.session.get(OutboxMessage, message_id)
                message.attempts += 1
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = OutboxStatus.failed
                else:
                    message.status = OutboxStatus.pending
                    message.next_attempt_at = utcnow() + backoff(message.attempts)
                failed += 1
            else:
                message.status = OutboxStatus.sent
                message.sent_at = utcnow()
                message.attempts += 1
                message.last_error = None
                sent += 1
            db.session.commit()
    finally:
        _close(connection)
        socket.setdefaulttimeout(previous_timeout)
    return sent, failed


def _close(connection):
    if connection is not None:
        # The server may have gone away already: nothing left to close then.
        with contextlib.suppress(Exception):
            connection.__exit__(None, None, None)
    return None


def run(loop=False, interval=10.0, echo=print):
    while True:
        sent, failed = deliver()
        if sent or failed or not loop:
            echo(f"outbox: {sent} sent, {failed} failed")
        if not loop:
            return sent, failed
        if not (sent or failed):
            time.sleep(interval)
