"""Stopping the runner anywhere and starting it again gives the same views, with nothing
counted twice; several runners at once (threads, catch_up in a request, processes) too."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from projection_oracles import CLASSIFICATIONS, UNITS, counted, deviations, snapshot

from projections import queries, tables
from projections.rebuild import rebuild
from projections.runner import BatchRunner, catch_up, running_worker
from tracker.config import Settings
from tracker.runtime import Runtime, open_runtime


def file_many(rt: Runtime, n: int, start: int = 0) -> None:
    """n deviations over a year, a few reclassified and withdrawn: a stream of events."""
    app = rt.app
    today = app.today()
    for i in range(start, start + n):
        category, subcategory = CLASSIFICATIONS[i % len(CLASSIFICATIONS)]
        deviation = app.file_deviation(
            actor="rapportor", unit=UNITS[i % len(UNITS)], category=category,
            subcategory=subcategory, occurred_on=today - timedelta(days=i % 300),
            reported_on=today - timedelta(days=i % 300), description="Något gick fel.",
        )
        if i % 3 == 0:
            other = CLASSIFICATIONS[(i + 2) % len(CLASSIFICATIONS)]
            app.reclassify_deviation(
                deviation.id, actor="utvecklare", category=other[0], subcategory=other[1]
            )
        if i % 7 == 0:
            app.withdraw_deviation(deviation.id, actor="utvecklare", reason="Fel.")


def total_counted(rt: Runtime) -> int:
    """The sum of every monthly count in the view."""
    today = rt.app.today()
    series = queries.monthly_series(rt.engine, [today.year - 1, today.year])
    return sum(sum(months) for months in series.values())


def assert_views_correct(rt: Runtime) -> None:
    """Incremental result == rebuilt result, and the counts match the aggregates."""
    incremental = snapshot(rt.engine)
    assert total_counted(rt) == len(counted(rt))
    assert queries.list_deviations(rt.engine, per_page=1).total == len(deviations(rt))
    rebuild(rt)
    assert snapshot(rt.engine) == incremental


def test_a_crash_mid_batch_leaves_nothing_half_done_and_a_restart_completes(
    settings: Settings,
) -> None:
    rt = open_runtime(settings)
    file_many(rt, 60)
    head = rt.app.recorder.max_notification_id()

    runner = BatchRunner(rt, batch_size=25)
    runner.cycle()  # a first batch goes through for every view
    before = runner.positions()
    monthly_before = snapshot(rt.engine)["view_monthly_counts"]
    assert 0 < before["monthly_counts"] < head

    # The power goes in the middle of the monthly counts' next batch.
    monthly = next(v for v in runner.views if v.name == "monthly_counts")
    applied = 0
    original = monthly.process_event

    def fail_midway(domain_event: Any, tracking: Any) -> None:
        nonlocal applied
        applied += 1
        if applied == 4:
            raise RuntimeError("power cut")
        original(domain_event, tracking)

    monthly.process_event = fail_midway  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="power cut"):
        runner.cycle()
    after = runner.positions()
    assert applied == 4
    assert after["monthly_counts"] == before["monthly_counts"]  # rolled back, position too
    assert snapshot(rt.engine)["view_monthly_counts"] == monthly_before
    assert after["deviation_list"] > before["deviation_list"]  # views before it committed
    rt.close()

    # A new process starts from the tracked positions.
    restarted = open_runtime(settings)
    try:
        assert catch_up(restarted, timeout=30)
        assert min(BatchRunner(restarted).positions().values()) == head
        assert_views_correct(restarted)
    finally:
        restarted.close()


def test_stopping_the_worker_mid_stream_and_restarting_counts_everything_once(
    runtime: Runtime,
) -> None:
    half_filed, worker_stopped = threading.Event(), threading.Event()

    def keep_filing() -> None:
        file_many(runtime, 20)
        half_filed.set()
        worker_stopped.wait(30)  # the rest of the stream arrives after the stop
        file_many(runtime, 20, start=20)

    filer = threading.Thread(target=keep_filing)
    with running_worker(runtime):
        filer.start()
        assert half_filed.wait(60)
        deadline = time.monotonic() + 30
        while min(BatchRunner(runtime).positions().values()) == 0:
            assert time.monotonic() < deadline, "the worker processed nothing"
            time.sleep(0.01)
    worker_stopped.set()
    stopped_at = min(BatchRunner(runtime).positions().values())
    filer.join(60)
    assert not filer.is_alive()
    assert 0 < stopped_at < runtime.app.recorder.max_notification_id()

    with running_worker(runtime):
        head = runtime.app.recorder.max_notification_id()
        deadline = time.monotonic() + 30
        while min(BatchRunner(runtime).positions().values()) < head:
            assert time.monotonic() < deadline, "the restarted worker did not catch up"
            time.sleep(0.05)
    assert_views_correct(runtime)


def test_two_workers_and_catch_up_at_once_apply_each_event_once(runtime: Runtime) -> None:
    with running_worker(runtime), running_worker(runtime):
        for round_ in range(4):
            file_many(runtime, 10, start=round_ * 10)
            assert catch_up(runtime, timeout=30)  # as a request would, next to the workers
            assert total_counted(runtime) == len(counted(runtime))
    assert_views_correct(runtime)


def test_a_rebuild_while_workers_run_and_people_file_counts_every_event_once(
    runtime: Runtime,
) -> None:
    file_many(runtime, 30)
    assert catch_up(runtime, timeout=30)
    done = threading.Event()

    def keep_filing() -> None:
        file_many(runtime, 30, start=30)
        done.set()

    filer = threading.Thread(target=keep_filing)
    with running_worker(runtime), running_worker(runtime):
        filer.start()
        rebuild(runtime)  # switches the views to what it built while the workers write
        # Again, shared out between this process and another (as for a large log).
        rebuild(
            runtime, reopen=functools.partial(open_runtime, runtime.settings), processes=2,
            parallel_from=0,
        )
        rebuild(runtime, ["monthly_counts"])  # once more, while the filing goes on
        filer.join(60)
        assert done.is_set()
        assert catch_up(runtime, timeout=30)
        assert total_counted(runtime) == len(counted(runtime))
    assert_views_correct(runtime)


def test_a_worker_that_cached_rows_before_a_rebuild_reads_them_again(runtime: Runtime) -> None:
    file_many(runtime, 10)
    assert catch_up(runtime, timeout=30)
    # The counts go wrong (as after a bug in a view's code); a runner started now reads the
    # wrong rows into the cache it keeps between batches.
    with runtime.engine.begin() as connection:
        connection.execute(tables.monthly_counts.update().values(count=99))
    file_many(runtime, 10, start=10)
    runner = BatchRunner(runtime)
    assert runner.run_until(runtime.app.recorder.max_notification_id() or 0)
    # A rebuild puts them right, at the very position the runner's cache ended at.
    rebuild(runtime, ["monthly_counts"])
    file_many(runtime, 10, start=10)  # the same months and classifications again
    assert runner.run_until(runtime.app.recorder.max_notification_id() or 0)
    assert total_counted(runtime) == len(counted(runtime))
    assert_views_correct(runtime)


@pytest.fixture
def worker_env(environ: dict[str, str]) -> dict[str, str]:
    return os.environ | environ


class Worker:
    """`tracker projections run` as a process. Its stderr is read all along by a thread,
    so a chatty worker never blocks on a full pipe."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tracker.cli", "projections", "run", "--batch-size", "5"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        self.lines: list[str] = []
        self.running = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            if line.startswith("Projection worker running"):
                self.running.set()  # printed once its SIGTERM handler is in place

    def stop(self, timeout: float) -> str:
        """SIGTERM, then its exit; the whole stderr."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        return "".join(self.lines)


@pytest.fixture
def two_workers(worker_env: dict[str, str]) -> Iterator[list[Worker]]:
    workers = [Worker(worker_env), Worker(worker_env)]
    yield workers
    for worker in workers:
        if worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait()


@pytest.mark.slow
def test_two_worker_processes_share_the_stream_and_stop_on_sigterm(
    runtime: Runtime, two_workers: list[Worker]
) -> None:
    # Both must be up before the stream starts: on a busy machine one worker can catch up
    # alone while the other is still importing, and a SIGTERM before its handler is
    # installed kills it (exit -15) instead of stopping it.
    for worker in two_workers:
        assert worker.running.wait(timeout=120), "".join(worker.lines)
    file_many(runtime, 45)
    head = runtime.app.recorder.max_notification_id()
    deadline = time.monotonic() + 120
    while min(BatchRunner(runtime).positions().values()) < head:
        assert time.monotonic() < deadline, "the worker processes did not catch up"
        assert all(w.process.poll() is None for w in two_workers)
        time.sleep(0.1)
    assert total_counted(runtime) == len(counted(runtime))
    for worker in two_workers:
        err = worker.stop(timeout=60)
        assert worker.process.returncode == 0, err
        assert "Projection worker stopped." in err
    assert_views_correct(runtime)


def test_the_month_is_the_reported_month(runtime: Runtime) -> None:
    """A deviation that happened in January and was reported in February counts in
    February (a small end-to-end check of the runner's output)."""
    app = runtime.app
    today = app.today()
    reported = date(today.year, 2, 3) if today >= date(today.year, 2, 3) else date(
        today.year - 1, 2, 3
    )
    app.file_deviation(
        actor="rapportor", unit="utredning", category="personal", subcategory=None,
        occurred_on=reported - timedelta(days=10), reported_on=reported,
        description="Något gick fel.",
    )
    assert catch_up(runtime)
    organisation = runtime.organisation
    assert queries.monthly_report(runtime.engine, reported.year, 1, organisation=organisation)[
        "total"
    ] == 0
    assert queries.monthly_report(runtime.engine, reported.year, 2, organisation=organisation)[
        "total"
    ] == 1
