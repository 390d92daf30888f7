"""Two receptionists pressing «Call next» at the same instant never get the same visitor:
many threads against gunicorn with two workers, on SQLite and on PostgreSQL."""

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from app.auth import services as auth
from app.bookings.models import Category, Topic
from app.core.db import utcnow
from app.days import services as days
from app.extensions import db
from app.queue import services as queue
from app.queue.models import Visit
from app.reception import services as desk

DESKS = 10
VISITORS = 12
CALLS = 20


def test_simultaneous_calls_never_share_a_visitor(gunicorn, make_day, make_user):
    day = make_day(days.today_local(utcnow()))
    staff = make_user("reception")
    queue.configure(day, [(f"Стойка {n}", f"{n}-орын") for n in range(1, DESKS + 1)],
                    delegates_first=False, by=staff)  # fmt: skip
    for n in range(VISITORS):
        walk = desk.WalkIn(full_name=f"Гость {n}", category=Category.citizen,
                           topic=Topic.progress, phone=f"+7701777{n:04d}")  # fmt: skip
        desk.register_walk_in(day, walk, by=staff, now=utcnow())
    # A token per press: a token's use is written to its row, which would queue the presses.
    tokens = [auth.issue_token(staff, name=f"race {n}") for n in range(CALLS)]
    db.session.commit()
    server = gunicorn(workers=2, threads=10)
    barrier = threading.Barrier(CALLS)

    def call(n):
        request = urllib.request.Request(
            f"{server}/api/desks/{1 + n % DESKS}/call-next",
            data=b"{}",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {tokens[n]}"},
        )
        barrier.wait(timeout=30)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    with ThreadPoolExecutor(max_workers=CALLS) as pool:
        results = list(pool.map(call, range(CALLS)))
    # Each desk presses twice: its first call ends when its second one comes, so every
    # 200 is a distinct visitor; the presses after the queue ran dry answer queue_empty.
    called = [answer["code"] for status, answer in results if status == 200]
    assert len(called) == len(set(called)) == VISITORS, results
    assert [a for s, a in results if s != 200] == [{"error": "queue_empty"}] * (CALLS - VISITORS)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Visit.id))) == VISITORS
