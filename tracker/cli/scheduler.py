"""`tracker scheduler`: the scheduler's timed jobs as a process of its own."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click

from tracker.cli.common import open_from_env
from tracker.config import Settings
from tracker.notifications.digest import send_digests
from tracker.scheduler import (
    DEFAULT_LEADER_RETRY_SECONDS,
    JOBS,
    ScanResult,
    SchedulerService,
    describe_trigger,
    scan,
)


def _report(result: ScanResult) -> None:
    if not result.flagged:
        click.echo(f"Flagged nothing: no newly breached deadlines on {result.today.isoformat()}.")
    else:
        click.echo(f"Flagged {result.count} breach(es) on {result.today.isoformat()}:")
        for flagged in result.flagged:
            click.echo(
                f"  {flagged.report_number}\t{flagged.clock.label.lower()}"
                f"\t-> deviation {flagged.deviation_number}"
            )
    for report_id, clock, why in result.failed:
        click.echo(f"Could not flag {clock} for report {report_id}: {why}", err=True)


@click.command("scheduler")
@click.option(
    "--once", is_flag=True,
    help="Run one scan at the current time, print what was flagged, and exit "
    "(status 1 if a breach could not be flagged).",
)
@click.option(
    "--digest", "digest_now", is_flag=True,
    help="Send (or log) today's deadline digest per unit now, and exit.",
)
@click.option(
    "--leader-retry", type=float, default=DEFAULT_LEADER_RETRY_SECONDS, show_default=True,
    metavar="SECONDS", help="How often a waiting process tries to become the leader.",
)
def scheduler_command(once: bool, digest_now: bool, leader_retry: float) -> None:
    """Run the timed jobs: flag missed child-report deadlines, queue reminders, deliver
    the e-mail outbox and send the daily deadline digest (`tracker worker --list`).

    Without options it runs until stopped (Ctrl-C / SIGTERM): the scans at start and every
    TRACKER_SCAN_INTERVAL_MINUTES, delivery every second, and the digest every morning at
    07:00. When several processes run (tracker serve, tracker worker, tracker scheduler),
    only one of them - the leader - does the work; another takes over if it stops.

    A breach is flagged exactly once however many scans or processes run, so --once is
    safe at any time, also next to a running scheduler.
    """
    # One-off runs print their result; only problems go to the log.
    logging.basicConfig(
        level=logging.WARNING if once or digest_now else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    settings = Settings.from_env()
    runtime = open_from_env(settings)
    if once or digest_now:
        try:
            failed = False
            if once:
                result = scan(runtime)
                _report(result)
                failed = bool(result.failed)
            if digest_now:
                digests = send_digests(runtime, today=runtime.app.today())
                if not digests:
                    click.echo("No unit has a deadline to warn about.")
                for digest in digests:
                    click.echo(
                        f"{digest.unit}: {len(digest.rows)} deadline(s), {digest.delivered}"
                        f" to {', '.join(digest.recipients) or '-'}"
                    )
        finally:
            runtime.close()
        if failed:
            raise SystemExit(1)  # so that cron or a monitor notices
        return

    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        service = SchedulerService(runtime, leader_retry_seconds=leader_retry).start()
        when = ", ".join(f"{job.id} {describe_trigger(job.trigger(settings))}" for job in JOBS)
        click.echo(f"Scheduler running: {when} (Europe/Stockholm). Stop with Ctrl-C.")
        try:
            stop.wait()
        finally:
            service.shutdown()
    finally:
        runtime.close()
    click.echo("Scheduler stopped.")
