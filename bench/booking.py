"""Booking under load: POST /api/bookings against gunicorn on a fresh database.

    .venv/bin/python bench/booking.py                     # temporary SQLite file
    .venv/bin/python bench/booking.py --database postgresql://postgres@127.0.0.1:5432/postgres

Starts gunicorn on 127.0.0.1, fires N bookings from C client threads (keep-alive), prints
throughput, latency percentiles and statuses, checks the seat counters in the database,
and counts the SQL statements of one booking request. Stops by itself.
"""

import argparse
import http.client
import json
import math
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from datetime import timedelta
from pathlib import Path

import floor_app
from common import (
    PYTHON,
    ROOT,
    SqlCounter,
    env_for,
    fresh_database,
    make_app,
    migrate,
    percentile,
)

HOST = "127.0.0.1"
#: the warm-up's bookings take numbers (phones, e-mails) of their own
WARM_UP_NUMBERS = 5_000_000


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def create_days(url, days, capacity):
    """Days on today+1 … today+days (Asia/Almaty), every slot with ``capacity`` seats.

    Returns {slot id: the Day's date} of their slots (all within the booking window)."""
    from app.core.db import utcnow
    from app.days.services import new_day, today_local
    from app.extensions import db

    app = make_app(url)
    with app.app_context():
        today = today_local(utcnow())
        created = [
            new_day(today + timedelta(days=n), capacity=capacity) for n in range(1, days + 1)
        ]
        db.session.add_all(created)
        db.session.commit()
        slot_ids = {slot.id: day.date.isoformat() for day in created for slot in day.slots}
        db.engine.dispose()
    return slot_ids


def start_gunicorn(url, port, workers, threads, log, app="wsgi:app"):
    command = [
        str(PYTHON), "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
        "--bind", f"{HOST}:{port}", "--graceful-timeout", "5", app,
    ]  # fmt: skip
    environment = env_for(url)
    environment["PYTHONPATH"] = f"{ROOT}:{ROOT / 'bench'}"
    server = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
        command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log.name}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/api/days")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise SystemExit(f"gunicorn did not answer within 60 s; see {log.name}")


def workers_cpu(master_pid):
    """CPU seconds (user + system) used so far by gunicorn's worker processes (Linux)."""
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        return float("nan")
    ticks = 0
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def stop(server):
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def booking_body(number, slot_id):
    return {
        "slot_id": slot_id,
        "full_name": f"Bench Visitor {number}",
        "category": "citizen",
        "phone": f"+7701{number:07d}",
        "email": f"bench{number}@example.kz",
        "topic": "proposal",
        "message": "benchmark",
        "language": "ru",
        "consent": True,
    }


def form_body(number, slot_id, token):
    """The Day page's form as a browser posts it (CSRF token of the client's session)."""
    fields = {**booking_body(number, slot_id), "consent": "y", "csrf_token": token,
              "website": ""}  # fmt: skip
    return urllib.parse.urlencode(fields)


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def open_form(conn, day):
    """GET the Day page once: (session cookie, CSRF token) for this client's POSTs."""
    conn.request("GET", f"/days/{day}")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = "; ".join(
        value.split(";", 1)[0] for name, value in response.getheaders() if name == "Set-Cookie"
    )
    match = CSRF.search(page)
    return cookie, match.group(1) if match else ""


