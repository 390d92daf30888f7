"""``flask dev fake-data``: fill a database with years of made-up Days, bookings, registry
entries, audit entries and mail, to see how the pages hold up (refused in production)."""

import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.core.db import utcnow

from . import fake

dev_cli = AppGroup("dev", help="Developer tools (refused with APP_ENV=production).")


@dev_cli.command("fake-data")
@click.option("--years", type=click.IntRange(1, 30), default=10, show_default=True)
@click.option(
    "--density",
    type=click.FloatRange(0.01, 5),
    default=1.0,
    show_default=True,
    help="1 is a busy office: 36–50 bookings a Day, 3 000 entries, 20 000 audit entries a year.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same rows.")
def fake_data(years, density, seed):
    """Fill the years before today beside what is there (run `flask seed` first)."""
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException("refused: APP_ENV=production (this makes up data)")
    started = time.perf_counter()
    filled = fake.fill(utcnow(), years=years, density=density, seed=seed)
    click.echo(
        f"dev: {filled.days} Days, {filled.bookings} bookings, {filled.notes} visit notes, "
        f"{filled.proposals} registry entries ({filled.events} history events), "
        f"{filled.audit} audit entries, {filled.outbox} delivered messages "
        f"in {time.perf_counter() - started:.1f} s"
    )
