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


def test_five_failures_lock_that_account_from_that_address_only(client, make_user):
    user = make_user("reception")
    attacker = {"REMOTE_ADDR": "10.6.6.6"}
    for _ in range(5):
        client.post("/login", data={"email": user.email, "password": "wrong"},
                    environ_base=attacker)  # fmt: skip
    locked = client.post("/login?lang=ru", data={"email": user.email, "password": PASSWORD},
                         environ_base=attacker)  # fmt: skip
    assert locked.status_code == 401
    assert "15 минут" in locked.get_data(as_text=True)
    # The person with the password, from their own address, is not stopped.
    own = client.post("/login", data={"email": user.email, "password": PASSWORD},
                      environ_base={"REMOTE_ADDR": "10.0.0.7"})  # fmt: skip
    assert own.status_code == 302


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
    signed_in = auth.authenticate(user.email, PASSWORD, ip="10.0.0.1", now=later)
    assert signed_in.user.id == user.id and signed_in.failures_since_last == 5


def test_an_address_under_attack_waits_longer_and_longer_but_is_never_locked(app_ctx,
                                                                            make_user):  # fmt: skip
    user = make_user("reception")
    now = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
    for n in range(20):
        with pytest.raises(auth.AuthError):
            auth.authenticate(f"guess{n}@office.kz", "x", ip="10.9.9.9", now=now)
    with pytest.raises(auth.AuthError) as exc:
        auth.authenticate(user.email, PASSWORD, ip="10.9.9.9", now=now)
    assert exc.value.code == "slow_down" and exc.value.details == {"seconds": 1}
    # Each further failure doubles the wait (at most a minute) ...
    moment = now
    for n, wait in enumerate([1, 2, 4, 8, 16, 32, 60, 60]):
        moment += timedelta(seconds=wait)
        with pytest.raises(auth.AuthError) as exc:
            auth.authenticate(f"more{n}@office.kz", "x", ip="10.9.9.9", now=moment)
        assert exc.value.code == "invalid"
    # ... and whoever has the password gets in once it has passed.
    with pytest.raises(auth.AuthError):
        auth.authenticate(user.email, PASSWORD, ip="10.9.9.9", now=moment)
    signed_in = auth.authenticate(user.email, PASSWORD, ip="10.9.9.9",
                                  now=moment + timedelta(seconds=60))  # fmt: skip
    assert signed_in.user.id == user.id
    # Another address never waited at all.
    assert auth.authenticate(user.email, PASSWORD, ip="10.9.9.8", now=now).user.id == user.id


def test_a_trusted_browser_signs_in_even_from_an_address_under_attack(client, make_user):
    user = make_user("admin")
    office = {"REMOTE_ADDR": "10.1.1.1"}
    first = client.post("/login", data={"email": user.email, "password": PASSWORD},
                        environ_base=office)  # fmt: skip
    assert first.status_code == 302 and "device=" in " ".join(first.headers.getlist("Set-Cookie"))
    client.post("/logout", environ_base=office)
    # Someone behind the same NAT guesses the admin's password, without the device cookie.
    attacker = client.application.test_client()
    for _ in range(30):
        attacker.post("/login", data={"email": user.email, "password": "guess"},
                      environ_base=office)  # fmt: skip
    assert attacker.post("/login", data={"email": user.email, "password": PASSWORD},
                         environ_base=office).status_code == 401  # fmt: skip
    again = client.post("/login?lang=ru", data={"email": user.email, "password": PASSWORD},
                        environ_base=office, follow_redirects=True)  # fmt: skip
    assert again.status_code == 200
    # The attacker's pair was locked after five tries; those five are reported.
    assert "5 неудачных попыток входа" in again.get_data(as_text=True)


def test_failed_attempts_are_audited_and_reported_at_the_next_sign_in(client, make_user):
    user = make_user("reception")
    for _ in range(3):
        client.post("/login", data={"email": user.email, "password": "nope"},
                    environ_base={"REMOTE_ADDR": "10.2.2.2"})  # fmt: skip
    response = client.post("/login?lang=ru", data={"email": user.email, "password": PASSWORD},
                           follow_redirects=True)  # fmt: skip
    assert "3 неудачные попытки входа с вашего прошлого входа." in response.get_data(as_text=True)
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_id == user.id)
    ).all()
    assert actions.count("user.sign_in_failed") == 3 and actions.count("user.sign_in") == 1


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
