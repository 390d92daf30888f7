"""Shared by the benchmark scripts: a throw-away database, migrations, SQL counting."""

import contextlib
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: every script sets these before create_app, so nothing is written to instance/
BASE_ENV = {
    "APP_ENV": "development",
    "SECRET_KEY": "bench-" + secrets.token_hex(16),
    "RATELIMIT_ENABLED": "false",
}


def app_url(url):
    """The URL as the app's engine sees it (psycopg 3 driver for PostgreSQL)."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


@contextlib.contextmanager
def fresh_database(server_url=None):
    """Yield the URL of an empty database, dropped afterwards.

    With a PostgreSQL URL, a database ``bench_<random>`` is created on that server (the
    URL's own database name is only used to connect for CREATE/DROP DATABASE); without
    one, a temporary SQLite file.
    """
    if not server_url:
        folder = tempfile.mkdtemp(prefix="civic-bench-")
        try:
            yield f"sqlite:///{folder}/bench.db"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    if not server_url.startswith(("postgresql://", "postgresql+psycopg://")):
        raise SystemExit("--database must be a postgresql:// URL")
    name = "bench_" + secrets.token_hex(4)
    admin = create_engine(app_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(app_url(server_url)).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def env_for(url):
    return {**os.environ, **BASE_ENV, "DATABASE_URL": url}


def migrate(url):
    """``flask db upgrade`` and ``flask seed`` against the database."""
    flask = [str(PYTHON), "-m", "flask", "--app", "wsgi"]
    for args in (["db", "upgrade"], ["seed"]):
        subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
            flask + args, cwd=ROOT, env=env_for(url), check=True, capture_output=True
        )


def make_app(url, **config):
    """The app in-process against the database (rate limits off, no instance/ files)."""
    os.environ.update(BASE_ENV)
    os.environ["DATABASE_URL"] = url
    from app import create_app

    return create_app(
        {"SQLALCHEMY_DATABASE_URI": app_url(url), "RATELIMIT_ENABLED": False, **config}
    )


class SqlCounter:
    """Counts the statements sent to the database while ``active``."""

    def __init__(self, engine):
        self.statements = []
        self.active = False
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        if self.active:
            self.statements.append(statement)

    @contextlib.contextmanager
    def counting(self):
        self.statements = []
        self.active = True
        try:
            yield self
        finally:
            self.active = False

    @property
    def count(self):
        return len(self.statements)

    def short(self, width=110):
        """One line per statement, shortened: 'SELECT … FROM bookings WHERE …'."""
        lines = []
        for statement in self.statements:
            one = re.sub(r"\s+", " ", statement).strip()
            one = re.sub(r"SELECT .+? FROM", "SELECT … FROM", one, count=1)
            lines.append(one if len(one) <= width else one[: width - 1] + "…")
        return lines


def percentile(sorted_values, fraction):
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]
