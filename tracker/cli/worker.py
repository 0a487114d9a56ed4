"""`tracker worker`: every background worker (tracker/cli/workers.py) in one process."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click

from tracker.cli.common import open_from_env
from tracker.cli.workers import start_workers, stop_workers, worker_names


@click.command("worker")
def worker_command() -> None:
    """Run the background workers until stopped (Ctrl-C / SIGTERM): the projections
    (views), the deadline scheduler and the notifier (e-mail), on one database pool.

    For installations that serve with TRACKER_EMBEDDED_WORKERS=false. Several workers
    (and servers with embedded workers) may run at once: each event is applied to the
    views once and turned into e-mail once, and only one scheduler and one mail sender -
    the leaders - do their work.
    """
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    runtime = open_from_env()
    try:
        stops = start_workers(runtime)
        try:
            click.echo(f"Worker running: {', '.join(worker_names())}. Stop with Ctrl-C.")
            stop.wait()
        finally:
            stop_workers(stops)
    finally:
        runtime.close()
    click.echo("Worker stopped.")
