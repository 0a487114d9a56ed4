"""`tracker backup PATH`, `tracker restore PATH`, `tracker verify`: a consistent copy of the
store while it serves, the store made again from one, and the event log's hash chain
checked from the first event (tracker/operations/backup.py, tracker/storage/chain.py)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from projections.rebuild import rebuild
from tracker.cli.common import open_from_env, redacted
from tracker.config import Settings
from tracker.operations import backup as backups
from tracker.storage.chain import read_anchors, verify_chain


@click.command("backup")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--encrypt/--no-encrypt", default=None,
    help="Seal the files with a key derived from TRACKER_CIPHER_KEY (default: when it is set).",
)
def backup_command(path: Path, encrypt: bool | None) -> None:
    """Copy the store, consistently, into the new folder PATH (safe while the tracker
    serves and files): the data and manifest.json (time, last event position, counts,
    chain head, SHA-256 of each file, encrypted or not)."""
    rt = open_from_env()
    try:
        sealed = bool(rt.settings.cipher_key) if encrypt is None else encrypt
        started = time.monotonic()
        summary = backups.backup(
            rt.settings, rt.engine, rt.app.recorder.events_table_name,  # type: ignore[attr-defined]
            path, encrypt=sealed,
        )
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    finally:
        rt.close()
    click.echo(f"{backups.describe(summary)} ({time.monotonic() - started:.1f} s)")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--force", is_flag=True, help="Replace a store that already holds events or accounts."
)
def restore_command(path: Path, force: bool) -> None:
    """Restore the backup in PATH into the store TRACKER_DATABASE_URL names (empty, or
    anything in it replaced with --force), rebuild the views and verify the chain. Stop
    every tracker process on that store first."""
    settings = Settings.from_env()
    try:
        manifest = backups.read_manifest(path)
        backups.load(
            settings, path, manifest, force=force,
            make_tables=lambda: open_from_env(settings).close(),
        )
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    rt = open_from_env(settings)
    try:
        head = rt.app.recorder.max_notification_id() or 0
        expected = int(manifest["positions"]["tracker"])
        if head != expected:
            raise click.ClickException(
                f"restored up to position {head}, the manifest says {expected}"
            )
        result = rebuild(rt)
        verdict = verify_chain(rt.engine, rt.app.recorder.events_table_name)  # type: ignore[attr-defined]
    finally:
        rt.close()
    click.echo(
        f"Restored {manifest['counts']['events']} events up to position {expected} into "
        f"{redacted(settings.database_url)}; views rebuilt ({len(result.views)})."
    )
    if not verdict.intact:
        raise click.ClickException(f"the restored event log fails verification: {verdict.problem}")
    click.echo(f"Event chain intact: {verdict.head.count} events, head {verdict.head.hash}.")


@click.command("verify")
@click.option(
    "--heads", "heads", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A file of heads written out earlier (TRACKER_CHAIN_HEAD_FILE): each must still be "
    "in the chain.",
)
def verify_command(heads: Path | None) -> None:
    """Walk the event log's hash chain from the first event: exit 0 naming the count and
    the head hash, or 1 naming the first event altered, inserted or missing."""
    rt = open_from_env()
    try:
        anchors = read_anchors(heads) if heads else None
        verdict = verify_chain(rt.engine, rt.app.recorder.events_table_name, anchors)  # type: ignore[attr-defined]
    finally:
        rt.close()
    if verdict.origin:
        click.echo(f"Note: {verdict.origin}.")
    if not verdict.intact:
        click.echo(
            f"Event chain BROKEN after {verdict.head.count} intact events: {verdict.problem}",
            err=True,
        )
        raise SystemExit(1)
    click.echo(
        f"Event chain intact: {verdict.head.count} events, head hash {verdict.head.hash} "
        f"(position {verdict.head.position})."
    )


COMMANDS = [backup_command, restore_command, verify_command]
