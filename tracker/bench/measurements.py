"""The measurements of `tracker bench` (the command is tracker/cli/bench.py): national-scale
numbers, each rate as a ratio to a raw limit measured in the same run on the same machine
(see docs/performance.md)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import click

from events.history_import import ImportKind
from tracker.config import Settings
from tracker.people.accounts import Role
from tracker.runtime import Runtime


@dataclass(frozen=True)
class Sizes:
    deviations: int
    child_reports: int
    years: int
    append_events: int
    http_requests: int
    http_clients: int
    report_queries: int


QUICK = Sizes(2_000, 1_000, 3, 500, 200, 4, 20)
DEFAULT = Sizes(100_000, 100_000, 10, 5_000, 2_000, 8, 200)
NATIONAL = Sizes(1_000_000, 100_000, 10, 5_000, 4_000, 8, 200)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def latencies(call: Callable[[int], Any], repeat: int) -> list[float]:
    """Milliseconds per call; the call gets its index, to vary its arguments."""
    samples = []
    for index in range(repeat):
        start = time.perf_counter()
        call(index)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


# --- 1. bare append ----------------------------------------------------------------------


def append_tx1(rt: Runtime, count: int) -> float:
    """Events per second, one event per transaction, through the eventsourcing recorder."""
    from eventsourcing.persistence import StoredEvent

    payload = b'{"description":"' + b"x" * 200 + b'"}'
    events = [StoredEvent(uuid.uuid4(), 1, "bench:Appended", payload) for _ in range(count)]
    start = time.perf_counter()
    for stored in events:
        rt.app.recorder.insert_events([stored])
    return count / (time.perf_counter() - start)


def raw_append_tx1(settings: Settings, count: int) -> float:
    """The same rows, one per transaction, through the bare driver into a table of the same
    shape: the floor below which no event store can go on this machine."""
    payload = b'{"description":"' + b"x" * 200 + b'"}'
    rows = [(uuid.uuid4().hex, 1, "bench:Appended", payload) for _ in range(count)]
    if settings.is_sqlite:
        connection = sqlite3.connect(settings.sqlite_path, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(
            "CREATE TABLE IF NOT EXISTS bench_raw (originator_id TEXT, originator_version "
            "INTEGER, topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
        )
        start = time.perf_counter()
        for row in rows:
            connection.execute("BEGIN")
            connection.execute("INSERT INTO bench_raw VALUES (?,?,?,?)", row)
            connection.execute("COMMIT")
        elapsed = time.perf_counter() - start
        connection.execute("DROP TABLE bench_raw")
        connection.close()
        return count / elapsed
    import psycopg

    url = settings.database_url.split("?", 1)[0]
    schema = settings.postgres_schema or "public"
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute(f'SET search_path TO "{schema}"')
        pg.execute(
            "CREATE TABLE IF NOT EXISTS bench_raw (originator_id uuid, originator_version "
            "integer, topic text, state bytea, notification_id bigserial, "
            "PRIMARY KEY (originator_id, originator_version))"
        )
        start = time.perf_counter()
        for originator_id, version, topic, state in rows:
            with pg.transaction():
                pg.execute(
                    "INSERT INTO bench_raw (originator_id, originator_version, topic, state) "
                    "VALUES (%s, %s, %s, %s)",
                    (originator_id, version, topic, state),
                )
        elapsed = time.perf_counter() - start
        pg.execute("DROP TABLE bench_raw")
    return count / elapsed


# --- 3. read and decode ------------------------------------------------------------------


def select_decode(rt: Runtime, page: int = 5_000) -> tuple[float, int]:
    """Events per second reading the whole log and mapping each to its domain event."""
    recorder, mapper = rt.app.recorder, rt.app.mapper
    count, start_id = 0, 1
    start = time.perf_counter()
    while True:
        notifications = recorder.select_notifications(start=start_id, limit=page)
        if not notifications:
            break
        for notification in notifications:
            mapper.to_domain_event(notification)
        count += len(notifications)
        start_id = notifications[-1].id + 1
    return count / (time.perf_counter() - start), count


# --- 2. filing over HTTP -----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise click.ClickException("tracker serve exited before it listened")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise click.ClickException("tracker serve did not start listening")


@dataclass
class Load:
    """What a client pool measured against one server."""

    latencies: list[float]  # ms per request
    failures: list[int]  # statuses other than the expected one
    elapsed: float  # s, first request sent to last answer read

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed


def drive(
    port: int,
    path: str,
    body: bytes,
    headers: dict[str, str],
    requests: int,
    clients: int,
    expect: int = 201,
) -> Load:
    """`requests` POSTs of `body` from `clients` concurrent keep-alive clients on loopback:
    the one client pool every HTTP measurement of the bench uses."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    per_client = requests // clients

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        for _ in range(per_client):
            start = time.perf_counter()
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - start) * 1000)
            if response.status != expect:
                with lock:
                    failures.append(response.status)
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Load(latencies, failures, time.perf_counter() - start)


