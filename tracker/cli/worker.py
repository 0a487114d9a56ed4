"""`tracker worker`: every background worker (tracker/cli/workers.py) in one process."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click

from tracker.cli.common import open_from_env
from tracker.cli.workers import background_jobs, start_workers, stop_workers, worker_names
from tracker.config import Settings


def _print_list(settings: Settings) -> None:
    for heading, jobs in background_jobs(settings):
        click.echo(f"{heading}:")
        width = max(len(job.name) for job in jobs)
        runs = max(len(job.runs) for job in jobs)
        for job in jobs:
            click.echo(f"  {job.name:<{width}}  {job.runs:<{runs}}  {job.description}")


@click.command("worker")
@click.option(
    "--list", "list_only", is_flag=True,
    help="Print every background job (the followers of the event log and the timed jobs) "
    "with what it does, and exit.",
)
def worker_command(list_only: bool) -> None:
    """Run the background workers until stopped (Ctrl-C / SIGTERM): the projections
    (views), the scheduler (timed jobs: scans, e-mail delivery, digest) and the notifier
    (events into e-mail), on one database pool.

    For installations that serve with TRACKER_EMBEDDED_WORKERS=false. Several workers
    (and servers with embedded workers) may run at once: each event is applied to the
    views once and turned into e-mail once, and only one scheduler - the leader - runs
    the timed jobs.
    """
    if list_only:
        _print_list(Settings.from_env())
        return
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
