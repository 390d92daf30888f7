"""No input yields a 500: every parameter of every route — in the path, the query string, a
form or a JSON body — gets a battery of hostile values, for a role that may use the route.

The parameters a page reads are found by watching it: the request's ``args`` and ``form``
record every name a view (or its WTForms form) asks for. JSON bodies take the properties the
OpenAPI document describes.
"""

import json

import pytest
from flask import request_started
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

from tests.conftest import IsolatedClient, sign_in
from tests.routes import roles_for, url_for_rule, values_for_rule

HOSTILE = [
    "99999999999999999999", "-1", "0", "-99999999999", "2147483648", "1e309", "NaN", "abc",
    "0001-01-01", "9999-12-31", "2026-02-30", "1899-12-31", "__members__", "__class__", "mro",
    "x" * 5000, "", " ", "[]", "{}", "null", "%", "../../etc/passwd", "Қ" * 300, "\ufeff",
    "'; DROP TABLE bookings; --",
]  # fmt: skip
JSON_HOSTILE = [
    10**30, -(10**30), -1, 0, 1.5, float(2**53), "", "x" * 5000, [], {}, True, False,
    "0001-01-01", "9999-12-31", "__members__", "__class__", [[[[]]]], {"a": {"b": 1}},
    "99999999999999999999", "Қ" * 300,
]  # fmt: skip
PATH_HOSTILE = {
    "int": ["0", "99999999999", "99999999999999999999", "2147483648"],
    "isodate": ["0001-01-01", "9999-12-31", "1900-01-01", "2200-12-31"],
    "default": ["x" * 300, "ZZZZZZ", "__members__", "..", "%00", "%ED%A0%80", "REG-9999-9999"],
}


class Recording(MultiDict):
    """A MultiDict that notes every name asked for."""

    def __init__(self, data, seen):
        super().__init__(data)
        self.seen = seen

    def get(self, key, *args, **kwargs):
        self.seen.add(key)
        return super().get(key, *args, **kwargs)

    def getlist(self, key, *args, **kwargs):
        self.seen.add(key)
        return super().getlist(key, *args, **kwargs)

    def __getitem__(self, key):
        self.seen.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.seen.add(key)
        return super().__contains__(key)


@pytest.fixture
def watched(app):
    seen = {"args": set(), "form": set()}

    def record(sender, **extra):
        from flask import request

        request.__dict__["args"] = Recording(request.args, seen["args"])
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            request.__dict__["form"] = Recording(request.form, seen["form"])

    request_started.connect(record, app)
    yield seen
    request_started.disconnect(record, app)


def clients(app, world, api_token):
    """A signed-in client per role, and a bearer token per role for the API (each request in
    its own app context, as in production: see IsolatedClient)."""
    app.test_client_class = IsolatedClient
    made = {"anonymous": (app.test_client(), {})}
    for role, user in world["users"].items():
        client = app.test_client()
        sign_in(client, user)
        made[role] = (client, api_token(user))
    return made


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def call(client, method, url, headers, *, query=None, form=None, body=None):
    if body is not None:
        return client.open(url, method=method, headers=headers, json=body)
    data = MultiDict(form) if form is not None else None
    return client.open(url, method=method, headers=headers, query_string=query, data=data)


def test_no_parameter_of_any_route_yields_a_server_error(app, world, api_token, watched):
    made = clients(app, world, api_token)
    document = made["anonymous"][0].get("/api/openapi.json").get_json()
    failures, tried = [], 0
    for rule, method in routes(app):
        role = roles_for(rule.endpoint)[-1]  # the role that sees the most
        client, token = made[role]
        headers = token if rule.rule.startswith("/api/") else {}
        url = url_for_rule(app, rule, world)
        path, _, query = url.partition("?")
        base_query = dict(MultiDict([tuple(p.split("=", 1)) for p in query.split("&") if p]))
        # What does the route read? Watch one plain request.
        watched["args"].clear(), watched["form"].clear()
        # A form needs one field to count as sent (Flask-WTF ignores an empty one).
        call(client, method, url, headers, form={"_probe": "1"} if method != "GET" else None)
        names_args = set(watched["args"]) - {"lang"}
        names_form = set(watched["form"])
        spec = document["paths"].get(rule.rule.replace("<", "{").replace(">", "}"), {})
        operation = spec.get(method.lower(), {})
        json_names = set()
        if "requestBody" in operation:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            json_names = set(schema.get("properties", {}))
        for name in sorted(names_args):
            for value in HOSTILE:
                response = call(client, method, path, headers, query={**base_query, name: value},
                                form={} if method != "GET" else None)  # fmt: skip
                tried += 1
                if response.status_code >= 500:
                    failures.append((method, rule.rule, "query", name, value[:40]))
        if method != "GET" and not rule.rule.startswith("/api/"):
            for name in sorted(names_form - {"csrf_token"}):
                for value in HOSTILE:
                    response = call(client, method, url, headers, form={name: value})
                    tried += 1
                    if response.status_code >= 500:
                        failures.append((method, rule.rule, "form", name, value[:40]))
        for name in sorted(json_names):
            for value in JSON_HOSTILE:
                response = call(client, method, url, headers, body={name: value})
                tried += 1
                if response.status_code >= 500:
                    failures.append((method, rule.rule, "json", name, repr(value)[:40]))
        for name in rule.arguments:
            converter = rule._converters[name]
            kind = ("int" if isinstance(converter, IntegerConverter)
                    else "isodate" if type(converter).__name__ == "IsoDateConverter"
                    else "default")  # fmt: skip
            for value in PATH_HOSTILE[kind]:
                hostile = with_argument(rule, world, name, value)
                response = call(client, method, hostile, headers,
                                query=base_query, form={} if method != "GET" else None)  # fmt: skip
                tried += 1
                if response.status_code >= 500:
                    failures.append((method, rule.rule, "path", name, value[:40]))
    assert failures == [], f"{len(failures)} of {tried} hostile requests answered 5xx: {failures}"
    assert tried > 1000


def with_argument(rule, world, name, raw):
    """The route's path with the world's values, but ``raw`` (already URL-encoded) for one
    argument."""
    values = values_for_rule(rule, world)
    path = []
    for dynamic, data in rule._trace:
        if data == "|" and not dynamic:
            continue
        if not dynamic:
            path.append(data)
        elif data == name:
            path.append(raw)
        else:
            path.append(rule._converters[data].to_url(values[data]))
    return "".join(path)


def test_a_deeply_nested_json_body_is_refused_not_crashed(client, world):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/bookings", data=body, content_type="application/json")
    assert response.status_code == 400
    assert json.loads(response.data) == {"error": "invalid_json"}
