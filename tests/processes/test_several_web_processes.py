"""`tracker serve --workers 2` and one `tracker worker` on PostgreSQL under a filing load:
both web processes take filings at once, and nothing is lost, doubled or misnumbered."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from events.clocks import Clock
from projections import queries
from projections.runner import BatchRunner
from tracker.application import breach_deviation_id
from tracker.people.accounts import Role
from tracker.runtime import Runtime

CLIENTS = 4
FILINGS_PER_CLIENT = 20
OVERDUE_REPORTS = 3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(condition: object, what: str, processes: list[subprocess.Popen[str]]) -> None:
    deadline = time.monotonic() + 90
    while not condition():  # type: ignore[operator]
        for process in processes:
            assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            if parent == pid:
                found.append(int(entry))
    return found


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.slow
@pytest.mark.parametrize("store", ["postgres"])
def test_two_web_processes_and_a_worker_keep_every_filing_once_and_numbers_gap_free(
    runtime: Runtime, environ: dict[str, str]
) -> None:
    app = runtime.app
    reports = [
        app.receive_child_report(
            actor="forste", unit="utredning",
            received_at=datetime.now(UTC) - timedelta(days=20 + index),
            case_reference=f"DNR 2026/{index}",
        ).id
        for index in range(OVERDUE_REPORTS)
    ]
    runtime.accounts.add("filer", Role.RAPPORTOR, "ett-langt-losenord")
    token = runtime.accounts.create_token("filer")
    port = _free_port()
    env = os.environ | environ | {
        "TRACKER_EMBEDDED_WORKERS": "false", "TRACKER_PORT": str(port),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "tracker.cli", "serve", "--workers", "2"], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "tracker.cli", "worker"], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    processes = [server, worker]
    acknowledged: list[tuple[UUID, str]] = []
    refused: list[int] = []
    lock = threading.Lock()
    body = json.dumps({
        "unit": "utredning", "category": "handlaggning", "subcategory": "sekretess",
        "occurred_on": app.today().isoformat(), "description": "Brevet gick till fel adress.",
    })
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def listening() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(FILINGS_PER_CLIENT):
            connection.request("POST", "/api/v1/deviations", body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            with lock:
                if response.status == 201:
                    filed = json.loads(answer)
                    acknowledged.append((UUID(filed["id"]), filed["number"]))
                else:
                    refused.append(response.status)
        connection.close()

    try:
        def web_processes() -> int:
            return len(_children(server.pid))

        # Two web processes under the one that holds the socket (and runs no workers here).
        _wait_for(lambda: web_processes() == 2, "no two web processes", processes)
        _wait_for(listening, "tracker serve --workers 2 did not listen", processes)
        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert refused == []
        assert len(acknowledged) == CLIENTS * FILINGS_PER_CLIENT

        # The worker (the only one running the scheduler and the projections) flags each
        # breach and brings the views to the head of the log.
        breaches = {breach_deviation_id(r, Clock.FORHANDSBEDOMNING) for r in reports}

        def flagged() -> bool:
            found = queries.list_deviations(runtime.engine, per_page=500).items
            return breaches <= {row["id"] for row in found}

        _wait_for(flagged, "the worker did not flag every breach", processes)

        def caught_up() -> bool:
            head = app.recorder.max_notification_id() or 0
            return min(BatchRunner(runtime).positions().values()) >= head

        _wait_for(caught_up, "the worker did not bring the views up to date", processes)
    finally:
        for process in processes:
            _stop(process)

    listed = queries.list_deviations(runtime.engine, per_page=500)
    ids = [row["id"] for row in listed.items]
    assert len(ids) == len(set(ids)) == listed.total
    # Every acknowledged filing is there once, under the number it was acknowledged with.
    assert {r["id"]: r["number"] for r in listed.items if r["id"] not in breaches} == dict(
        acknowledged
    )
    # One series for the year, shared by both web processes and the scheduler: unique and
    # without gaps.
    year = app.today().year
    numbers = sorted(int(row["number"].rsplit("-", 1)[1]) for row in listed.items)
    assert numbers == list(range(1, len(acknowledged) + OVERDUE_REPORTS + 1))
    assert all(row["number"].startswith(f"AV-{year}-") for row in listed.items)
    # Each breach flagged once: one deviation per overdue report, and the report knows it.
    assert Counter(row["id"] in breaches for row in listed.items)[True] == OVERDUE_REPORTS
    for report_id in reports:
        assert app.get_child_report(report_id).breach_flagged_on is not None
    # The monthly report counts exactly the listed deviations of the month.
    today = app.today()
    month = queries.list_deviations(runtime.engine, year=today.year, month=today.month,
                                    per_page=500)
    report = queries.monthly_report(
        runtime.engine, today.year, today.month, organisation=runtime.organisation
    )
    assert report["total"] == month.total == len(acknowledged) + OVERDUE_REPORTS


if not os.environ.get("TRACKER_TEST_POSTGRES_URL"):
    # Like the PostgreSQL variant of every other test, this one exists only where that store
    # does (not in the SQLite-only dated runs), rather than standing in the run as skipped.
    del test_two_web_processes_and_a_worker_keep_every_filing_once_and_numbers_gap_free
