"""Set-up and organisation data: `tracker init`, `user`, `token`, `unit`, `taxonomy`,
`ivo-categories`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

import click

from events.errors import DomainError
from events.taxonomy import Operation
from tracker.admin import ivo_categories
from tracker.admin.changes import Administration
from tracker.cli.common import open_from_env, redacted
from tracker.people.accounts import Role
from tracker.runtime import Runtime

ROLE_NAMES = [role.value for role in Role]


def administration(rt: Runtime) -> Administration:
    """Changes from the command line go through the same rules as the admin pages and are
    recorded in the change log under the operating-system user."""
    import getpass

    return Administration.of(rt, actor=getpass.getuser(), source="cli")


@click.command()
def init() -> None:
    """Create the database tables and the default units and taxonomy.

    Safe to run again, and safe when several processes start at once.
    """
    rt = open_from_env()
    click.echo(f"Database ready: {redacted(rt.settings.database_url)}")
    click.echo(f"Units: {len(rt.organisation.units())}; users: {rt.accounts.count()}")
    rt.close()


# --- users -----------------------------------------------------------------------------


@click.group()
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
@click.option("--email", default=None, help="E-mail address for notifications and the digest.")
def user_add(
    username: str, role: str, units: tuple[str, ...], password_stdin: bool, email: str | None
) -> None:
    """Create USERNAME with a role.

    Without --password-stdin a one-time password is printed; the user must change it
    at first login. With TRACKER_LOCAL_LOGIN=false the account gets no password: the
    person signs in with the municipality's account, and the first such sign-in under
    USERNAME is linked to it. The password follows the same policy as on the pages.
    """
    rt = open_from_env()
    try:
        password = sys.stdin.readline().rstrip("\n") if password_stdin else None
        _, one_time = administration(rt).add_user(
            username, Role(role), units=set(units), email=email, password=password,
            provider_only=password is None and not rt.settings.local_login,
        )
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        rt.close()
    click.echo(f"Created {username} ({role}).")
    if one_time:
        click.echo(f"One-time password: {one_time}")
    elif not password_stdin:
        click.echo("No password: signs in with the municipality's account (TRACKER_LOCAL_LOGIN"
                   "=false).")


@user.command("list")
def user_list() -> None:
    """List user accounts with role and units."""
    rt = open_from_env()
    for account in rt.accounts.all():
        units = ",".join(sorted(account.units)) or "-"
        state = "" if account.active else " (inactive)"
        click.echo(f"{account.username}\t{account.role.value}\t{units}{state}")
    rt.close()


# --- API tokens ------------------------------------------------------------------------


@click.group()
def token() -> None:
    """Bearer tokens for the JSON API (/api/v1)."""


@token.command("create")
@click.argument("username")
@click.option("--name", default="", help="What the token is for (shown in the token lists).")
def token_create(username: str, name: str) -> None:
    """Print a new API token for USERNAME on one line (and nothing else).

    Use it as 'Authorization: Bearer <token>'. The token acts with the user's role.
    Only a hash is stored, so keep the printed value. For the operator of the machine
    (an integration's account): the change list records it under the operating-system
    user. People make their own under Mina inställningar; the admin pages make none.
    """
    rt = open_from_env()
    try:
        click.echo(administration(rt).create_token(username, name))
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        rt.close()


@token.command("revoke")
@click.argument("username")
def token_revoke(username: str) -> None:
    """Revoke every API token of USERNAME."""
    rt = open_from_env()
    try:
        click.echo(f"Revoked {administration(rt).revoke_all_tokens(username)} token(s).")
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        rt.close()


# --- units -----------------------------------------------------------------------------


@click.group()
def unit() -> None:
    """Units (enheter) and the operation (IFO or HVB) each belongs to."""


@unit.command("list")
def unit_list() -> None:
    """List the units: code, operation, name."""
    rt = open_from_env()
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
    rt = open_from_env()
    try:
        administration(rt).add_unit(code, name, Operation(operation))
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        rt.close()
    click.echo(f"Added {code} ({operation}).")


@unit.command("rename")
@click.argument("code")
@click.argument("name")
def unit_rename(code: str, name: str) -> None:
    """Give unit CODE a new display NAME (the code, used in events and reports, stays)."""
    rt = open_from_env()
    try:
        administration(rt).rename_unit(code, name)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        rt.close()
    click.echo(f"Renamed {code}.")


@unit.command("deactivate")
@click.argument("code")
def unit_deactivate(code: str) -> None:
    """Stop offering unit CODE for new cases; its history and reports stay."""
    rt = open_from_env()
    try:
        administration(rt).set_unit_active(code, False)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        rt.close()
    click.echo(f"Deactivated {code}.")


# --- taxonomy --------------------------------------------------------------------------


@click.group()
def taxonomy() -> None:
    """Kvalitetsområden and underkategorier (versioned: a change never rewrites history)."""


@taxonomy.command("list")
def taxonomy_list() -> None:
    """Show the current taxonomy version with codes and names."""
    rt = open_from_env()
    current = rt.organisation.taxonomy()
    rt.close()
    click.echo(f"Version {current.version}")
    for category in current.categories.values():
        state = "" if category.active else " (inactive)"
        click.echo(f"{category.code}\t{category.name}{state}")
        for code, name in category.subcategories.items():
            click.echo(f"  {code}\t{name}{' (inactive)' if code in category.retired else ''}")


def _taxonomy_change(change: Callable[[Administration], int]) -> None:
    """Run one change through tracker.admin.changes and say which version it made."""
    rt = open_from_env()
    try:
        version = change(administration(rt))
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        rt.close()
    click.echo(f"Published taxonomy version {version}.")


@taxonomy.command("add-category")
@click.argument("code")
@click.argument("name")
def taxonomy_add_category(code: str, name: str) -> None:
    """Add a kvalitetsområde with a new stable CODE and a display NAME."""
    _taxonomy_change(lambda admin: admin.add_category(code, name))


@taxonomy.command("add-subcategory")
@click.argument("category")
@click.argument("code")
@click.argument("name")
def taxonomy_add_subcategory(category: str, code: str, name: str) -> None:
    """Add an underkategori to an existing CATEGORY that already has subcategories."""
    _taxonomy_change(lambda admin: admin.add_subcategory(category, code, name))


@taxonomy.command("rename")
@click.argument("code")
@click.argument("name")
def taxonomy_rename(code: str, name: str) -> None:
    """Give category or subcategory CODE a new display NAME. Stored deviations keep the code."""
    _taxonomy_change(lambda admin: admin.rename_taxonomy(code, name))


@taxonomy.command("deactivate")
@click.argument("code")
def taxonomy_deactivate(code: str) -> None:
    """Stop offering category or subcategory CODE for new deviations (history and reports
    keep it)."""
    _taxonomy_change(lambda admin: admin.set_category_active(code, False))


# --- IVO's categories ------------------------------------------------------------------


@click.group("ivo-categories")
def ivo_categories_cli() -> None:
    """IVO's händelsekategorier and verksamhetsområden, and what maps to them (versioned)."""


@ivo_categories_cli.command("list")
def ivo_categories_list() -> None:
    """Print the mapping in force as JSON (the format `set` reads)."""
    rt = open_from_env()
    current = rt.organisation.ivo_categories()
    rt.close()
    click.echo(json.dumps({"version": current.version, **ivo_categories.to_document(current)},
                          ensure_ascii=False, indent=2))


@ivo_categories_cli.command("set")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def ivo_categories_set(path: str) -> None:
    """Publish the mapping in the JSON file PATH (as `list` prints it) as a new version."""
    try:
        with open(path, encoding="utf-8") as handle:
            mapping = ivo_categories.from_document(0, json.load(handle))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise click.ClickException(
            f"{path}: not a mapping as `list` prints it ({error})") from None
    rt = open_from_env()
    try:
        version = administration(rt).publish_ivo_categories(mapping)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        rt.close()
    click.echo(f"Published IVO category mapping version {version}.")


COMMANDS = [init, user, token, unit, taxonomy, ivo_categories_cli]
