"""The audit log as people read it: each entry a sentence in the reader's language
(«Ким В. О. — прибытие отмечено: ACDE47, 27.11.2026 10:42»), its changes as
"field: before → after" with translated names and values. ``SENTENCES`` must name every
action the code records (a test reads app/ for them).

Its filters make one query for the page, its export and the export job; a large export is
written by the outbox worker (``audit_xlsx`` job) in the language of the admin who asked."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.auth.models import Role, User
from app.bookings.models import BookingStatus, Category, DelegateRole, Source, Topic
from app.core import jobs, params
from app.core.audit import AuditEntry
from app.core.i18n import LOCAL_TZ, day_date, local_time
from app.core.outbox import OutboxStatus
from app.core.spreadsheet import XLSX_MIMETYPE, Column, Table, Type, xlsx_file
from app.days.models import DayStatus
from app.extensions import db
from app.registry.forms import ProposalForm
from app.registry.models import (
    Initiator,
    Kind,
    Origin,
    Registry,
    Scale,
    SpecialProject,
    Status,
    Subprogram,
)

#: action → what happened, said of its object (``%(object)s``: a code, an e-mail, a number)
SENTENCES = {
    "booking.check_in": _l("arrival recorded: %(object)s"),
    "booking.undo_check_in": _l("arrival mark undone: %(object)s"),
    "booking.walk_in": _l("walk-in visitor recorded: %(object)s"),
    "booking.no_show": _l("marked as a no-show: %(object)s"),
    "booking.note": _l("visit note written: %(object)s"),
    "day.edit": _l("Day changed: %(object)s"),
    "delegate.register": _l("delegate registered: %(object)s"),
    "delegate.cancel": _l("delegate cancelled: %(object)s"),
    "delegate.replace": _l("delegate replaced: %(object)s"),
    "quota.change": _l("quota changed: %(object)s"),
    "district.edit": _l("district changed: %(object)s"),
    "mail.retry": _l("failed mail sent again: %(object)s"),
    "privacy.purge": _l("personal data past retention removed"),
    "privacy.export": _l("personal data exported: %(object)s"),
    "privacy.erase": _l("personal data erased on request: %(object)s"),
    "privacy.settings": _l("retention changed"),
    "proposal.create": _l("proposal registered: %(object)s"),
    "proposal.edit": _l("proposal edited: %(object)s"),
    "proposal.status": _l("proposal status changed: %(object)s"),
    "proposal.deadline": _l("answer deadline changed: %(object)s"),
    "settings.deadline": _l("answer deadline setting changed"),
    "user.create": _l("user created: %(object)s"),
    "user.activate": _l("user activated: %(object)s"),
    "user.deactivate": _l("user deactivated: %(object)s"),
    "user.change": _l("user's role or district changed: %(object)s"),
    "user.password": _l("password changed: %(object)s"),
    "user.password_reset": _l("password reset: %(object)s"),
    "user.token": _l("API token issued: %(object)s"),
    "user.revoke_tokens": _l("API tokens revoked: %(object)s"),
    "user.sign_in": _l("signed in"),
    "user.sign_in_failed": _l("failed sign-in: %(object)s"),
    "queue.configure": _l("desks of the Day set: %(object)s"),
    "visit.call": _l("visitor called to a desk: %(object)s"),
    "visit.called": _l("visitor called again: %(object)s"),
    "visit.recalled": _l("visitor called again: %(object)s"),
    "visit.serving": _l("visitor being served: %(object)s"),
    "visit.done": _l("visit ended: %(object)s"),
    "visit.skipped": _l("visitor did not come when called: %(object)s"),
    "kiosk.create": _l("kiosk tablet set up: %(object)s"),
    "kiosk.revoke": _l("kiosk tablet switched off: %(object)s"),
    "kiosk.check_in": _l("arrival recorded at the kiosk: %(object)s"),
    "kiosk.walk_in": _l("walk-in visitor recorded at the kiosk: %(object)s"),
}

#: a field's name, as the log shows it (proposal fields take the registry form's labels)
FIELDS = {
    "status": _l("Status"),
    "checked_in_at": _l("Arrival"),
    "checked_in_by_id": _l("Recorded by"),
    "note_id": _l("Note"),
    "text": _l("Note"),
    "follow_up": _l("Follow-up"),
    "ip": _l("Address"),
    "trusted_browser": _l("Known browser"),
    "email": _l("E-mail"),
    "role": _l("Role"),
    "district": _l("District or city"),
    "active": _l("Active"),
    "token_name": _l("Token"),
    "revoked": _l("Tokens revoked"),
    "registry": _l("Registry"),
    "origin": _l("Origin"),
    "comment": _l("Comment"),
    "min": _l("Minimum"),
    "target": _l("Target"),
    "from": _l("From"),
    "date": _l("Date"),
    "opens": _l("Opens at"),
    "closes": _l("Closes at"),
    "slot_minutes": _l("Slot length, minutes"),
    "slot_capacity": _l("Seats in each slot"),
    "told": _l("Visitors told"),
    "full_name": _l("Full name"),
    "code": _l("Booking code"),
    "bookings": _l("Bookings"),
    "before": _l("Before"),
    "attempts": _l("Attempts"),
    "category": _l("Category"),
    "topic": _l("Topic"),
    "source": _l("Source"),
    "name_ru": _l("Name in Russian"),
    "name_kk": _l("Name in Kazakh"),
    "prefix": _l("Registry prefix"),
    "is_active": _l("Active"),
    "delegates": _l("Delegates of future Days"),
    "due_on": _l("Answer due"),
    "days": _l("Working days to answer"),
    "months": _l("Retention, months"),
    "found": _l("Records found"),
    "full_name_kept": _l("Full name"),
}

#: values of these fields are members of an enum with translated titles
ENUMS = {
    "role": Role,
    "category": Category,
    "topic": Topic,
    "source": Source,
    "delegate_role": DelegateRole,
    "kind": Kind,
    "registry": Registry,
    "subprogram": Subprogram,
    "special_project": SpecialProject,
    "scale": Scale,
    "initiator_type": Initiator,
    "origin": Origin,
}
#: whose ``status`` a value is, by the object's type
STATUSES = {
    "booking": BookingStatus,
    "delegate": BookingStatus,
    "proposal": Status,
    "day": DayStatus,
    "outboxmessage": OutboxStatus,
}
MAIL_STATUS = {
    OutboxStatus.pending: _l("queued"),
    OutboxStatus.sending: _l("sending"),
    OutboxStatus.sent: _l("sent"),
    OutboxStatus.failed: _l("failed"),
}
MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Change:
    field: str
    before: str | None
    after: str | None


@dataclass
class Line:
    """An entry as the log shows it."""

    entry: object
    who: str
    sentence: str
    when: str
    changes: list


def field_name(name, object_type):
    if name in FIELDS:
        return str(FIELDS[name])
    unbound = getattr(ProposalForm, name, None)
    if object_type == "proposal" and unbound is not None and unbound.args:
        return str(unbound.args[0])
    return name.replace("_", " ")


def moment_text(moment):
    local = moment.astimezone(LOCAL_TZ)
    return f"{day_date(local.date(), 'short')} {local_time(moment)}"


def value_text(name, value, object_type, people):
    """A value as words: titles of enums, yes/no, local dates and times, people's names."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name.endswith("_by_id") and isinstance(value, int):
        return people.get(value, f"#{value}")
    enum_class = STATUSES.get(object_type) if name == "status" else ENUMS.get(name)
    if name == "role" and object_type == "delegate":
        enum_class = DelegateRole
    if enum_class is not None:
        try:
            member = enum_class(value)
        except ValueError:
            return str(value)
        return str(MAIL_STATUS[member]) if enum_class is OutboxStatus else str(member.title)
    if isinstance(value, str) and MOMENT.match(value):
        try:
            return moment_text(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, str) and DATE.match(value):
        try:
            return day_date(date.fromisoformat(value), "short")
        except ValueError:
            return value
    if isinstance(value, list | dict):
        return ", ".join(str(v) for v in (value.values() if isinstance(value, dict) else value))
    return str(value)


