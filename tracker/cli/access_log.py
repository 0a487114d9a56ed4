"""`tracker access-log prune`: the access log's (läslogg) retention, TRACKER_ACCESS_LOG_DAYS."""

from __future__ import annotations

import click

from tracker.cli.common import open_from_env
from tracker.people import access_log
from tracker.retention.plan import access_log_cutoff


@click.group("access-log")
def access_log_cli() -> None:
    """The access log (läslogg): who read which case, list and download."""


@access_log_cli.command("prune")
@click.option(
    "--days", type=click.IntRange(min=1), default=None,
    help="Keep this many days (default: the läslogg's retention rule R7, whose proposal is "
         "TRACKER_ACCESS_LOG_DAYS, 3650).",
)
def prune(days: int | None) -> None:
    """Remove entries older than the retention period. Run it daily (cron, a timer), or let
    `tracker retention apply` (the scheduler's gallring) do it."""
    rt = open_from_env()
    try:
        keep = days or access_log_cutoff(
            rt.organisation.retention_rules(), rt.settings.access_log_days, rt.app.today()
        )
        if keep is None:
            click.echo("The läslogg is kept (bevaras) under its retention rule: nothing removed.")
            return
        removed = access_log.prune(rt.engine, keep)
    finally:
        rt.close()
    click.echo(f"Removed {removed} access log entries older than {keep} days.")
