"""A local stand-in for SMSC.kz's HTTP API (``/sys/send.php``, ``/sys/status.php``) that
speaks its documented request and answer formats (``fmt=3`` JSON, error codes), started on
127.0.0.1 in a thread. Tests tell it how to misbehave."""

import json
import threading
import time

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

LOGIN, PASSWORD = "civic-day", "s3cret-psw"


class FakeSmsc:
    def __init__(self):
        #: what it accepted: dicts of the request's fields (phones, mes, sender, id …)
        self.messages = []
        #: every request's fields, accepted or not
        self.requests = []
        #: None (answer normally) or one of: ("error", N), "http500", "garbage", "slow"
        self.mode = None
        #: delivery state per provider id (status.php's ``status``); 1 = delivered
        self.states = {}
        self.default_state = 1
        self.delay = 3.0
        self._next_id = 1000
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        request = Request(environ)
        fields = {**request.args.to_dict(), **request.form.to_dict()}
        self.requests.append(fields)
        response = self.answer(request.path, fields)
        return response(environ, start_response)

    def _json(self, body):
        return Response(json.dumps(body, ensure_ascii=False), content_type="application/json")

    def answer(self, path, fields):
        if self.mode == "http500":
            return Response("Internal Server Error", status=500)
        if self.mode == "garbage":
            return Response("<html>maintenance</html>", content_type="text/html")
        if self.mode == "slow":
            time.sleep(self.delay)
        if fields.get("fmt") != "3" or fields.get("charset") != "utf-8":
            return self._json({"error": "parameters error", "error_code": 1})
        if (fields.get("login"), fields.get("psw")) != (LOGIN, PASSWORD):
            return self._json({"error": "authorise error", "error_code": 2})
        if path == "/sys/send.php":
            return self.send(fields)
        if path == "/sys/status.php":
            state = self.states.get(fields.get("id"), self.default_state)
            if fields.get("id") not in {m["provider_id"] for m in self.messages}:
                state = -3
            return self._json({"status": state, "last_date": "28.11.2026 10:00:00",
                               "last_timestamp": 1795845600, "flag": 0, "err": 0})  # fmt: skip
        return Response("not found", status=404)

    def send(self, fields):
        if isinstance(self.mode, tuple) and self.mode[0] == "error":
            code = self.mode[1]
            body = {"error": f"error {code}", "error_code": code}
            if code in (3, 6, 7, 8):
                body["id"] = fields.get("id", "0")
            return self._json(body)
        if not fields.get("phones") or not fields.get("mes"):
            return self._json({"error": "parameters error", "error_code": 1})
        with self._lock:
            if fields.get("id") and any(
                m.get("id") == fields["id"] and time.monotonic() - m["at"] < 60
                for m in self.messages
            ):
                return self._json({"error": "duplicate request", "error_code": 9})
            self._next_id += 1
            provider_id = fields.get("id") or str(self._next_id)
            self.messages.append({**fields, "provider_id": provider_id, "at": time.monotonic()})
        return self._json({"id": provider_id, "cnt": 1, "cost": "11.5", "balance": "988.5"})

    def texts(self):
        return [m["mes"] for m in self.messages]


@pytest.fixture
def fake_smsc(app, monkeypatch):
    """The fake provider on a free port; the app's SMS settings point at it."""
    fake = FakeSmsc()
    server = make_server("127.0.0.1", 0, fake, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_port}/sys/send.php"
    for key, value in {
        "SMS_ENABLED": True,
        "SMS_BACKEND": "smsc",
        "SMS_API_URL": fake.url,
        "SMS_LOGIN": LOGIN,
        "SMS_PASSWORD": PASSWORD,
        "SMS_SENDER": "KUN",
        "SMS_TIMEOUT": 1,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    yield fake
    server.shutdown()
    thread.join(timeout=5)
