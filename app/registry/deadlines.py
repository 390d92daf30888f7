"""Answer deadlines (none of the peers has them): each entry is answered — accepted,
rejected or merged — within a number of working days of Kazakhstan after it was registered
(the same ``holidays`` calendar as the Days: weekends, public holidays and transferred days
off do not count). ``flask proposals remind`` mails whoever answers it 3 working days before
and on the due day, once each."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from app.auth.models import Role, User
from app.core import audit, outbox, settings
from app.core.errors import DomainError
from app.core.i18n import LOCAL_TZ
from app.core.outbox import OutboxMessage
from app.days.services import is_working_day
from app.extensions import db

from .models import Proposal, ProposalTally, Registry, Status

KEY = "answer_days"
MIN_DAYS, MAX_DAYS = 1, 120
#: a reminder this many working days before the due day, and one on it
SOON = 3
#: statuses still waiting for an answer
OPEN = (Status.submitted, Status.under_review)
ANSWERS = (Status.accepted, Status.rejected, Status.merged)

BAD_DAYS = _l("From %(min)d to %(max)d working days.")


class DeadlineError(DomainError):
    status = 422


def answer_days():
    """Working days to answer (the office's setting, else PROPOSAL_ANSWER_DAYS, 15)."""
    return int(settings.get(KEY, "PROPOSAL_ANSWER_DAYS"))


def set_answer_days(days, *, by):
    """Change the setting for entries registered from now on (earlier ones keep theirs)."""
    if not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        raise DeadlineError("answer_days", BAD_DAYS, field="days", min=MIN_DAYS, max=MAX_DAYS)
    before = answer_days()
    settings.put(KEY, days, by=by)
    audit.record(by, "settings.deadline", settings.Setting(key=KEY), label=KEY,
                 before={"days": before}, after={"days": days})  # fmt: skip


def add_working_days(start, count):
    """The date ``count`` working days after ``start`` (``start`` itself not counted)."""
    on = start
    while count > 0:
        on += timedelta(days=1)
        if is_working_day(on):
            count -= 1
    return on


def working_days_between(start, end):
    """Working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
    count, on = 0, start
    while on < end:
        on += timedelta(days=1)
        count += is_working_day(on)
    return count


def due_date(registered_at):
    return add_working_days(registered_at.astimezone(LOCAL_TZ).date(), answer_days())


def is_overdue(proposal, today):
    return (
        proposal.due_on is not None
        and proposal.answered_on is None
        and proposal.status in OPEN
        and today > proposal.due_on
    )


def overdue_condition(today):
    """SQL: the entry's answer is late and it is still open."""
    return and_(Proposal.due_on < today, Proposal.answered_on.is_(None), Proposal.status.in_(OPEN))


def overdue(today, district_id=None, *, limit=20):
    """(count, the first ``limit`` entries) past their deadline, oldest due first."""
    condition = overdue_condition(today)
    if district_id is not None:
        condition = condition & (Proposal.district_id == district_id)
    count = db.session.scalar(select(func.count(Proposal.id)).where(condition))
    entries = db.session.scalars(
        select(Proposal).where(condition).order_by(Proposal.due_on, Proposal.id).limit(limit)
    ).all()
    return count, entries


def record_answer(proposal, to, now):
    """Called on a status change: the day of the first answer is kept."""
    if proposal.answered_on is None and to in ANSWERS:
        proposal.answered_on = now.astimezone(LOCAL_TZ).date()


def timeliness_counts(then, *, scope=None):
    """{district_id: (answered on time, answered late, overdue)} as they stood at the end of
    the day ``then``: answers given up to it, entries open past their due date on it.

    The answers come from the running totals (``proposal_tallies``) less those given after
    ``then``; the overdue from the open entries (a partial index) and those answered after
    ``then``. Each query reads what is open or recent, not the registry's years."""
    counts = {}

    def totals(district_id):
        return counts.setdefault(district_id, [0, 0, 0])

    tallies = select(ProposalTally.district_id, func.sum(ProposalTally.on_time),
                     func.sum(ProposalTally.late)).group_by(ProposalTally.district_id)  # fmt: skip
    # Answered after ``then``: not an answer yet on it, and overdue if due before it. Read
    # row by row (a few), so the database walks the answered_on index, not every entry.
    later = select(Proposal.district_id, Proposal.answered_on, Proposal.due_on).where(
        Proposal.answered_on > then, Proposal.due_on.is_not(None)
    )
    open_late = (
        select(Proposal.district_id, func.count())
        .where(Proposal.answered_on.is_(None), Proposal.due_on < then)
        .group_by(Proposal.district_id)
    )
    if scope is not None:
        tallies = tallies.where(ProposalTally.district_id == scope)
        later = later.where(Proposal.district_id == scope)
        open_late = open_late.where(Proposal.district_id == scope)
    for district_id, on_time, late in db.session.execute(tallies):
        totals(district_id)[:2] = [int(on_time or 0), int(late or 0)]
    for district_id, answered_on, due_on in db.session.execute(later):
        figures = totals(district_id)
        figures[0 if answered_on <= due_on else 1] -= 1
        figures[2] += due_on < then
    for district_id, overdue in db.session.execute(open_late):
        totals(district_id)[2] += overdue
    return {district: tuple(figures) for district, figures in counts.items()}


# --- reminders ----------------------------------------------------------------------------


def _recipients(proposal, coordinators, admins):
    """The responsible person when their e-mail is written there; otherwise the district's
    coordinators (district registry) or the office (regional registry, or no coordinator)."""
    responsible = (proposal.responsible or "").strip()
    if "@" in responsible and " " not in responsible:
        return [responsible.lower()]
    if proposal.in_registry == Registry.district and coordinators.get(proposal.district_id):
        return coordinators[proposal.district_id]
    return admins


def queue_reminders(now):
    """Queue the reminders due now: at ``SOON`` working days before the due day and on it
    (or later, if the command did not run that day), once per entry, moment and recipient."""
    today = now.astimezone(LOCAL_TZ).date()
    horizon = add_working_days(today, SOON)
    open_entries = db.session.scalars(
        select(Proposal)
        .where(
            Proposal.status.in_(OPEN),
            Proposal.answered_on.is_(None),
            Proposal.due_on.is_not(None),
            Proposal.due_on <= horizon,
        )
        .order_by(Proposal.due_on)
    ).all()
    if not open_entries:
        return 0
    staff = db.session.scalars(select(User).where(User.is_active_account)).all()
    coordinators, admins = {}, []
    for user in staff:
        if user.role == Role.district:
            coordinators.setdefault(user.district_id, []).append(user.email)
        elif user.role == Role.admin:
            admins.append(user.email)
    keys = set(
        db.session.scalars(
            select(OutboxMessage.dedupe_key).where(
                OutboxMessage.dedupe_key.in_(
                    [f"deadline:{p.id}:{w}" for p in open_entries for w in ("soon", "due")]
                )
            )
        )
    )
    queued = 0
    for proposal in open_entries:
        moment = "due" if today >= proposal.due_on else "soon"
        base = f"deadline:{proposal.id}:{moment}"
        if base in keys:
            continue
        for n, email in enumerate(_recipients(proposal, coordinators, admins)):
            # The first recipient's key marks the moment done; each recipient has its own.
            key = base if n == 0 else f"{base}:{email}"[:120]
            outbox.enqueue(
                "proposal_deadline",
                email,
                language="ru",
                dedupe_key=key,
                proposal_id=proposal.id,
                number=proposal.number,
                title=proposal.title,
                due_on=proposal.due_on.isoformat(),
                moment=moment,
                days_left=working_days_between(today, proposal.due_on),
            )
            queued += 1
    return queued
