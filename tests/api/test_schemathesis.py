"""schemathesis against `tracker serve` on loopback with an API token: every operation of
/api/openapi.json, every check, the examples, coverage, fuzzing and stateful phases, a
fixed seed. It must find nothing: no 500, no answer outside its documented status codes and
schemas, nothing valid by the document refused, nothing invalid accepted.

Bounded for CI (about a minute a store). A longer run:
TRACKER_TEST_SCHEMATHESIS_SECONDS=200 .venv/bin/python -m pytest tests/api/test_schemathesis.py
(fuzzing and the stateful phase then repeat until the time is spent)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

import pytest
from served import Served
from support import PASSWORD, file_deviation

from tracker.people.accounts import Role
from tracker.runtime import Runtime

pytestmark = pytest.mark.slow

CONFIG = Path(__file__).with_name("schemathesis.toml")
# schemathesis' CLI with ast.parse taken in turns: its two workers are threads, and
# hypothesis parses a filter's source (its description) with ast.parse; on CPython 3.11
# two at once can raise "SystemError: AST constructor recursion depth mismatch" (the depth
# counter is shared: python/cpython#106905), a runtime error of the run, not a finding.
LAUNCHER = """
import ast, sys, threading
_parse, _turn = ast.parse, threading.Lock()
def parse(*args, **kwargs):
    with _turn:
        return _parse(*args, **kwargs)
ast.parse = parse
from schemathesis.cli import schemathesis
sys.argv[0] = "schemathesis"
sys.exit(schemathesis())
"""
SECONDS = os.environ.get("TRACKER_TEST_SCHEMATHESIS_SECONDS", "")
SEED = os.environ.get("TRACKER_TEST_SCHEMATHESIS_SEED", "20261201")


def seed_cases(runtime: Runtime, lex_sarah_case: Callable[..., UUID],
               child_report: Callable[..., UUID]) -> None:
    """A few cases, so that lists and reports answer rows the answer schemas must fit."""
    deviation = file_deviation(runtime)
    runtime.app.add_measure(deviation.id, actor="utvecklare", description="Ny rutin.",
                            responsible="Enhetschefen", due_on=runtime.app.today())
    lex_sarah_case()
    child_report()
    child_report(days_ago=20)


def test_schemathesis_finds_nothing(
    runtime: Runtime, environ: dict[str, str], tmp_path: Path,
    lex_sarah_case: Callable[..., UUID], child_report: Callable[..., UUID],
) -> None:
    # The quality developer's role reaches every operation of the API.
    runtime.accounts.add("utvecklare", Role.VERKSAMHETSUTVECKLARE, PASSWORD)
    token = runtime.accounts.create_token("utvecklare")
    seed_cases(runtime, lex_sarah_case, child_report)
    bound = ["--max-time", SECONDS] if SECONDS else ["--max-examples", "10"]
    with Served(environ) as server:
        server.wait_ready()
        run = subprocess.run(
            [sys.executable, "-c", LAUNCHER, "--config-file", str(CONFIG),
             "run", f"{server.base}/api/openapi.json",
             "--header", f"Authorization: Bearer {token}",
             "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful",
             "--seed", SEED, *bound, "--workers", "2", "--generation-database", "none",
             "--request-timeout", "60", "--no-color", "--report", "junit",
             "--report-dir", str(tmp_path / "report")],
            cwd=tmp_path, capture_output=True, text=True, timeout=900,
        )
        server_log = server.output()
    summary = run.stdout[run.stdout.find("SUMMARY"):] if "SUMMARY" in run.stdout else ""
    print(summary)  # what was run: operations, test cases, seconds (pytest -s / -rP)
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n--- server ---\n{server_log}"
    selected = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", summary)
    generated = re.search(r"(\d+) generated", summary)
    assert selected and generated, summary
    assert int(selected[1]) == int(selected[2]) == int(selected[3])  # every operation ran
    assert int(generated[1]) > 0
    assert "unexpected error" not in server_log  # nothing answered 500
