"""The registry at scale: list pages, API, XLSX export and report at 5 000 and 50 000 rows.

    .venv/bin/python bench/registry.py                     # temporary SQLite file
    .venv/bin/python bench/registry.py --database postgresql://postgres@127.0.0.1:5432/postgres

Fills a fresh database with proposals by bulk insert (Core, straight into ``proposals``
and ``proposal_numbers``), signs in as an admin through the Flask test client, and times
each request (median of --runs, in ms) with the SQL statements it sends. Stops by itself.
"""

import argparse
import contextlib
import hashlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from common import PYTHON, SqlCounter, env_for, fresh_database, make_app, migrate

ADMIN_EMAIL = "bench-admin@office.kz"
ADMIN_PASSWORD = "bench password 12345"  # noqa: S105 (throw-away database)
SEARCH_WORD = "памятник"
#: a statement that loads one row by its primary key: "… WHERE districts.id = ?" and no more
ONE_ROW = re.compile(r"WHERE (\w+)\.id = (\?|%\(pk_1\)s(::INTEGER)?)$")

# --- realistic-looking rows ---------------------------------------------------------------

ACTIONS = [
    "Ремонт", "Благоустройство", "Реставрация", "Открытие", "Создание", "Оснащение",
    "Строительство", "Модернизация", "Восстановление", "Издание каталога",
]  # fmt: skip
OBJECTS = [
    "сельского клуба", "краеведческого музея", "детской площадки", "библиотеки",
    "памятника воинам-землякам", "спортивного зала", "школьного музея", "сквера",
    "этнографического центра", "молодёжного центра", "дома культуры", "мемориала",
    "памятника Абаю", "аллеи выпускников", "родника", "летней сцены",
]  # fmt: skip
EVENTS = [
    "Фестиваль", "Конкурс", "Выставка", "Форум", "Семинар", "Экспедиция", "Праздник",
    "Круглый стол", "Акция", "Турнир",
]  # fmt: skip
EVENT_TOPICS = [
    "«Туған жер»", "народных ремёсел", "молодых поэтов", "по айтысу", "«Менің елім»",
    "волонтёров", "краеведов", "«Рухани жаңғыру»", "юных художников", "по тогызкумалаку",
    "у памятника Букетову", "«Ұлы дала»",
]  # fmt: skip
SENTENCES = [
    "Проект направлен на сохранение историко-культурного наследия региона.",
    "Участвуют школьники, студенты и жители села.",
    "Предусмотрено привлечение спонсоров и меценатов.",
    "Работы выполняются силами местного сообщества и волонтёров.",
    "Результаты будут представлены на районном форуме.",
    "Планируется издание буклета и публикации в местных СМИ.",
    "Мероприятие проводится совместно с отделом культуры акимата.",
    "Необходимо решить вопрос с помещением и транспортом.",
    "Инициатива поддержана на сходе граждан.",
    "Часть расходов берёт на себя инициатор.",
]  # fmt: skip
SURNAMES = ["Ахметов", "Иванова", "Жумабекова", "Сериков", "Ким", "Омарова", "Петров",
            "Нургалиев", "Садыкова", "Бекмухамедов", "Смагулова", "Козлов"]  # fmt: skip
NAMES = ["Айгерим", "Ерлан", "Наталья", "Данияр", "Сауле", "Алексей", "Гульнара", "Марат"]
ORGS = ["«Жарқын болашақ»", "«Мирас»", "«Сарыарқа»", "«Достық»", "«Шанырак»", "«Алем»"]
RESULTS = [
    "Отремонтированный объект, открытый для посетителей.",
    "Не менее 300 участников, сборник материалов.",
    "Новая экспозиция из 150 предметов.",
    "Благоустроенная территория площадью 0,5 га.",
]  # fmt: skip


def weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def random_moment(rng, year, now):
    start = datetime(year, 1, 1, 3, tzinfo=UTC)
    end = min(datetime(year + 1, 1, 1, tzinfo=UTC), now)
    return start + timedelta(seconds=rng.uniform(0, (end - start).total_seconds()))


def generate(count, districts, now, seed):
    """``count`` proposal dicts, ordered by created_at, without id or number yet."""
    from app.registry.models import (
        Initiator,
        Kind,
        Origin,
        Scale,
        SpecialProject,
        Status,
        Subprogram,
    )
    from app.registry.services import registry_for

    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    district_weights = [
        (d, 25 if d.code == "karaganda" else 8 if d.code in ("temirtau", "zhezkazgan") else 3)
        for d in districts
    ]
    years = [(y, 4 + (y - 2017)) for y in range(2017, now.year + 1)]  # more every year
    rows = []
    for _ in range(count):
        district = weighted(rng, district_weights)
        created = random_moment(rng, weighted(rng, years), now)
        kind = weighted(rng, [(Kind.project, 55), (Kind.event, 45)])
        special = rng.choice(list(SpecialProject)) if rng.random() < 0.35 else None
        scale = Scale.region if rng.random() < 0.12 else Scale.district
        charity = rng.random() < 0.08
        initiator = weighted(rng, [(Initiator.akimat, 35), (Initiator.citizen, 25),
                                   (Initiator.npo, 25), (Initiator.business, 10),
                                   (Initiator.party, 5)])  # fmt: skip
        if initiator == Initiator.akimat:
            initiator_name = f"Аппарат акима, {district.name_ru}"
        elif initiator == Initiator.citizen:
            initiator_name = f"{rng.choice(SURNAMES)} {rng.choice(NAMES)}"
        else:
            prefix = {Initiator.npo: "ОФ", Initiator.business: "ТОО", Initiator.party: "Филиал"}
            initiator_name = f"{prefix[initiator]} {rng.choice(ORGS)}"
        if kind == Kind.project:
            title = f"{rng.choice(ACTIONS)} {rng.choice(OBJECTS)}"
            starts = (created + timedelta(days=rng.randint(10, 200))).date()
            ends = starts + timedelta(days=rng.randint(30, 300))
            period = {"starts_on": starts, "ends_on": ends, "event_date": None,
                      "expected_result": rng.choice(RESULTS)}  # fmt: skip
        else:
            title = f"{rng.choice(EVENTS)} {rng.choice(EVENT_TOPICS)}"
            on = (created + timedelta(days=rng.randint(7, 120))).date()
            period = {"starts_on": None, "ends_on": None, "event_date": on,
                      "expected_result": None}  # fmt: skip
        title += f", {district.name_ru}"
        funded = rng.random() < 0.6
        source = rng.choice(["местный бюджет", "спонсоры", "грант"]) if funded else None
        status = weighted(rng, [(Status.submitted, 12), (Status.under_review, 13),
                                (Status.accepted, 15), (Status.in_progress, 15),
                                (Status.done, 30), (Status.rejected, 10),
                                (Status.merged, 5)])  # fmt: skip
        rows.append({
            "registry": registry_for(scale, special, charity),
            "district": district,
            "kind": kind,
            "title": title,
            "description": " ".join(rng.sample(SENTENCES, rng.randint(2, 4))),
            "subprogram": weighted(rng, [(Subprogram.tarbie, 30), (Subprogram.atameken, 30),
                                         (Subprogram.rukhani_kazyna, 25),
                                         (Subprogram.akparat, 15)]),
            "special_project": special,
            "district_id": district.id,
            "scale": scale,
            "initiator_type": initiator,
            "initiator_name": initiator_name,
            "phone": f"+7701{rng.randint(0, 9_999_999):07d}" if rng.random() < 0.7 else None,
            "email": f"init{rng.randint(1, 10**6)}@example.kz" if rng.random() < 0.4 else None,
            "language": "kk" if rng.random() < 0.2 else "ru",
            **period,
            "people_involved": rng.randint(10, 5000),
            "funding_amount": Decimal(rng.randint(1, 500) * 100_000) if funded else None,
            "funding_source": source,
            "funding_justification": "Смета прилагается." if funded else None,
            "is_charity": charity,
            "funding_late": funded and rng.random() < 0.08,
            "origin": weighted(rng, [(Origin.district, 60), (Origin.office, 40)]),
            "status": status,
            "reason": "Не соответствует целям программы." if status == Status.rejected else None,
            "responsible": rng.choice(SURNAMES) if rng.random() < 0.5 else None,
            "created_at": created,
            "updated_at": created,
        })  # fmt: skip
    rows.sort(key=lambda row: row["created_at"])
    return rows


