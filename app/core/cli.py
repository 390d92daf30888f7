"""``flask outbox send [--loop]``: deliver queued mail."""

import click
from flask.cli import AppGroup

from . import outbox

outbox_cli = AppGroup("outbox", help="The mail outbox.")


@outbox_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running, checking every --interval seconds.")
@click.option("--interval", default=10.0, show_default=True, help="Seconds between checks.")
def send(loop, interval):
    """Send due messages; a failure is retried later with back-off (1, 2, 4 … 60 min)."""
    outbox.run(loop=loop, interval=interval, echo=click.echo)
