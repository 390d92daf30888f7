"""``flask reminders send``: the day-before reminder."""

import click
from flask.cli import AppGroup

from app.core.db import utcnow
from app.extensions import db

from .services import queue_reminders

reminders_cli = AppGroup("reminders", help="Reminders to visitors.")


@reminders_cli.command("send")
def send():
    """Queue the reminder for tomorrow's bookings. Safe to run every hour: never twice."""
    queued = queue_reminders(utcnow())
    db.session.commit()
    click.echo(f"reminders: {queued} queued")


privacy_cli = AppGroup("privacy", help="Personal data.")


@privacy_cli.command("purge")
@click.option("--years", default=3, show_default=True, type=click.IntRange(1, 50))
def purge(years):
    """Remove the personal data of bookings of Days older than --years (run it monthly)."""
    from .services import purge_personal_data

    count = purge_personal_data(utcnow(), years=years)
    db.session.commit()
    click.echo(f"privacy: {count} booking(s) made anonymous")
