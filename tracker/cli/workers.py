"""The background workers, one list shared by `tracker worker` and `tracker serve` (where
they run embedded unless TRACKER_EMBEDDED_WORKERS=false). Each runs on the process's one
Runtime; to add a worker, append its start function to WORKERS."""

from __future__ import annotations

from collections.abc import Callable

from tracker.runtime import Runtime

Stop = Callable[[], None]


def projections(runtime: Runtime) -> Stop:
    """Keeps the read side's views up to date (a thread)."""
    from projections.runner import EmbeddedProjections

    worker = EmbeddedProjections(runtime)
    worker.start()
    return worker.stop


def scheduler(runtime: Runtime) -> Stop:
    """Flags missed child-report deadlines and sends the daily digest (one leader)."""
    from tracker.scheduler import start_background_scheduler

    return start_background_scheduler(runtime).shutdown


def notifier(runtime: Runtime) -> Stop:
    """E-mails people about the events and reminders that need them (an outbox, SMTP)."""
    from tracker.notifier import EmbeddedNotifier

    return EmbeddedNotifier(runtime).start().stop


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
