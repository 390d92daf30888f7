"""Staff accounts and their API tokens."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.audit import AuditEntry
from app.core.db import UTCDateTime, utcnow
from app.extensions import db
from app.places.models import District


class Role(enum.StrEnum):
    admin = "admin"
    reception = "reception"
    district = "district"

    @property
    def title(self):
        return ROLE_TITLES[self]


ROLE_TITLES = {
    Role.admin: _l("Project Office (administrator)"),
    Role.reception: _l("reception desk"),
    Role.district: _l("district coordinator"),
}


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "(role = 'district') = (district_id IS NOT NULL)", name="district_role_has_district"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the login, lower-case
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, validate_strings=True)
    )
    #: a district coordinator's district; None for other roles
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    #: scrypt hash (werkzeug)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: sessions carry the version they were issued under; raising it ends them all
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    district: Mapped[District | None] = relationship()

    @property
    def is_active(self):
        return self.is_active_account

    def get_id(self):
        """Flask-Login's alternative id: a session cookie names the user and the session
        version it was issued under, so sign-out, a new password or deactivation ends it."""
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles):
        return self.role in roles

    def __repr__(self):
        return f"<User {self.email} {self.role}>"


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: SHA-256 of the token; the token is shown once and never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: what it is for, e.g. "desk scanner 1"
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginFailure(db.Model):
    """A failed sign-in, counted per account and per address to throttle guessing."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_email_at", "email", "at"),
        Index("ix_login_failures_ip_at", "ip", "at"),
        Index("ix_login_failures_device_at", "device", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    #: the trusted browser's device nonce, when the failure came from one
    device: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Relations that point up (core knows nothing of staff accounts) are declared on this side.
AuditEntry.actor = relationship(User)
