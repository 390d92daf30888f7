"""``flask outbox send [--loop]``: deliver queued mail and SMS; ``flask outbox sms-status``:
fetch the SMS delivery reports."""

import click
from flask.cli import AppGroup

from . import outbox, sms
from .db import utcnow

outbox_cli = AppGroup("outbox", help="The outbox: mail and SMS.")


@outbox_cli.command("send")
@click.option(
    "--loop", is_flag=True, help="Keep running: drain the queue, then check every --interval s."
)
@click.option("--interval", default=10.0, show_default=True, help="Seconds between checks.")
@click.option("--batch", default=outbox.BATCH, show_default=True, type=click.IntRange(1, 1000),
              help="Messages claimed at once (one SMTP connection per batch).")  # fmt: skip
def send(loop, interval, batch):
    """Send due messages; a failure is retried later with back-off (1, 2, 4 … 60 min).

    Exits with status 1 when every message of the batch failed (SMTP down), printing what
    failed, so cron or systemd can tell."""
    delivery = outbox.run(loop=loop, interval=interval, batch=batch, echo=click.echo)
    if delivery.failed and not delivery.sent:
        raise SystemExit(1)


@outbox_cli.command("sms-status")
def sms_status():
    """Ask the SMS provider for the delivery reports of SMS sent in the last 3 days and mark
    them delivered or failed (run it every few minutes; safe to repeat)."""
    try:
        counts = outbox.poll_sms_reports(utcnow())
    except sms.SmsError as exc:
        click.echo(f"sms-status: the provider did not answer: {exc}")
        raise SystemExit(1) from None
    click.echo(
        f"sms-status: {counts['delivered']} delivered, {counts['failed']} failed, "
        f"{counts['pending']} pending"
    )
