"""`tracker bench`: opens the measured stores (a fresh temporary one per database) and runs
the measurements of tracker/bench/measurements.py on them."""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from projections import queries
from projections.rebuild import rebuild
from projections.runner import catch_up
from tracker.bench.data import generate
from tracker.bench.measurements import (
    DEFAULT,
    NATIONAL,
    QUICK,
    Sizes,
    append_tx1,
    case_page_access_log,
    http_filing,
    http_framework,
    import_preview,
    latencies,
    load_summary,
    percentile,
    print_table,
    raw_append_tx1,
    select_decode,
)
from tracker.cli.common import open_from_env, reopener
from tracker.cli.serve import WAITRESS_THREADS
from tracker.config import Settings
from tracker.runtime import Runtime
from tracker.scheduler import scan

IMPORT_ROWS = 5000  # a municipality's earlier years, one row per deviation


SCALING_DEVIATIONS = 10_000


def small_store(environ: dict[str, str], sizes: Sizes) -> dict[str, Any]:
    """Decode and rebuild in a fresh store of SCALING_DEVIATIONS deviations (and as many
    child reports), the rest as in `sizes`."""
    settings = Settings.from_env(environ)
    rt = open_from_env(settings)
    try:
        generate(
            rt.app, rt.organisation.units(), deviations=SCALING_DEVIATIONS,
            child_reports=min(SCALING_DEVIATIONS, sizes.child_reports), years=sizes.years,
            today=rt.app.today(),
        )
        return rebuild_against_decode(rt, settings)
    finally:
        rt.close()


def rebuild_against_decode(rt: Runtime, settings: Settings) -> dict[str, Any]:
    """The rebuild between two read-and-decode runs of the whole log (their mean is the
    limit), as for filing against the framework."""
    before, events = select_decode(rt)
    rebuilt = rebuild(rt, reopen=reopener(settings))
    after, _ = select_decode(rt)
    decode = (before + after) / 2
    return {
        "select_decode_eps": decode,
        "select_decode_eps_runs": [before, after],
        "events": events,
        "rebuild_eps": rebuilt.rate,
        "rebuild_vs_decode": rebuilt.rate / decode,
    }


def filing_against_framework(
    rt: Runtime, environ: dict[str, str], framework_url: str, requests: int, clients: int
) -> dict[str, Any]:
    """The filing endpoint between two runs of the framework's own limit (their mean is
    the limit), so that a change in the machine's load during the run shows as a
    difference between the two framework runs rather than in the ratio; then the same
    load on two web processes."""
    before = http_framework(framework_url, WAITRESS_THREADS, requests, clients)
    filing = http_filing(rt, environ, requests, clients, web_processes=1)
    after = http_framework(framework_url, WAITRESS_THREADS, requests, clients)
    two = http_filing(rt, environ, requests, clients, web_processes=2)
    framework = (before.rps + after.rps) / 2
    return load_summary(filing) | {
        "http_framework_rps": framework,
        "http_framework_rps_runs": [before.rps, after.rps],
        "http_framework_p50_ms": percentile(before.latencies + after.latencies, 0.5),
        "http_vs_framework": filing.rps / framework,
        "http_filing_rps_2proc": two.rps,
        "http_2proc_vs_1proc": two.rps / filing.rps,
        "http_failures_2proc": len(two.failures),
    }


