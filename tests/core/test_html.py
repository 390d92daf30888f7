"""The HTML of every page: unique ids, labels and ARIA references that reach their target,
required selects that start on an empty placeholder; and the Nu HTML checker over them all.

Pages come from the URL map (every GET route, for each role that may open it, on the rows
of the ``world`` fixture) and from the main forms posted empty, with CSRF on so that each
form renders its token as in production.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from app.bookings.services import manage_token
from tests.conftest import PASSWORD, sign_in, skip_or_fail
from tests.html import problems, selected
from tests.routes import ROLES, roles_for, url_for_rule

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR_PLACES = [
    ROOT / "build/vnu/node_modules/vnu-jar/build/dist/vnu.jar",  # where .ci/run installs it
    ROOT / "node_modules/vnu-jar/build/dist/vnu.jar",  # a plain `npm install vnu-jar`
]


def test_the_checker_finds_each_problem():
    page = """<form><input type="hidden" name="csrf_token" id="csrf_token">
      <label for="email">E-mail</label><input id="email" aria-describedby="email-hint">
      <label for="phone">Phone</label>
      <select name="role" id="role" required><option value="admin">admin</option></select>
      <select name="kind" id="kind" required><option>—</option><option value="a">a</option></select>
      <div aria-labelledby="title"></div></form>
      <form><input type="hidden" name="csrf_token" id="csrf_token"></form>"""
    assert sorted(problems(page)) == sorted([
        'duplicate id="csrf_token"',
        '<label for="phone"> has no target',
        'aria-describedby="email-hint" has no target',
        'aria-labelledby="title" has no target',
        'required <select name="role"> does not start on an empty option',
        'required <select name="kind"> does not start on an empty option',
    ])  # fmt: skip
    fine = """<h2 id="t">T</h2><form aria-labelledby="t"><label for="r">Role</label>
      <select name="r" id="r" required><option value="">—</option><option value="a">a</option>
      </select><select name="s"><option value="x">x</option></select></form>"""
    assert problems(fine) == []


# --- walking the pages -----------------------------------------------------------------------


@pytest.fixture
def csrf_on(app):
    """CSRF as in production: every form renders its token (the tests' config turns it off)."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def csrf_token(html):
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in_as(client, user):
    client.delete_cookie("session")
    if user is None:
        return
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def html_of(response):
    return response.get_data(as_text=True) if response.mimetype == "text/html" else None


def page_routes(app):
    """GET routes that answer pages (the API and static files answer something else)."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" in rule.methods and rule.endpoint != "static" and rule.rule[:5] != "/api/":
            yield rule


def empty_posts(world):
    """The main forms posted with nothing filled in: (role, URL) → the page with its errors."""
    day, booking = world["day"].date, world["booking"]
    token = manage_token(booking.code)
    return [
        ("anonymous", f"/days/{day}"),
        ("anonymous", f"/days/{day}/waitlist"),
        ("anonymous", f"/bookings/{booking.code}/proposal?token={token}"),
        ("anonymous", "/login"),
        ("reception", f"/reception/{day}/walk-in"),
        ("reception", f"/reception/{day}/bookings/{booking.id}/proposal"),
        ("admin", "/registry/new"),
        ("admin", f"/registry/{world['proposal'].number}/edit"),
        ("admin", "/office/users"),
        ("admin", f"/office/days/{day}"),
        ("district", f"/districts/nura/days/{day}"),
        ("district", f"/districts/nura/delegates/{world['delegate'].id}/replace"),
    ]


def every_page(app, client, world):
    """(role, what, html) of every page: each GET route for each role that may open it,
    the desk with search results, and the main forms after an empty POST."""
    users = {"anonymous": None, **world["users"]}
    pages = []
    posts = empty_posts(world)
    for role in ROLES:
        sign_in_as(client, users[role])
        for rule in page_routes(app):
            if role not in roles_for(rule.endpoint):
                continue
            url = url_for_rule(app, rule, world)
            response = client.get(url, follow_redirects=True)
            assert response.status_code == 200, f"{role} GET {url} -> {response.status_code}"
            if html_of(response) is not None:
                pages.append((role, f"GET {url}", html_of(response)))
        if role in ("reception", "admin"):
            url = f"/reception/{world['day'].date}?q=Мурат"  # a row both found and listed
            pages.append((role, f"GET {url}", client.get(url).get_data(as_text=True)))
        for url in [url for who, url in posts if who == role]:
            token = csrf_token(client.get(url).get_data(as_text=True))
            response = client.post(url, data={"csrf_token": token})
            html = response.get_data(as_text=True)
            assert response.status_code in (200, 401, 422), f"{role} POST {url}"
            assert 'class="errors"' in html or 'role="alert"' in html, f"{role} POST {url}"
            pages.append((role, f"POST {url} (empty)", html))
    return pages


def test_every_page_has_unique_ids_and_reachable_references(app, client, world, csrf_on):
    pages = every_page(app, client, world)
    failures = [f"{role} {what}: {problem}" for role, what, html in pages
                for problem in problems(html)]  # fmt: skip
    assert not failures, "\n".join(failures)
    endpoints = {what.split()[1].split("?")[0] for _role, what, _html in pages}
    assert len(pages) >= 50 and len(endpoints) >= 25, "the walk missed pages"


def test_the_desk_lists_a_found_visitor_once_more_with_its_own_ids(client, world):
    sign_in(client, world["users"]["reception"])
    arrived = world["arrived"]
    page = client.get(f"/reception/{world['day'].date}?q=Мурат").get_data(as_text=True)
    assert page.count(f'id="b{arrived.id}"') == 1 and page.count(f'id="found-b{arrived.id}"') == 1
    assert f'<label for="found-text-{arrived.id}">' in page


def test_no_page_chooses_for_the_person(client, world):
    """Selects the person must choose start on the empty placeholder; the proposal of a
    booking without a district, and the office's new entry, included."""
    day, booking, number = world["day"].date, world["booking"], world["proposal"].number
    token = manage_token(booking.code)
    entry = ["kind", "subprogram", "district", "scale"]
    pages = [
        (None, f"/days/{day}", ["category"]),
        (None, f"/bookings/{booking.code}?token={token}", ["slot_id"]),
        (None, f"/bookings/{booking.code}/proposal?token={token}", entry),
        ("reception", f"/reception/{day}/walk-in", ["category", "topic"]),
        ("reception", f"/reception/{day}/bookings/{booking.id}/proposal", entry),
        ("admin", "/registry/new", [*entry, "initiator_type"]),
        ("admin", f"/registry/{number}", ["status"]),
        ("admin", "/office/users", ["role"]),
        ("district", f"/districts/nura/days/{day}", ["role"]),
        ("district", f"/districts/nura/delegates/{world['delegate'].id}/replace", ["role"]),
    ]
    for role, url, names in pages:
        client.delete_cookie("session")
        if role:
            sign_in(client, world["users"][role])
        html = client.get(url).get_data(as_text=True)
        assert {name: selected(html, name) for name in names} == dict.fromkeys(names, ""), url


# --- the Nu HTML checker ---------------------------------------------------------------------


def vnu_command():
    java = shutil.which("java")
    jar = os.environ.get("VNU_JAR")
    jar = Path(jar) if jar else next((p for p in VNU_JAR_PLACES if p.exists()), None)
    if not java or jar is None or not jar.exists():
        skip_or_fail(
            "the Nu HTML checker needs java and vnu.jar "
            "(npm install --prefix build/vnu vnu-jar, or VNU_JAR=path/to/vnu.jar)"
        )
    return [java, "-jar", str(jar), "--errors-only", "--format", "json"]


def test_every_page_passes_the_nu_html_checker(app, client, world, csrf_on, tmp_path):
    command = vnu_command()
    files = {}
    for n, (role, what, html) in enumerate(every_page(app, client, world)):
        path = tmp_path / f"{n:03d}.html"
        path.write_text(html, encoding="utf-8")
        files[path.name] = f"{role} {what}"
    # One JVM for every page: its start-up costs more than checking them all.
    result = subprocess.run(
        [*command, *(str(tmp_path / name) for name in sorted(files))],
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        messages = json.loads(result.stderr or result.stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"vnu answered no report (exit {result.returncode}): {result.stderr[:2000]}")
    errors = [
        f"{files.get(m.get('url', '').rsplit('/', 1)[-1], m.get('url'))}"
        f" line {m.get('lastLine')}: {m['message']} [{m.get('extract', '').strip()}]"
        for m in messages
        if m.get("type") != "info"  # errors, and files it could not read
    ]
    assert not errors, "\n".join(errors)
    assert len(files) >= 50