def fire(port, total, concurrency, slots, seed, *, first_number=0, form=False):
    """``total`` bookings from ``concurrency`` threads — ``POST /api/bookings`` (JSON), or
    with ``form`` the Day page's form (``POST /days/<date>``, each client having fetched the
    page once for its session and CSRF token before the clock starts); per-request results
    (status, error code, seconds)."""
    rng = random.Random(seed)  # noqa: S311 (load generator, not secrets)
    next_number = iter(range(first_number, first_number + total))
    lock = threading.Lock()
    open_slots = list(slots)
    results = []  # (status, error code, seconds)
    ready = threading.Barrier(concurrency + 1)

    def worker():
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        cookie, token = open_form(conn, next(iter(slots.values()))) if form else ("", "")
        ready.wait()
        while True:
            with lock:
                number = next(next_number, None)
                if number is None or not open_slots:
                    break
                slot_id = rng.choice(open_slots)
            if form:
                path, body = f"/days/{slots[slot_id]}", form_body(number, slot_id, token)
                headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
            else:
                path, body = "/api/bookings", json.dumps(booking_body(number, slot_id))
                headers = {"Content-Type": "application/json"}
            started = time.perf_counter()
            try:
                conn.request("POST", path, body, headers)
                response = conn.getresponse()
                payload = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
                status, payload = type(exc).__name__, b"{}"
            elapsed = time.perf_counter() - started
            code = ""
            if status not in (201, 302, 303):
                with_error = json.loads(payload or b"{}") if payload[:1] == b"{" else {}
                code = with_error.get("error", "") or ("form error" if form else "")
                if code == "slot_full":
                    with lock:
                        if slot_id in open_slots:
                            open_slots.remove(slot_id)
            with lock:
                results.append((status, code, elapsed))
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def check_counters(url):
    """(sum of slots.booked, slots over capacity, active bookings) straight from the DB."""
    from sqlalchemy import func, select

    from app.bookings.models import Booking, BookingStatus
    from app.days.models import Slot
    from app.extensions import db

    app = make_app(url)
    with app.app_context():
        booked = db.session.scalar(select(func.coalesce(func.sum(Slot.booked), 0)))
        over = db.session.scalar(
            select(func.count()).select_from(Slot).where(Slot.booked > Slot.capacity)
        )
        active = db.session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.status != BookingStatus.cancelled)
        )
        db.engine.dispose()
    return int(booked), int(over), int(active)


def statements_per_booking(url):
    """One booking through the test client with every SQL statement counted."""
    from sqlalchemy import select

    from app.days.models import Slot
    from app.extensions import db

    app = make_app(url)
    with app.app_context():
        counter = SqlCounter(db.engine)
        slot_id = db.session.scalar(
            select(Slot.id).order_by((Slot.capacity - Slot.booked).desc(), Slot.id).limit(1)
        )
    client = app.test_client()
    # A first request opens the pool's connection, so the counted one is a steady state.
    warm = client.post("/api/bookings", json=booking_body(9_000_000, slot_id))
    with counter.counting():
        response = client.post("/api/bookings", json=booking_body(9_000_001, slot_id))
    with app.app_context():
        db.engine.dispose()
    return warm.status_code, response.status_code, counter


def burst(url, args, slot_ids, *, app, first_number, seed):
    """One burst of ``args.requests`` bookings against a fresh gunicorn serving ``app``."""
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (lives as long as the server)
        "w+", prefix="civic-bench-gunicorn-", suffix=".log", delete=False
    )
    port = free_port()
    server = start_gunicorn(url, port, args.workers, args.threads, log, app=app)
    try:
        # Warm every worker (imports, compiled statements, pools) as a server that has been
        # up for a while is, before the clock starts; those bookings count in the check.
        warm, _wall = fire(port, args.warm_up, args.concurrency, slot_ids, seed + 1000,
                           first_number=WARM_UP_NUMBERS + first_number, form=args.form)  # fmt: skip
        warmed = sum(1 for status, _c, _t in warm if status in (201, 302, 303))
        client_cpu, server_cpu = time.process_time(), workers_cpu(server.pid)
        results, wall = fire(port, args.requests, args.concurrency, slot_ids, seed,
                             first_number=first_number, form=args.form)  # fmt: skip
        client_cpu = time.process_time() - client_cpu
        server_cpu = workers_cpu(server.pid) - server_cpu
    finally:
        stop(server)
        log.close()
    failed = any(str(status).startswith("5") or not str(status).isdigit()
                 for status, _c, _t in results)  # fmt: skip
    if not failed:
        os.unlink(log.name)
    return results, wall, client_cpu, server_cpu, (log.name if failed else None), warmed


