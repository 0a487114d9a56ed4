"""The scheduler as processes: `tracker scheduler --once` racing itself, on an empty store,
and the long-running scheduler (standalone and embedded) handing over leadership."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support import wait_for

from events.child_report import PreliminaryDecision
from events.clocks import STOCKHOLM, Clock
from projections.queries import list_deviations
from projections.runner import catch_up
from tracker.application import breach_deviation_id
from tracker.config import Settings
from tracker.runtime import Runtime, open_runtime
from tracker.scheduler import SchedulerService

TRACKER = str(Path(sys.executable).with_name("tracker"))
REPORT_NUMBER = re.compile(r"\bAN-\d{4}-\d{4}\b")


def tracker_env(environ: dict[str, str]) -> dict[str, str]:
    return os.environ | environ



def seed_breaches(runtime: Runtime) -> dict[str, tuple[object, str]]:
    """Several breached reports in several units, plus some that must not be flagged.
    Returns {report number: (report id, clock)} for the breached ones."""
    app = runtime.app
    now = datetime.now(UTC)
    breached: dict[str, tuple[object, str]] = {}
    units = ["utredning", "oppenvard", "hvb-notgarden", "stodboendet", "nyanlanda"]
    for index, days_ago in enumerate([15, 16, 17, 20, 22, 25, 30, 45, 60, 90]):
        unit = units[index % len(units)]
        report = app.receive_child_report(
            actor="forste", unit=unit, received_at=now - timedelta(days=days_ago),
            case_reference=f"DNR {days_ago}",
        )
        breached[report.number] = (report.id, Clock.FORHANDSBEDOMNING)
    # An investigation opened five months ago, decided in time: only the utredning clock.
    opened = app.receive_child_report(
        actor="forste", unit="utredning", received_at=now - timedelta(days=160),
        case_reference="DNR 160",
    )
    decided_on = (now - timedelta(days=155)).date()
    app.decide_preliminary_assessment(
        opened.id, actor="forste", decision=PreliminaryDecision.OPEN_INVESTIGATION,
        decided_on=decided_on,
    )
    breached[opened.number] = (opened.id, Clock.UTREDNINGSTID)
    # Not breached: recent, exempt, decided in time.
    app.receive_child_report(
        actor="forste", unit="utredning", received_at=now - timedelta(days=3),
        case_reference="DNR 3",
    )
    app.receive_child_report(
        actor="forste", unit="utredning", received_at=now - timedelta(days=40),
        case_reference="DNR 40", ongoing_investigation=True,
    )
    in_time = app.receive_child_report(
        actor="forste", unit="utredning", received_at=now - timedelta(days=25),
        case_reference="DNR 25",
    )
    app.decide_preliminary_assessment(
        in_time.id, actor="forste", decision=PreliminaryDecision.NO_INVESTIGATION,
        decided_on=(now - timedelta(days=20)).date(),
    )
    return breached


def test_the_tracker_command_is_installed() -> None:
    assert Path(TRACKER).exists() or shutil.which("tracker")


def test_once_on_an_empty_store_exits_0_and_flags_nothing(environ: dict[str, str]) -> None:
    done = subprocess.run(
        [TRACKER, "scheduler", "--once"], env=tracker_env(environ),
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Flagged nothing" in done.stdout
    assert not REPORT_NUMBER.search(done.stdout)


def test_two_once_processes_started_together_file_one_deviation_per_breach(
    runtime: Runtime, environ: dict[str, str], count_deviations: Callable[[], int]
) -> None:
    breached = seed_breaches(runtime)
    processes = [
        subprocess.Popen(
            [TRACKER, "scheduler", "--once"], env=tracker_env(environ),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(2)
    ]
    outputs = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=180)
        assert process.returncode == 0, stderr
        outputs.append(stdout)

    # Each breach was reported by exactly one of the two processes...
    printed = [n for out in outputs for n in REPORT_NUMBER.findall(out)]
    assert sorted(printed) == sorted(breached)
    # ...and exactly one deviation exists per breached report, in the event store...
    assert count_deviations() == len(breached)
    app = runtime.app
    for report_id, clock in breached.values():
        deviation = app.get_deviation(breach_deviation_id(report_id, clock))
        assert deviation.case_reference is not None
    # ...and in the views.
    assert catch_up(runtime)
    listed = list_deviations(runtime.engine, category="handlaggning")
    assert listed.total == len(breached)
    assert len({item["number"] for item in listed.items}) == len(breached)

    again = subprocess.run(
        [TRACKER, "scheduler", "--once"], env=tracker_env(environ),
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert again.returncode == 0
    assert "Flagged nothing" in again.stdout
    assert count_deviations() == len(breached)


def test_embedded_schedulers_elect_one_leader_and_hand_over(
    runtime: Runtime, settings: Settings, count_deviations: Callable[[], int]
) -> None:
    breached = seed_breaches(runtime)
    settings = dataclasses.replace(settings, scan_interval_minutes=5)
    # A runtime each, as two processes would have.
    first_runtime, second_runtime = open_runtime(settings), open_runtime(settings)
    first = SchedulerService(first_runtime, leader_retry_seconds=0.2).start()
    second = SchedulerService(second_runtime, leader_retry_seconds=0.2).start()
    try:
        # Every N minutes (the setting) and a digest each morning at 07:00 local time.
        for service in (first, second):
            assert service.scheduler.get_job("scan").trigger.interval == timedelta(minutes=5)
            digest_at = service.scheduler.get_job("digest").next_run_time.astimezone(STOCKHOLM)
            assert (digest_at.hour, digest_at.minute) == (7, 0)
        leader = wait_for(lambda: next((s for s in (first, second) if s.scans), None))
        follower = second if leader is first else first
        time.sleep(1.0)  # several leadership rounds
        assert leader.is_leader and not follower.is_leader
        assert follower.scans == 0
        assert leader.last_result is not None
        assert len(leader.last_result.flagged) == len(breached)
        assert count_deviations() == len(breached)

        leader.shutdown()
        # The follower takes over and scans at once (finding nothing new to flag).
        wait_for(lambda: follower.scans)
        assert follower.is_leader
        assert follower.last_result is not None
        assert follower.last_result.flagged == []
        assert count_deviations() == len(breached)
    finally:
        first.shutdown()
        second.shutdown()
        first_runtime.close()
        second_runtime.close()


@pytest.mark.slow
def test_the_standalone_scheduler_flags_at_start_and_stops_on_sigterm(
    runtime: Runtime, environ: dict[str, str], count_deviations: Callable[[], int]
) -> None:
    breached = seed_breaches(runtime)
    process = subprocess.Popen(
        [TRACKER, "scheduler", "--leader-retry", "0.5"], env=tracker_env(environ),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_for(lambda: count_deviations() == len(breached), timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "Scheduler stopped" in stdout
    assert count_deviations() == len(breached)