def number_rows(rows):
    """Numbers as the registry gives them: PREFIX-YEAR-0001 per registry and year, in order
    of arrival. Returns the last number of each counter key."""
    from app.core.i18n import LOCAL_TZ
    from app.registry.models import Registry
    from app.registry.services import _search_text

    counters = {}
    for row in rows:
        prefix = "REG" if row["registry"] == Registry.regional else row["district"].prefix
        key = f"{prefix}-{row['created_at'].astimezone(LOCAL_TZ).year}"
        counters[key] = counters.get(key, 0) + 1
        row["number"] = f"{key}-{counters[key]:04d}"
        row["search_text"] = _search_text(SimpleNamespace(**row))
        row["token_hash"] = hashlib.sha256(row["number"].encode()).hexdigest()
    return counters


def insert(rows, first_id, seed):
    """Bulk insert (Core) into proposals and proposal_numbers. Merged entries point at an
    earlier one, so they go in a second pass."""
    from sqlalchemy import insert as sql_insert

    from app.extensions import db
    from app.registry.models import Proposal, ProposalEvent, ProposalNumber, Status

    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    for offset, row in enumerate(rows):
        row["id"] = first_id + offset
    plain = [r for r in rows if r["status"] != Status.merged]
    merged = [r for r in rows if r["status"] == Status.merged]
    for row in merged:
        row["merged_into_id"] = rng.choice(plain)["id"]
    columns = {c.key for c in Proposal.__table__.columns}
    for batch in (plain, merged):
        for start in range(0, len(batch), 5000):
            chunk = batch[start : start + 5000]
            db.session.execute(
                sql_insert(Proposal.__table__),
                [{k: v for k, v in r.items() if k in columns} for r in chunk],
            )
            db.session.execute(
                sql_insert(ProposalNumber.__table__),
                [{"number": r["number"], "proposal_id": r["id"]} for r in chunk],
            )
            # The history the report reads each entry's status from: registered, then (for
            # one that moved on) its present status.
            history = [{"proposal_id": r["id"], "at": r["created_at"], "action": "created",
                        "to_status": "submitted", "is_public": True} for r in chunk]  # fmt: skip
            history += [{"proposal_id": r["id"], "at": r["created_at"], "action": "status",
                         "from_status": "submitted", "to_status": r["status"].value,
                         "is_public": True}
                        for r in chunk if r["status"] != Status.submitted]  # fmt: skip
            db.session.execute(sql_insert(ProposalEvent.__table__), history)


def fill(rows, counters, first_id, seed):
    from sqlalchemy import delete, text
    from sqlalchemy import insert as sql_insert

    from app.extensions import db
    from app.registry.models import RegistryCounter

    started = time.perf_counter()
    insert(rows, first_id, seed)
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
    app = make_app(url, WTF_CSRF_ENABLED=False)
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
        app = make_app(url, WTF_CSRF_ENABLED=False)
        from sqlalchemy import select

        from app.auth.models import Role
        from app.auth.services import create_user, issue_token
        from app.core.db import utcnow
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
            rows = generate(args.rows, districts, utcnow(), args.seed)
            counters = number_rows(rows)
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
