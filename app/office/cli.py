"""``flask privacy purge``: the privacy notice's retention promise."""

import click
from flask import current_app
from flask.cli import AppGroup

from app.core.db import utcnow
from app.extensions import db
from app.queue import waitlist

from . import privacy

privacy_cli = AppGroup("privacy", help="Personal data.")


@privacy_cli.command("purge")
@click.option(
    "--months",
    type=click.IntRange(privacy.MIN_MONTHS, 600),
    help="Months kept after the Day (default: PRIVACY_RETENTION_MONTHS, 36).",
)
def purge(months):
    """Remove the personal data of bookings of Days older than the retention period, and
    prune the audit log (AUDIT_RETENTION_YEARS), delivered mail (OUTBOX_RETENTION_DAYS), old
    sign-in failures and export jobs, and delete the waiting lists of past Days (run it
    daily; it never touches a row twice)."""
    months = months or current_app.config["PRIVACY_RETENTION_MONTHS"]
    now, config = utcnow(), current_app.config
    count = privacy.purge_personal_data(now, months=months)
    db.session.commit()
    click.echo(f"privacy: {count} booking(s) made anonymous (older than {months} months)")
    pruned = privacy.prune_records(
        now,
        audit_years=config["AUDIT_RETENTION_YEARS"],
        outbox_days=config["OUTBOX_RETENTION_DAYS"],
    )
    db.session.commit()
    click.echo(
        f"privacy: pruned {pruned.audit} audit entries, {pruned.outbox} delivered messages, "
        f"{pruned.login_failures} sign-in failures, {pruned.jobs} export jobs"
    )
    forgotten = waitlist.forget_past(now)
    db.session.commit()
    click.echo(f"privacy: {forgotten} waiting-list entries of past Days deleted")
