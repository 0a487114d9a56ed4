"""The `tracker` command: set-up, accounts, organisation data, and the processes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

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


@unit.command("rename")
@click.argument("code")
@click.argument("name")
def unit_rename(code: str, name: str) -> None:
    """Give unit CODE a new display NAME (the code, used in events and reports, stays)."""
    rt = runtime()
    try:
        rt.organisation.rename_unit(code, name)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        rt.close()
    click.echo(f"Renamed {code}.")


@unit.command("deactivate")
@click.argument("code")
def unit_deactivate(code: str) -> None:
    """Stop offering unit CODE for new cases; its history and reports stay."""
    rt = runtime()
    try:
        rt.organisation.set_unit_active(code, False)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        rt.close()
    click.echo(f"Deactivated {code}.")


# --- taxonomy --------------------------------------------------------------------------


@main.group()
def taxonomy() -> None:
    """Kvalitetsområden and underkategorier (versioned: a change never rewrites history)."""


@taxonomy.command("list")
def taxonomy_list() -> None:
    """Show the current taxonomy version with codes and names."""
    rt = runtime()
    current = rt.organisation.taxonomy()
    rt.close()
    click.echo(f"Version {current.version}")
    for category in current.categories.values():
        state = "" if category.active else " (inactive)"
        click.echo(f"{category.code}\t{category.name}{state}")
        for code, name in category.subcategories.items():
            click.echo(f"  {code}\t{name}")


def _publish(change: Callable[[dict[str, Any]], None]) -> None:
    """Apply `change` to a copy of the current taxonomy document and publish it."""
    from tracker.organisation import taxonomy_from_document, taxonomy_to_document

    rt = runtime()
    try:
        document = taxonomy_to_document(rt.organisation.taxonomy())
        change(document)
        published = rt.organisation.publish_taxonomy(
            taxonomy_from_document(0, document), actor="admin-cli"
        )
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        rt.close()
    click.echo(f"Published taxonomy version {published.version}.")


def _category(document: dict[str, Any], code: str) -> dict[str, Any]:
    for category in document["categories"]:
        if category["code"] == code:
            return category
    raise click.ClickException(f"Unknown category code: {code}")


@taxonomy.command("add-category")
@click.argument("code")
@click.argument("name")
def taxonomy_add_category(code: str, name: str) -> None:
    """Add a kvalitetsområde with a new stable CODE and a display NAME."""

    def change(document: dict[str, Any]) -> None:
        if any(c["code"] == code for c in document["categories"]):
            raise click.ClickException(f"The category {code} exists.")
        document["categories"].append(
            {"code": code, "name": name, "active": True, "subcategories": []}
        )

    _publish(change)


@taxonomy.command("add-subcategory")
@click.argument("category")
@click.argument("code")
@click.argument("name")
def taxonomy_add_subcategory(category: str, code: str, name: str) -> None:
    """Add an underkategori to an existing CATEGORY that already has subcategories."""

    def change(document: dict[str, Any]) -> None:
        found = _category(document, category)
        if not found["subcategories"]:
            raise click.ClickException(
                f"{category} takes no subcategories; existing deviations would lack one."
            )
        if any(s["code"] == code for s in found["subcategories"]):
            raise click.ClickException(f"The subcategory {code} exists.")
        found["subcategories"].append({"code": code, "name": name})

    _publish(change)


@taxonomy.command("rename")
@click.argument("code")
@click.argument("name")
def taxonomy_rename(code: str, name: str) -> None:
    """Give category or subcategory CODE a new display NAME. Stored deviations keep the code."""

    def change(document: dict[str, Any]) -> None:
        for category in document["categories"]:
            if category["code"] == code:
                category["name"] = name
                return
            for sub in category["subcategories"]:
                if sub["code"] == code:
                    sub["name"] = name
                    return
        raise click.ClickException(f"Unknown code: {code}")

    _publish(change)


@taxonomy.command("deactivate")
@click.argument("code")
def taxonomy_deactivate(code: str) -> None:
    """Stop offering category CODE for new deviations (history and reports keep it)."""
    _publish(lambda document: _category(document, code).update(active=False))


def _redacted(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


@main.command()
@click.option(
    "--demo",
    is_flag=True,
    help="First seed demo users (one per role, passwords printed) and a year of demo cases.",
)
def serve(demo: bool) -> None:
    """Run the web app and JSON API on TRACKER_HOST:TRACKER_PORT (127.0.0.1:5000) with
    waitress, with the projections and the scheduler embedded (TRACKER_EMBEDDED_WORKERS).

    On an empty store it creates the account `admin` and prints its one-time password.
    """
    from tracker.serve import serve as run_server

    run_server(Settings.from_env(), demo=demo, echo=click.echo)


@main.command()
@click.option("--no-serve", is_flag=True, help="Only seed the demo data; do not start the server.")
def demo(no_serve: bool) -> None:
    """Seed demo users and a realistic year of cases, then serve (like `serve --demo`).

    The demo users' passwords are printed. Cases are added only to a store without any.
    """
    if no_serve:
        from tracker.demo import seed_demo

        rt = runtime()
        try:
            seed_demo(rt, click.echo)
        finally:
            rt.close()
        return
    from tracker.serve import serve as run_server

    run_server(Settings.from_env(), demo=True, echo=click.echo)


main.add_command(scheduler_command)

from projections.cli import projections_cli  # noqa: E402 - the read side's command group

main.add_command(projections_cli)

from tracker.bench import bench  # noqa: E402

main.add_command(bench)


if __name__ == "__main__":  # pragma: no cover
    main()
