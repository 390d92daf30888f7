"""Pooled connections: checked before use only after a rest, and a dead one replaced before
a request sees it."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from app.core import db as core_db
from app.extensions import db


@pytest.fixture
def pings(app_ctx, monkeypatch):
    """How many times the pool checked a connection."""
    calls = []
    real = db.engine.dialect.do_ping

    def counted(dbapi_connection):
        calls.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(db.engine.dialect, "do_ping", counted)
    return calls


def test_a_connection_in_steady_use_is_not_pinged(client, pings, monkeypatch):
    monkeypatch.setattr(core_db, "PING_AFTER_IDLE", 3600.0)
    for _ in range(5):
        assert client.get("/api/days").status_code == 200
    assert pings == []
    monkeypatch.setattr(core_db, "PING_AFTER_IDLE", 0.0)
    for _ in range(3):
        assert client.get("/api/days").status_code == 200
    assert len(pings) >= 3  # every checkout after a rest of 0 s or more


def _pooled():
    """The connection a query now gets from the pool — (its identity, the DBAPI connection)
    — given back at once: a PostgreSQL backend's pid, or the SQLite connection object."""
    raw = db.session.connection().connection.dbapi_connection
    if db.engine.dialect.name == "postgresql":
        identity = db.session.scalar(text("SELECT pg_backend_pid()"))
    else:
        db.session.scalar(text("SELECT 1"))
        identity = id(raw)
    db.session.commit()  # back to the pool
    return identity, raw


def _drop(identity, raw):
    """What a database restart or a firewall does to a resting connection: PostgreSQL ends
    the backend; SQLite's connection is closed under the pool."""
    if db.engine.dialect.name != "postgresql":
        raw.close()
        return
    killer = create_engine(db.engine.url)
    with killer.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": identity})
    killer.dispose()


def test_a_rested_connection_that_was_dropped_is_replaced_unseen(app_ctx, pings, monkeypatch):
    monkeypatch.setattr(core_db, "PING_AFTER_IDLE", 0.0)
    db.session.remove()
    db.engine.dispose()  # one connection from here on, taken and given back in turn
    first, first_raw = _pooled()
    _drop(first, first_raw)
    second, second_raw = _pooled()  # the ping found it dead; the pool connected anew
    assert second != first and pings
    # Without the check, the dead connection reaches the query (what the ping prevents).
    monkeypatch.setattr(core_db, "PING_AFTER_IDLE", 3600.0)
    _drop(second, second_raw)
    with pytest.raises(DBAPIError):
        db.session.scalar(text("SELECT 1"))
    db.session.rollback()
    third, _raw = _pooled()  # the pool has replaced it since
    assert third not in (first, second)
