"""Limits that hold in production, against gunicorn with several workers and Redis, behind a
proxy (X-Forwarded-For, TRUSTED_PROXY_COUNT=1): one bucket per action whichever door, a Day
an address cannot fill, and a sign-in lock that never stops the person with the password."""

import http.cookiejar
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta

import pytest

from app.core.db import utcnow
from app.days.services import today_local
from tests.conftest import PASSWORD, skip_or_fail

pytestmark = pytest.mark.parametrize("app", ["sqlite"], indirect=True)


class Browser:
    """A client with its own cookies, seen by the app as coming from ``address``."""

    def __init__(self, base, address):
        self.base = base
        self.address = address
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            NoRedirect(),
        )

    def open(self, path, *, data=None, json_body=None, method=None):
        headers = {"X-Forwarded-For": self.address}
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=body, headers=headers,
                                         method=method)  # fmt: skip
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf(self, path):
        _status, page = self.open(path)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def redis_uri():
    uri = os.environ.get("TEST_REDIS_URL")
    if not uri:
        skip_or_fail("rate-limit tests on gunicorn need TEST_REDIS_URL (Redis)")
    return uri


@pytest.fixture
def behind_proxy(gunicorn, redis_uri):
    def start(**env):
        return gunicorn(workers=2, threads=2, RATELIMIT_ENABLED="true",
                        RATELIMIT_STORAGE_URI=redis_uri, RATELIMIT_KEY_PREFIX=uuid.uuid4().hex,
                        TRUSTED_PROXY_COUNT="1", **env)  # fmt: skip

    return start


@pytest.fixture
def open_day(make_day):
    return make_day(today_local(utcnow()) + timedelta(days=7))


def visitor(n, slot_id):
    return {"slot_id": slot_id, "full_name": f"Гость {n}", "category": "citizen",
            "phone": f"8 707 400 {n:02d} {n:02d}", "topic": "problem", "consent": True}  # fmt: skip


def test_one_bucket_per_action_whichever_door(behind_proxy, open_day):
    server = behind_proxy()
    mallory, alice = Browser(server, "198.51.100.1"), Browser(server, "198.51.100.2")
    day_path = f"/days/{open_day.date}"
    answers = []
    for _ in range(5):
        answers.append(mallory.open("/api/bookings", json_body={})[0])
        token = mallory.csrf(day_path)
        answers.append(mallory.open(day_path, data={"csrf_token": token, "full_name": ""})[0])
    assert 429 not in answers, answers
    assert mallory.open("/api/bookings", json_body={})[0] == 429
    assert mallory.open(day_path, data={"csrf_token": mallory.csrf(day_path)})[0] == 429
    assert alice.open("/api/bookings", json_body={})[0] == 422  # another client, own bucket


def test_without_a_trusted_proxy_the_forwarded_address_is_ignored(gunicorn, redis_uri):
    prefix = uuid.uuid4().hex
    server = gunicorn(workers=2, threads=2, RATELIMIT_ENABLED="true",
                      RATELIMIT_STORAGE_URI=redis_uri, RATELIMIT_KEY_PREFIX=prefix)  # fmt: skip
    answers = [Browser(server, f"203.0.113.{n}").open("/api/bookings", json_body={})[0]
               for n in range(11)]  # fmt: skip
    assert answers[:10] == [422] * 10 and answers[10] == 429


def test_one_address_cannot_fill_a_day(behind_proxy, open_day):
    server = behind_proxy()
    mallory, alice = Browser(server, "198.51.100.7"), Browser(server, "198.51.100.8")
    slots = [slot.id for slot in open_day.slots]
    made = [mallory.open("/api/bookings", json_body=visitor(n, slots[n])) for n in range(4)]
    assert [status for status, _body in made] == [201, 201, 201, 429]
    assert json.loads(made[3][1]) == {"error": "rate_limited"}
    assert alice.open("/api/bookings", json_body=visitor(9, slots[5]))[0] == 201


def test_an_attacker_cannot_lock_out_a_person_who_has_the_password(behind_proxy, make_user):
    admin = make_user("admin")
    server = behind_proxy()
    attacker, person = Browser(server, "198.51.100.66"), Browser(server, "198.51.100.20")

    def sign_in(browser, password):
        form = {"csrf_token": browser.csrf("/login"), "email": admin.email, "password": password}
        return browser.open("/login", data=form)[0]

    for _ in range(12):
        assert sign_in(attacker, "guess") == 401
    assert sign_in(attacker, PASSWORD) == 401  # that pair is locked, even with the password
    assert sign_in(person, PASSWORD) == 302
    status, home = person.open("/office/users")
    assert status == 200 and admin.email in home
