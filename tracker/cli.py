"""The `tracker` command: set-up, accounts, organisation data, and the processes."""

from __future__ import annotations

import sys

import click

from events.errors import DomainError
from events.taxonomy import Operation
from tracker.accounts import Role
from tracker.config import Settings
from tracker.runtime import Runtime, open_runtime
from tracker.scheduler_cli import scheduler_command

ROLE_NAMES = [role.value for role in Role]


def runtime() -> Runtime:
    return open_runtime(Settings.from_env())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Avvikelse- och Lex Sarah-tracker for a municipality's social services.

    Configuration comes from environment variables (TRACKER_DATABASE_URL,
    TRACKER_CIPHER_KEY, ...; see README.md). Without TRACKER_DATABASE_URL
    everything is stored in an SQLite file under ./instance.
    """


@main.command()
def init() -> None:
    """Create the database tables and the default units and taxonomy.

    Safe to run again, and safe when several processes start at once.
    """
    rt = runtime()
    click.echo(f"Database ready: {_redacted(rt.settings.database_url)}")
    click.echo(f"Units: {len(rt.organisation.units())}; users: {rt.accounts.count()}")
    rt.close()


# --- users -----------------------------------------------------------------------------


@main.group()
def user() -> None:
    """Manage user accounts (staff who log in to the web pages)."""


@user.command("add")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(ROLE_NAMES),
    required=True,
    help="rapportor (any staff), enhetschef (unit manager), forste_socialsekreterare, "
    "verksamhetsutvecklare (quality developer), lex_sarah_ansvarig, admin.",
)
@click.option(
    "--unit",
    "units",
    multiple=True,
    metavar="CODE",
    help="A unit the user belongs to (repeat for several). Enhetschefer see only these.",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input instead of generating a one-time password.",
)
@click.option("--email", default=None, help="E-mail address for the daily deadline digest.")
def user_add(
    username: str, role: str, units: tuple[str, ...], password_stdin: bool, email: str | None
) -> None:
    """Create USERNAME with a role.

    Without --password-stdin a one-time password is printed; the user must change it
    at first login.
    """
    import secrets

    rt = runtime()
    try:
        for code in units:
            rt.organisation.unit(code)
        if password_stdin:
            password, one_time = sys.stdin.readline().rstrip("\n"), False
        else:
            password, one_time = secrets.token_urlsafe(12), True
        rt.accounts.add(
            username,
            Role(role),
            password,
            units=set(units),
            must_change_password=one_time,
            email=email,
        )
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        rt.close()
    click.echo(f"Created {username} ({role}).")
    if one_time:
        click.echo(f"One-time password: {password}")


@user.command("list")
def user_list() -> None:
    """List user accounts with role and units."""
    rt = runtime()
    for account in rt.accounts.all():
        units = ",".join(sorted(account.units)) or "-"
        state = "" if account.active else " (inactive)"
        click.echo(f"{account.username}\t{account.role.value}\t{units}{state}")
    rt.close()


# --- API tokens ------------------------------------------------------------------------


@main.group()
def token() -> None:
    """Bearer tokens for the JSON API (/api/v1)."""


@token.command("create")
@click.argument("username")
def token_create(username: str) -> None:
    """Print a new API token for USERNAME on one line (and nothing else).

    Use it as 'Authorization: Bearer <token>'. The token acts with the user's role.
    Only a hash is stored, so keep the printed value.
    """
    rt = runtime()
    try:
        click.echo(rt.accounts.create_token(username))
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        rt.close()


@token.command("revoke")
@click.argument("username")
def token_revoke(username: str) -> None:
    """Revoke every API token of USERNAME."""
    rt = runtime()
    try:
        click.echo(f"Revoked {rt.accounts.revoke_tokens(username)} token(s).")
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        rt.close()


# --- units -----------------------------------------------------------------------------


@main.group()
def unit() -> None:
    """Units (enheter) and the operation (IFO or HVB) each belongs to."""


@unit.command("list")
def unit_list() -> None:
    """List the units: code, operation, name."""
    rt = runtime()
    for found in rt.organisation.units(include_inactive=True):
        state = "" if found.active else " (inactive)"
        click.echo(f"{found.code}\t{found.operation.value}\t{found.name}{state}")
    rt.close()


@unit.command("add")
@click.argument("code")
@click.argument("name")
@click.option(
    "--operation",
    type=click.Choice([o.value for o in Operation]),
    required=True,
    help="IFO (individ- och familjeomsorg) or HVB (HVB och stödboende).",
)
def unit_add(code: str, name: str, operation: str) -> None:
    """Add a unit with a stable CODE (used in reports and the API) and a display NAME."""
    rt = runtime()
    try:
        rt.organisation.add_unit(code, name, Operation(operation))
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        rt.close()
    click.echo(f"Added {code} ({operation}).")


def _redacted(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


main.add_command(scheduler_command)


if __name__ == "__main__":  # pragma: no cover
    main()
