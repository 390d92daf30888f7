"""The registry at scale: list pages, API, XLSX export and report at 5 000 and 50 000 rows.

    .venv/bin/python bench/registry.py                     # temporary SQLite file
    .venv/bin/python bench/registry.py --database postgresql://postgres@127.0.0.1:5432/postgres

Fills a fresh database with the registry entries of ``flask dev fake-data`` (bulk insert
into ``proposals``, ``proposal_numbers`` and their history), signs in as an admin through
the Flask test client, and times each request (median of --runs, in ms) with the SQL
statements it sends. Stops by itself.
"""

import argparse
import contextlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from datetime import date

from common import PYTHON, SqlCounter, env_for, fresh_database, make_app, migrate

ADMIN_EMAIL = "bench-admin@office.kz"
ADMIN_PASSWORD = "bench password 12345"  # noqa: S105 (throw-away database)
SEARCH_WORD = "памятник"
#: a statement that loads one row by its primary key: "… WHERE districts.id = ?" and no more
ONE_ROW = re.compile(r"WHERE (\w+)\.id = (\?|%\(pk_1\)s(::INTEGER)?)$")

# --- rows: the generator of ``flask dev fake-data`` (app/dev/fake.py) ---------------------


def fill(rows, counters, first_id, seed):
    from sqlalchemy import delete, text
    from sqlalchemy import insert as sql_insert

    from app.dev import fake
    from app.extensions import db
    from app.registry.models import RegistryCounter

    started = time.perf_counter()
    fake.insert_proposals(random.Random(seed), rows, first_id)  # noqa: S311 (test data)
    db.session.execute(delete(RegistryCounter))
    db.session.execute(
        sql_insert(RegistryCounter.__table__),
        [{"key": key, "last": last} for key, last in counters.items()],
    )
    if db.engine.dialect.name == "postgresql":
        # Explicit ids do not move the sequence: keep later inserts working.
        db.session.execute(
            text("SELECT setval(pg_get_serial_sequence('proposals', 'id'), MAX(id)) FROM proposals")
        )
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return time.perf_counter() - started


# --- timing -------------------------------------------------------------------------------


def endpoints(rows, token):
    """(name, path, headers, is an export) of each timed request at ``rows`` entries."""
    bearer = {"Authorization": f"Bearer {token}"}
    middle = max(rows // 100, 1)  # the middle page, 50 entries a page
    return [
        ("list, first page", "/registry/", {}, False),
        ("list, middle page", f"/registry/?page={middle}", {}, False),
        ("list, district + status", "/registry/?district=karaganda&status=accepted", {}, False),
        (f"list, search q={SEARCH_WORD}", f"/registry/?q={SEARCH_WORD}", {}, False),
        ("list, sort -funding", "/registry/?sort=-funding", {}, False),
        ("API /api/registry?per_page=100", "/api/registry?per_page=100", bearer, False),
        ("report /office/report", "/office/report", {}, False),
        ("export.xlsx, all rows", "/registry/export.xlsx", {}, True),
        ("export.csv, all rows", "/registry/export.csv", {}, True),
    ]


def measure(client, counter, path, headers, runs, *, warm_up=True):
    """(median ms, statement count, bytes, the statements) of ``runs`` GETs. The statements
    are those of the first request: a warm-up run when ``warm_up``, else the first timed run."""
    times = []
    for run in range(runs + warm_up):
        with counter.counting() if run == 0 else contextlib.nullcontext():
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            size = len(response.get_data())
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}")
        if run == 0:
            statements = list(counter.statements)
        if run > 0 or not warm_up:
            times.append(elapsed)
    return statistics.median(times), len(statements), size, statements


def signed_in(app):
    client = app.test_client()
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"sign-in failed: {response.status_code}")
    return client


