"""Staff accounts: sign-in with throttling, creation, API tokens. Every change audited."""

import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.core import audit
from app.core.errors import DomainError
from app.extensions import db

from .models import ApiToken, LoginFailure, Role, User

ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 20
FAILURE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 10
# A real hash to compare against when the account does not exist (same time either way).
_DUMMY_HASH = generate_password_hash("not a password of anyone")


class AuthError(DomainError):
    """Sign-in or account rules refused the action."""


INVALID = _l("Wrong e-mail or password.")
LOCKED = _l(
    "Too many failed attempts. Sign-in is locked for 15 minutes; "
    "ask an administrator if you forgot the password."
)


def normalize_email(email):
    return (email or "").strip().lower()


def user_by_email(email):
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def _failures(column, value, now):
    return db.session.scalar(
        select(func.count(LoginFailure.id)).where(
            column == value, LoginFailure.at > now - FAILURE_WINDOW
        )
    )


def authenticate(email, password, *, ip, now):
    """The user for these credentials, or AuthError (invalid or locked)."""
    email = normalize_email(email)[:254]
    ip = (ip or "unknown")[:64]
    if (
        _failures(LoginFailure.email, email, now) >= ACCOUNT_FAILURES
        or _failures(LoginFailure.ip, ip, now) >= ADDRESS_FAILURES
    ):
        raise AuthError("locked", LOCKED)
    user = user_by_email(email)
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if not (user and valid and user.is_active):
        db.session.add(LoginFailure(email=email, ip=ip, at=now))
        raise AuthError("invalid", INVALID)
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == email))
    user.last_login_at = now
    return user


def check_password_rules(password):
    if len(password or "") < MIN_PASSWORD:
        raise AuthError("weak", _l("The password needs at least 10 characters."))


def create_user(email, role, password, *, district=None, full_name="", by=None):
    role = Role(role)
    email = normalize_email(email)
    if not email or "@" not in email:
        raise AuthError("email", _l("Invalid e-mail address."))
    if user_by_email(email):
        raise AuthError("exists", _l("A user with this e-mail already exists."))
    if (role == Role.district) != (district is not None):
        raise AuthError("district", _l("A district coordinator needs a district, others none."))
    check_password_rules(password)
    user = User(
        email=email,
        role=role,
        district=district,
        full_name=full_name or "",
        password_hash=generate_password_hash(password),
    )
    db.session.add(user)
    db.session.flush()
    audit.record(by, "user.create", user, after=_user_state(user), label=user.email)
    return user


def _user_state(user):
    return {
        "email": user.email,
        "role": user.role.value,
        "district": user.district.code if user.district else None,
        "active": user.is_active_account,
    }


def set_active(user, active, *, by):
    before = _user_state(user)
    user.is_active_account = active
    if not active:
        revoke_tokens(user, by=by)
    audit.record(by, "user.activate" if active else "user.deactivate", user,
                 before=before, after=_user_state(user), label=user.email)  # fmt: skip


def set_password(user, password, *, by):
    check_password_rules(password)
    user.password_hash = generate_password_hash(password)
    audit.record(by, "user.password", user, label=user.email)


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user, *, name="", by=None):
    """A new API token for the user; the plain token is returned once."""
    token = "cid_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=hash_token(token), name=name[:100]))
    audit.record(by, "user.token", user, after={"token_name": name}, label=user.email)
    return token


def revoke_tokens(user, *, by):
    revoked = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
        .execution_options(synchronize_session=False)
    ).rowcount
    if revoked:
        audit.record(by, "user.revoke_tokens", user, after={"revoked": revoked}, label=user.email)
    return revoked


def user_for_token(token, *, now):
    """The active user owning a live token, or None. Touches last_used_at."""
    if not token or len(token) > 200:
        return None
    api_token = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    if api_token is None or not api_token.user.is_active:
        return None
    api_token.last_used_at = now
    return api_token.user
