"""schemathesis against `tracker serve` on loopback with an API token: every operation of
/api/openapi.json, every check, the examples, coverage, fuzzing and stateful phases, a
fixed seed. It must find nothing: no 500, no answer outside its documented status codes and
schemas, nothing valid by the document refused, nothing invalid accepted.

Two runs. The first (examples, coverage and fuzzing) starts from seeded data whose ids its
config names as parameters (a Lex Sarah case and a complaint with attachments, a frozen
document version, a finalised month) and covers the operations on them: a case only exists
after a deviation was filed and escalated, a complaint after it was received and listed, the
changes since a finalisation only for the month finalised, and the stateful phase's random
walks over the links reach them too rarely within its bound. The second covers every
operation with generated ids and follows the document's links. Together they reach every
operation of the document (the test asserts it).

Bounded for CI. A longer run:
TRACKER_TEST_SCHEMATHESIS_SECONDS=200 .venv/bin/python -m pytest tests/api/test_schemathesis.py
(fuzzing and the stateful phase then repeat until the time is spent, in each run)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import pytest
from PIL import Image
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
# The operations the seeded run covers: everything under a Lex Sarah case or a complaint, and
# the changes since a month's finalisation.
ON_SEEDED_DATA = r"^/(lex-sarah/\{case_id\}|complaints/\{complaint_id\})|^/reports/monthly/changes$"
# The month the seed finalises: the month of its imported counts, so it has figures.
FINALISED = (2015, 5)


@dataclass(frozen=True)
class Seeded:
    """What the seeded run's requests name instead of generated values."""

    case_id: UUID  # a Lex Sarah case
    complaint_id: UUID


