"""`tracker serve` with its embedded workers mails by itself: a person added with
`tracker user add --email` hears of a deviation filed through the served API and of the
one the embedded scheduler files for a missed deadline, with links built from
TRACKER_BASE_URL."""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from notification_support import BASE_URL, SmtpServer
from served import Served
from support import TrackerRunner

from tracker.notifications.follower import Notifier
from tracker.runtime import Runtime

pytestmark = pytest.mark.slow

CHEF = "chef.ny@kommun.example"


def test_a_served_tracker_mails_what_its_web_side_and_its_scheduler_cause(
    runtime: Runtime, runner: TrackerRunner, mail_environ: dict[str, str], smtp: SmtpServer
) -> None:
    added = runner.invoke(
        ["user", "add", "chef.ny", "--role", "enhetschef", "--unit", "utredning",
         "--email", CHEF, "--password-stdin"], input="ett-langt-losenord\n",
    )
    assert added.exit_code == 0, added.output
    runner.invoke(["user", "add", "anna", "--role", "rapportor", "--unit", "utredning",
                   "--password-stdin"], input="ett-langt-losenord\n")
    token = runner.invoke(["token", "create", "anna"]).output.strip()
    Notifier(runtime).ensure_position()  # switched on before the work below
    # A förhandsbedömning 20 days old: the scheduler files a deviation for the breach.
    report = runtime.app.receive_child_report(
        actor="anna", unit="utredning", received_at=datetime.now(UTC) - timedelta(days=20),
        case_reference="BoU 2026/3",
    )

    with Served(mail_environ | {"TRACKER_EMBEDDED_WORKERS": "true"}) as served:
        served.wait_ready()
        request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 only)
            f"{served.base}/api/v1/deviations", method="POST",
            data=json.dumps({
                "unit": "utredning", "category": "samverkan",
                "occurred_on": runtime.app.today().isoformat(),
                "description": "Skolan fick fel uppgifter om familjen.",
            }).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            filed = json.load(response)
        deadline = time.monotonic() + 90
        while len(smtp.inbox.messages) < 2:
            assert time.monotonic() < deadline, (smtp.inbox.subjects(), served.output())
            time.sleep(0.2)
        time.sleep(1.0)  # a repeat would arrive now
        output = served.output()

    breach_id = runtime.app.get_child_report(report.id).breach_deviation_id
    assert breach_id is not None, output  # flagged by the embedded scheduler
    breach = runtime.app.get_deviation(breach_id)
    assert sorted(smtp.inbox.subjects()) == sorted(
        f"[Avvikelser] Ny avvikelse {number} i Utredningsenheten"
        for number in (filed["number"], breach.number)
    )
    assert all(rcpts == [CHEF] for rcpts, _ in smtp.inbox.messages)
    links = {line.split(": ", 1)[1] for body in smtp.inbox.bodies()
             for line in body.splitlines() if line.startswith("Öppna avvikelsen: ")}
    assert links == {f"{BASE_URL}/avvikelser/{filed['id']}",
                     f"{BASE_URL}/avvikelser/{breach.id}"}
    assert "Traceback" not in output, output