@contextlib.contextmanager
def server(argv: list[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    """A server process for the length of a with-block, listening on `port`."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for_port(port, process)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


FILING = {
    "unit": "utredning",
    "category": "handlaggning",
    "subcategory": "registrering",
    "description": "En journal låg i fel akt.",
}


def http_framework(database_url: str, threads: int, requests: int, clients: int) -> Load:
    """The framework's limit: the minimal app of tracker/bench/framework.py (same server,
    same thread count, same clients, the same JSON body) doing one INSERT + COMMIT."""
    port = _free_port()
    argv = [sys.executable, "-m", "tracker.bench.framework", database_url, str(port),
            str(threads)]
    body = json.dumps(FILING | {"occurred_on": "2026-01-01"}).encode()
    with server(argv, dict(os.environ), port):
        drive(port, "/file", body, {"Content-Type": "application/json"}, clients * 5, clients)
        return drive(port, "/file", body, {"Content-Type": "application/json"}, requests,
                     clients)


def http_filing(
    rt: Runtime,
    environ: dict[str, str],
    requests: int,
    clients: int,
    *,
    web_processes: int | None = None,
) -> Load:
    """POST /api/v1/deviations through the real WSGI server (`tracker serve`, a separate
    process; with `web_processes`, `tracker serve --workers N`: N web processes and the
    background workers in the parent) from concurrent keep-alive clients on loopback."""
    username = f"bench{uuid.uuid4().hex[:8]}"
    rt.accounts.add(username, Role.RAPPORTOR, uuid.uuid4().hex)
    token = rt.accounts.create_token(username)
    port = _free_port()
    env = os.environ | environ | {"TRACKER_PORT": str(port), "TRACKER_HOST": "127.0.0.1"}
    argv = [sys.executable, "-m", "tracker.cli", "serve"]
    if web_processes is not None:
        argv += ["--workers", str(web_processes)]
    body = json.dumps(FILING | {"occurred_on": rt.app.today().isoformat()}).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with server(argv, env, port):
        # Warm up every server thread (imports, first connections) before measuring.
        drive(port, "/api/v1/deviations", body, headers, clients * 5, clients)
        return drive(port, "/api/v1/deviations", body, headers, requests, clients)


def load_summary(load: Load) -> dict[str, float]:
    return {
        "http_failures": len(load.failures),
        "http_filing_rps": load.rps,
        "http_p50_ms": percentile(load.latencies, 0.5),
        "http_p95_ms": percentile(load.latencies, 0.95),
    }


def case_page_access_log(rt: Runtime, app: Any, repeat: int) -> dict[str, float]:
    """GET one deviation's page in-process (the Flask app `app`, as an enhetschef of its
    unit), alternately with the access log recording and switched off, so the difference
    is what recording a read costs a page."""
    username = f"benchchef{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    rt.accounts.add(username, Role.ENHETSCHEF, password, units={"utredning"})
    deviation = rt.app.file_deviation(
        actor=username, unit="utredning", category="personal", subcategory=None,
        occurred_on=rt.app.today(), description="Mätning av läsloggen.",
    )
    app.config["WTF_CSRF_ENABLED"] = False  # the bench's own app; the form is not measured
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    if response.status_code != 302:
        raise click.ClickException("bench: could not log in to measure the case page")
    path = f"/avvikelser/{deviation.id}"
    timings: dict[bool, list[float]] = {True: [], False: []}
    for index in range(2 * repeat + 2):
        logged = index % 2 == 0
        app.config["ACCESS_LOG_DISABLED"] = not logged
        start = time.perf_counter()
        answer = client.get(path)
        elapsed = (time.perf_counter() - start) * 1000
        if answer.status_code != 200:
            raise click.ClickException(f"bench: {path} answered {answer.status_code}")
        if index >= 2:  # the first of each warms caches
            timings[logged].append(elapsed)
    app.config["ACCESS_LOG_DISABLED"] = False
    on, off = timings[True], timings[False]
    return {
        "case_page_logged_p50_ms": percentile(on, 0.5),
        "case_page_logged_p95_ms": percentile(on, 0.95),
        "case_page_unlogged_p50_ms": percentile(off, 0.5),
        "case_page_unlogged_p95_ms": percentile(off, 0.95),
        "access_log_cost_p50_ms": percentile(on, 0.5) - percentile(off, 0.5),
    }


TABLE_ROWS = (
    ("append_tx1_eps", "bare append, 1 event/tx (events/s)", None),
    ("raw_append_tx1_eps", "raw driver, 1 row/tx (rows/s)", None),
    ("http_framework_rps", "framework limit, 1 INSERT/req (req/s)", None),
    ("http_filing_rps", "HTTP filing, 1 web process (req/s)", None),
    ("http_vs_framework", "HTTP filing / framework limit", 0.5),
    ("http_vs_append", "HTTP / bare append", None),
    ("http_p50_ms", "HTTP p50 (ms)", None),
    ("http_p95_ms", "HTTP p95 (ms)", None),
    ("http_filing_rps_2proc", "HTTP filing, 2 web processes (req/s)", None),
    ("http_2proc_vs_1proc", "2 web processes / 1", None),
    ("select_decode_eps", "read + decode (events/s)", None),
    ("rebuild_eps", "rebuild (events/s)", None),
    ("rebuild_vs_decode", "rebuild / read+decode", 0.5),
    ("rebuild_scaling", "rebuild rate, this size / 10,000 dev.", None),
    ("rebuild_scaling_vs_decode", "rebuild/decode, this size / 10,000", None),
    ("monthly_report_p95_ms", "monthly report p95 (ms)", -50),
    ("annual_report_p95_ms", "annual report p95 (ms)", -50),
    ("scan_ms", "overdue scan (ms)", -200),
    ("case_page_unlogged_p50_ms", "case page, no access log p50 (ms)", None),
    ("case_page_logged_p50_ms", "case page, access log p50 (ms)", None),
    ("access_log_cost_p50_ms", "access log cost per page p50 (ms)", None),
)


def print_table(results: list[dict[str, Any]], echo: Callable[[str], None]) -> None:
    header = f"{'measure':40}" + "".join(f"{r['store']:>14}" for r in results) + "   target"
    echo(header)
    echo("-" * len(header))
    refused = (("http_failures", "HTTP filings refused", None),
               ("http_failures_2proc", "HTTP filings refused, 2 processes", None))
    for key, label, target in (*TABLE_ROWS, *refused):
        if not any(key in r for r in results):
            continue  # not measured in this run (e.g. the scaling rows without --scaling)
        cells = "".join(
            f"{r[key]:>14.2f}" if key in r else f"{'–':>14}" for r in results
        )
        goal = "" if target is None else (f"≥ {target}" if target > 0 else f"< {-target}")
        echo(f"{label:40}{cells}   {goal}")
    echo(f"{'events in the log':40}" + "".join(f"{r['events']:>14}" for r in results))


def import_preview(app: Any, rows: int) -> dict[str, float]:
    """Seconds to read and check (preview, nothing stored) a rows file of `rows` deviations,
    as .xlsx and as .csv; the import page and `tracker import --dry-run` do exactly this."""
    import csv
    import io
    from datetime import date, timedelta

    # Here, not at the top: openpyxl only when the bench measures an import.
    from openpyxl import Workbook

    from tracker.history_import.templates import header

    units = [unit.code for unit in app.organisation.units()]
    kinds = [("handlaggning", "utredningstid"), ("genomforande", ""), ("samverkan", ""),
             ("handlaggning", "sekretess")]
    first = date(2016, 1, 1)
    lines = []
    for i in range(rows):
        reported = first + timedelta(days=i % 700)
        category, subcategory = kinds[i % len(kinds)]
        lines.append([reported.isoformat(), (reported - timedelta(days=1)).isoformat(),
                      units[i % len(units)], category, subcategory, f"Rad {i} i filen.",
                      "avslutad", "nej", f"DNR {i}"])
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header(ImportKind.ROWS))
    writer.writerows(lines)
    book = Workbook()
    sheet = book.active
    sheet.append(header(ImportKind.ROWS))
    for line in lines:
        sheet.append(line)
    xlsx = io.BytesIO()
    book.save(xlsx)
    result: dict[str, float] = {}
    for name, data in (("csv", out.getvalue().encode("utf-8")), ("xlsx", xlsx.getvalue())):
        start = time.perf_counter()
        preview = app.preview_import(ImportKind.ROWS, data, f"bench.{name}")
        result[f"import_preview_{rows}_rows_{name}_s"] = time.perf_counter() - start
        if not preview.ok:
            raise RuntimeError(f"bench file has problems: {preview.problems[:3]}")
    return result
