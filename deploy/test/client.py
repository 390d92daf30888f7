"""The visitors, the desk and the office of deploy/test/e2e.sh, all through nginx.

Each phase is a subcommand; e2e.sh starts and stops the processes between them, and the
phases share what they learnt through a JSON state file. Settings come from E2E_*
variables (e2e.sh sets them). Every client connects from a loopback address of its own
(127.0.0.2, 127.0.0.3, 127.0.1.x: Linux routes all of 127/8 to lo), so nginx sees
different $remote_addr values, appends each to X-Forwarded-For, and the app
(TRUSTED_PROXY_COUNT=1) takes that last entry as the client, whatever the client claimed.
"""

import contextlib
import email
import email.header
import email.policy
import http.client
import json
import os
import re
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

ENV = os.environ
BASE = ENV.get("E2E_BASE", "")  # https://127.0.0.1:PORT (nginx)
STATE = Path(ENV.get("E2E_STATE", "state.json"))
#: the app refuses a body over this (MAX_CONTENT_LENGTH), nginx too (client_max_body_size)
MAX_BODY = 1024 * 1024
#: seats per slot the office sets on the Day under test
SEATS = 3
BURST_ADDRESSES = 30
#: what nginx logs when an app server refuses a connection (nothing was sent: passed on)
REFUSED = "Connection refused) while connecting to upstream"
BURST_PER_ADDRESS = 2  # under BOOKING_DAY_LIMIT (3) even with one retry after a 502
BURST_THREADS = 8
KILL_AFTER = 20  # answers received before one app server is killed
FAIL_TIMEOUT = 10  # seconds nginx rests a failed server (fail_timeout in civic-day.conf)


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def say(message):
    print(f"  {message}", flush=True)


# --- HTTP from a chosen source address ------------------------------------------------------


class Answer:
    def __init__(self, status, headers, body, truncated=False):
        self.status, self.headers, self.body = status, headers, body
        self.truncated = truncated  # the connection closed before the whole body arrived

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            raise Failure(f"not JSON ({self.status}): {self.text[:300]}") from None


TLS = None  # an SSL context trusting the test's self-signed certificate, made once


def call(
    method,
    path,
    *,
    source="127.0.0.1",
    base=None,
    headers=None,
    json_body=None,
    form=None,
    body=None,
    timeout=60,
):
    """One request on a new connection from ``source``; never raises on an HTTP status."""
    global TLS
    url = urllib.parse.urlsplit(base or BASE)
    headers = dict(headers or {})
    if json_body is not None:
        body = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    elif form is not None:
        body = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if url.scheme == "https":
        TLS = TLS or ssl.create_default_context(cafile=ENV["E2E_CA"])
        connection = http.client.HTTPSConnection(
            url.hostname, url.port, timeout=timeout, context=TLS, source_address=(source, 0)
        )
    else:
        connection = http.client.HTTPConnection(
            url.hostname, url.port, timeout=timeout, source_address=(source, 0)
        )
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        try:
            return Answer(response.status, response.headers, response.read())
        except http.client.IncompleteRead as cut:
            return Answer(response.status, response.headers, cut.partial, truncated=True)
    finally:
        connection.close()


