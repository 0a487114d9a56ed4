"""The daily deadline digest per unit: over SMTP to a local server on loopback when a host
is configured, otherwise written to the log."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller

from events.clocks import STOCKHOLM
from tracker.notifications.digest import send_digests
from tracker.people.accounts import Role
from tracker.runtime import Runtime

TODAY = date(2026, 3, 20)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def deadlines(runtime: Runtime, receive: Callable) -> dict[str, str]:
    """Reports whose förhandsbedömning is overdue, due today, due in 3 and in 4 days on
    TODAY; every skyddsbedömning done at once so only the 14-day clocks are in play."""
    app = runtime.app
    numbers, ids = {}, {}
    for name, days_before, unit in [
        ("overdue", 20, "utredning"),
        ("in_3_days", 11, "utredning"),
        ("in_4_days", 10, "utredning"),
        ("due_today", 14, "hvb-notgarden"),
        ("later_elsewhere", 5, "oppenvard"),
    ]:
        at = datetime.combine(TODAY - timedelta(days=days_before), time(9), tzinfo=STOCKHOLM)
        report = receive(at, unit=unit, case_reference=f"DNR {name}")
        with time_machine.travel(at + timedelta(hours=1), tick=False):
            app.assess_protection(
                report.id, actor="forste", assessed_at=at + timedelta(minutes=30),
                immediate_protection_needed=False,
            )
        numbers[name], ids[name] = report.number, report.id
    app.assign_handler(ids["overdue"], actor="forste", handler="handlaggare.hanna")
    runtime.accounts.add(
        "chef", Role.ENHETSCHEF, "ett-langt-losenord", units={"hvb-notgarden"},
        email="chef.notgarden@kommun.example",
    )
    runtime.accounts.add(
        "slutat", Role.ENHETSCHEF, "ett-langt-losenord", units={"hvb-notgarden"},
        email="slutat@kommun.example",
    )
    runtime.accounts.set_active("slutat", False)
    return numbers


def _with(runtime: Runtime, **settings: Any) -> Runtime:
    return dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, **settings))


def test_each_unit_gets_its_digest_by_mail(
    runtime: Runtime, deadlines: dict[str, str], smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    configured = _with(
        runtime, smtp_host="127.0.0.1", smtp_port=port, smtp_sender="bevakning@kommun.example",
        digest_recipients={"utredning": "utredning@kommun.example"}, warning_days=3,
    )
    digests = send_digests(configured, today=TODAY)

    assert [(d.unit, d.delivered) for d in digests] == [
        ("hvb-notgarden", "smtp"), ("utredning", "smtp"),
    ]
    by_recipient = {tuple(rcpts): message for rcpts, message in inbox.messages}
    assert set(by_recipient) == {("chef.notgarden@kommun.example",), ("utredning@kommun.example",)}

    utredning = by_recipient[("utredning@kommun.example",)]
    assert utredning["From"] == "bevakning@kommun.example"
    assert utredning["Subject"] == (
        "Bevakning Utredningsenheten 2026-03-20: 2 tidsfrister, varav 1 försenade"
    )
    body = utredning.get_content()
    overdue = f"{deadlines['overdue']}  förhandsbedömning  senast 2026-03-14 (6 dagar försenad)"
    assert overdue in body
    assert "handläggare: handlaggare.hanna" in body
    assert f"{deadlines['in_3_days']}  förhandsbedömning  senast 2026-03-23 (3 dagar kvar)" in body
    assert deadlines["in_4_days"] not in body  # outside the 3-day warning window
    assert "DNR" not in body  # case references stay in the tracker

    notgarden = by_recipient[("chef.notgarden@kommun.example",)].get_content()
    assert "Ska vara klara i dag (1):" in notgarden
    assert deadlines["due_today"] in notgarden
    assert deadlines["overdue"] not in notgarden
    assert all(deadlines["later_elsewhere"] not in m.get_content() for _, m in inbox.messages)


def test_the_warning_window_is_a_setting(
    runtime: Runtime, deadlines: dict[str, str], smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    configured = _with(
        runtime, smtp_host="127.0.0.1", smtp_port=port,
        digest_recipients={"utredning": "utredning@kommun.example"}, warning_days=4,
    )
    send_digests(configured, today=TODAY)
    body = next(m for r, m in inbox.messages if r == ["utredning@kommun.example"]).get_content()
    assert "Ska vara klara inom 4 dagar (2):" in body
    assert deadlines["in_4_days"] in body


def test_without_an_smtp_host_the_digest_is_logged(
    runtime: Runtime, deadlines: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="tracker.notifications.digest"):
        digests = send_digests(runtime, today=TODAY)
    assert {d.delivered for d in digests} == {"log"}
    text = caplog.text
    assert "Bevakning Utredningsenheten 2026-03-20" in text
    assert deadlines["overdue"] in text
    assert deadlines["due_today"] in text
    assert "chef.notgarden@kommun.example" in text


def test_a_unit_without_recipients_is_logged_not_mailed(
    runtime: Runtime, deadlines: dict[str, str], smtp_server: tuple[Inbox, int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    inbox, port = smtp_server
    configured = _with(runtime, smtp_host="127.0.0.1", smtp_port=port)
    with caplog.at_level(logging.INFO, logger="tracker.notifications.digest"):
        digests = send_digests(configured, today=TODAY)
    assert {(d.unit, d.delivered) for d in digests} == {
        ("hvb-notgarden", "smtp"), ("utredning", "log"),
    }
    assert len(inbox.messages) == 1
    assert "no recipient for the unit" in caplog.text
    assert deadlines["overdue"] in caplog.text


def test_the_digest_command_mails_todays_digest(
    runtime: Runtime, environ: dict[str, str], smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    report = runtime.app.receive_child_report(
        actor="forste", unit="utredning", received_at=datetime.now(UTC) - timedelta(days=20),
        case_reference="DNR 2026/9",
    )
    env = os.environ | environ | {
        "TRACKER_SMTP_HOST": "127.0.0.1",
        "TRACKER_SMTP_PORT": str(port),
        "TRACKER_DIGEST_RECIPIENTS": "utredning=utredning@kommun.example",
    }
    tracker = str(Path(sys.executable).with_name("tracker"))
    done = subprocess.run(
        [tracker, "scheduler", "--digest"], env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "utredning: 2 deadline(s), smtp to utredning@kommun.example" in done.stdout
    [(recipients, message)] = inbox.messages
    assert recipients == ["utredning@kommun.example"]
    body = message.get_content()
    assert f"{report.number}  förhandsbedömning" in body
    assert f"{report.number}  skyddsbedömning" in body
