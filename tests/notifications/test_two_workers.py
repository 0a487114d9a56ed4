"""Two `tracker worker` processes at once, on each store: every notification is mailed once,
also when one of them is killed in the middle and started again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from notification_support import SmtpServer

from tracker.notifications.follower import Notifier
from tracker.notifications.outbox import SENDING, recent_mail
from tracker.people.accounts import Account
from tracker.runtime import Runtime

pytestmark = pytest.mark.slow


def start_worker(environ: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tracker.cli", "worker"], env=os.environ | environ,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def stop(worker: subprocess.Popen[str]) -> str:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    try:
        _, err = worker.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        _, err = worker.communicate()
    return err


def file_work(runtime: Runtime, deviations: int) -> int:
    """Deviations in utredning (2 unit managers each), feedback on every other one (the
    reporter) and child reports assigned (the handler). Returns the mails this causes."""
    app = runtime.app
    expected = 0
    for index in range(deviations):
        deviation = app.file_deviation(
            actor="rapportor", unit="utredning", category="samverkan", subcategory=None,
            occurred_on=app.today(), description="Uppgifterna skilde sig åt.",
        )
        expected += 2
        if index % 2 == 0:
            app.give_feedback(deviation.id, actor="chef", message="Tack.")
            expected += 1
        if index % 3 == 0:
            report = app.receive_child_report(
                actor="forste", unit="utredning",
                received_at=datetime.now(UTC) - timedelta(hours=1), case_reference=f"B{index}",
            )
            app.assign_handler(report.id, actor="forste", handler="handlaggare.anna")
            expected += 1
    return expected


def wait_until(predicate: object, workers: list[subprocess.Popen[str]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        for worker in workers:
            assert worker.poll() is None, worker.communicate()
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_two_workers_mail_each_notification_once_even_when_one_is_killed_and_restarted(
    mail_runtime: Runtime, mail_environ: dict[str, str], smtp: SmtpServer,
    people: dict[str, Account],
) -> None:
    Notifier(mail_runtime).ensure_position()  # switched on before the work below
    expected = file_work(mail_runtime, 12)
    first, second = start_worker(mail_environ), start_worker(mail_environ)
    workers = [first, second]
    try:
        wait_until(lambda: len(smtp.inbox.messages) >= expected // 3, workers, 120)
        first.kill()  # mid-way: no clean stop, no lock release but the OS's
        first.wait()
        expected += file_work(mail_runtime, 6)  # more while only one runs
        third = start_worker(mail_environ)
        workers = [second, third]

        def all_accounted_for() -> bool:
            stuck = sum(1 for r in recent_mail(mail_runtime.engine) if r["status"] == SENDING)
            return len(smtp.inbox.messages) + stuck >= expected

        wait_until(all_accounted_for, workers, 180)
        time.sleep(1.0)  # anything sent twice would arrive now
    finally:
        errors = [stop(worker) for worker in workers]
    ids = Counter(str(message["Message-ID"]) for _, message in smtp.inbox.messages)
    assert [key for key, count in ids.items() if count > 1] == []
    rows = recent_mail(mail_runtime.engine, limit=1000)
    assert len(rows) == expected  # one outbox row per notification, never two
    statuses = Counter(row["status"] for row in rows)
    # At most one was in the killed worker's hands: it is not sent again (and is shown to
    # the admin as failed once its claim is old).
    assert statuses["sent"] + statuses[SENDING] == expected and statuses[SENDING] <= 1
    assert len(smtp.inbox.messages) >= expected - 1
    assert all("Traceback" not in err for err in errors), errors
