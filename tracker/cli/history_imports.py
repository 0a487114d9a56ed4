"""`tracker import counts|rows FILE [--dry-run]`: earlier years from a spreadsheet, and
`tracker import list|undo`."""

from __future__ import annotations

import sys
from pathlib import Path
from uuid import UUID

import click

from events.errors import DomainError
from events.history_import import ImportKind
from projections import queries
from projections.runner import catch_up
from tracker.application import NotFound
from tracker.application.history_imports import AlreadyImported, UndoSummary
from tracker.cli.common import open_from_env
from tracker.history_import import Preview
from tracker.history_import.checking import covers_in_words


def _show(preview: Preview) -> None:
    click.echo(f"Fil: {preview.file_name}")
    click.echo(f"Rader lästa: {preview.rows_read}")
    for year in preview.totals():
        operations = ", ".join(f"{k} {v}" for k, v in sorted(year["by_operation"].items()))
        click.echo(f"  {year['year']}: {year['total']} avvikelser ({operations}); "
                   f"varav Lex Sarah {year['lex_sarah']}")
        for category, n in sorted(year["by_category"].items()):
            click.echo(f"      {category}: {n}")
    if preview.problems:
        click.echo(f"{len(preview.problems)} fel; inget har sparats:", err=True)
        for problem in preview.problems:
            column = f", kolumn {problem.column}" if problem.column else ""
            click.echo(f"  rad {problem.row}{column}: {problem.message}", err=True)


def _run(kind: ImportKind, path: Path, dry_run: bool, by: str) -> None:
    rt = open_from_env()
    try:
        data = path.read_bytes()
        try:
            preview = rt.app.preview_import(kind, data, path.name)
        except DomainError as error:
            click.echo(f"Fel: {_swedish(error)}", err=True)
            sys.exit(1)
        _show(preview)
        if not preview.ok:
            sys.exit(1)
        if dry_run:
            click.echo("Förhandsgranskning (--dry-run): inget har sparats.")
            return
        try:
            record = rt.app.store_import(kind, data, path.name, actor=by)
        except DomainError as error:
            click.echo(f"Fel: {_swedish(error)}", err=True)
            sys.exit(1)
        click.echo(f"Importerad: {record.id} ({record.row_count} rader).")
    finally:
        rt.close()


def _swedish(error: DomainError) -> str:
    if isinstance(error, AlreadyImported):
        return (f"samma fil importerades redan {error.params['at']} av {error.params['by']} "
                "och räknas fortfarande. Vill du importera den igen, ångra den importen först "
                "(tracker import undo).")
    return error.message


@click.group("import")
def import_cli() -> None:
    """Import earlier years from .xlsx or .csv (preview with --dry-run first)."""


def _file_command(kind: ImportKind, help_text: str) -> click.Command:
    @click.command(kind.value, help=help_text)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check and show the file; store nothing.")
    @click.option("--by", default="admin-cli", show_default=True,
                  help="Who imports (recorded in the import's history).")
    def command(file: Path, dry_run: bool, by: str) -> None:
        _run(kind, file, dry_run, by)

    return command


import_cli.add_command(_file_command(
    ImportKind.COUNTS, "Counts per month (or year), operation and category."))
import_cli.add_command(_file_command(
    ImportKind.ROWS, "One deviation per row (they become deviations marked importerad)."))


@import_cli.command("list")
def list_imports() -> None:
    """Every import, newest first."""
    rt = open_from_env()
    try:
        catch_up(rt)
        for item in queries.imports(rt.engine):
            undone = f" ångrad {item['undone_at']:%Y-%m-%d} av {item['undone_by']}" \
                if item["undone_at"] else ""
            click.echo(f"{item['id']}  {item['kind']:6}  {item['imported_at']:%Y-%m-%d}  "
                       f"{item['row_count']:5} rader  {item['file_name']}  "
                       f"({item['imported_by']}){undone}")
    finally:
        rt.close()


def _show_undo(summary: UndoSummary) -> None:
    """What the page's confirmation says, in the same words."""
    click.echo(f"Fil: {summary.file_name}, importerad {summary.imported_on} av "
               f"{summary.imported_by}")
    if summary.kind is ImportKind.ROWS:
        click.echo(f"Tas bort: {summary.deviations} importerade avvikelser")
    else:
        click.echo(f"Tas bort: antal för {summary.counted} avvikelser")
    if summary.covers:
        click.echo(f"Perioder: {covers_in_words(summary.covers)}")


@import_cli.command("undo")
@click.argument("import_id", type=click.UUID)
@click.option("--by", default="admin-cli", show_default=True, help="Who undoes it.")
@click.option("--yes", is_flag=True, help="Undo without asking (after the summary).")
def undo(import_id: UUID, by: str, yes: bool) -> None:
    """Undo an import as a whole: shows what is removed, asks, then its counts and
    deviations stop counting. The same file can be imported again afterwards."""
    rt = open_from_env()
    try:
        summary = rt.app.undo_summary(import_id)
        _show_undo(summary)
        if not yes and not click.confirm("Ångra importen?", default=False):
            click.echo("Inget ändrat.")
            sys.exit(1)
        rt.app.undo_import(import_id, actor=by)
    except NotFound:
        click.echo("Fel: ingen import med det id:t.", err=True)
        sys.exit(1)
    except DomainError as error:
        click.echo(f"Fel: {error.message}", err=True)
        sys.exit(1)
    finally:
        rt.close()
    click.echo("Importen är ångrad. Samma fil kan importeras igen.")
