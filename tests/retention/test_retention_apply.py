"""Applying the gallring plan: a case under legal hold survives a run that gallrar its
neighbours and is taken by the next run once released; a second run changes nothing; a
`tracker retention apply` killed with SIGKILL in the middle of an erasure is finished by the
next run, every due case erased exactly once. The scheduler's daily job does it only when
TRACKER_RETENTION_ENABLED is on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from events.retention import ContentKind, RetentionRecord
from projections.queries.retention import erasure_of, retention_records
from projections.runner import catch_up
from tests.support import TrackerRunner, file_deviation
from tracker.admin.changes import Administration
from tracker.admin.retention_rules import Point, Unit
from tracker.config import Settings
from tracker.retention.apply import apply_plan
from tracker.retention.erasure import place_hold, release_hold
from tracker.runtime import Runtime
from tracker.scheduler import JOBS

HELD_APPLY = Path(__file__).with_name("held_apply.py")


def _due_deviations(runtime: Runtime, count: int) -> list[UUID]:
    """Deviations reported 60 days ago, under a rule of one month from receipt: all due."""
    day = runtime.app.today() - timedelta(days=60)
    ids = [file_deviation(runtime, actor="utvecklare", reported_on=day, occurred_on=day,
                          description=f"Händelse nummer {n}.").id for n in range(count)]
    Administration.of(runtime, actor="arkivarie", source="cli").set_retention_rule(
        ContentKind.DEVIATION, amount=1, unit=Unit.MONTHS, point=Point.RECEIVED)
    assert catch_up(runtime, timeout=30)
    return ids


def _erasures(runtime: Runtime, case_id: UUID) -> list[tuple[tuple[str, ...], str, str]]:
    try:
        record: RetentionRecord = runtime.app.repository.get(RetentionRecord.create_id(case_id))
    except Exception:
        return []
    return [(e.kinds, e.rule, e.actor) for e in record.erasures]


def _erased(runtime: Runtime, ids: list[UUID]) -> set[UUID]:
    assert catch_up(runtime, timeout=30)
    records = retention_records(runtime.engine, ids)
    return {case_id for case_id, r in records.items() if r.erased(ContentKind.DEVIATION)}


def test_a_held_case_survives_the_run_and_the_next_run_after_release_takes_it(
    runtime: Runtime, runner: TrackerRunner,
) -> None:
    held, *neighbours = _due_deviations(runtime, 4)
    hold = place_hold(runtime.app, held, reason="Begärd av JO, dnr 1234-2026", actor="admin")
    assert catch_up(runtime, timeout=30)

    first = runner.invoke(["retention", "apply", "--actor", "arkivarie"])
    assert first.exit_code == 0, first.output
    assert "3 cases gallrade" in first.output and "storage compacted" in first.output
    assert _erased(runtime, [held, *neighbours]) == set(neighbours)
    for case_id in neighbours:
        assert _erasures(runtime, case_id) == [(("deviation",), "R1 v2", "arkivarie")]
    record = erasure_of(runtime.engine, held)
    assert record is not None and record.on_hold and not record.erased_kinds
    assert runtime.app.get_deviation(held).description == "Händelse nummer 0."

    # Nothing more is due: a second run changes nothing (no erasure, no compaction).
    second = apply_plan(runtime, actor="arkivarie")
    assert (second.count, second.refused, second.compacted) == (0, [], False)
    assert all(len(_erasures(runtime, case_id)) == 1 for case_id in neighbours)

    release_hold(runtime.app, held, hold, actor="admin")
    assert catch_up(runtime, timeout=30)
    third = apply_plan(runtime, actor="scheduler")
    assert [number for number, _, _ in third.erased] == [
        runtime.app.get_deviation(held).number]
    assert _erasures(runtime, held) == [(("deviation",), "R1 v2", "scheduler")]
    assert apply_plan(runtime, actor="scheduler").count == 0


def test_a_kill_9_in_the_middle_of_apply_is_finished_by_the_next_run(
    runtime: Runtime, environ: dict[str, str], runner: TrackerRunner,
) -> None:
    ids = _due_deviations(runtime, 6)
    # Held inside the third erasure: its keys are destroyed, its record not yet written.
    process = subprocess.Popen(
        [sys.executable, str(HELD_APPLY), "3", "retention", "apply", "--actor", "arkivarie"],
        env=os.environ | environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        held = process.stdout.readline()  # blocks until held, or EOF if it died
        assert held.strip() == "HELD", process.communicate(timeout=30)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert len(_erased(runtime, ids)) == 2  # two recorded; the third was cut off

    rerun = runner.invoke(["retention", "apply", "--actor", "arkivarie"])
    assert rerun.exit_code == 0, rerun.output
    assert "4 cases gallrade" in rerun.output
    assert _erased(runtime, ids) == set(ids)
    for case_id in ids:
        assert _erasures(runtime, case_id) == [(("deviation",), "R1 v2", "arkivarie")]
    assert "0 cases gallrade" in runner.invoke(["retention", "apply"]).output


@pytest.mark.parametrize("enabled", [False, True])
def test_the_daily_job_gallrar_only_when_enabled(
    runtime: Runtime, environ: dict[str, str], runner: TrackerRunner, enabled: bool,
) -> None:
    ids = _due_deviations(runtime, 2)
    job = next(job for job in JOBS if job.id == "retention")
    settings = Settings.from_env(environ | {"TRACKER_RETENTION_ENABLED": "1" if enabled else "0"})
    runtime.settings = settings
    result = job.make(runtime)()
    assert (result is not None) is enabled
    assert _erased(runtime, ids) == (set(ids) if enabled else set())
    if enabled:
        assert {actor for case_id in ids for _, _, actor in _erasures(runtime, case_id)} == {
            "scheduler"}
    listed = runner.invoke(["worker", "--list"])
    assert listed.exit_code == 0, listed.output
    line = next(line for line in listed.output.splitlines() if line.split()[:1] == ["retention"])
    assert "daily 03:00" in line and "TRACKER_RETENTION_ENABLED" in line
