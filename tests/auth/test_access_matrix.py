"""Every route of the app, for every kind of user: allowed, or 401/403 (or sign in first).

Built from the URL map: a new route without a line in ACCESS fails this test.
"""

from app.extensions import db
from tests.conftest import sign_in
from tests.routes import ACCESS, PUBLIC, ROLES, url_for_rule


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ACCESS) == set(), "add the new routes to ACCESS"
    assert set(ACCESS) - endpoints == set(), "ACCESS names routes that no longer exist"


def staff_rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if ACCESS.get(rule.endpoint, PUBLIC) != PUBLIC:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def test_role_by_route_matrix(app, client, world):
    from app.auth import services as auth

    checked = 0
    for role in ROLES:
        client.delete_cookie("session")
        bearer = {}
        if role != "anonymous":
            user = world["users"][role]
            sign_in(client, user)
            bearer = {"Authorization": "Bearer " + auth.issue_token(user)}
            db.session.commit()
        for rule, method in staff_rules(app):
            allowed = ACCESS[rule.endpoint]
            url = url_for_rule(app, rule, world)
            is_api = url.startswith("/api/")
            kwargs = {"json": {}} if is_api and method == "POST" else {}
            headers = bearer if is_api else {}
            response = client.open(url, method=method, headers=headers, **kwargs)
            where = f"{role} {method} {url} -> {response.status_code}"
            if role == "anonymous":
                if is_api:
                    assert response.status_code == 401, where
                else:
                    assert response.status_code == 302, where
                    assert "/login" in response.location, where
            elif role not in allowed:
                assert response.status_code == 403, where
            else:
                assert response.status_code not in (401, 403, 500), where
            checked += 1
    assert checked >= 60
