"""Flask-Limiter on the booking endpoints: 10 a minute per address (gunicorn, real storage)."""

import json
import os
import urllib.error
import urllib.request
import uuid

import pytest

from tests.conftest import skip_or_fail

pytestmark = pytest.mark.parametrize("app", ["sqlite"], indirect=True)


def post(url, body):
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_the_eleventh_booking_in_a_minute_is_refused(gunicorn, storage):
    if storage == "redis":
        uri = os.environ.get("TEST_REDIS_URL")
        if not uri:
            skip_or_fail("Redis rate-limit test needs TEST_REDIS_URL")
        # Several workers share the counters only through Redis.
        prefix = uuid.uuid4().hex
        server = gunicorn(workers=3, threads=2, RATELIMIT_ENABLED="true",
                          RATELIMIT_STORAGE_URI=uri, RATELIMIT_KEY_PREFIX=prefix)  # fmt: skip
    else:
        server = gunicorn(workers=1, threads=2, RATELIMIT_ENABLED="true",
                          RATELIMIT_STORAGE_URI="memory://")  # fmt: skip
    answers = [post(server + "/api/bookings", {}) for _ in range(11)]
    assert [status for status, _body in answers[:10]] == [422] * 10
    assert answers[10] == (429, {"error": "rate_limited"})
    with urllib.request.urlopen(server + "/api/openapi.json", timeout=10) as response:
        assert response.status == 200  # reading is not limited