def answers(document: dict[str, Any], hars: list[Path]) -> dict[str, Counter[int]]:
    """Each documented operation (METHOD path) -> how often it answered each status."""
    templates = [
        (method.upper(), path, re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", path) + "$"))
        for path, operations in document["paths"].items() for method in operations
    ]
    prefix = document["servers"][0]["url"]
    found: dict[str, Counter[int]] = {f"{m} {p}": Counter() for m, p, _ in templates}
    for har in hars:
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


def seed_cases(runtime: Runtime, child_report: Callable[..., UUID]) -> Seeded:
    """A few cases, so that lists and reports answer rows the answer schemas must fit."""
    app = runtime.app
    deviation = file_deviation(runtime)
    app.add_measure(deviation.id, actor="utvecklare", description="Ny rutin.",
                    responsible="Enhetschefen", due_on=app.today())
    # A Lex Sarah case from a deviation the token's user reported: the reporter answers the
    # case's questions (only they may).
    reported = file_deviation(runtime, actor="utvecklare", category="genomforande",
                              subcategory=None, description="Knivar låg framme i köket.")
    case_id = app.escalate_to_lex_sarah(reported.id, actor="utvecklare",
                                        reason="Allvarlig risk för de unga.").id
    child_report()
    child_report(days_ago=20)
    # An import, so that the list of imports links to an undo that can succeed.
    year, month = FINALISED
    counts = ("år;månad;verksamhet;kvalitetsområde;underkategori;antal;varav_lex_sarah\r\n"
              f"{year};{month};IFO;samverkan;;2;\r\n").encode()
    app.store_import(ImportKind.COUNTS, counts, f"{year}.csv", actor="utvecklare")
    # A complaint, so that the complaints list links to its steps.
    complaint, _ = app.receive_complaint(
        actor="avsandare", kind=ComplaintKind.COMPLAINT, unit="utredning",
        sender=SenderCategory.CLIENT, channel=Channel.E_SERVICE, text="Ingen svarade.",
        contact_wish=ContactWish.CODE)
    return Seeded(case_id=case_id, complaint_id=complaint.id)


class Client:
    """The served API with the token, for the seed that only the API makes (stored files,
    rendered documents, a finalised report)."""

    def __init__(self, base: str, token: str) -> None:
        self.base = f"{base}/api/v1"
        self.token = token

    def call(self, method: str, path: str, body: bytes | dict[str, Any],
             media_type: str = "application/json") -> dict[str, Any]:
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        request = urllib.request.Request(  # noqa: S310 (loopback)
            f"{self.base}{path}", data=data, method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": media_type})
        with urllib.request.urlopen(request) as answer:  # noqa: S310
            found = json.load(answer)
        assert isinstance(found, dict)
        return found


def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, format="PNG")
    return out.getvalue()


def seed_over_api(client: Client, seeded: Seeded) -> str:
    """Attachments, a document version and a finalised month; the seeded run's config (the
    committed one with the seeded values as its parameters)."""
    shas: dict[str, list[str]] = {}
    for resource in (f"/lex-sarah/{seeded.case_id}", f"/complaints/{seeded.complaint_id}"):
        # One to read and one to remove: the removal cannot take away what the read needs.
        shas[resource] = [
            client.call("POST", f"{resource}/attachments?file_name={name}.png", _png(colour),
                        "image/png")["sha256"]
            for name, colour in (("las", (200, 0, 0)), ("ta-bort", (0, 0, 200)))
        ]
    version = client.call("POST", f"/lex-sarah/{seeded.case_id}/document/versions", {})
    year, month = FINALISED
    report = client.call("POST", "/reports/monthly/drafts", {"year": year, "month": month})
    report = client.call("POST", "/reports/monthly/review", {
        "year": year, "month": month, "masked": "Inget.", "version": report["version"]})
    report = client.call("POST", "/reports/monthly/finalise", {
        "year": year, "month": month, "diary_number": "SUN 2015/17",
        "version": report["version"]})
    assert report["state"] == "final"
    blocks = [CONFIG.read_text(), "[parameters]",
              f'"path.case_id" = "{seeded.case_id}"',
              f'"path.complaint_id" = "{seeded.complaint_id}"',
              f'"path.number" = {version["number"]}',
              f'"query.year" = {year}', f'"query.month" = {month}']
    for (read, remove), prefix in zip(shas.values(), ("lex-sarah", "complaints"), strict=True):
        for method, sha in (("GET", read), ("DELETE", remove)):
            # The name is the method and the path (include-* filters each select alone).
            blocks += ["", "[[operations]]",
                       f"include-name-regex = '^{method} /{prefix}/.*/attachments/\\{{sha256\\}}$'",
                       f'parameters = {{ sha256 = "{sha}" }}']
    return "\n".join(blocks) + "\n"


def schemathesis(server: Served, token: str, config: Path, report: Path, phases: str,
                 *options: str) -> tuple[str, Path]:
    """One run: its summary (it must find nothing) and its HAR file of every request."""
    bound = ["--max-time", SECONDS] if SECONDS else ["--max-examples", "10"]
    har = report / "requests.har"
    run = subprocess.run(
        [sys.executable, "-c", LAUNCHER, "--config-file", str(config),
         "run", f"{server.base}/api/openapi.json", *options,
         "--header", f"Authorization: Bearer {token}",
         "--checks", "all", "--phases", phases,
         "--seed", SEED, *bound, "--workers", "2", "--generation-database", "none",
         "--request-timeout", "60", "--no-color", "--report", "junit,har",
         "--report-dir", str(report), "--report-har-path", str(har)],
        cwd=report.parent, capture_output=True, text=True, timeout=900,
    )
    summary = run.stdout[run.stdout.find("SUMMARY"):] if "SUMMARY" in run.stdout else ""
    print(summary)  # what was run: operations, test cases, seconds (pytest -s / -rP)
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n--- server ---\n{server.output()}"
    selected = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", summary)
    generated = re.search(r"(\d+) generated", summary)
    assert selected and generated, summary
    assert int(selected[1]) == int(selected[3])  # every selected operation ran
    assert int(generated[1]) > 0
    return summary, har


def test_schemathesis_finds_nothing(
    runtime: Runtime, environ: dict[str, str], tmp_path: Path,
    child_report: Callable[..., UUID],
) -> None:
    # The quality developer's role reaches every operation of the API.
    runtime.accounts.add("utvecklare", Role.VERKSAMHETSUTVECKLARE, PASSWORD)
    token = runtime.accounts.create_token("utvecklare")
    seeded = seed_cases(runtime, child_report)
    with Served(environ) as server:
        server.wait_ready()
        with urllib.request.urlopen(f"{server.base}/api/openapi.json") as answer:  # noqa: S310
            document = json.load(answer)
        config = tmp_path / "seeded.toml"
        config.write_text(seed_over_api(Client(server.base, token), seeded))
        # The seeded run first, so that its data is as seeded when it starts. Its ids are
        # fixed, so there are no links to follow: no stateful phase.
        _, seeded_har = schemathesis(
            server, token, config, tmp_path / "seeded", "examples,coverage,fuzzing",
            "--include-path-regex", ON_SEEDED_DATA)
        generated, generated_har = schemathesis(
            server, token, CONFIG, tmp_path / "generated", "examples,coverage,fuzzing,stateful")
        server_log = server.output()
    covered = re.search(r"Selected: (\d+)/(\d+)", generated)
    assert covered and int(covered[1]) == int(covered[2])  # the second run: every operation
    assert "unexpected error" not in server_log  # nothing answered 500
    # Every operation did its work at least once: the seeded run's on the seeded data; the
    # others as the document's links lead from the answers that create cases, imports and
    # versions to the operations that need their ids.
    statuses = answers(document, [seeded_har, generated_har])
    unreached = {operation: dict(answered) for operation, answered in statuses.items()
                 if not reached(answered)}
    print("\n".join(f"{operation}: {dict(answered)}" for operation, answered in statuses.items()))
    print(f"reached {len(statuses) - len(unreached)} of {len(statuses)} operations")
    assert unreached == {}, f"never reached (the statuses they answered): {unreached}"
