"""`tracker bench --quick` runs end to end (a smoke test: no timing assertions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

POSTGRES_URL = os.environ.get("TRACKER_TEST_POSTGRES_URL", "")
KEYS = (
    "append_tx1_eps",
    "http_filing_rps",
    "http_framework_rps",
    "http_vs_framework",
    "http_filing_rps_2proc",
    "http_vs_append",
    "select_decode_eps",
    "rebuild_eps",
    "rebuild_vs_decode",
    "monthly_report_p95_ms",
    "annual_report_p95_ms",
    "scan_ms",
    "case_page_logged_p50_ms",
    "case_page_unlogged_p50_ms",
    "access_log_cost_p50_ms",
    "import_preview_5000_rows_csv_s",
    "import_preview_5000_rows_xlsx_s",
    "sizes",
)


@pytest.mark.slow  # ~45 s: a real bench run on each store
def test_quick_bench_measures_every_number_on_every_store(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    command = [sys.executable, "-m", "tracker.cli", "bench", "--quick", "--json", str(out)]
    if POSTGRES_URL:
        command += ["--postgres-url", POSTGRES_URL]
    env = os.environ | {"TRACKER_INSTANCE_PATH": str(tmp_path / "instance")}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "HTTP / bare append" in result.stdout
    report = json.loads(out.read_text())
    stores = report["stores"]
    assert [s["store"] for s in stores] == (["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"])
    for store in stores:
        assert all(key in store for key in KEYS)
        assert store["http_failures"] == 0
        assert store["http_failures_2proc"] == 0
        assert store["generated"]["deviations"] == store["sizes"]["deviations"]
        # The log holds the generated cases plus their follow-up events.
        assert store["events"] > store["sizes"]["deviations"]
        # A difference of two timings may come out below zero; every other number may not.
        assert min(store[k] for k in KEYS if k not in {"sizes", "access_log_cost_p50_ms"}) > 0
    assert not (
        tmp_path / "instance" / "tracker.sqlite3"
    ).exists()  # nothing touched the real store
