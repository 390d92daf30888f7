"""``flask quotas remind``."""

import click
from flask.cli import AppGroup

from app.core.db import utcnow
from app.extensions import db

from .services import queue_quota_reminders

quotas_cli = AppGroup("quotas", help="District delegate quotas.")


@quotas_cli.command("remind")
def remind():
    """Mail coordinators of districts below quota, 7 days and 1 day before a Day (once)."""
    queued = queue_quota_reminders(utcnow())
    db.session.commit()
    click.echo(f"quota reminders: {queued} queued")
