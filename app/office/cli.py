"""``flask privacy purge``: the privacy notice's retention promise."""

import click
from flask import current_app
from flask.cli import AppGroup

from app.core.db import utcnow
from app.extensions import db

from . import privacy

privacy_cli = AppGroup("privacy", help="Personal data.")


@privacy_cli.command("purge")
@click.option(
    "--months",
    type=click.IntRange(privacy.MIN_MONTHS, 600),
    help="Months kept after the Day (default: PRIVACY_RETENTION_MONTHS, 36).",
)
def purge(months):
    """Remove the personal data of bookings of Days older than the retention period (run it
    daily or monthly; it never touches a booking twice)."""
    months = months or current_app.config["PRIVACY_RETENTION_MONTHS"]
    count = privacy.purge_personal_data(utcnow(), months=months)
    db.session.commit()
    click.echo(f"privacy: {count} booking(s) made anonymous (older than {months} months)")
