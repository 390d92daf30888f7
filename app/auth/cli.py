"""``flask users create`` and ``flask users token``."""

import sys

import click
from flask.cli import AppGroup

from app.extensions import db
from app.places.services import district_by_code

from . import services
from .models import Role

users_cli = AppGroup("users", help="Staff accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--district", "district_code", help="District code (role district only).")
@click.option("--name", default="", help="Full name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create(email, role, district_code, name, password_stdin):
    """Create a staff user; the password comes from a prompt or --password-stdin."""
    district = None
    if district_code:
        district = district_by_code(district_code)
        if district is None or not district.is_active:
            raise click.BadParameter(
                f"no active district {district_code!r}", param_hint="--district"
            )
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(email, role, password, district=district, full_name=name)
    except services.AuthError as exc:
        raise click.ClickException(str(exc.message)) from None
    db.session.commit()
    click.echo(f"created {user.email} ({user.role.value})")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="", help="What the token is for, e.g. 'desk scanner 1'.")
def token(email, name):
    """Print a new API token for the user (shown once; only its hash is kept)."""
    user = services.user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user {email}")
    plain = services.issue_token(user, name=name)
    db.session.commit()
    click.echo(plain)


@users_cli.command("revoke-tokens")
@click.argument("email")
def revoke(email):
    """Revoke every API token of the user."""
    user = services.user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user {email}")
    count = services.revoke_tokens(user, by=None)
    db.session.commit()
    click.echo(f"revoked {count} token(s)")