def changes_of(entry, people):
    before, after = entry.before or {}, entry.after or {}
    found = []
    for name in [*before, *[k for k in after if k not in before]]:
        old, new = before.get(name), after.get(name)
        if name in before and name in after and old == new:
            continue
        found.append(
            Change(
                field_name(name, entry.object_type),
                value_text(name, old, entry.object_type, people) if name in before else None,
                value_text(name, new, entry.object_type, people) if name in after else None,
            )
        )
    return found


def sentence_of(entry):
    template = SENTENCES.get(entry.action)
    label = entry.object_label or (f"#{entry.object_id}" if entry.object_id else "")
    if template is None:  # an action from before this list: said as it was recorded
        return f"{entry.action} {label}".strip()
    return str(template) % {"object": label}


def person(user):
    return (user.full_name or user.email) if user else _("system")


def action_title(code):
    return str(SENTENCES[code] % {"object": "…"}) if code in SENTENCES else code


def lines_streamed(entries, people):
    """Lines one at a time (the export). Actors come from ``people``: no query per entry."""
    for entry in entries:
        who = people.get(entry.actor_id, _("system")) if entry.actor_id else _("system")
        yield Line(entry, who, sentence_of(entry), moment_text(entry.at),
                   changes_of(entry, people))  # fmt: skip


