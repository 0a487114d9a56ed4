"""kill -9 at random moments. `tracker serve` under a concurrent filing load, three times:
every filing the API acknowledged (201) is stored exactly once, the numbers stay unique, and
the views (kept by the server's embedded workers, killed with it) equal a fresh rebuild.
Projection workers killed in the middle of their batches, three times: the counts equal a
rebuild."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import timedelta
from http.client import HTTPException
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from served import Served

from events.deviation import Deviation
from projections import queries
from projections import tables as view_tables
from projections.rebuild import rebuild
from projections.runner import BatchRunner, catch_up
from tracker.runtime import Runtime
from tracker.storage.chain import verify_chain

pytestmark = pytest.mark.slow

HELD_WORKER = Path(__file__).with_name("held_worker.py")

ROUNDS = 3
FILERS = 4
CLASSIFICATIONS = [("handlaggning", "sekretess"), ("genomforande", None), ("samverkan", None)]


def snapshot(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every view table's rows, sorted (the tracking positions aside)."""
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(sa.select(table))),
                               key=repr)
            for table in view_tables.metadata.sorted_tables
            if table is not view_tables.tracking
        }


def stored_deviations(runtime: Runtime) -> list[Deviation]:
    """Every deviation in the event log (not the views)."""
    notifications = runtime.app.recorder.select_notifications(start=1, limit=1_000_000)
    ids = {n.originator_id for n in notifications if n.topic.endswith("Deviation.Reported")}
    return [runtime.app.get_deviation(deviation_id) for deviation_id in ids]


def assert_views_equal_a_rebuild(runtime: Runtime) -> None:
    assert catch_up(runtime, timeout=120)
    kept = snapshot(runtime.engine)
    total = queries.list_deviations(runtime.engine, per_page=1).total
    assert total == len(stored_deviations(runtime))
    rebuild(runtime)
    assert snapshot(runtime.engine) == kept


class Filer(threading.Thread):
    """Files deviations through the API until the server goes away; keeps each
    acknowledged (201) filing's marker, id and number."""

    def __init__(self, base: str, token: str, prefix: str, acked: list[tuple[str, str, str]],
                 refused: list[str], today: str) -> None:
        super().__init__(daemon=True)
        self.today = today
        self.base, self.token, self.prefix = base, token, prefix
        self.acked, self.refused = acked, refused

    def run(self) -> None:
        for index in range(100_000):
            marker = f"Filing {self.prefix}-{index}"
            category, subcategory = CLASSIFICATIONS[index % len(CLASSIFICATIONS)]
            body = json.dumps({
                "unit": "utredning", "category": category, "subcategory": subcategory,
                "occurred_on": self.today, "description": marker,
            }).encode()
            request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 only)
                f"{self.base}/api/v1/deviations", data=body, method="POST",
                headers={"Authorization": f"Bearer {self.token}",
                         "Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    answer = json.load(response)
                    self.acked.append((marker, answer["id"], answer["number"]))
            except urllib.error.HTTPError as error:  # an answer, but not 201
                self.refused.append(f"{error.code} {error.read()[:200]!r}")
                return
            except (urllib.error.URLError, HTTPException, OSError):
                return  # killed: this filing may or may not have been stored


def test_kill_9_of_serve_under_a_filing_load_loses_nothing_acknowledged(
    runtime: Runtime, environ: dict[str, str], tokens: dict[str, str]
) -> None:
    acked: list[tuple[str, str, str]] = []
    refused: list[str] = []
    for round_ in range(ROUNDS):
        server = Served(environ).wait_ready()
        try:
            before = len(acked)
            today = runtime.app.today().isoformat()
            filers = [Filer(server.base, tokens["rapportor"], f"{round_}.{n}", acked, refused,
                            today) for n in range(FILERS)]
            for filer in filers:
                filer.start()
            deadline = time.monotonic() + 60
            while len(acked) < before + 10 and not refused:
                assert time.monotonic() < deadline, server.output()
                time.sleep(0.02)
            time.sleep(random.uniform(0, 0.5))  # a random moment into the load
        finally:
            server.kill()
        for filer in filers:
            filer.join(timeout=60)
        assert not refused, refused

    stored = stored_deviations(runtime)
    markers = Counter(deviation.description for deviation in stored)
    by_id = {str(deviation.id): deviation for deviation in stored}
    for marker, deviation_id, number in acked:
        assert markers[marker] == 1, marker  # acknowledged: stored, and once
        assert by_id[deviation_id].number == number
    numbers = [deviation.number for deviation in stored]
    assert len(numbers) == len(set(numbers))
    assert len(stored) >= len(acked) > ROUNDS * 10
    assert_views_equal_a_rebuild(runtime)
    # The hash chain was written in each event's transaction: a kill leaves no gap in it.
    chain = verify_chain(runtime.engine, runtime.app.recorder.events_table_name)  # type: ignore[attr-defined]
    assert chain.intact, chain.problem
    assert chain.head.position == runtime.app.recorder.max_notification_id()


def file_some(runtime: Runtime, count: int, start: int) -> None:
    app = runtime.app
    today = app.today()
    for index in range(start, start + count):
        category, subcategory = CLASSIFICATIONS[index % len(CLASSIFICATIONS)]
        deviation = app.file_deviation(
            actor="rapportor", unit="utredning", category=category, subcategory=subcategory,
            occurred_on=today - timedelta(days=index % 200),
            reported_on=today - timedelta(days=index % 200), description=f"Händelse {index}.",
        )
        if index % 4 == 0:
            other = CLASSIFICATIONS[(index + 1) % len(CLASSIFICATIONS)]
            app.reclassify_deviation(deviation.id, actor="utvecklare", category=other[0],
                                     subcategory=other[1])
        if index % 7 == 0:
            app.withdraw_deviation(deviation.id, actor="utvecklare", reason="Fel.")


def test_kill_9_of_projection_workers_mid_batch_leaves_counts_equal_to_a_rebuild(
    runtime: Runtime, environ: dict[str, str]
) -> None:
    file_some(runtime, 60, 0)
    env = os.environ | environ
    for round_ in range(ROUNDS):
        head = runtime.app.recorder.max_notification_id() or 0
        # Held inside a batch's open transaction, a few batches into the stream (there are
        # dozens of batches of 3 left), then killed: no race with the clock.
        worker = subprocess.Popen(
            [sys.executable, str(HELD_WORKER), str(random.randint(4, 20)),
             "projections", "run", "--batch-size", "3"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            assert worker.stdout is not None
            held = worker.stdout.readline()  # blocks until held, or EOF if the worker died
            assert held.strip() == "HELD", worker.communicate(timeout=30)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        positions = BatchRunner(runtime).positions()
        assert min(positions.values()) < head, "the kill came after the stream was done"
        file_some(runtime, 30, 60 + round_ * 30)  # more arrives while no worker runs
    assert_views_equal_a_rebuild(runtime)
    # And the counts are those of the aggregates.
    counted = [d for d in stored_deviations(runtime) if d.status.value != "withdrawn"]
    today = runtime.app.today()
    series = queries.monthly_series(runtime.engine, [today.year - 1, today.year])
    assert sum(sum(months) for months in series.values()) == len(counted)
