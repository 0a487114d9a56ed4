"""`tracker projections run|rebuild|status`: the read side's worker and maintenance."""

from __future__ import annotations

import signal
import sys
import threading
import time
from typing import IO, Any

import click

from projections.rebuild import rebuild
from projections.runner import BatchRunner, make_views, run_worker
from projections.views import VIEWS
from tracker.cli.common import open_from_env, reopener
from tracker.cli.workers import view_migration


class Progress:
    """A progress line on stderr: bar, events done, events/s, time left. Redrawn in place
    on a terminal; elsewhere (logs, CI) a plain line at most once a second."""

    WIDTH = 24

    def __init__(self, stream: IO[str], *, interval: float | None = None) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.interval = interval if interval is not None else (0.1 if self.tty else 1.0)
        self.started = time.monotonic()
        self.last_shown = 0.0
        self.start: int | None = None
        self.finished = False

    def __call__(self, done: int, total: int) -> None:
        if self.start is None:
            self.start = done
        now = time.monotonic()
        finished = done >= total
        if self.finished:
            return
        self.finished = finished
        if not finished and now - self.last_shown < self.interval and self.last_shown:
            return
        self.last_shown = now
        self.stream.write(("\r" if self.tty else "") + self.line(done, total, now))
        if not self.tty or finished:
            self.stream.write("\n")
        self.stream.flush()

    def line(self, done: int, total: int, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        processed = done - (self.start or 0)
        rate = processed / elapsed
        share = done / total if total else 1.0
        filled = int(self.WIDTH * share)
        if done >= total:
            left = "0:00:00"
        elif rate > 0:
            left = _duration((total - done) / rate)
        else:
            left = "?"
        return (
            f"[{'#' * filled}{'-' * (self.WIDTH - filled)}] {share:4.0%}  "
            f"{done}/{total} events  {rate:,.0f} events/s  {left} left"
        )


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@click.group("projections")
def projections_cli() -> None:
    """The read side: views of the event log (lists, counts, deadlines)."""


@projections_cli.command("run")
@click.option(
    "--batch-size", default=500, show_default=True, help="Events per transaction at most."
)
def run(batch_size: int) -> None:
    """Keep every view up to date until stopped (Ctrl-C or SIGTERM).

    Resumes from each view's tracked position, so a restart counts nothing twice. Several
    workers (and `tracker serve`) may run at once: each event is applied exactly once.
    """
    rt = open_from_env()
    stop = threading.Event()

    def request_stop(_signum: int, _frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    how = "polling" if rt.settings.is_sqlite else "LISTEN/NOTIFY"
    click.echo(f"Projection worker running ({how}); Ctrl-C to stop.", err=True)
    migration = view_migration(rt)  # views an upgrade changed, rebuilt beside the old
    migration.start()
    try:
        run_worker(rt, stop, batch_size=batch_size)
    finally:
        migration.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        rt.close()
    click.echo("Projection worker stopped.", err=True)


@projections_cli.command("rebuild")
@click.option(
    "--view", "view_names", multiple=True, type=click.Choice(list(VIEWS)),
    help="Rebuild only this view (repeat for several). Default: all.",
)
@click.option(
    "--batch-size", default=2000, show_default=True, help="Events per transaction."
)
@click.option(
    "--processes", type=click.IntRange(1, 64), default=None,
    help="Share the views out between this many processes (default: one per CPU, for "
    "logs of 50,000 events or more).",
)
def rebuild_command(view_names: tuple[str, ...], batch_size: int, processes: int | None) -> None:
    """Rebuild the view(s) from the whole event log: built in memory, then each view's
    tables replaced at once (the old ones serve until then).

    Shows progress on stderr (events done, events/s, time left) and prints the rate when
    done. Safe while workers run: they pick up from the rebuilt position.
    """
    rt = open_from_env()
    try:
        result = rebuild(
            rt, view_names or None, progress=Progress(sys.stderr), batch_size=batch_size,
            reopen=reopener(rt.settings), processes=processes,
        )
    finally:
        rt.close()
    click.echo(
        f"Rebuilt {len(result.views)} view(s) ({', '.join(result.views)}) from "
        f"{result.notifications} events in {result.seconds:.2f} s: "
        f"{result.rate:,.0f} events/s"
    )


@projections_cli.command("status")
def status() -> None:
    """Each view's position against the head of the event log."""
    rt = open_from_env()
    try:
        runner = BatchRunner(rt, make_views(rt.engine))
        head = runner.head()
        pending = set(runner.followers) - set(runner.active())
        migrating = {follower.name for follower in pending}
        for name, position in runner.positions(runner.followers).items():
            behind = max(head - position, 0)
            state = "up to date" if not behind else f"{behind} behind"
            if name in migrating:
                state = "being rebuilt after an upgrade (the old lists serve meanwhile)"
            click.echo(f"{name}\t{position}\t{state}")
    finally:
        rt.close()
