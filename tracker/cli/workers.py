"""The background workers, one list shared by `tracker worker` and `tracker serve` (where
they run embedded unless TRACKER_EMBEDDED_WORKERS=false). Each runs on the process's one
Runtime; to add a worker, append its start function to WORKERS.

Two kinds of background job, and only two: followers of the event log, each in a runner
thread (projections/runner.py) in every worker process, each event applied once (the views;
the notifier), and the scheduler's timed jobs (tracker/scheduler.py JOBS), run by the one
leader among the processes. `background_jobs` lists them all (`tracker worker --list`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from projections.migration import BackgroundMigration
from projections.runner import EmbeddedFollowers, EmbeddedProjections
from projections.views import VIEWS
from tracker.config import Settings
from tracker.notifications.follower import Notifier
from tracker.runtime import Runtime
from tracker.scheduler import (
    DEFAULT_LEADER_RETRY_SECONDS,
    JOBS,
    describe_trigger,
    start_background_scheduler,
)
from tracker.storage.database import exclusive

Stop = Callable[[], None]


def view_migration(runtime: Runtime) -> BackgroundMigration:
    """The background build of the views an upgrade changed (projections/migration.py),
    one process at a time: every process that runs the views' worker starts one."""
    return BackgroundMigration(
        runtime, lambda: exclusive(runtime.settings, runtime.engine, "view-migration")
    )


def projections(runtime: Runtime) -> Stop:
    """Follows the log into the read side's views (a runner thread), and builds the views
    an upgrade changed beside the old ones, switching each when built (a thread of its own,
    one process at a time)."""
    worker = EmbeddedProjections(runtime)
    worker.start()
    migration = view_migration(runtime)
    migration.start()

    def stop() -> None:
        migration.stop()
        worker.stop()

    return stop


def scheduler(runtime: Runtime) -> Stop:
    """Runs the timed jobs in the leader: deadline and reminder scans, e-mail delivery and
    the daily digest."""
    return start_background_scheduler(runtime).shutdown


def notifier(runtime: Runtime) -> Stop:
    """Follows the log into the e-mail outbox (a runner thread of its own, so that a batch
    it cannot make yet never holds the views back, nor they it)."""
    worker = EmbeddedFollowers(runtime, views=[], followers=[Notifier(runtime)], name="notifier")
    worker.start()
    return worker.stop


WORKERS: list[Callable[[Runtime], Stop]] = [projections, scheduler, notifier]


def worker_names() -> list[str]:
    return [start.__name__ for start in WORKERS]


def start_workers(runtime: Runtime) -> list[Stop]:
    """Start every worker on `runtime`; returns their stop functions, last started first."""
    stops: list[Stop] = []
    try:
        for start in WORKERS:
            stops.insert(0, start(runtime))
    except BaseException:
        stop_workers(stops)
        raise
    return stops


def stop_workers(stops: list[Stop]) -> None:
    for stop in stops:
        stop()


# --- the list ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackgroundJob:
    name: str  # a follower's tracking row, or a timed job's id
    runs: str  # the worker that runs a follower, or when a timed job runs
    description: str


def followers() -> list[BackgroundJob]:
    """Every follower of the event log, by the worker whose runner thread runs it."""
    views = [
        BackgroundJob(
            name, "projections",
            f"keeps {', '.join(t.name for t in view.tables)} "
            f"(from {len(view.topics)} kinds of event)",
        )
        for name, view in VIEWS.items()
    ]
    return [*views, BackgroundJob(Notifier.name, "notifier", Notifier.description)]


def timed_jobs(settings: Settings) -> list[BackgroundJob]:
    """Every job of the scheduler, with when it runs on these settings."""
    leadership = BackgroundJob(
        "leadership", f"every {DEFAULT_LEADER_RETRY_SECONDS:.0f} s",
        "takes the lead when no process holds it (the other timed jobs run in the leader "
        "only) and starts the scans on takeover",
    )
    return [leadership, *(
        BackgroundJob(job.id, describe_trigger(job.trigger(settings)), job.description)
        for job in JOBS
    )]


def background_jobs(settings: Settings) -> list[tuple[str, list[BackgroundJob]]]:
    return [
        ("Followers of the event log (every worker process; each event once)",
         followers()),
        ("Timed jobs (the scheduler; one leader among the processes)", timed_jobs(settings)),
    ]
