"""``flask days generate`` and ``flask days list``."""

from datetime import date

import click
from flask.cli import AppGroup

from app.core.db import utcnow
from app.core.i18n import LOCAL_TZ
from app.extensions import db

from . import services

days_cli = AppGroup("days", help="The calendar of Days.")


def _month(value):
    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise click.BadParameter("use YYYY-MM, e.g. 2026-11") from None


@days_cli.command("generate")
@click.option("--from", "start", metavar="YYYY-MM", help="First month (default: this month).")
@click.option("--months", default=12, show_default=True, type=click.IntRange(1, 240))
def generate(start, months):
    """Create the Day of each month: last Friday, moved before holidays. Idempotent."""
    first = _month(start) if start else services.today_local(utcnow()).replace(day=1)
    outcome = services.generate_days(first, months)
    db.session.commit()
    click.echo(
        f"{outcome['created']} created, {outcome['moved']} moved, {outcome['kept']} kept "
        f"({first:%Y-%m}, {months} months)"
    )


@days_cli.command("list")
@click.option("--from", "since", metavar="YYYY-MM-DD", help="First date (default: today).")
def list_days(since):
    """Print the Days with their hours, status and free seats."""
    first = date.fromisoformat(since) if since else services.today_local(utcnow())
    for day, seats, free in services.days_with_seats(first):
        start = day.starts_at.astimezone(LOCAL_TZ)
        end = day.ends_at.astimezone(LOCAL_TZ)
        click.echo(
            f"{day.date}  {start:%H:%M}-{end:%H:%M} {start:%z}  {day.status.value:<9}  "
            f"{free}/{seats} free"
        )
