"""`tracker retention rules|plan|apply`: gallring by the municipality's retention rules."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from events.errors import DomainError
from events.retention import ContentKind
from projections.runner import catch_up
from tracker.admin.changes import Administration
from tracker.admin.retention_rules import POINTS, Point, Rule, Unit
from tracker.cli.common import open_from_env
from tracker.retention.apply import apply_plan
from tracker.retention.legacy import BATCH, seal_old_events
from tracker.retention.plan import plan_for
from web.documents.csv_export import render_csv
from web.documents.retention_plan import PLAN_HEADER, PROPOSAL, plan_rows
from web.documents.xlsx_export import Sheet, render_xlsx


def describe(rule: Rule, setting_days: int) -> str:
    if rule.keep:
        return "kept (bevaras)"
    if rule.follows_setting:
        return f"{setting_days} days (TRACKER_ACCESS_LOG_DAYS) from the entry"
    return f"{rule.amount} {rule.unit.value} from {rule.point.value}"


@click.group("retention")
def retention_cli() -> None:
    """Gallring: the retention rules, the plan (a dry run) and applying it."""


@retention_cli.command("rules")
@click.option("--kind", type=click.Choice([k.value for k in ContentKind]), default=None,
              help="Set the rule of this kind of record.")
@click.option("--years", type=int, default=None, help="Keep for this many years ...")
@click.option("--months", type=int, default=None, help="... or months ...")
@click.option("--from", "point", type=click.Choice([p.value for p in Point]), default=None,
              help="... counted from the case's closing, decision or receipt.")
@click.option("--keep", is_flag=True, help="Keep for ever (bevaras).")
def rules(kind: str | None, years: int | None, months: int | None, point: str | None,
          keep: bool) -> None:
    """Show the rules in force; with --kind, set one (a new version, in the change list)."""
    rt = open_from_env()
    try:
        if kind is not None:
            if keep == (years is not None or months is not None) or (
                years is not None and months is not None
            ):
                raise click.UsageError("Give one of --years, --months or --keep.")
            admin = Administration.of(rt, actor=getpass.getuser(), source="cli")
            try:
                rule = admin.set_retention_rule(
                    ContentKind(kind), keep=keep, amount=years if years is not None else months,
                    unit=Unit.YEARS if years is not None else Unit.MONTHS if months else None,
                    point=Point(point) if point else None,
                )
            except DomainError as error:
                raise click.ClickException(error.message) from None
            click.echo(f"Set {rule.name}: {kind} {describe(rule, rt.settings.access_log_days)}.")
        current = rt.organisation.retention_rules()
        click.echo(f"Retention rules, version {current.version}:")
        for rule in current:
            note = f"  ({PROPOSAL})" if rule.proposal else ""
            points = "/".join(p.value for p in POINTS[rule.kind])
            click.echo(f"  {rule.name:7} {rule.kind.value:13} "
                       f"{describe(rule, rt.settings.access_log_days)}{note}  [from: {points}]")
    finally:
        rt.close()


@retention_cli.command("plan")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write the plan as CSV (for the archivist).")
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write the plan as an Excel workbook.")
def plan_command(csv_path: Path | None, xlsx_path: Path | None) -> None:
    """What would be gallrat, and when (a dry run: nothing changes)."""
    rt = open_from_env()
    try:
        catch_up(rt, timeout=60.0)  # the plan reads the views: let them see every event
        plan = plan_for(rt.engine, rt.organisation.retention_rules(), rt.app.today())
    finally:
        rt.close()
    rows = plan_rows(plan)
    if csv_path is not None:
        csv_path.write_text(render_csv(PLAN_HEADER, rows), encoding="utf-8")
    if xlsx_path is not None:
        xlsx_path.write_bytes(render_xlsx([Sheet("Gallringsplan", PLAN_HEADER, rows)],
                                          title="Gallringsplan", author=getpass.getuser()))
    for row in plan.rows:
        state = "held" if row.held else "DUE" if row.due else "later"
        click.echo(f"{row.number:14} {row.content.value:13} {row.rule:7} "
                   f"{row.point.value} {row.start}  due {row.due_on}  {state}")
    click.echo(f"As of {plan.today}: {len(plan.due)} due now, "
               f"{sum(1 for r in plan.rows if r.held and r.due)} held, "
               f"{sum(1 for r in plan.rows if not r.due)} later.")


@retention_cli.command("apply")
@click.option("--actor", default=None,
              help="Who gallrar, as the erasures record it (default: the operating-system "
                   "user; the scheduler's job records 'scheduler').")
def apply_command(actor: str | None) -> None:
    """Gallra what the plan says is due today: each case's content under its rule, the
    läslogg's old entries, then compact the database. Safe to run again: what is erased
    stays erased, a run stopped half-way is finished by the next."""
    rt = open_from_env()
    try:
        result = apply_plan(rt, actor=(actor or getpass.getuser())[:64])
    finally:
        rt.close()
    for number, rule, kinds in result.erased:
        click.echo(f"Gallrat {number} under {rule}: {', '.join(kinds)}")
    for number, why in result.refused:
        click.echo(f"Not gallrat {number}: {why}")
    click.echo(f"{result.count} cases gallrade, {len(result.refused)} refused, "
               f"{result.access_log_removed} läslogg entries removed"
               f"{', storage compacted' if result.compacted else ''}.")


@retention_cli.command("seal-old")
@click.option("--batch", type=click.IntRange(1, 100_000), default=BATCH, show_default=True,
              help="Events rewritten per transaction (the writers wait for each).")
def seal_old_command(batch: int) -> None:
    """Move the text of events stored before case keys existed under their cases' keys, so
    that gallring erases it too. Runs beside the tracker, in batches; stopped, a rerun goes
    on; a second run changes nothing. The hash chain is re-linked after each batch, and each
    head written out earlier (TRACKER_CHAIN_HEAD_FILE) gets a line vouching for its new link."""
    rt = open_from_env()
    try:
        def report(position: int, rewritten: int) -> None:
            click.echo(f"\rup to event {position}: {rewritten} sealed", nl=False, err=True)

        total = seal_old_events(rt.app, heads=rt.settings.chain_head_file, batch=batch,
                                progress=report)
    finally:
        rt.close()
    click.echo("", err=True)
    click.echo(f"{total} events from before case keys sealed.")
