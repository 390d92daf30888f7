"""Staff accounts: sign-in with throttling, creation, API tokens. Every change audited.

Throttling never lets someone without the password stop a person who has it: failures are
counted per account *and* client address (a lock of that pair only), per address (a growing
wait, not a lock), and per trusted browser — a browser that signed in to the account before
carries a signed device cookie and is judged by its own failures alone (OWASP's "device
cookies"), so guessing from elsewhere, or from behind the same NAT, never locks it out.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.core import audit
from app.core.errors import DomainError
from app.extensions import db

from .models import ApiToken, LoginFailure, Role, User

#: failures of one account from one address (or one trusted browser) before that pair waits
PAIR_FAILURES = 5
#: failures from one address, any account, before each further try must wait longer
ADDRESS_FAILURES = 20
FAILURE_WINDOW = timedelta(minutes=15)
#: the longest wait between tries from an address under attack
ADDRESS_MAX_WAIT = timedelta(seconds=60)
MIN_PASSWORD = 12
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")
KEYBOARD_RUNS = (
    "1234567890", "qwertyuiopasdfghjklzxcvbnm", "йцукенгшщзхъфывапролджэячсмитьбю",
    "abcdefghijklmnopqrstuvwxyz", "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
)  # fmt: skip
# A real hash to compare against when the account does not exist (same time either way).
_DUMMY_HASH = generate_password_hash("not a password of anyone")


class AuthError(DomainError):
    """Sign-in or account rules refused the action."""


INVALID = _l("Wrong e-mail or password.")
LOCKED = _l(
    "Too many failed attempts. Sign-in for this account from here is locked for 15 minutes; "
    "ask an administrator if you forgot the password."
)
SLOW_DOWN = _l("Too many failed attempts from your network. Please try again in %(seconds)d s.")


def normalize_email(email):
    return (email or "").strip().lower()


def user_by_email(email):
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


@dataclass(frozen=True)
class Device:
    """A browser that signed in to an account before (from its signed device cookie)."""

    user_id: int
    nonce: str


@dataclass(frozen=True)
class SignIn:
    user: User
    #: failed attempts on the account since its previous sign-in (shown as a warning)
    failures_since_last: int
    #: the browser's device nonce, to (re)issue its cookie
    device_nonce: str


def _count(*conditions):
    return db.session.scalar(select(func.count(LoginFailure.id)).where(*conditions))


def _address_wait(ip, since, now):
    """How long an address must still wait before its next try (zero below the limit)."""
    untrusted = (LoginFailure.ip == ip, LoginFailure.device.is_(None), LoginFailure.at > since)
    failures = _count(*untrusted)
    if failures < ADDRESS_FAILURES:
        return timedelta(0)
    last = db.session.scalar(select(func.max(LoginFailure.at)).where(*untrusted))
    wait = min(timedelta(seconds=2 ** (failures - ADDRESS_FAILURES)), ADDRESS_MAX_WAIT)
    return max(last + wait - now, timedelta(0))


def authenticate(email, password, *, ip, now, device=None):
    """A ``SignIn`` for these credentials, or AuthError (invalid, locked or slow_down).

    ``device``: the browser's verified device cookie, if any. The limits are checked before
    the password, so a locked pair learns nothing about it.
    """
    email = normalize_email(email)[:254]
    ip = (ip or "unknown")[:64]
    user = user_by_email(email)
    trusted = device if device and user and device.user_id == user.id else None
    since = now - FAILURE_WINDOW
    if trusted:
        if _count(LoginFailure.device == trusted.nonce, LoginFailure.at > since) >= PAIR_FAILURES:
            raise AuthError("locked", LOCKED)
    else:
        pair = (LoginFailure.email == email, LoginFailure.ip == ip, LoginFailure.device.is_(None))
        if _count(*pair, LoginFailure.at > since) >= PAIR_FAILURES:
            raise AuthError("locked", LOCKED)
        wait = _address_wait(ip, since, now)
        if wait:
            raise AuthError("slow_down", SLOW_DOWN, seconds=max(int(wait.total_seconds()), 1))
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if not (user and valid and user.is_active):
        db.session.add(
            LoginFailure(email=email, ip=ip, at=now, device=trusted.nonce if trusted else None)
        )
        if user is not None:
            audit.record(None, "user.sign_in_failed", user, label=user.email,
                         after={"ip": ip, "trusted_browser": bool(trusted)})  # fmt: skip
        raise AuthError("invalid", INVALID)
    earlier = [LoginFailure.email == email]
    if user.last_login_at is not None:
        earlier.append(LoginFailure.at > user.last_login_at)
    failures = _count(*earlier)
    # This pair and this browser start again; failures from other addresses keep counting.
    db.session.execute(
        delete(LoginFailure).where(
            LoginFailure.email == email,
            (LoginFailure.ip == ip) | (LoginFailure.device == (trusted.nonce if trusted else "")),
        )
    )
    user.last_login_at = now
    audit.record(user, "user.sign_in", user, label=user.email, after={"ip": ip})
    return SignIn(user, failures, trusted.nonce if trusted else secrets.token_urlsafe(16))


@cache
def _common_passwords():
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _is_keyboard_run(password):
    lowered = password.casefold()
    for row in KEYBOARD_RUNS:
        for line in (row * 3, row[::-1] * 3):
            if lowered in line:
                return True
    return False


def check_password_rules(password, email=""):
    """At least 12 characters, not one character repeated, not a run of the keyboard or the
    alphabet, not one of the 10 000 most common passwords (nor one of them with digits or
    signs added at the end), not the e-mail. Checked when a password is set; older, shorter
    ones keep working until they are changed."""
    password = password or ""
    lowered = password.casefold()
    email = normalize_email(email)
    if len(password) < MIN_PASSWORD:
        raise AuthError("weak", _l("The password needs at least 12 characters."))
    if len(set(lowered)) == 1 or _is_keyboard_run(password):
        raise AuthError("weak", _l("The password is too easy to guess: it is a row of keys."))
    base = lowered.rstrip("0123456789!@#$%^&*()_-+=.,?;: ")
    if lowered in _common_passwords() or (len(base) >= 4 and base in _common_passwords()):
        raise AuthError("weak", _l("This password is among the most common ones: choose another."))
    if email and lowered in (email, email.partition("@")[0]):
        raise AuthError("weak", _l("The password must not be the e-mail address."))


def create_user(email, role, password, *, district=None, full_name="", by=None):
    role = Role(role)
    email = normalize_email(email)
    if not email or "@" not in email:
        raise AuthError("email", _l("Invalid e-mail address."))
    if user_by_email(email):
        raise AuthError("exists", _l("A user with this e-mail already exists."))
    if (role == Role.district) != (district is not None):
        raise AuthError("district", _l("A district coordinator needs a district, others none."))
    check_password_rules(password, email)
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


def end_sessions(user):
    """Every session cookie issued to the user so far stops working (sign-out, a new
    password, deactivation): the cookie carries the version it was issued under."""
    user.session_version += 1


def set_active(user, active, *, by):
    before = _user_state(user)
    user.is_active_account = active
    if not active:
        end_sessions(user)
        revoke_tokens(user, by=by)
    audit.record(by, "user.activate" if active else "user.deactivate", user,
                 before=before, after=_user_state(user), label=user.email)  # fmt: skip


def set_password(user, password, *, by):
    check_password_rules(password, user.email)
    user.password_hash = generate_password_hash(password)
    end_sessions(user)
    audit.record(by, "user.password", user, label=user.email)


def change_role(user, role, district=None, *, by):
    """A new role (and district, for a coordinator); the change takes effect at once."""
    role = Role(role)
    if (role == Role.district) != (district is not None):
        raise AuthError("district", _l("A district coordinator needs a district, others none."))
    before = _user_state(user)
    user.role, user.district = role, district
    after = _user_state(user)
    if after != before:
        audit.record(by, "user.change", user, label=user.email,
                     before={k: v for k, v in before.items() if after[k] != v},
                     after={k: v for k, v in after.items() if before[k] != v})  # fmt: skip


def reset_password(user, *, by):
    """A generated password, returned once to be handed over; every session ends."""
    password = "-".join(secrets.token_urlsafe(6) for _part in range(3))
    user.password_hash = generate_password_hash(password)
    end_sessions(user)
    audit.record(by, "user.password_reset", user, label=user.email)
    return password


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
