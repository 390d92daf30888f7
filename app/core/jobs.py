"""Background jobs for work too long for a request (a large export): queued in the
database, run by the outbox worker (``flask outbox send --loop``) on any node, with
progress the page can show, and the result kept for a day.

A job is claimed with a lease like an outbox message (one worker runs it; a crashed
worker's lease runs out and another takes it over). Its file is stored in the database, so
whichever app server serves the download has it.
"""

import enum
import tempfile
from datetime import datetime, timedelta

from sqlalchemy import JSON, Enum, ForeignKey, Index, LargeBinary, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db

from .db import UTCDateTime, utcnow

#: how long a finished job's file is kept
KEPT = timedelta(days=1)
#: a worker holds a job this long without news before another may take it
LEASE = timedelta(minutes=15)
#: progress is written at least this many rows apart (and about fifty times a job)
PROGRESS_STEP = 500
RUNNERS = {}


class JobStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    expired = "expired"


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what to run, e.g. ``registry_xlsx``; picks the runner
    kind: Mapped[str] = mapped_column(String(40))
    #: what the runner needs (filters, scope): JSON
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: the staff member who asked (only they, and admins, may see it)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[JobStatus] = mapped_column(
        Enum(JobStatus, native_enum=False, length=20, validate_strings=True),
        default=JobStatus.queued,
    )
    #: rows done and rows in all, for the progress bar
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    #: the result: a file name, its type and its bytes (cleared when it expires)
    filename: Mapped[str | None] = mapped_column(String(120))
    content_type: Mapped[str | None] = mapped_column(String(120))
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: while running: the lease; then: when the file goes
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def percent(self):
        if self.status == JobStatus.done:
            return 100
        return int(100 * self.done / self.total) if self.total else 0


def runner(kind):
    """Register ``func(job, progress) -> (filename, content_type, file object)``; it calls
    ``progress(done)`` as it goes."""

    def register(func):
        RUNNERS[kind] = func
        return func

    return register


def counted(rows, progress):
    """The rows a runner writes, each one counted into ``progress(done)`` as it is read."""
    for done, row in enumerate(rows, start=1):
        progress(done)
        yield row


def submit(kind, params, *, total, by, now):
    """Queue a job in the current transaction. ``total``: the rows it will write, or 0 when
    the runner counts them itself (``set_total``) — a count the request need not pay."""
    job = Job(kind=kind, params=params, total=total, requested_by_id=getattr(by, "id", None),
              status=JobStatus.queued, created_at=now)  # fmt: skip
    db.session.add(job)
    db.session.flush()
    return job


def _claim(now):
    due = (
        select(Job.id)
        .where(
            (Job.status == JobStatus.queued)
            | ((Job.status == JobStatus.running) & (Job.until < now))
        )
        .order_by(Job.id)
        .limit(1)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    job_id = db.session.scalar(due)
    claimed = None
    if job_id is not None:
        claimed = db.session.scalar(
            update(Job)
            .where(
                Job.id == job_id,
                (Job.status == JobStatus.queued)
                | ((Job.status == JobStatus.running) & (Job.until < now)),
            )
            .values(status=JobStatus.running, started_at=now, until=now + LEASE, done=0)
            .returning(Job.id)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return claimed


def set_total(job, total):
    """The rows a running job will write, counted by its runner: the page's progress bar
    has its scale from then on (in a transaction of its own, like the progress)."""
    with db.engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job.id).values(total=total))
    # as loaded, not as a change: the runner's session must not write the job (its reads
    # would then hold the write lock the progress updates need)
    set_committed_value(job, "total", total)


def _report(job_id, done):
    """Progress, in a transaction of its own (the job's rows are read in another)."""
    with db.engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job_id).values(done=done, until=utcnow() + LEASE))


def run_due(now=None):
    """Run one due job, if any; returns its id (or None)."""
    now = now or utcnow()
    job_id = _claim(now)
    if job_id is None:
        return None
    job = db.session.get(Job, job_id)
    every = max(job.total // 50, PROGRESS_STEP)

    def progress(done):
        if done % every == 0:
            _report(job_id, done)

    try:
        filename, content_type, result = RUNNERS[job.kind](job, progress)
        result.seek(0)
        content = result.read()
        result.close()
    except Exception as exc:  # a failed export is shown, not retried forever
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.status, job.error = JobStatus.failed, f"{type(exc).__name__}: {exc}"[:2000]
        job.finished_at = utcnow()
    else:
        db.session.rollback()  # the runner's reads end here
        job = db.session.get(Job, job_id)
        job.status, job.filename, job.content_type = JobStatus.done, filename, content_type
        job.content, job.done = content, job.total
        job.finished_at = utcnow()
        job.until = job.finished_at + KEPT
    db.session.commit()
    return job_id


def expire(now):
    """Clear the files of jobs finished more than a day ago; returns how many."""
    gone = db.session.execute(
        update(Job)
        .where(Job.status == JobStatus.done, Job.until < now)
        .values(status=JobStatus.expired, content=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    return gone


def spool():
    """A temporary file for a runner to write its result into."""
    return tempfile.TemporaryFile()