def run_store(
    label: str,
    environ: dict[str, str],
    append_environ: dict[str, str],
    framework_url: str,
    sizes: Sizes,
    echo: Callable[[str], None],
    scaling_environ: dict[str, str] | None = None,
) -> dict[str, Any]:
    settings = Settings.from_env(environ)
    rt = open_from_env(settings)
    try:
        result: dict[str, Any] = {"store": label, "sizes": asdict(sizes)}
        if not settings.is_sqlite:
            with rt.engine.connect() as connection:
                result["synchronous_commit"] = connection.exec_driver_sql(
                    "SHOW synchronous_commit"
                ).scalar()
            echo(f"[{label}] synchronous_commit = {result['synchronous_commit']}")
        echo(f"[{label}] bare append, {sizes.append_events} events one per transaction")
        # In a store of its own, so the measured log holds only real events.
        append_settings = Settings.from_env(append_environ)
        append_rt = open_from_env(append_settings)
        try:
            result["append_tx1_eps"] = append_tx1(append_rt, sizes.append_events)
            result["raw_append_tx1_eps"] = raw_append_tx1(append_settings, sizes.append_events)
        finally:
            append_rt.close()
        result["append_vs_raw"] = result["append_tx1_eps"] / result["raw_append_tx1_eps"]

        echo(f"[{label}] generating {sizes.deviations} deviations, {sizes.child_reports} reports")
        start = time.perf_counter()
        generated = generate(
            rt.app,
            rt.organisation.units(),
            deviations=sizes.deviations,
            child_reports=sizes.child_reports,
            years=sizes.years,
            today=rt.app.today(),
        )
        result["generate_s"] = time.perf_counter() - start
        result["generated"] = asdict(generated)

        echo(f"[{label}] read and decode the whole log; rebuild every view; read again")
        result |= rebuild_against_decode(rt, settings)
        if scaling_environ is not None:
            echo(f"[{label}] scaling: the same at {SCALING_DEVIATIONS} deviations")
            small = small_store(scaling_environ, sizes)
            result["scaling"] = small | {
                "deviations": [SCALING_DEVIATIONS, sizes.deviations],
                "rebuild_eps": [small["rebuild_eps"], result["rebuild_eps"]],
                "rebuild_vs_decode": [small["rebuild_vs_decode"], result["rebuild_vs_decode"]],
            }
            # Large over small; within 20 % of 1 is flat. The decode-relative figure is
            # the robust one on a shared machine (each is paired within its own run).
            result["rebuild_scaling"] = result["rebuild_eps"] / small["rebuild_eps"]
            result["rebuild_scaling_vs_decode"] = (
                result["rebuild_vs_decode"] / small["rebuild_vs_decode"]
            )

        echo(f"[{label}] scheduler scan over {sizes.child_reports} child reports")
        first = time.perf_counter()
        flagged = len(scan(rt).flagged)
        result["scan_first_ms"] = (time.perf_counter() - first) * 1000
        result["scan_first_flagged"] = flagged
        steady = latencies(lambda _: scan(rt), 5)
        result["scan_ms"] = statistics.median(steady)

        echo(
            f"[{label}] filing over HTTP: {sizes.http_requests} requests, "
            f"{sizes.http_clients} clients, against the framework's limit before and after"
        )
        result |= filing_against_framework(
            rt, environ, framework_url, sizes.http_requests, sizes.http_clients
        )
        result["http_vs_append"] = result["http_filing_rps"] / result["append_tx1_eps"]
        catch_up(rt, timeout=600)

        today = rt.app.today()
        months = [(today.year - k // 12, k % 12 + 1) for k in range(sizes.years * 12)]
        echo(f"[{label}] report queries, {sizes.report_queries} each")
        years = list(range(today.year - sizes.years + 1, today.year + 1))
        monthly = latencies(
            lambda i: queries.monthly_report(
                rt.engine, *months[i % len(months)], organisation=rt.organisation
            ),
            sizes.report_queries,
        )
        annual = latencies(
            lambda i: queries.annual_report(
                rt.engine, years[i % len(years)], organisation=rt.organisation
            ),
            sizes.report_queries,
        )
        result["monthly_report_p50_ms"] = percentile(monthly, 0.5)
        result["monthly_report_p95_ms"] = percentile(monthly, 0.95)
        result["annual_report_p50_ms"] = percentile(annual, 0.5)
        result["annual_report_p95_ms"] = percentile(annual, 0.95)

        result["open_child_reports"] = len(queries.child_reports(rt.engine, today, status="open"))

        echo(f"[{label}] a case page with and without the access log, {sizes.report_queries} each")
        from web import create_app  # the composition root may import web/

        result |= case_page_access_log(rt, create_app(rt), sizes.report_queries)
        echo(f"[{label}] import preview of a {IMPORT_ROWS}-row file (.csv and .xlsx)")
        result |= import_preview(rt.app, IMPORT_ROWS)
        echo(json.dumps(result, default=str))  # kept even if a later store fails
        return result
    finally:
        rt.close()


@contextlib.contextmanager
def durable_commits() -> Iterator[None]:
    """Every PostgreSQL connection of the measurement (this process's, the servers' and the
    framework app's, all through libpq's PGOPTIONS) commits durably, whatever the database's
    default: a filing is acknowledged only once its event is on disk, and the framework's
    INSERT + COMMIT waits as long. (A test database may be set not to wait for its WAL.)"""
    before = os.environ.get("PGOPTIONS")
    os.environ["PGOPTIONS"] = f"{before or ''} -c synchronous_commit=on".strip()
    try:
        yield
    finally:
        if before is None:
            del os.environ["PGOPTIONS"]
        else:
            os.environ["PGOPTIONS"] = before


@click.command("bench")
@click.option("--quick", is_flag=True, help="A small run (seconds), e.g. as a CI smoke test.")
@click.option("--national", is_flag=True, help="1,000,000 deviations (takes a long while).")
@click.option("--deviations", type=int, help="Override the number of deviations.")
@click.option("--child-reports", type=int, help="Override the number of open child reports.")
@click.option("--postgres-url", help="Also measure on this PostgreSQL database (a fresh schema).")
@click.option(
    "--scaling", is_flag=True,
    help="Also rebuild a store of 10,000 deviations, to compare the rate with this size's.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the results as one JSON object to this file.",
)
def bench_command(
    quick: bool,
    national: bool,
    deviations: int | None,
    child_reports: int | None,
    postgres_url: str | None,
    scaling: bool,
    json_path: Path | None,
) -> None:
    """Measure filing, reading, rebuilding, reporting and scanning at scale.

    Each rate is printed next to the raw limit it is bounded by, measured in the same run
    (bare event-store append, raw driver insert, read-and-decode of the log). Data is
    generated in a fresh temporary store; nothing touches TRACKER_DATABASE_URL.
    """
    sizes = QUICK if quick else NATIONAL if national else DEFAULT
    if deviations is not None or child_reports is not None:
        sizes = Sizes(
            **(
                asdict(sizes)
                | {
                    k: v
                    for k, v in (("deviations", deviations), ("child_reports", child_reports))
                    if v is not None
                }
            )
        )
    echo = lambda line: click.echo(line, err=True)  # noqa: E731
    results = []
    # Set before anything starts (the rebuild's forkserver keeps the environment it began with).
    durable = durable_commits() if postgres_url else contextlib.nullcontext()
    with durable, tempfile.TemporaryDirectory(prefix="tracker-bench-") as folder:
        base = {"TRACKER_INSTANCE_PATH": folder, "TRACKER_SECRET_KEY": "bench"}
        results.append(
            run_store(
                "sqlite",
                base | {"TRACKER_DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3"},
                base | {"TRACKER_DATABASE_URL": f"sqlite:///{folder}/append.sqlite3"},
                f"sqlite:///{folder}/framework.sqlite3",
                sizes,
                echo,
                base | {"TRACKER_DATABASE_URL": f"sqlite:///{folder}/small.sqlite3"}
                if scaling else None,
            )
        )
        if postgres_url:
            import psycopg

            schema = f"bench_{uuid.uuid4().hex[:8]}"
            plain = postgres_url.split("?", 1)[0]
            with psycopg.connect(plain, autocommit=True) as connection:
                connection.execute(f'CREATE SCHEMA "{schema}"')
                connection.execute(f'CREATE SCHEMA "{schema}_append"')
                connection.execute(f'CREATE SCHEMA "{schema}_small"')
            try:
                results.append(
                    run_store(
                        "postgres",
                        base | {"TRACKER_DATABASE_URL": f"{plain}?schema={schema}"},
                        base | {"TRACKER_DATABASE_URL": f"{plain}?schema={schema}_append"},
                        f"{plain}?schema={schema}_append",
                        sizes,
                        echo,
                        base | {"TRACKER_DATABASE_URL": f"{plain}?schema={schema}_small"}
                        if scaling else None,
                    )
                )
            finally:
                with psycopg.connect(plain, autocommit=True) as connection:
                    connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
                    connection.execute(f'DROP SCHEMA "{schema}_append" CASCADE')
                    connection.execute(f'DROP SCHEMA "{schema}_small" CASCADE')
    print_table(results, click.echo)
    if json_path:
        flat = dict(results[0])
        flat["stores"] = results
        json_path.write_text(json.dumps(flat, indent=2, default=str))
        click.echo(f"Wrote {json_path}")
