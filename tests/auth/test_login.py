"""Sign-in, throttling, sign-out by POST, CLI accounts and API tokens."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.auth import services as auth
from app.auth.models import ApiToken, User
from app.core.audit import AuditEntry
from app.extensions import db
from tests.conftest import PASSWORD, sign_in
from tests.html import selected


def test_sign_in_goes_to_the_desk_and_sets_safe_cookies(client, make_user):
    user = make_user("reception")
    response = sign_in(client, user)
    assert response.location.endswith("/reception/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert db.session.get(User, user.id).last_login_at is not None


def test_wrong_password_is_refused_in_the_chosen_language(client, make_user):
    user = make_user("reception")
    response = client.post("/login?lang=kk", data={"email": user.email, "password": "nope"})
    assert response.status_code == 401
    assert "Электрондық пошта немесе құпиясөз қате." in response.get_data(as_text=True)


def test_an_account_is_locked_after_five_failures(client, make_user):
    user = make_user("reception")
    for _ in range(5):
        client.post("/login", data={"email": user.email, "password": "wrong"})
    locked = client.post("/login?lang=ru", data={"email": user.email, "password": PASSWORD})
    assert locked.status_code == 401
    assert "15 минут" in locked.get_data(as_text=True)


def test_lock_expires_and_success_clears_the_count(app_ctx, make_user):
    user = make_user("reception")
    now = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
    for _ in range(5):
        with pytest.raises(auth.AuthError):
            auth.authenticate(user.email, "wrong", ip="10.0.0.1", now=now)
    with pytest.raises(auth.AuthError) as exc:
        auth.authenticate(user.email, PASSWORD, ip="10.0.0.1", now=now)
    assert exc.value.code == "locked"
    later = now + timedelta(minutes=16)
    assert auth.authenticate(user.email, PASSWORD, ip="10.0.0.1", now=later).id == user.id


def test_an_address_is_locked_after_twenty_failures(app_ctx, make_user):
    user = make_user("reception")
    now = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
    for n in range(20):
        with pytest.raises(auth.AuthError):
            auth.authenticate(f"guess{n}@office.kz", "x", ip="10.9.9.9", now=now)
    with pytest.raises(auth.AuthError) as exc:
        auth.authenticate(user.email, PASSWORD, ip="10.9.9.9", now=now)
    assert exc.value.code == "locked"
    assert auth.authenticate(user.email, PASSWORD, ip="10.9.9.8", now=now)


def test_a_deactivated_user_cannot_sign_in_and_loses_the_session(client, make_user):
    user = make_user("reception")
    sign_in(client, user)
    auth.set_active(db.session.get(User, user.id), False, by=None)
    db.session.commit()
    assert client.get("/reception/").status_code == 302
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 401


def test_sign_out_only_by_post(client, make_user):
    sign_in(client, make_user("admin"))
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/office/users").status_code == 302


def test_next_is_kept_but_only_on_this_site(client, make_user):
    user = make_user("admin")
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "next": "/office/audit"}
    )
    assert response.location.endswith("/office/audit")
    client.post("/logout")
    evil = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "next": "//evil.example"}
    )
    assert "evil" not in evil.location


def test_cli_creates_users_and_tokens(app, app_ctx):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "Desk@Office.kz", "--role", "reception", "--password-stdin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    user = auth.user_by_email("desk@office.kz")
    assert user.password_hash.startswith("scrypt:")
    district = runner.invoke(
        args=["users", "create", "nura@office.kz", "--role", "district", "--district", "nura",
              "--password-stdin"],
        input="a long enough password\n",
    )  # fmt: skip
    assert district.exit_code == 0, district.output
    no_district = runner.invoke(
        args=["users", "create", "x@office.kz", "--role", "district", "--password-stdin"],
        input="a long enough password\n",
    )
    assert no_district.exit_code != 0
    short = runner.invoke(
        args=["users", "create", "y@office.kz", "--role", "admin", "--password-stdin"],
        input="short\n",
    )
    assert short.exit_code != 0
    token = runner.invoke(args=["users", "token", "desk@office.kz", "--name", "scanner"])
    plain = token.output.strip()
    assert token.exit_code == 0 and plain.startswith("cid_")
    stored = db.session.scalars(select(ApiToken.token_hash)).one()
    assert plain not in stored and stored == auth.hash_token(plain)
    assert auth.user_for_token(plain, now=datetime.now(UTC)).id == user.id
    revoke = runner.invoke(args=["users", "revoke-tokens", "desk@office.kz"])
    assert "revoked 1" in revoke.output
    assert auth.user_for_token(plain, now=datetime.now(UTC)) is None
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["user.create", "user.create", "user.token", "user.revoke_tokens"]


def test_admin_creates_and_deactivates_users_in_the_office(client, make_user):
    admin = make_user("admin")
    sign_in(client, admin)
    response = client.post(
        "/office/users",
        data={"email": "new@office.kz", "role": "district", "district": "shet",
              "password": "a long enough password"},
    )  # fmt: skip
    assert response.status_code == 302
    created = auth.user_by_email("new@office.kz")
    assert created.district.code == "shet"
    client.post(f"/office/users/{created.id}/deactivate")
    db.session.expire_all()
    assert not auth.user_by_email("new@office.kz").is_active_account
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries][-2:] == ["user.create", "user.deactivate"]
    assert entries[-1].before["active"] is True and entries[-1].after["active"] is False
    assert entries[-1].actor_id == admin.id


def test_a_new_user_gets_no_role_the_admin_did_not_choose(client, make_user):
    sign_in(client, make_user("admin"))
    assert selected(client.get("/office/users").get_data(as_text=True), "role") == ""
    response = client.post(
        "/office/users", data={"email": "new@office.kz", "role": "", "password": "a long password"}
    )
    page = response.get_data(as_text=True)
    assert 'id="role-error"' in page and "Выберите роль." in page
    assert auth.user_by_email("new@office.kz") is None
