"""Who may do what: session roles for pages, Bearer tokens for the staff API."""

from functools import wraps

from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from app.core.db import utcnow
from app.core.errors import json_error

from .models import Role
from .services import user_for_token


def staff_required(*roles):
    """A page for signed-in staff of these roles: others are sent to sign in (anonymous)
    or refused with 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path))
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.staff_roles = roles
        return wrapped

    return decorator


def api_user():
    return g.get("api_user")


def api_roles(*roles):
    """A staff API route: ``Authorization: Bearer <token>``; 401 without a valid token,
    403 for another role."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            user = (
                user_for_token(token.strip(), now=utcnow()) if scheme.lower() == "bearer" else None
            )
            if user is None:
                response, status = json_error(401, "unauthorized")
                response.headers["WWW-Authenticate"] = "Bearer"
                return response, status
            if roles and user.role not in roles:
                return json_error(403, "forbidden")
            g.api_user = user
            return view(*args, **kwargs)

        wrapped.staff_roles = roles
        return wrapped

    return decorator


STAFF = (Role.admin, Role.reception, Role.district)
DESK = (Role.admin, Role.reception)
ADMIN = (Role.admin,)
