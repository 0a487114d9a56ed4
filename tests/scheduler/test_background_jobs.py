"""`tracker worker --list` names every background job: each follower of the event log the
workers run (a tracking row of its own) and each job the scheduler runs, with when."""

from __future__ import annotations

import time

import sqlalchemy as sa
from support import TrackerRunner

from projections.tables import tracking
from tracker.cli.workers import start_workers, stop_workers
from tracker.runtime import Runtime
from tracker.scheduler import SchedulerService


def listed(runner: TrackerRunner, **env: str) -> dict[str, dict[str, str]]:
    """{section heading: {job name: the rest of its line}} from `tracker worker --list`."""
    result = runner.invoke(["worker", "--list"], env=env)
    assert result.exit_code == 0, result.output
    sections: dict[str, dict[str, str]] = {}
    for line in result.output.splitlines():
        if not line.startswith("  "):
            heading = line.split(" (")[0]
            sections[heading] = {}
        else:
            name, rest = line.strip().split(maxsplit=1)
            sections[heading][name] = rest
    return sections


def tracked(runtime: Runtime) -> set[str]:
    """The followers that have a position in the tracking table (not the rebuild markers)."""
    with runtime.engine.connect() as connection:
        names = connection.execute(sa.select(tracking.c.projection_name)).scalars()
        return {name for name in names if ":" not in name}


def test_the_list_names_every_follower_the_workers_run_and_every_scheduled_job(
    runtime: Runtime, runner: TrackerRunner
) -> None:
    sections = listed(runner)
    assert list(sections) == ["Followers of the event log", "Timed jobs"]
    followers, jobs = sections["Followers of the event log"], sections["Timed jobs"]
    assert "notifier" in followers and "deviation_list" in followers
    assert {"leadership", "scan", "reminders", "delivery", "digest"} <= set(jobs)
    assert all(len(rest.split()) > 3 for rest in [*followers.values(), *jobs.values()])

    stops = start_workers(runtime)
    try:
        deadline = time.monotonic() + 30
        while not set(followers) <= tracked(runtime) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert tracked(runtime) == set(followers)  # nothing runs that the list leaves out
    finally:
        stop_workers(stops)

    service = SchedulerService(runtime).start()
    try:
        assert {job.id for job in service.scheduler.get_jobs()} == set(jobs)
    finally:
        service.shutdown()


def test_the_list_says_when_each_timed_job_runs_on_these_settings(
    runner: TrackerRunner,
) -> None:
    jobs = listed(runner, TRACKER_SCAN_INTERVAL_MINUTES="5")["Timed jobs"]
    assert jobs["scan"].startswith("every 5 min ")
    assert jobs["reminders"].startswith("every 5 min and daily 00:00 ")
    assert jobs["delivery"].startswith("every 1 s ")
    assert jobs["digest"].startswith("daily 07:00 ")
