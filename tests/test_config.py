"""Configuration from the environment: loud in production, convenient on a laptop."""

import pytest

from app import config


def test_production_without_secret_key_fails_loudly(monkeypatch, tmp_path):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.from_environment(str(tmp_path))


def test_development_generates_one_key_and_keeps_it(monkeypatch, tmp_path):
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = config.from_environment(str(tmp_path))["SECRET_KEY"]
    second = config.from_environment(str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_defaults_to_sqlite_in_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = config.from_environment(str(tmp_path))
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/civic.db"


@pytest.mark.parametrize(
    "url", ["postgres://u@h/db", "postgresql://u@h/db", "postgresql+psycopg://u@h/db"]
)
def test_postgres_urls_use_psycopg3(monkeypatch, tmp_path, url):
    monkeypatch.setenv("DATABASE_URL", url)
    assert config.from_environment(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://u@h/db"
    )


PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "x" * 50,
    "PUBLIC_BASE_URL": "https://kun.karaganda.kz",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
}


def production(monkeypatch, **changes):
    for name, value in {**PRODUCTION, **changes}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    production(monkeypatch)
    settings = config.from_environment(str(tmp_path))
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]


@pytest.mark.parametrize(
    ("changes", "named", "advice"),
    [
        ({"SECRET_KEY": "short-but-set"}, "SECRET_KEY", "at least 32 characters"),
        ({"SECRET_KEY": None}, "SECRET_KEY", "at least 32 characters"),
        ({"PUBLIC_BASE_URL": None}, "PUBLIC_BASE_URL", "https://"),
        ({"RATELIMIT_STORAGE_URI": None}, "RATELIMIT_STORAGE_URI", "redis://"),
    ],
)
def test_production_refuses_to_start_without_its_settings(monkeypatch, tmp_path, changes, named,
                                                           advice):  # fmt: skip
    production(monkeypatch, **changes)
    with pytest.raises(RuntimeError) as exc:
        config.from_environment(str(tmp_path))
    assert named in str(exc.value) and advice in str(exc.value)


def test_production_headers(monkeypatch, tmp_path):
    from app import create_app

    production(monkeypatch)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    response = app.test_client().get("/privacy?lang=kk")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Secure" in response.headers["Set-Cookie"]


def test_the_proxy_setting(monkeypatch, tmp_path):
    from flask import request

    from app import create_app

    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "1")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})

    @app.get("/_addr")
    def addr():
        return f"{request.remote_addr} {request.scheme}"

    seen = app.test_client().get(
        "/_addr", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    )
    assert seen.get_data(as_text=True) == "203.0.113.7 https"
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "0")
    plain = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    plain.add_url_rule("/_addr", view_func=addr)
    assert (
        plain.test_client()
        .get("/_addr", headers={"X-Forwarded-For": "203.0.113.7"})
        .get_data(as_text=True)
        == "127.0.0.1 http"
    )


def test_the_smsc_backend_needs_its_password(monkeypatch, tmp_path):
    monkeypatch.setenv("SMS_BACKEND", "smsc")
    monkeypatch.delenv("SMS_PASSWORD", raising=False)
    with pytest.raises(RuntimeError, match="SMS_PASSWORD"):
        config.from_environment(str(tmp_path))
    monkeypatch.setenv("SMS_PASSWORD", "api-key")
    settings = config.from_environment(str(tmp_path))
    assert settings["SMS_BACKEND"] == "smsc" and settings["SMS_DAILY_LIMIT"] == 500
