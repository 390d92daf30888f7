"""Database helpers shared by every domain."""

import time
from datetime import UTC, datetime

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.types import TypeDecorator

from app.extensions import db

from .errors import DomainError


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every database (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow():
    return datetime.now(UTC)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # Several gunicorn workers share one SQLite file: wait for the write lock
    # instead of failing, and let readers go on while one writes.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()


#: seconds a pooled connection may rest before it is checked on its way out of the pool
PING_AFTER_IDLE = 10.0


def ping_idle_connections(engine):
    """Check a pooled connection before use only when it has rested ``PING_AFTER_IDLE``
    seconds or more (the database may have restarted, a firewall may have dropped it): a dead one is
    replaced before the request sees it. A connection in steady use — a burst of bookings —
    goes out unchecked, so a request costs no extra round trip (``pool_pre_ping`` pings on
    every checkout). A connection that dies while in use fails that one request, and the
    pool then replaces every connection older than the failure."""

    @event.listens_for(engine, "checkin")
    def _rested_from(dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check_if_rested(dbapi_connection, record, proxy):
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError() from exc  # the pool connects anew and tries again
        if not alive:
            raise DisconnectionError()


class Retry(Exception):
    """The transaction met a rare race that running it again resolves (e.g. a new booking
    drew a code another transaction had just taken)."""


def run_in_transaction(action, *, attempts=3):
    """The one place a request's change is committed: run ``action``, commit; roll back on
    any exception and re-raise it, or run it again on ``Retry``."""
    for attempt in range(1, attempts + 1):
        try:
            result = action()
            db.session.commit()
            return result
        except Retry:
            db.session.rollback()
            if attempt == attempts:
                raise
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


def violated_constraint(error):
    """The name (PostgreSQL) or the columns (SQLite) of the unique constraint an
    IntegrityError broke, lower-case; "" when it cannot tell."""
    diag = getattr(getattr(error, "orig", None), "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return name.lower()
    return str(getattr(error, "orig", error)).lower()


def attempt(action):
    """A page's change: ``(result, None)`` once committed, or ``(None, error)`` when a
    domain rule refused it (rolled back) — for the page to show ``error.text``."""
    try:
        return run_in_transaction(action), None
    except DomainError as error:
        return None, error


def execute_now(statement, params):
    """Run a prebuilt Core statement on the session's connection, in its transaction,
    without the ORM's execution layer (the booking hot path's statements). Pending ORM
    changes are written first, so the database sees what came before in order."""
    session = db.session
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection().execute(statement, params)


#: what the database has beyond the models, kept by migrations alone: the registry's search
#: index (a trigram GIN index on PostgreSQL, an FTS5 table with its shadow tables on SQLite)
NOT_IN_MODELS = ("proposals_fts", "ix_proposals_search_trgm")


def include_object(obj, name, type_, reflected, compare_to):
    """Alembic's comparison of models and database leaves those out."""
    return not (name or "").startswith(NOT_IN_MODELS)
