"""Sessions that end, a next that stays on this site, passwords that are not guessable."""

from urllib.parse import urljoin, urlsplit

import pytest

from app.auth import services as auth
from app.auth.models import User
from app.extensions import db
from tests.conftest import PASSWORD, sign_in


def session_cookie(client):
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def replay(client, value):
    client.set_cookie("session", value)
    return client.get("/office/users")


def test_a_replayed_cookie_stops_working_after_sign_out(client, make_user):
    sign_in(client, make_user("admin"))
    assert client.get("/office/users").status_code == 200
    stolen = session_cookie(client)
    client.post("/logout")
    response = replay(client, stolen)
    assert response.status_code == 302 and "/login" in response.location


def test_deactivate_then_reactivate_does_not_revive_old_sessions(client, make_user):
    user = make_user("admin")
    sign_in(client, user)
    stolen = session_cookie(client)
    auth.set_active(db.session.get(User, user.id), False, by=None)
    db.session.commit()
    auth.set_active(db.session.get(User, user.id), True, by=None)
    db.session.commit()
    assert replay(client, stolen).status_code == 302
    sign_in(client, user)  # a new sign-in works
    assert client.get("/office/users").status_code == 200


def test_a_new_password_ends_every_earlier_session(client, make_user):
    user = make_user("admin")
    sign_in(client, user)
    stolen = session_cookie(client)
    auth.set_password(db.session.get(User, user.id), "a brand new passphrase", by=None)
    db.session.commit()
    assert replay(client, stolen).status_code == 302


def test_a_forged_session_id_is_refused(client, make_user):
    user = make_user("admin")
    sign_in(client, user)
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:999"
    assert client.get("/office/users").status_code == 302
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)  # the old form, without a version
    assert client.get("/office/users").status_code == 302


def browser_target(location):
    """Where a browser goes: it drops tabs and newlines, reads \\ as /, trims spaces."""
    cleaned = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    return urlsplit(urljoin("http://testserver/login", cleaned.strip(" \x00\x0b\x0c")))


HOSTILE = [
    "//evil.example", "/\t/evil.example", "\t//evil.example",
    "/\\evil.example", "\\\\evil.example", "\\/evil.example", "/\\/evil.example",
    "https://evil.example/", "http:evil.example", "HTTPS://evil.example", "javascript:alert(1)",
    "data:text/html,x", "///evil.example", " //evil.example", "\x0b//evil.example",
    "%2F%2Fevil.example", "/%2F%2Fevil.example", "/%5Cevil.example", "evil.example",
    "//evil.example@testserver", "/\x7f/evil.example",
]  # fmt: skip


@pytest.mark.parametrize("target", HOSTILE)
def test_next_always_ends_on_this_site(client, make_user, target):
    user = make_user("admin")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "next": target})  # fmt: skip
    assert response.status_code == 302
    where = browser_target(response.location)
    assert where.netloc == "testserver" and where.scheme == "http", response.location


@pytest.mark.parametrize("target", ["/office\r\nSet-Cookie: x=1", "/a\rb", "/a\nb"])
def test_next_with_cr_or_lf_is_refused_without_signing_in(client, make_user, target):
    user = make_user("admin")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "next": target})  # fmt: skip
    assert response.status_code == 400
    assert client.get_cookie("session") is None
    assert client.get("/login", query_string={"next": target}).status_code == 400


def test_a_plain_next_is_kept(client, make_user):
    user = make_user("admin")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "next": "/registry/?status=submitted"})  # fmt: skip
    assert response.location == "/registry/?status=submitted"


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("short pass", False),  # 10 characters
        ("aaaaaaaaaaaaaaaa", False),
        ("qwertyuiopasdf", False),  # the keyboard, row after row
        ("1234567890123", False),
        ("ЙЦУКЕНГШЩЗХЪ", False),
        ("zyxwvutsrqponm", False),
        ("password1234", False),  # a common one with digits added
        ("iloveyou2026!", False),
        ("baseball1234", False),
        ("desk@office.kz", False),  # the e-mail
        ("correct horse battery", True),
        ("Қарағанды Гоголь 31", True),
        ("tram-lake-window-42", True),
    ],
)
def test_password_rules(app_ctx, password, ok):
    if ok:
        auth.check_password_rules(password, "desk@office.kz")
    else:
        with pytest.raises(auth.AuthError) as exc:
            auth.check_password_rules(password, "desk@office.kz")
        assert exc.value.code == "weak"


def test_the_same_rules_on_the_page_and_the_cli(app, client, make_user):
    sign_in(client, make_user("admin"))
    response = client.post("/office/users?lang=ru", data={
        "email": "new@office.kz", "role": "reception", "password": "password1234"})  # fmt: skip
    assert response.status_code == 200
    assert "самых распространённых" in response.get_data(as_text=True)
    assert auth.user_by_email("new@office.kz") is None
    result = app.test_cli_runner().invoke(
        args=["users", "create", "cli@office.kz", "--role", "admin", "--password-stdin"],
        input="cli@office.kz\n",
    )
    assert result.exit_code != 0 and "электронной почты" in result.output


def test_an_old_short_password_keeps_working_until_changed(client, make_user):
    user = make_user("reception")
    from werkzeug.security import generate_password_hash

    db.session.get(User, user.id).password_hash = generate_password_hash("old10chars")
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": "old10chars"})
    assert response.status_code == 302
