"""schemathesis against `tracker serve` on loopback with an API token: every operation of
/api/openapi.json, every check, the examples, coverage, fuzzing and stateful phases, a
fixed seed. It must find nothing: no 500, no answer outside its documented status codes and
schemas, nothing valid by the document refused, nothing invalid accepted.

Bounded for CI (about a minute a store). A longer run:
TRACKER_TEST_SCHEMATHESIS_SECONDS=200 .venv/bin/python -m pytest tests/api/test_schemathesis.py
(fuzzing and the stateful phase then repeat until the time is spent)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import pytest
from served import Served
from support import PASSWORD, file_deviation

from events.complaint import Channel, ComplaintKind, ContactWish, SenderCategory
from events.history_import import ImportKind
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


def answers(document: dict[str, Any], har: Path) -> dict[str, Counter[int]]:
    """Each documented operation (METHOD path) -> how often it answered each status."""
    templates = [
        (method.upper(), path, re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", path) + "$"))
        for path, operations in document["paths"].items() for method in operations
    ]
    prefix = document["servers"][0]["url"]
    found: dict[str, Counter[int]] = {f"{m} {p}": Counter() for m, p, _ in templates}
    for entry in json.loads(har.read_text())["log"]["entries"]:
        path = urlsplit(entry["request"]["url"]).path.removeprefix(prefix)
        for method, template, pattern in templates:
            if method == entry["request"]["method"] and pattern.match(path):
                found[f"{method} {template}"][entry["response"]["status"]] += 1
    return found


def reached(statuses: Counter[int]) -> bool:
    """A generated request got to a real case, import or version: it was done (2xx), or the
    case's state answered (409: a step out of order). A random id only knocks (404)."""
    return any(200 <= status < 300 or status == 409 for status in statuses)


def seed_cases(runtime: Runtime, lex_sarah_case: Callable[..., UUID],
               child_report: Callable[..., UUID]) -> None:
    """A few cases, so that lists and reports answer rows the answer schemas must fit."""
    deviation = file_deviation(runtime)
    runtime.app.add_measure(deviation.id, actor="utvecklare", description="Ny rutin.",
                            responsible="Enhetschefen", due_on=runtime.app.today())
    lex_sarah_case()
    child_report()
    child_report(days_ago=20)
    # An import, so that the list of imports links to an undo that can succeed.
    counts = ("år;månad;verksamhet;kvalitetsområde;underkategori;antal;varav_lex_sarah\r\n"
              "2015;5;IFO;samverkan;;2;\r\n").encode()
    runtime.app.store_import(ImportKind.COUNTS, counts, "2015.csv", actor="utvecklare")
    # A complaint, so that the complaints list links to its steps.
    runtime.app.receive_complaint(
        actor="avsandare", kind=ComplaintKind.COMPLAINT, unit="utredning",
        sender=SenderCategory.CLIENT, channel=Channel.E_SERVICE, text="Ingen svarade.",
        contact_wish=ContactWish.CODE)


def test_schemathesis_finds_nothing(
    runtime: Runtime, environ: dict[str, str], tmp_path: Path,
    lex_sarah_case: Callable[..., UUID], child_report: Callable[..., UUID],
) -> None:
    # The quality developer's role reaches every operation of the API.
    runtime.accounts.add("utvecklare", Role.VERKSAMHETSUTVECKLARE, PASSWORD)
    token = runtime.accounts.create_token("utvecklare")
    seed_cases(runtime, lex_sarah_case, child_report)
    bound = ["--max-time", SECONDS] if SECONDS else ["--max-examples", "10"]
    har = tmp_path / "requests.har"
    with Served(environ) as server:
        server.wait_ready()
        with urllib.request.urlopen(f"{server.base}/api/openapi.json") as answer:  # noqa: S310
            document = json.load(answer)
        run = subprocess.run(
            [sys.executable, "-c", LAUNCHER, "--config-file", str(CONFIG),
             "run", f"{server.base}/api/openapi.json",
             "--header", f"Authorization: Bearer {token}",
             "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful",
             "--seed", SEED, *bound, "--workers", "2", "--generation-database", "none",
             "--request-timeout", "60", "--no-color", "--report", "junit,har",
             "--report-dir", str(tmp_path / "report"), "--report-har-path", str(har)],
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
    # Every operation did its work at least once: the document's links lead from the answers
    # that create cases, imports and versions to the operations that need their ids.
    statuses = answers(document, har)
    unreached = {operation: dict(answered) for operation, answered in statuses.items()
                 if not reached(answered)}
    print("\n".join(f"{operation}: {dict(answered)}" for operation, answered in statuses.items()))
    # Known gap (issue #27 stays open for it): the stateful phase follows the links to a Lex
    # Sarah case (from the escalation and the escalations report) and to a complaint (from the
    # list's first row) too rarely within this bound to reach each of their steps.
    # And the changes since a finalisation answer only for the one month finalised, which a
    # generated year and month does not hit.
    gap = {operation for operation in unreached if operation.split(" ")[1].startswith(
        ("/lex-sarah/", "/complaints/"))
        or operation.split(" ")[1] == "/reports/monthly/changes"}
    assert set(unreached) - gap == set(), f"never reached (the statuses they answered): {unreached}"