def report(name, results, wall, client_cpu, server_cpu):
    latencies = sorted(seconds * 1000 for _s, _c, seconds in results)
    statuses = Counter(f"{status} {code}".strip() for status, code, _seconds in results)
    print(
        f"  {name:<6} {len(results) / wall:6.0f} requests/s   "
        f"p50 {percentile(latencies, 0.50):5.1f}  p95 {percentile(latencies, 0.95):6.1f}  "
        f"p99 {percentile(latencies, 0.99):6.1f} ms   "
        f"CPU {server_cpu / max(len(results), 1) * 1000:4.1f} ms/request "
        f"(client {client_cpu:.1f} s)   "
        + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
    )
    created = sum(count for status, count in statuses.items() if status in ("201", "302", "303"))
    return len(results) / wall, created


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="postgresql://user@host:port/db (else SQLite)")
    parser.add_argument("-n", "--requests", type=int, default=2000)
    parser.add_argument("-c", "--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--days", type=int, default=25, help="Days on today+1 … today+DAYS")
    parser.add_argument(
        "--capacity", type=int, help="seats per slot (default: ~3× the requests per slot)"
    )
    parser.add_argument(
        "--runs", type=int, default=5, help="alternating bursts: the floor, then the app"
    )
    parser.add_argument(
        "--warm-up", type=int, default=200,
        help="requests to each fresh server before its burst is timed",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--form",
        action="store_true",
        help="book through the Day page's HTML form (POST /days/<date>) instead of the API",
    )
    args = parser.parse_args()

    with fresh_database(args.database) as url:
        backend = url.split(":", 1)[0]
        print(f"database: {backend} (fresh, dropped afterwards)")
        started = time.perf_counter()
        migrate(url)
        floor_app.create_table_at(url)
        slots_per_day = 18  # the default Day, 10:00–16:00 in 20-minute slots
        capacity = args.capacity or max(
            2, math.ceil(3 * args.runs * args.requests / (args.days * slots_per_day))
        )
        slot_ids = create_days(url, args.days, capacity)
        print(
            f"set-up: {len(slot_ids)} slots on {args.days} Day{'s' * (args.days != 1)}, "
            f"{capacity} seats each ({len(slot_ids) * capacity} seats) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        print(
            f"gunicorn: {args.workers} workers × {args.threads} threads; client: "
            f"{args.requests} requests a burst after {args.warm_up} to warm the server, "
            f"{args.concurrency} threads, keep-alive; "
            f"{args.runs} alternating runs (floor: one INSERT per request, bench/floor_app.py)"
        )
        ratios, created_total, logs = [], 0, []
        for run in range(args.runs):
            print(f"run {run + 1}")
            base = run * args.requests
            floor = burst(url, args, slot_ids, app="floor_app:app", first_number=base,
                          seed=args.seed + run)  # fmt: skip
            floor_rate, _ = report("floor", *floor[:4])
            ours = burst(url, args, slot_ids, app="wsgi:app", first_number=base,
                         seed=args.seed + run)  # fmt: skip
            our_rate, created = report("app", *ours[:4])
            created_total += created + ours[5]
            logs += [log for log in (floor[4], ours[4]) if log]
            ratios.append(our_rate / floor_rate)
            print(f"  ratio  {our_rate / floor_rate:.2f}× the floor")
        ratios.sort()
        print(
            f"\n{'the form POST /days/<date>' if args.form else 'POST /api/bookings'}: "
            f"{ratios[len(ratios) // 2]:.2f}× the floor (median of "
            f"{len(ratios)} runs; each: " + ", ".join(f"{r:.2f}" for r in ratios) + ")"
        )

        booked, over, active = check_counters(url)
        consistent = booked == created_total == active and over == 0
        print(
            f"database check   sum(slots.booked) = {booked}, active bookings = {active}, "
            f"bookings answered = {created_total}, slots over capacity = {over} -> "
            + ("OK" if consistent else "MISMATCH")
        )

        warm, status, counter = statements_per_booking(url)
        print()
        print(
            f"SQL statements in one POST /api/bookings (status {status}, warm-up {warm}): "
            f"{counter.count}"
        )
        for number, line in enumerate(counter.short(), 1):
            print(f"  {number:2}. {line}")
        for log in logs:
            print(f"\ngunicorn log kept: {log}")
    return 0 if consistent and not logs else 1


if __name__ == "__main__":
    sys.exit(main())
