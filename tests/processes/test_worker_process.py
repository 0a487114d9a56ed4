"""`tracker worker`: the projections, the scheduler and the notifier in one process of their
own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from projections.runner import BatchRunner
from tracker.runtime import Runtime


def deviations_in_store(runtime: Runtime) -> int:
    """Deviation.Reported events, read from the notification log (not from the views)."""
    notifications = runtime.app.recorder.select_notifications(start=1, limit=10_000)
    return sum(1 for n in notifications if n.topic.endswith("Deviation.Reported"))


@pytest.mark.slow
def test_the_worker_keeps_the_views_current_flags_breaches_and_stops_on_sigterm(
    runtime: Runtime, environ: dict[str, str]
) -> None:
    app = runtime.app
    # A förhandsbedömning 20 days overdue: the scheduler must file a deviation for it.
    app.receive_child_report(
        actor="forste", unit="utredning", received_at=datetime.now(UTC) - timedelta(days=20),
        case_reference="DNR 2026/7",
    )
    app.file_deviation(
        actor="rapportor", unit="utredning", category="handlaggning", subcategory="sekretess",
        occurred_on=app.today(), description="Ett brev skickades till fel adress.",
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "tracker.cli", "worker"], env=os.environ | environ,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        # Filed by the scheduler; then the projections have that deviation too.
        while deviations_in_store(runtime) < 2:
            assert worker.poll() is None, worker.communicate()
            assert time.monotonic() < deadline, "the worker flagged nothing"
            time.sleep(0.2)
        head = app.recorder.max_notification_id() or 0
        while min(BatchRunner(runtime).positions().values()) < head:
            assert worker.poll() is None, worker.communicate()
            assert time.monotonic() < deadline, "the worker did not update the views"
            time.sleep(0.2)
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, err
    assert "Worker running: projections, scheduler, notifier." in out
    assert "Worker stopped." in out
    assert deviations_in_store(runtime) == 2  # flagged once