def memory_kib(field):
    """VmRSS (now) or VmHWM (peak since start or reset) of this process, in KiB (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def export_probe(url):
    """In a fresh process: one XLSX export; prints its time and memory as JSON."""
    app = make_app(url, WTF_CSRF_ENABLED=False, EXPORT_JOB_ROWS=10**9)
    client = signed_in(app)
    client.get("/registry/?page=2")  # imports and first queries done before the baseline
    baseline = memory_kib("VmRSS")
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # reset the peak (VmHWM) to the present RSS
    started = time.perf_counter()
    response = client.get("/registry/export.xlsx")
    body = response.get_data()
    seconds = time.perf_counter() - started
    print(json.dumps({"status": response.status_code, "bytes": len(body), "seconds": seconds,
                      "baseline_kib": baseline, "peak_kib": memory_kib("VmHWM")}))  # fmt: skip


def probe_export(url):
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [str(PYTHON), __file__, "--export-probe"],
        env=env_for(url), capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- main ---------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="postgresql://user@host:port/db (else SQLite)")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=5_000, help="rows of the first round")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per page")
    parser.add_argument("--export-runs", type=int, default=3, help="timed runs per export")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show-sql", action="store_true", help="print each page's statements")
    parser.add_argument("--export-probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_probe:
        export_probe(os.environ["DATABASE_URL"])  # set by probe_export
        return 0

    with fresh_database(args.database) as url:
        print(f"database: {url.split(':', 1)[0]} (fresh, dropped afterwards)")
        migrate(url)
        app = make_app(url, WTF_CSRF_ENABLED=False, EXPORT_JOB_ROWS=10**9)
        from sqlalchemy import select

        from app.auth.models import Role
        from app.auth.services import create_user, issue_token
        from app.core.db import utcnow
        from app.dev import fake
        from app.extensions import db
        from app.places.models import District

        with app.app_context():
            admin = create_user(ADMIN_EMAIL, Role.admin, ADMIN_PASSWORD)
            token = issue_token(admin, name="bench")
            db.session.commit()
            districts = db.session.scalars(select(District).order_by(District.id)).all()
            for district in districts:
                db.session.expunge(district)
            counter = SqlCounter(db.engine)
            started = time.perf_counter()
            now = utcnow()
            rng = random.Random(args.seed)  # noqa: S311 (test data, not secrets)
            rows = fake.proposal_rows(rng, args.rows, districts, date(2017, 1, 1), now.date())
            counters = {}
            fake.number_rows(rows, counters)
            print(f"generated {len(rows)} rows in {time.perf_counter() - started:.1f} s")
            random.Random(args.seed).shuffle(rows)  # noqa: S311 (the first round: a sample)
            first, rest = rows[: args.small], rows[args.small :]
        client = signed_in(app)

        results = {}
        for label, batch, first_id in ((args.small, first, 1), (args.rows, rest, args.small + 1)):
            with app.app_context():
                seconds = fill(batch, counters, first_id, args.seed)
            print(f"inserted {len(batch)} rows in {seconds:.1f} s ({label} in all)")
            for name, path, headers, export in endpoints(label, token):
                runs = args.export_runs if export else args.runs
                results[(label, name)] = measure(
                    client, counter, path, headers, runs, warm_up=not export
                )
                if args.show_sql:
                    counter.statements = results[(label, name)][3]
                    print(f"  {name}:", *counter.short(), sep="\n    ")
        probe = probe_export(url)
        with app.app_context():
            db.engine.dispose()

    print()
    sizes = (args.small, args.rows)
    print(f"{'request':34}" + "".join(f"{f'{n:,} rows':>32}" for n in sizes))
    print(f"{'':34}" + f"{'ms':>10}{'SQL':>6}{'by id':>6}{'KiB':>10}" * 2)
    for name, _path, _headers, _export in endpoints(args.rows, token):
        cells = ""
        for n in sizes:
            ms, statements, size, sql = results[(n, name)]
            by_id = sum(1 for one in sql if ONE_ROW.search(one))
            cells += f"{ms:>10.1f}{statements:>6}{by_id:>6}{size / 1024:>10.0f}"
        print(f"{name:34}{cells}")
    print(
        f"\nms: median of {args.runs} runs after a warm-up ({args.export_runs} runs, no warm-up, "
        "for exports) through the Flask test client, admin session; SQL: statements of the "
        "first request; by id: of those, one-row look-ups by primary key (lazy loads, N+1); "
        f"middle page: page {args.small // 100} of {args.small:,} rows, "
        f"page {args.rows // 100} of {args.rows:,}"
    )
    print(
        f"XLSX export of {args.rows:,} rows in a fresh process: {probe['seconds']:.1f} s, "
        f"{probe['bytes'] / 1024 / 1024:.1f} MiB, RSS {probe['baseline_kib'] / 1024:.0f} MiB "
        f"before -> peak {probe['peak_kib'] / 1024:.0f} MiB "
        f"(+{(probe['peak_kib'] - probe['baseline_kib']) / 1024:.0f} MiB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