class Browser:
    """Cookies and the Referer a browser would send on same-site form posts."""

    def __init__(self, source):
        self.source = source
        self.cookies = {}

    def open(self, method, path, **kwargs):
        headers = kwargs.pop("headers", {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        answer = call(method, path, source=self.source, headers=headers, **kwargs)
        for cookie in answer.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if not value:  # a deletion (Flask-Login clears remember_token so)
                self.cookies.pop(name, None)
                continue
            self.cookies[name] = value
            attributes = [a.strip().lower() for a in cookie.split(";")[1:]]
            check("secure" in attributes, f"cookie {name} without Secure behind HTTPS: {cookie}")
        return answer


class Inputs(HTMLParser):
    """The values of a form's inputs, as a browser would post them."""

    def __init__(self):
        super().__init__()
        self.values = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag != "input" or not attrs.get("name"):
            return
        if attrs.get("type") == "checkbox":
            if "checked" in attrs:
                self.values[attrs["name"]] = attrs.get("value") or "y"
            return
        self.values[attrs["name"]] = attrs.get("value") or ""


def form_values(page):
    parser = Inputs()
    parser.feed(page)
    return parser.values


# --- state ------------------------------------------------------------------------------


def load():
    return json.loads(STATE.read_text()) if STATE.exists() else {}


def save(state):
    STATE.write_text(json.dumps(state, indent=1, sort_keys=True))


def database():
    return psycopg.connect(ENV["E2E_DB"], autocommit=True)


def e164(phone):
    """The phone as the app stores it (+77075001000)."""
    return "+" + re.sub(r"\D", "", phone)


def visitor(n, slot_id, run):
    """A citizen with a phone and e-mail of their own (unique within this run)."""
    return {
        "slot_id": slot_id,
        "full_name": f"Посетитель {n}",
        "category": "citizen",
        "phone": f"+7 707 {500 + n // 10000:03d} {n // 100 % 100:02d} {n % 100:02d}",
        "email": f"visitor{n}.{run}@e2e.example.kz",
        "topic": "proposal",
        "message": "Проверка развёртывания",
        "language": "ru" if n % 2 else "kk",
        "consent": True,
    }


# --- phase: prepare -----------------------------------------------------------------------


def phase_prepare():
    """nginx's own behaviour, then the office prepares a Day to book (signed in, over HTTPS)."""
    state = {"run": ENV["E2E_RUN"]}

    # HTTP answers only with a redirect to HTTPS.
    answer = call("GET", "/days?x=1", base=ENV["E2E_HTTP"])
    check(answer.status == 301, f"plain HTTP answered {answer.status}, not 301")
    location = answer.headers["Location"]
    check(location.startswith("https://") and location.endswith("/days?x=1"), location)
    say(f"HTTP -> 301 {location}")

    # Static files come from nginx: a year for the versioned URLs the pages carry, a week
    # without a version.
    page = call("GET", "/").text
    versioned = re.findall(r"/static/((?:css|js)/[\w.-]+)\?v=(\w+)", page)
    check(versioned, "no versioned static URL on /")
    for name, version in [*versioned[:2], ("css/site.css", None), ("js/reception.js", None)]:
        path = f"/static/{name}" + (f"?v={version}" if version else "")
        answer = call("GET", path)
        on_disk = (Path(ENV["E2E_STATIC"]) / name).read_bytes()
        check(answer.status == 200 and answer.body == on_disk, f"{path}: {answer.status}")
        wanted = "max-age=31536000, immutable" if version else "max-age=604800"
        check(
            answer.headers.get("Cache-Control") == f"public, {wanted}",
            f"{path} Cache-Control: {answer.headers.get('Cache-Control')}",
        )
        check(
            answer.headers.get("Content-Security-Policy") is None,
            f"{path} came from the app, not from nginx",
        )
    say("static files served by nginx: ?v=<hash> a year (immutable), unversioned a week")

    # Pages come from the app, with its production headers (HSTS).
    answer = call("GET", "/")
    check(answer.status == 200, f"GET / answered {answer.status}")
    check("max-age" in (answer.headers.get("Strict-Transport-Security") or ""), "no HSTS")

    # client_max_body_size is the app's MAX_CONTENT_LENGTH: exactly 1 MiB reaches the app,
    # one byte more is refused by nginx.
    padding = MAX_BODY - len(b'{"pad": ""}')
    exact = b'{"pad": "' + b"x" * padding + b'"}'
    check(len(exact) == MAX_BODY, len(exact))
    answer = call(
        "POST",
        "/api/bookings",
        source="127.0.0.9",
        body=exact,
        headers={"Content-Type": "application/json"},
    )
    check(
        answer.status == 422 and answer.json()["error"] == "validation",
        f"a 1 MiB body: {answer.status} {answer.text[:200]}",
    )
    answer = call(
        "POST",
        "/api/bookings",
        source="127.0.0.9",
        body=exact + b" ",
        headers={"Content-Type": "application/json"},
    )
    check(
        answer.status == 413 and "nginx" in answer.text,
        f"1 MiB + 1 byte: {answer.status} {answer.text[:200]}",
    )
    say("1 MiB body reaches the app (422); 1 MiB + 1 byte: 413 from nginx")

    office = Browser("127.0.0.5")
    page = office.open("GET", "/login")
    token = form_values(page.text)["csrf_token"]
    credentials = {
        "csrf_token": token,
        "email": ENV["E2E_ADMIN_EMAIL"],
        "password": ENV["E2E_ADMIN_PASSWORD"],
    }
    # Without a Referer the app refuses the post: it sees HTTPS (X-Forwarded-Proto), so
    # Flask-WTF's strict referrer check applies, as it does for a real browser.
    answer = office.open("POST", "/login", form=credentials)
    check(answer.status == 400, f"sign-in without Referer answered {answer.status}")
    answer = office.open("POST", "/login", form=credentials, headers={"Referer": BASE + "/login"})
    check(
        answer.status == 302 and "/login" not in answer.headers["Location"],
        f"admin sign-in through nginx: {answer.status} {answer.text[:300]}",
    )
    say("admin signed in over HTTPS (Secure cookies; the Referer check sees https://)")

    today = datetime.now(ZoneInfo("Asia/Almaty")).date()
    days = call("GET", f"/api/days?from={today}").json()["days"]
    scheduled = [d for d in days if d["status"] == "scheduled"]
    taken = {d["date"] for d in days}
    # A Day whose booking window is open and whose slots are all ahead: tomorrow .. +29.
    open_days = [
        d
        for d in scheduled
        if today + timedelta(days=1) <= date.fromisoformat(d["date"]) <= today + timedelta(days=29)
    ]
    day = (open_days or scheduled)[0]["date"]
    target = day
    if not open_days or ENV.get("E2E_MOVE_DAY") == "1":
        # The next Day opens later (the first days after a Day): the office moves it nearer,
        # as an admin may. That is a real edit through the page, like the seats below.
        target = today + timedelta(days=7)
        while target.isoformat() in taken:
            target += timedelta(days=1)
        target = target.isoformat()
    page = office.open("GET", f"/office/days/{day}")
    check(page.status == 200, f"/office/days/{day}: {page.status}")
    values = form_values(page.text)
    values.update(date=target, slot_capacity=str(SEATS))
    answer = office.open(
        "POST", f"/office/days/{day}", form=values, headers={"Referer": f"{BASE}/office/days/{day}"}
    )
    check(answer.status == 302, f"editing the Day: {answer.status} {answer.text[:300]}")
    slots = call("GET", f"/api/days/{target}/slots").json()["slots"]
    check(
        len(slots) >= 17 and all(s["capacity"] == SEATS and s["free"] == SEATS for s in slots),
        f"the Day's slots after the edit: {slots}",
    )
    moved = f" (moved from {day})" if target != day else ""
    say(f"Day {target}{moved}: {len(slots)} slots of {SEATS} seats")
    state.update(day=target, slots=[s["id"] for s in slots])
    save(state)


# --- phase: limits, check-in, cancel ---------------------------------------------------------


def book(source, n, slot_id, run, spoof=None):
    headers = {"X-Forwarded-For": spoof} if spoof else None
    started = time.monotonic()
    try:
        answer = call(
            "POST",
            "/api/bookings",
            source=source,
            headers=headers,
            json_body=visitor(n, slot_id, run),
        )
    except OSError as exc:  # nginx itself never refuses; record it as a failure
        return {"n": n, "source": source, "status": 0, "error": str(exc), "slot_id": slot_id}
    result = {
        "n": n,
        "source": source,
        "status": answer.status,
        "slot_id": slot_id,
        "seconds": round(time.monotonic() - started, 3),
    }
    if answer.truncated:
        # The server died between the status line and the body: the visitor cannot tell
        # whether the booking was made, exactly as after a 502.
        result["truncated"] = True
    try:
        result["body"] = answer.json()
    except Failure:
        result["body"] = answer.text[:200]
    return result


def phase_limits():
    state = load()
    run, slots = state["run"], state["slots"]
    alice, bob = "127.0.0.2", "127.0.0.3"
    made = []
    # Alice claims a different address in X-Forwarded-For each time: the app must still see
    # 127.0.0.2 (nginx's $remote_addr, the last entry) and stop her after three.
    for n in range(4):
        made.append(book(alice, n, slots[n], run, spoof=f"203.0.113.{n + 1}"))
    statuses = [m["status"] for m in made]
    check(statuses == [201, 201, 201, 429], f"Alice's four bookings answered {statuses}")
    check(made[3]["body"] == {"error": "rate_limited"}, made[3]["body"])
    bob_booking = book(bob, 10, slots[0], run, spoof="127.0.0.2")
    check(bob_booking["status"] == 201, f"Bob after Alice was limited: {bob_booking}")
    say(
        "127.0.0.2: 201 201 201 429 rate_limited (BOOKING_DAY_LIMIT, spoofed X-Forwarded-For "
        "ignored); 127.0.0.3: 201"
    )
    state["alice"] = [m["body"] for m in made[:3]]
    state["alice_phones"] = [e164(visitor(n, 0, run)["phone"]) for n in range(3)]
    state["bob"] = bob_booking["body"]

    # The desk checks Alice in with a staff token; a second scan answers "already".
    desk = {"Authorization": f"Bearer {ENV['E2E_STAFF_TOKEN']}"}
    code = state["alice"][0]["code"]
    body = {"code": code, "date": state["day"]}
    answer = call("POST", "/api/checkins", json_body=body)
    check(answer.status == 401, f"check-in without a token: {answer.status}")
    first = call("POST", "/api/checkins", json_body=body, headers=desk)
    check(
        first.status == 200
        and first.json()["status"] == "checked_in"
        and first.json()["already"] is False,
        f"check-in: {first.status} {first.text}",
    )
    again = call("POST", "/api/checkins", json_body=body, headers=desk).json()
    check(
        again["already"] is True and again["checked_in_at"] == first.json()["checked_in_at"],
        f"second check-in: {again}",
    )
    attendance = call("GET", f"/api/days/{state['day']}/attendance", headers=desk).json()
    check(attendance["checked_in"] == 1 and attendance["booked"] == 4, attendance)
    say(f"check-in {code} through POST /api/checkins (then 'already'); attendance {attendance}")

    # Bob cancels with his manage token: a cancellation mail follows his confirmation.
    manage = {"X-Manage-Token": state["bob"]["manage_token"]}
    answer = call("DELETE", f"/api/bookings/{state['bob']['code']}", source=bob, headers=manage)
    check(answer.status == 200 and answer.json() == {"status": "cancelled"}, answer.text)
    save(state)
    say(f"{state['bob']['code']} cancelled with its manage token")


# --- phase: the hall screen's event stream ----------------------------------------------------


def events_of(response, into):
    """Read a Server-Sent Events stream: (seconds since start, event, data) into a list."""
    name, started = None, time.monotonic()
    try:
        while True:
            line = response.readline()
            if not line:
                return
            line = line.decode().rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: ") and name:
                into.append((time.monotonic() - started, name, json.loads(line[6:])))
                name = None
    except (OSError, http.client.HTTPException, ValueError, AttributeError):
        return  # the stream closed (AttributeError: closed under the reader by close())


def wait_for(events, test, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for event in events:
            if test(event):
                return event
        time.sleep(0.05)
    return None


def phase_display():
    """The hall screen's stream through nginx: its first event at once (nginx does not buffer
    /display/), and the desks renamed on the office's page shown within seconds, no reload."""
    global TLS
    state = load()
    day, run = state["day"], state["run"]
    url = urllib.parse.urlsplit(BASE)
    TLS = TLS or ssl.create_default_context(cafile=ENV["E2E_CA"])
    screen = http.client.HTTPSConnection(
        url.hostname, url.port, timeout=30, context=TLS, source_address=("127.0.0.6", 0)
    )
    screen.request("GET", f"/display/{day}/events", headers={"Accept": "text/event-stream"})
    response = screen.getresponse()
    check(response.status == 200, f"/display/{day}/events answered {response.status}")
    kind = response.headers.get("Content-Type", "")
    check(kind.startswith("text/event-stream"), f"the stream's Content-Type: {kind}")
    events = []
    reader = threading.Thread(target=events_of, args=(response, events), daemon=True)
    reader.start()
    first = wait_for(events, lambda e: e[1] == "queue", 2)
    check(first is not None, f"no queue event through nginx within 2 s: {events}")
    say(f"stream open through nginx: first event after {first[0]:.2f} s, desks "
        f"{[d['name_ru'] for d in first[2]['desks']]}")  # fmt: skip

    office = Browser("127.0.0.7")
    token = form_values(office.open("GET", "/login").text)["csrf_token"]
    answer = office.open(
        "POST",
        "/login",
        form={"csrf_token": token, "email": ENV["E2E_ADMIN_EMAIL"],
              "password": ENV["E2E_ADMIN_PASSWORD"]},
        headers={"Referer": BASE + "/login"},
    )  # fmt: skip
    check(answer.status == 302, f"admin sign-in: {answer.status}")
    page = office.open("GET", f"/queue/{day}/settings")
    check(page.status == 200, f"/queue/{day}/settings: {page.status}")
    names = [(f"Стойка А {run}", f"А үстелі {run}"), (f"Стойка Б {run}", f"Б үстелі {run}")]
    form = [("csrf_token", form_values(page.text)["csrf_token"])]
    for ru, kk in names:
        form += [("name_ru", ru), ("name_kk", kk)]
    renamed_at = time.monotonic()
    answer = office.open("POST", f"/queue/{day}/settings", form=form,
                         headers={"Referer": f"{BASE}/queue/{day}/settings"})  # fmt: skip
    check(answer.status == 302, f"renaming the desks: {answer.status} {answer.text[:300]}")
    shown = wait_for(
        events,
        lambda e: (
            e[1] == "queue" and [d["name_ru"] for d in e[2]["desks"]] == [n[0] for n in names]
        ),
        5,
    )
    check(shown is not None, f"the renamed desks never reached the screen: {events[-3:]}")
    seconds = time.monotonic() - renamed_at
    with contextlib.suppress(OSError, AttributeError):  # end the stream under the reader
        (screen.sock or response.fp.raw._sock).shutdown(socket.SHUT_RDWR)
    reader.join(5)
    check(not reader.is_alive(), "the stream's reader did not stop")
    screen.close()
    say(f"desks renamed on /queue/{day}/settings: on the screen within {seconds:.2f} s, "
        "through nginx, without a reload")  # fmt: skip


# --- phase: burst with a server killed ---------------------------------------------------------


def phase_burst():
    state = load()
    run = state["run"]
    slots = state["slots"][3:15]  # Alice and Bob used the first three
    pidfile = Path(ENV["E2E_KILL_PIDFILE"])
    requests = [
        (f"127.0.1.{i // BURST_PER_ADDRESS + 1}", 1000 + i, slots[i % len(slots)])
        for i in range(BURST_ADDRESSES * BURST_PER_ADDRESS)
    ]
    seats = SEATS * len(slots)
    killed = threading.Event()
    results = []
    started = time.monotonic()
    with ThreadPoolExecutor(BURST_THREADS) as pool:
        futures = [pool.submit(book, source, n, slot, run) for source, n, slot in requests]
        for future in as_completed(futures):
            result = future.result()
            result["after_kill"] = killed.is_set()
            results.append(result)
            if len(results) == KILL_AFTER:
                pid = int(pidfile.read_text())
                check(os.getpgid(pid) == pid, "the app server is not its own process group")
                os.killpg(pid, signal.SIGKILL)
                killed_at = time.monotonic()
                killed.set()
                say(
                    f"SIGKILL to app server 1 (process group {pid}) after {KILL_AFTER} "
                    f"answers, {time.monotonic() - started:.2f} s into the burst"
                )
    elapsed = time.monotonic() - started

    def count(status, rows=results):
        return sum(1 for r in rows if r["status"] == status)

    after = [r for r in results if r["after_kill"]]
    check(count(0) == 0, f"connections failed: {[r for r in results if r['status'] == 0]}")

    def unanswered(r):  # a 502, or a status line whose body never came: outcome unknown
        return r["status"] == 502 or r.get("truncated", False)

    unexpected = [
        r
        for r in results
        if r["status"] not in (201, 409, 502)
        or (r["status"] == 409 and not r.get("truncated") and r["body"].get("error") != "slot_full")
    ]
    check(not unexpected, f"unexpected answers: {unexpected}")
    check(count(201, after) > 0, "no booking succeeded after the kill: no failover")
    # A POST in flight on the killed server gets a 502 (nginx does not resend it), or, if the
    # server died between its status line and its body, a cut-off answer; the visitor tries
    # again once, now on the other server.
    retried = []
    for r in [r for r in results if unanswered(r)]:
        again = book(r["source"], r["n"], r["slot_id"], run)
        check(again["status"] in (201, 409), f"retry after a 502: {again}")
        r["retry"] = again
        retried.append(again)
    cut = sum(1 for r in results if r.get("truncated"))
    say(
        f"burst: {len(results)} bookings for {seats} seats in {elapsed:.2f} s, "
        f"{BURST_THREADS} at a time from {BURST_ADDRESSES} addresses: {count(201)} x 201, "
        f"{count(409)} x 409 slot_full, {count(502)} x 502 and {cut} cut off (in flight on the "
        "killed server); "
        f"after the kill {count(201, after)} x 201 via the other server"
    )
    if retried:
        outcomes = [f"{r['status']} {r['body'].get('error', 'created')}" for r in retried]
        say(f"retries of the unanswered: {', '.join(outcomes)}")
    # nginx rested the dead server for fail_timeout (10 s) after its first failure; then it
    # tries it again. New POSTs meet a refused connection (nothing was sent), and nginx
    # passes them on to the other server: the visitors see only their 201.
    # Each nginx worker keeps its own view of the servers and its own round robin: book
    # (at most nine, the last three slots' seats) until nginx has tried server 1 again.
    time.sleep(max(0.0, FAIL_TIMEOUT + 2 - (time.monotonic() - killed_at)))
    errors = Path(ENV["E2E_NGINX_ERRORS"])
    refused_before = errors.read_text().count(REFUSED)
    later = []
    while len(later) < 4 or (errors.read_text().count(REFUSED) == refused_before
                             and len(later) < 9):  # fmt: skip
        n = len(later)
        later.append(book(f"127.0.2.{n // 2 + 1}", 2000 + n, state["slots"][15 + n % 3], run))
    statuses = [r["status"] for r in later]
    check(statuses == [201] * len(later), f"bookings while server 1 is down: {later}")
    say(f"{FAIL_TIMEOUT + 2} s later, server 1 still down: {len(later)} more bookings, "
        f"{len(later)} x 201")  # fmt: skip
    state["burst"] = results + later
    state["burst_seconds"] = round(elapsed, 2)
    save(state)


# --- phase: after the restart ----------------------------------------------------------------


def phase_verify():
    """Both app servers serve again; the database holds exactly what the clients were told."""
    state = load()
    for base in ENV["E2E_APPS"].split():
        answer = call("GET", "/api/days", base=base)
        check(answer.status == 200, f"{base} after the restart: {answer.status}")
    answers = [call("GET", f"/api/days/{state['day']}/slots").status for _ in range(6)]
    check(answers == [200] * 6, f"through nginx after the restart: {answers}")

    made = {}  # code -> phone, every booking a client was told exists
    for booking, phone in zip(state["alice"], state["alice_phones"], strict=True):
        made[booking["code"]] = phone
    asked_phones = set(state["alice_phones"]) | {e164(visitor(10, 0, state["run"])["phone"])}
    refused_ok = set()  # phones whose 502 or cut-off answer was followed by "duplicate"
    for r in state["burst"]:
        phone = e164(visitor(r["n"], 0, state["run"])["phone"])
        asked_phones.add(phone)
        final = r.get("retry", r)
        if final["status"] == 201:
            made[final["body"]["code"]] = phone
        elif (r["status"] == 502 or r.get("truncated")) and final["body"].get(
            "error"
        ) == "duplicate":
            refused_ok.add(phone)

    with database() as db:
        rows = db.execute(
            "SELECT b.code, b.phone, b.status, b.slot_id FROM bookings b JOIN days d "
            "ON d.id = b.day_id WHERE d.date = %s",
            (date.fromisoformat(state["day"]),),
        ).fetchall()
        active = {
            code: (phone, slot) for code, phone, status, slot in rows if status != "cancelled"
        }
        lost = sorted(set(made) - set(active))
        check(not lost, f"bookings answered 201 but missing or cancelled: {lost}")
        for code, phone in made.items():
            check(active[code][0] == phone, f"{code} holds another phone")
        phones = [phone for phone, _slot in active.values()]
        twice = sorted({p for p in phones if phones.count(p) > 1})
        check(not twice, f"phones with two active bookings: {twice}")
        strangers = sorted(set(phones) - asked_phones)
        check(not strangers, f"bookings nobody asked for: {strangers}")
        unexplained = sorted(set(active) - set(made))
        explained = {c for c in unexplained if active[c][0] in refused_ok}
        check(
            set(unexplained) == explained,
            f"active bookings no client was told about: {set(unexplained) - explained}",
        )
        booked, seat_holders = db.execute(
            "SELECT (SELECT coalesce(sum(booked), 0) FROM slots), (SELECT count(*) FROM "
            "bookings WHERE status <> 'cancelled' AND slot_id IS NOT NULL "
            "AND source <> 'walk_in')"
        ).fetchone()
        check(booked == seat_holders, f"sum(slots.booked) = {booked}, active = {seat_holders}")
        wrong = db.execute(
            "SELECT s.id, s.capacity, s.booked, count(b.id) FROM slots s LEFT JOIN bookings b "
            "ON b.slot_id = s.id AND b.status <> 'cancelled' GROUP BY s.id "
            "HAVING s.booked > s.capacity OR count(b.id) <> s.booked"
        ).fetchall()
        check(not wrong, f"slots over capacity or miscounted (id, capacity, booked, rows): {wrong}")
    say(
        f"database: all {len(made)} bookings answered 201 are there, "
        f"{len(explained)} more committed just before the kill (their retry said 'duplicate'), "
        f"none twice; sum(slots.booked) = {booked} = active bookings; no slot over capacity"
    )

    # What a visitor's private link shows, to compare with the restored backup.
    code, token = state["alice"][0]["code"], state["alice"][0]["manage_token"]
    answer = call("GET", f"/api/bookings/{code}", headers={"X-Manage-Token": token})
    check(answer.status == 200 and answer.json()["status"] == "checked_in", answer.text)
    state["served"] = answer.json()
    save(state)


# --- phase: mail -----------------------------------------------------------------------------


def read_maildir():
    messages = []
    for folder in ("new", "cur"):
        path = Path(ENV["E2E_MAILDIR"]) / folder
        for file in sorted(path.glob("*")) if path.exists() else []:
            with open(file, "rb") as handle:
                messages.append(
                    email.message_from_binary_file(handle, policy=email.policy.compat32)
                )
    return messages


def decoded(value):
    return str(email.header.make_header(email.header.decode_header(value or "")))


def phase_mail():
    """Every queued message delivered, and delivered once (two workers share the outbox)."""
    deadline = time.monotonic() + 90
    with database() as db:
        while True:
            waiting, failed = db.execute(
                "SELECT count(*) FILTER (WHERE status IN ('pending', 'sending')), "
                "count(*) FILTER (WHERE status = 'failed') FROM outbox"
            ).fetchone()
            check(failed == 0, f"{failed} messages failed: see the outbox log")
            if waiting == 0:
                break
            check(time.monotonic() < deadline, f"{waiting} messages still queued after 90 s")
            time.sleep(0.5)
        time.sleep(3)  # three more rounds of both workers: nothing may arrive twice
        sent = db.execute(
            "SELECT recipient, kind FROM outbox WHERE status = 'sent' AND channel = 'email' "
            "ORDER BY id"
        ).fetchall()
        # SMS go to the log backend here (SMS_BACKEND=log): each row sent once, with its text
        texts, unsent = db.execute(
            "SELECT count(*) FILTER (WHERE status = 'sent' AND body IS NOT NULL), "
            "count(*) FILTER (WHERE status <> 'sent') FROM outbox WHERE channel = 'sms'"
        ).fetchone()
    check(unsent == 0, f"{unsent} SMS not sent")
    messages = read_maildir()
    check(len(messages) == len(sent), f"{len(messages)} messages received, {len(sent)} sent")
    ids = [m["Message-ID"] for m in messages]
    check(all(ids) and len(set(ids)) == len(ids), "a Message-ID is missing or repeated")
    pairs = [(m["X-RcptTo"], decoded(m["Subject"])) for m in messages]
    check(len(set(pairs)) == len(pairs), "the same message reached one recipient twice")
    check(
        sorted(m["X-RcptTo"] for m in messages) == sorted(r for r, _k in sent),
        "the recipients received differ from the outbox rows sent",
    )
    kinds = {}
    for _recipient, kind in sent:
        kinds[kind] = kinds.get(kind, 0) + 1
    say(
        f"mail: {len(messages)} received = {len(sent)} outbox rows sent ({kinds}), "
        f"each Message-ID once, no recipient got one message twice; {texts} SMS written to "
        "the log backend"
    )


# --- phase: the restored backup -------------------------------------------------------------


def phase_restored():
    state = load()
    booking = state["alice"][0]
    answer = call(
        "GET",
        f"/api/bookings/{booking['code']}",
        base=ENV["E2E_RESTORED"],
        headers={"X-Manage-Token": booking["manage_token"]},
    )
    check(answer.status == 200, f"restored copy: {answer.status} {answer.text[:200]}")
    check(
        answer.json() == state["served"],
        f"restored copy serves {answer.json()}, live served {state['served']}",
    )
    counts = "SELECT (SELECT count(*) FROM bookings), (SELECT count(*) FROM outbox)"
    with database() as live, psycopg.connect(ENV["E2E_RESTORED_DB"]) as copy:
        check(
            live.execute(counts).fetchone() == copy.execute(counts).fetchone(),
            "the restored database has other counts",
        )
    say(f"restored copy serves {booking['code']} with its manage token exactly as live did")


PHASES = {
    "prepare": phase_prepare,
    "limits": phase_limits,
    "display": phase_display,
    "burst": phase_burst,
    "verify": phase_verify,
    "mail": phase_mail,
    "restored": phase_restored,
}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in PHASES:
        sys.exit(f"usage: client.py {'|'.join(PHASES)}")
    try:
        PHASES[sys.argv[1]]()
    except Failure as exc:
        print(f"FAILED ({sys.argv[1]}): {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