def lines(entries, people):
    """Entries as lines; ``people``: {user id: name} for ids inside the changes."""
    return [
        Line(entry, person(entry.actor), sentence_of(entry), moment_text(entry.at),
             changes_of(entry, people))
        for entry in entries
    ]  # fmt: skip


def change_text(change):
    if change.before is None:
        return f"{change.field}: {change.after}"
    if change.after is None:
        return f"{change.field}: {change.before} → —"
    return f"{change.field}: {change.before} → {change.after}"


# --- the filters, the export and its background job -----------------------------------------

#: the filters, as the query string names them (the export job carries them as given)
FILTERS = ("actor", "action", "object", "from", "to")
#: the job kind of an export too large for a request (``EXPORT_JOB_ROWS``)
JOB = "audit_xlsx"
FILENAME = "audit-log.xlsx"


def filter_args(args):
    """The filters given, non-empty, as plain strings: what an export job carries."""
    return {name: args[name] for name in FILTERS if args.get(name)}


def selected(args):
    """The entries the filters in ``args`` (the query string, or a job's copy of it) select:
    person, action, object, dates; newest first. A malformed person or date is refused
    (``params.ParameterError``)."""
    stmt = select(AuditEntry)
    actor = params.arg_int("actor", args=args)
    action = args.get("action", "").strip()[:60]
    label = args.get("object", "").strip()[:200]
    since, until = params.arg_date("from", args=args), params.arg_date("to", args=args)
    if actor:
        stmt = stmt.where(AuditEntry.actor_id == actor)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if label:
        stmt = stmt.where(AuditEntry.object_label.in_([label, label.upper(), label.lower()]))
    if since:
        stmt = stmt.where(AuditEntry.at >= datetime.combine(since, time(0), tzinfo=LOCAL_TZ))
    if until:
        stmt = stmt.where(
            AuditEntry.at < datetime.combine(until + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
        )
    return stmt.options(selectinload(AuditEntry.actor)).order_by(AuditEntry.id.desc())


def count_of(stmt):
    """How many entries a ``selected(…)`` statement finds (one COUNT)."""
    return db.session.scalar(stmt.order_by(None).with_only_columns(func.count(AuditEntry.id)))


def more_than(stmt, limit):
    """Whether a ``selected(…)`` statement finds more than ``limit`` entries — reading at
    most ``limit`` + 1 of them, however long the log has grown."""
    probe = stmt.order_by(None).with_only_columns(AuditEntry.id).offset(limit).limit(1)
    return db.session.scalar(probe) is not None


def staff_names():
    """Every staff member (for the filter) and {user id: name} (for the lines)."""
    staff = db.session.scalars(select(User).order_by(User.email)).all()
    return staff, {user.id: person(user) for user in staff}


def workbook(entries, people):
    """One line per entry in the current language: when, who, what, the changes in one
    wrapped cell. A temporary file (rows streamed: memory stays flat however long the log)."""

    def rows():
        for line in lines_streamed(entries, people):
            yield [line.entry.at, line.who, line.sentence,
                   "\n".join(change_text(c) for c in line.changes)]  # fmt: skip

    table = Table(
        _("Audit log"),
        [Column(_("When"), Type.datetime), Column(_("Who")), Column(_("Action"), wrap=True),
         Column(_("Changes"), wrap=True)],
        rows(),
    )  # fmt: skip
    return xlsx_file(table)


@jobs.runner(JOB)
def audit_xlsx_job(job, progress):
    """The direct download's workbook, in the language the admin asked in (the worker has no
    request to pick one)."""
    with force_locale(job.params.get("language") or "ru"):
        stmt = selected(job.params["filters"])
        jobs.set_total(job, count_of(stmt))
        _staff, people = staff_names()
        entries = db.session.scalars(stmt.execution_options(yield_per=500))
        return FILENAME, XLSX_MIMETYPE, workbook(jobs.counted(entries, progress), people)
