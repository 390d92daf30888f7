"""``flask privacy purge`` (the privacy notice's retention promise) and ``flask privacy
export`` (one person's request)."""

import click
from flask import current_app, render_template
from flask.cli import AppGroup

from app.bookings.services import normalize_email, normalize_phone
from app.core.db import utcnow
from app.extensions import db
from app.queue import waitlist

from . import privacy

privacy_cli = AppGroup("privacy", help="Personal data.")


@privacy_cli.command("purge")
@click.option(
    "--months",
    type=click.IntRange(privacy.MIN_MONTHS, 600),
    help="Months kept after the Day (default: the office's setting, else "
    "PRIVACY_RETENTION_MONTHS, 36).",
)
def purge(months):
    """Remove the personal data of bookings of Days older than the retention period, and
    prune the audit log (AUDIT_RETENTION_YEARS), delivered mail (OUTBOX_RETENTION_DAYS), old
    sign-in failures and export jobs, and delete the waiting lists of past Days (run it
    daily; it never touches a row twice)."""
    months = months or privacy.retention_months()
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


@privacy_cli.command("export")
@click.option("--phone", help="The person's phone, as people type it.")
@click.option("--email", help="The person's e-mail.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="The ZIP to write (default: personal-data-<phone or e-mail>.zip).")  # fmt: skip
def export(phone, email, output):
    """Everything held about one person (bookings, visits, notes, proposals, mail) as a ZIP
    of data.json and a readable summary.html."""
    if not phone and not email:
        raise click.UsageError("give --phone or --email (or both)")
    try:
        phone = normalize_phone(phone) if phone else None
        email = normalize_email(email) if email else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    person = privacy.find_person(phone=phone, email=email)
    with current_app.test_request_context():
        summary = render_template("office/privacy_summary.html", person=person, now=utcnow())
    body = privacy.export_person(person, summary, by=None)
    db.session.commit()
    name = output or f"personal-data-{(phone or email).lstrip('+').replace('@', '_at_')}.zip"
    with open(name, "wb") as out:
        out.write(body)
    click.echo(f"privacy: {person.found} record(s) about {person.label} written to {name}")
