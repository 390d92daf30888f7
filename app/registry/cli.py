"""``flask proposals remind``: answer deadlines."""

import click
from flask.cli import AppGroup

from app.core.db import utcnow
from app.extensions import db

from .deadlines import queue_reminders

proposals_cli = AppGroup("proposals", help="Registry entries.")


@proposals_cli.command("remind")
def remind():
    """Mail whoever answers an open entry 3 working days before its due day and on it
    (once each, however often this runs: run it daily or hourly)."""
    queued = queue_reminders(utcnow())
    db.session.commit()
    click.echo(f"deadline reminders: {queued} queued")
