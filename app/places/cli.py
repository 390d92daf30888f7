"""``flask seed``: the districts from their data file."""

import click

from app.extensions import db

from .services import seed_districts


@click.command("seed")
def seed():
    """Create or update the districts from the data file. Idempotent."""
    added, updated = seed_districts()
    db.session.commit()
    click.echo(f"districts: {added} added, {updated} updated")
