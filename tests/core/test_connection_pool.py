"""Pooled connections: checked before use only after a rest, and a dead one replaced before
a request sees it."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

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


def _backend_pid():
    pid = db.session.scalar(text("SELECT pg_backend_pid()"))
    db.session.commit()  # back to the pool
    return pid


def _terminate(pid):
    killer = create_engine(db.engine.url)
    with killer.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()


def test_a_rested_connection_the_server_dropped_is_replaced_unseen(app_ctx, pings, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a server that drops connections: PostgreSQL")
    monkeypatch.setattr(core_db, "PING_AFTER_IDLE", 0.0)
    db.session.remove()
    db.engine.dispose()  # one connection from here on, taken and given back in turn
    first = _backend_pid()
    _terminate(first)
    second = _backend_pid()  # the ping found it dead; the pool connected anew
    assert second != first and pings
    # Without the check, the dead connection reaches the query (what the ping prevents).
    monkeypatch.setattr(core_db, "PING_AFTER_IDLE", 3600.0)
    _terminate(second)
    with pytest.raises(OperationalError):
        db.session.scalar(text("SELECT 1"))
    db.session.rollback()
    assert _backend_pid() not in (first, second)  # the pool has replaced it since
