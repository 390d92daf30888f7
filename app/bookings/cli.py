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
