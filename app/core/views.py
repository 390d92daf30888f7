"""The office's view of the audit log."""

from datetime import datetime, time, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import select

from app.auth.access import ADMIN, staff_required
from app.auth.models import User
from app.extensions import db

from . import params
from .audit import AuditEntry
from .i18n import LOCAL_TZ

bp = Blueprint("core", __name__)
PAGE_SIZE = 50


@bp.get("/office/audit")
@staff_required(*ADMIN)
def audit_log():
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    actor = params.arg_int("actor")
    action = request.args.get("action", "").strip()[:60]
    label = request.args.get("object", "").strip()[:200]
    since, until = params.arg_date("from"), params.arg_date("to")
    if actor:
        stmt = stmt.where(AuditEntry.actor_id == actor)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if label:
        stmt = stmt.where(AuditEntry.object_label.in_([label, label.upper()]))
    if since:
        stmt = stmt.where(AuditEntry.at >= datetime.combine(since, time(0), tzinfo=LOCAL_TZ))
    if until:
        stmt = stmt.where(
            AuditEntry.at < datetime.combine(until + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
        )
    # Keyset pagination: "older than this id" stays fast however long the log grows.
    before = params.arg_int("before")
    if before:
        stmt = stmt.where(AuditEntry.id < before)
    entries = db.session.scalars(stmt.limit(PAGE_SIZE + 1)).all()
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    actions = db.session.scalars(
        select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    ).all()
    staff = db.session.scalars(select(User).order_by(User.email)).all()
    args = {k: v for k, v in request.args.items() if k != "before"}
    return render_template(
        "core/audit.html",
        entries=entries,
        more=more,
        next_before=entries[-1].id if entries else None,
        actions=actions,
        staff=staff,
        args=args,
    )
