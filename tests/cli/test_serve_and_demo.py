"""`tracker serve` (first-run admin, waitress, embedded workers) and the demo data."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from support import TrackerRunner, file_deviation, make_app

from events.deviation import DeviationStatus
from tracker.cli.serve import FIRST_ADMIN, embedded_workers, ensure_first_admin
from tracker.config import Settings
from tracker.demo import DEMO_USERS, seed_demo
from tracker.people.accounts import Role
from tracker.runtime import Runtime, open_runtime


def test_first_run_creates_one_admin_with_a_one_time_password(runtime: Runtime) -> None:
    printed: list[str] = []
    password = ensure_first_admin(runtime, printed.append)
    assert password is not None and any(password in line for line in printed)
    admin = runtime.accounts.get(FIRST_ADMIN)
    assert admin.role is Role.ADMIN and admin.must_change_password
    assert ensure_first_admin(runtime, printed.append) is None  # only on an empty store
    assert runtime.accounts.count() == 1

    client = make_app(runtime).test_client()
    login = client.post("/login", data={"username": FIRST_ADMIN, "password": password})
    assert login.location == "/konto/losenord"


def test_no_embedded_workers_when_switched_off(environ: dict[str, str]) -> None:
    settings = Settings.from_env(environ | {"TRACKER_EMBEDDED_WORKERS": "false"})
    runtime = open_runtime(settings)
    try:
        assert embedded_workers(runtime) == []
    finally:
        runtime.close()


@pytest.fixture
def empty_sqlite(tmp_path: Path) -> Runtime:
    settings = Settings.from_env({
        "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "TRACKER_INSTANCE_PATH": str(tmp_path / "instance"),
        "TRACKER_SECRET_KEY": "test-secret",
    })
    runtime = open_runtime(settings)
    yield runtime  # type: ignore[misc]
    runtime.close()


def test_demo_seeds_every_role_and_a_year_of_cases(empty_sqlite: Runtime) -> None:
    runtime = empty_sqlite
    printed: list[str] = []
    counts = seed_demo(runtime, printed.append)
    for username, role, _, password in DEMO_USERS:
        assert any(username in line and password in line for line in printed)
        assert runtime.accounts.authenticate(username, password).role is role  # type: ignore[union-attr]
    assert counts["deviations"] > 100 and counts["lex_sarah"] == 4
    assert counts["child_reports"] == 12

    from projections import queries
    from projections.runner import catch_up

    assert catch_up(runtime, timeout=60)
    today = runtime.app.today()
    every = queries.list_deviations(runtime.engine, per_page=500).items
    months = {(d["reported_on"].year, d["reported_on"].month) for d in every}
    assert len(months) >= 12  # spread over a year
    assert {d["status"] for d in every} == {"open", "closed", "withdrawn"}
    assert {d["operation"] for d in every} == {"IFO", "HVB"}
    assert {d["source"] for d in every} == {"staff", "scheduler"}  # overdue child reports
    assert len({d["category"] for d in every}) == 4
    escalations = queries.escalations(runtime.engine, today)
    assert any(e["ivo_sent_on"] for e in escalations)
    assert sum(1 for e in escalations if e["grade"]) == 3
    reports = queries.child_reports(runtime.engine, today)
    assert any(r["status"] == "overdue" for r in reports)
    assert any(r["status"] == "decided" for r in reports)
    reclassified = [d for d in every if any(
        h.type == "Reclassified" for h in runtime.app.history(d["id"]))]
    assert reclassified
    assert any(runtime.app.get_deviation(d["id"]).status is DeviationStatus.WITHDRAWN
               for d in every)

    # Conversations with the reporter: one waiting for an answer, one answered with an
    # outcome; two attachments (a photo without metadata, the routine as a PDF).
    files = [runtime.app.case_file("deviation", d["id"]) for d in every]
    files = [f for f in files if f is not None]
    assert sum(f.awaiting_reply for f in files) == 1
    assert any(f.outcome and not f.awaiting_reply for f in files)
    assert sorted(a.media_type for f in files for a in f.active_attachments()) == [
        "application/pdf", "image/jpeg"]

    head = runtime.app.recorder.max_notification_id()
    seed_demo(runtime, printed.append)  # again: users kept working, no second year of data
    assert runtime.app.recorder.max_notification_id() == head

    # Every page the demo users open has something to show.
    app = make_app(runtime)
    developer = app.test_client()
    developer.post("/login", data={"username": "utvecklare", "password": "demo-kvalitet"})
    inbox = developer.get("/inkorg").get_data(as_text=True)
    assert len(re.findall(r"AV-\d{4}-\d{4}", inbox)) == 50  # a full first page
    staff = app.test_client()
    staff.post("/login", data={"username": "medarbetare", "password": "demo-rapportera"})
    assert "Tack!" in staff.get("/mina-rapporter").get_data(as_text=True)
    # A season of klagomål och synpunkter: every status, in the list and the reports.
    assert counts["complaints"] == 19
    complaints = queries.complaints(runtime.engine, today)
    assert {c["status"] for c in complaints} == {"mottaget", "utreds", "besvarat", "avslutat"}
    assert {c["kind"] for c in complaints} == {"klagomal", "synpunkt", "berom"}
    assert any(c["deviation_number"] for c in complaints)
    listed = developer.get("/klagomal/?visa=alla").get_data(as_text=True)
    assert len(set(re.findall(r"KS-\d{4}-\d{4}", listed))) == 19
    chief = app.test_client()
    chief.post("/login", data={"username": "enhetschef", "password": "demo-chef-enhet"})
    assert "Klagomål och synpunkter som väntar" in chief.get("/").get_data(as_text=True)


def test_demo_command_without_serving(runner: TrackerRunner, runtime: Runtime) -> None:
    # A store with a case already: the command adds the users and leaves the cases alone
    # (the year of data itself is tested above; this checks the command's wiring).
    file_deviation(runtime)
    result = runner.invoke(["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "password: demo-kvalitet" in result.output
    assert "The store already has cases" in result.output
    assert runtime.accounts.authenticate("utvecklare", "demo-kvalitet") is not None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_tracker_serve_runs_waitress_and_prints_the_admin_password(tmp_path: Path) -> None:
    """--host and --port win over TRACKER_HOST and TRACKER_PORT."""
    port, elsewhere = _free_port(), _free_port()
    env = os.environ | {
        "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "TRACKER_INSTANCE_PATH": str(tmp_path / "instance"),
        "TRACKER_HOST": "127.0.0.2", "TRACKER_PORT": str(elsewhere),
    }
    tracker = Path(sys.executable).with_name("tracker")
    process = subprocess.Popen(
        [str(tracker), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        lines: list[str] = []
        assert process.stdout is not None
        while not any("Serving on" in line for line in lines):
            line = process.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        assert f"Serving on http://127.0.0.1:{port}/" in lines[-1]
        password = next(line.split(": ", 1)[1].split()[0] for line in lines
                        if "one-time password" in line)
        for _ in range(50):  # waitress binds right after printing
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except urllib.error.URLError:
                time.sleep(0.1)
        api = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/units")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(api, timeout=5)  # noqa: S310
        assert refused.value.code == 401
        assert refused.value.headers["Server"] == "tracker"  # waitress, not the dev server
        assert len(password) >= 10
        process.send_signal(signal.SIGTERM)  # as a service manager stops it
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_warns_when_an_https_address_sits_behind_an_untrusted_proxy(
    environ: dict[str, str],
) -> None:
    from tracker.cli.serve import https_warning

    behind = {"TRACKER_BASE_URL": "https://avvikelser.kommun.example"}
    warning = https_warning(Settings.from_env(environ | behind))
    assert warning is not None and "TRACKER_TRUSTED_PROXIES" in warning
    trusted = Settings.from_env(environ | behind | {"TRACKER_TRUSTED_PROXIES": "1"})
    assert https_warning(trusted) is None
    assert https_warning(Settings.from_env(environ)) is None  # plain http on one machine
