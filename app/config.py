"""Configuration read from the environment, in one place."""

import os
import secrets
from pathlib import Path


def _bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


MIN_SECRET_KEY = 32


def _refuse(variable, what):
    raise RuntimeError(f"APP_ENV=production needs {variable}: {what}")


def _production_checks():
    """Refuse to start in production without what a real deployment must set."""
    key = os.environ.get("SECRET_KEY", "")
    if len(key) < MIN_SECRET_KEY:
        _refuse("SECRET_KEY", f"a random secret of at least {MIN_SECRET_KEY} characters, e.g. "
                "from `python -c 'import secrets; print(secrets.token_urlsafe(48))'`")  # fmt: skip
    if not os.environ.get("PUBLIC_BASE_URL"):
        _refuse("PUBLIC_BASE_URL", "the site's public address, e.g. https://kun.karaganda.kz "
                "(every link in mail and calendar files is built from it)")  # fmt: skip
    if not os.environ.get("RATELIMIT_STORAGE_URI"):
        _refuse("RATELIMIT_STORAGE_URI", "where rate-limit counters live, e.g. "
                "redis://127.0.0.1:6379/0 (in-memory counters are per worker process: with "
                "several workers or servers the limits would not hold)")  # fmt: skip


def _secret_key(instance_path, production):
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if production:
        _refuse("SECRET_KEY", "a random secret of at least 32 characters")
    # A laptop keeps one generated key so sessions survive restarts.
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url(instance_path):
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "civic.db")
    # Heroku-style URLs name the driver we do not use.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _retention_months():
    months = int(os.environ.get("PRIVACY_RETENTION_MONTHS", "36"))
    if months < 12:
        raise RuntimeError(
            "PRIVACY_RETENTION_MONTHS must be at least 12 (the privacy notice promises 36)"
        )
    return months


def _sms_backend():
    backend = os.environ.get("SMS_BACKEND", "log")
    if backend == "smsc" and not os.environ.get("SMS_PASSWORD"):
        raise RuntimeError(
            "SMS_BACKEND=smsc needs SMS_PASSWORD: the SMSC.kz account's password (with "
            "SMS_LOGIN) or its API key (SMS_LOGIN empty)"
        )
    return backend


def from_environment(instance_path):
    """The settings of DESIGN.md §6, with laptop defaults."""
    production = os.environ.get("APP_ENV", "development") == "production"
    if production:
        _production_checks()
    return {
        "APP_ENV": "production" if production else "development",
        "SECRET_KEY": _secret_key(instance_path, production),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_TIMEOUT": int(os.environ.get("MAIL_TIMEOUT", "30")),
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "Civil Initiatives Day <noreply@localhost>"
        ),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "civic-day"),
        #: bookings of one Day from one address, and bookings of one phone (any Day)
        "BOOKING_DAY_LIMIT": os.environ.get("BOOKING_DAY_LIMIT", "3 per hour"),
        "BOOKING_PHONE_LIMIT": os.environ.get("BOOKING_PHONE_LIMIT", "5 per day"),
        #: months after a Day before its bookings' personal data is removed (minimum 12)
        "PRIVACY_RETENTION_MONTHS": _retention_months(),
        #: working days of Kazakhstan to answer a proposal (the office can change it on its page)
        "PROPOSAL_ANSWER_DAYS": int(os.environ.get("PROPOSAL_ANSWER_DAYS", "15")),
        #: an export selecting more rows than this is written by the worker, in the background
        "EXPORT_JOB_ROWS": int(os.environ.get("EXPORT_JOB_ROWS", "10000")),
        #: how long the audit log and delivered mail are kept (flask privacy purge prunes)
        "AUDIT_RETENTION_YEARS": int(os.environ.get("AUDIT_RETENTION_YEARS", "5")),
        "OUTBOX_RETENTION_DAYS": int(os.environ.get("OUTBOX_RETENTION_DAYS", "90")),
        #: SMS (DESIGN §7): "log" writes them to the log, "smsc" sends through SMSC.kz
        "SMS_ENABLED": _bool("SMS_ENABLED", True),
        "SMS_BACKEND": _sms_backend(),
        "SMS_LOGIN": os.environ.get("SMS_LOGIN", ""),
        "SMS_PASSWORD": os.environ.get("SMS_PASSWORD", ""),
        "SMS_SENDER": os.environ.get("SMS_SENDER", ""),
        "SMS_API_URL": os.environ.get("SMS_API_URL", "https://smsc.kz/sys/send.php"),
        "SMS_TIMEOUT": float(os.environ.get("SMS_TIMEOUT", "10")),
        "SMS_DAILY_LIMIT": int(os.environ.get("SMS_DAILY_LIMIT", "500")),
        #: text numbers outside Kazakhstan's mobile range (+7 7xx) too
        "SMS_ALLOW_FOREIGN": _bool("SMS_ALLOW_FOREIGN", False),
        #: reverse proxies in front of the app (nginx: 1); 0 ignores X-Forwarded-For
        "TRUSTED_PROXY_COUNT": int(os.environ.get("TRUSTED_PROXY_COUNT", "0")),
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        # no pool_pre_ping: app.core.db.ping_idle_connections checks rested connections only
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "BABEL_DEFAULT_LOCALE": "ru",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Almaty",
        "LANGUAGES": ("ru", "kk"),
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
    }
