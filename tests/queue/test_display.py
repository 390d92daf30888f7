"""The hall screen: codes only, both languages, 404 without a Day; its event stream read by
a real HTTP client from gunicorn (gthread) as a call happens."""

import json
import threading
import time
import urllib.request

from app.auth import services as auth
from app.core.db import utcnow
from app.days import services as days
from app.extensions import db

from .conftest import ON, local


def test_screen_shows_codes_never_names(client, make_day, arrive):
    day = make_day(ON)
    first = arrive(day, "booked", 0, "10:00", full_name="Сания Омарова")
    second = arrive(day, "walk_in", None, "10:01")
    from app.queue import services as queue

    queue.call_next(day, 2, by=arrive.staff, now=local("10:05"))
    db.session.commit()
    page = client.get(f"/display/{day.date}").get_data(as_text=True)
    assert first.code in page and second.code in page
    assert "Сания" not in page and first.phone not in page and "Гость" not in page
    assert "Сейчас принимают" in page and "Қазір қабылдауда" in page
    assert "ул. Гоголя" in page and "Гоголь к-сі" in page
    assert '<noscript><meta http-equiv="refresh" content="10"></noscript>' in page
    state = client.get(f"/display/{day.date}/state.json").json
    assert state["waiting"] == [second.code]
    assert [d["code"] for d in state["desks"]] == [None, first.code]
    assert state["calls"][0]["code"] == first.code and "Сания" not in json.dumps(state)
    assert client.get("/display/2026-12-24").status_code == 404
    assert client.get("/display/2026-12-24/events").status_code == 404


def test_the_stream_brings_a_call_within_two_seconds(gunicorn, make_day, arrive):
    day = make_day(days.today_local(utcnow()))
    visitor = arrive(day, "walk_in", None, "00:01")
    token = auth.issue_token(arrive.staff, name="desk")
    db.session.commit()
    server = gunicorn(
        workers=2, threads=4, GUNICORN_CMD_ARGS="--worker-class gthread --graceful-timeout 1"
    )
    stream = urllib.request.urlopen(f"{server}/display/{day.date}/events", timeout=10)
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    events = []
    first_queue = threading.Event()

    def read():
        name = None
        for raw in stream:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: ") and name:
                events.append((time.monotonic(), name, json.loads(line[6:])))
                if name == "queue":
                    first_queue.set()
                if name == "call":
                    return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert first_queue.wait(5)
    assert events[0][2]["waiting"] == [visitor.code]
    request = urllib.request.Request(
        f"{server}/api/desks/1/call-next", data=b"{}",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )  # fmt: skip
    pressed = time.monotonic()
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
    reader.join(timeout=5)
    stream.close()
    calls = [(at, data) for at, name, data in events if name == "call"]
    assert calls and calls[0][1] == {"code": visitor.code, "desk": 1}
    assert calls[0][0] - pressed < 2.0
