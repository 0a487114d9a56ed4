"""Delivering the outbox: nothing lost while the SMTP server is down (sent in order once it
is back), nothing sent twice when the notifier stops in the middle of a batch, refusals
retried or given up on, and STARTTLS + login when a user and password are set (for the
daily digest too)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from notification_support import SmtpServer, free_port
from support import address, wait_for

from tracker.config import Settings
from tracker.notifications.digest import send_digests
from tracker.notifications.follower import Notifier, running_notifier
from tracker.notifications.outbox import FAILED, PENDING, SENDING, SENT, recent_mail
from tracker.people.accounts import Account
from tracker.runtime import Runtime, open_runtime


def file_deviations(runtime: Runtime, count: int) -> list[str]:
    app = runtime.app
    numbers = []
    for _ in range(count):
        numbers.append(app.file_deviation(
            actor="rapportor", unit="utredning", category="samverkan", subcategory=None,
            occurred_on=app.today(), description="Skolan fick fel uppgifter.",
        ).number)
    return numbers



def filed_numbers(server: SmtpServer, username: str) -> list[str]:
    return [str(m["Subject"]).split()[3] for m in server.inbox.to(username)]


def message_ids(server: SmtpServer) -> list[str]:
    return [str(m["Message-ID"]) for _, m in server.inbox.messages]


def test_mail_waits_while_the_server_is_down_and_goes_out_in_order_when_it_is_back(
    settings: Settings, people_factory: Callable[[Runtime], dict[str, Account]]
) -> None:
    port = free_port()
    down = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=port)
    runtime = open_runtime(down)
    try:
        people_factory(runtime)
        notifier = Notifier(runtime)
        notifier.ensure_position()
        numbers = file_deviations(runtime, 6)
        with running_notifier(runtime, poll_seconds=0.05, server_pause_min=0.05):
            def tried_and_waiting() -> bool:
                rows = recent_mail(runtime.engine)
                return len(rows) == 12 and all(
                    row["status"] == PENDING and "svarar inte" in (row["last_error"] or "")
                    for row in rows
                )

            wait_for(tried_and_waiting)
            time.sleep(0.3)  # a few more rounds find it down
            assert tried_and_waiting()
            server = SmtpServer(port=port).start()
            try:
                wait_for(lambda: len(server.inbox.messages) == 12, timeout=60)
                time.sleep(0.3)
            finally:
                server.stop()
        assert filed_numbers(server, "chef") == numbers  # in the order they were filed
        assert filed_numbers(server, "chef2") == numbers
        assert len(set(message_ids(server))) == 12
        assert {row["status"] for row in recent_mail(runtime.engine)} == {SENT}
    finally:
        runtime.close()


def test_a_crash_while_making_a_batch_leaves_nothing_behind_and_the_restart_makes_it_once(
    mail_runtime: Runtime, notifier: Notifier, smtp: SmtpServer, people: dict[str, Account],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    numbers = file_deviations(mail_runtime, 5)
    start = notifier.position()
    calls = {"n": 0}
    original = Notifier._mails_for

    def dies_on_the_third(self: Notifier, *args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("the process is stopped here")
        return original(self, *args)

    monkeypatch.setattr(Notifier, "_mails_for", dies_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        notifier.produce()
    assert recent_mail(mail_runtime.engine) == []
    assert notifier.position() == start
    monkeypatch.setattr(Notifier, "_mails_for", original)

    restarted = open_runtime(mail_runtime.settings)  # a new process
    try:
        again = Notifier(restarted)
        again.produce_all()
        again.produce_all()
        while again.deliver().sent:
            pass
    finally:
        restarted.close()
    assert filed_numbers(smtp, "chef") == numbers
    assert len(message_ids(smtp)) == len(set(message_ids(smtp))) == 10


def test_a_stop_in_the_middle_of_delivering_sends_nothing_twice(
    mail_runtime: Runtime, notifier: Notifier, smtp: SmtpServer, people: dict[str, Account],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    numbers = file_deviations(mail_runtime, 5)
    notifier.produce_all()
    original = Notifier._finish
    finished = {"n": 0}

    def dies_after_the_fourth_send(self: Notifier, row_id: int, status: str, at: Any) -> None:
        finished["n"] += 1
        if finished["n"] == 4:  # the server took it, the process died before noting it
            raise KeyboardInterrupt("killed")
        original(self, row_id, status, at)

    monkeypatch.setattr(Notifier, "_finish", dies_after_the_fourth_send)
    with pytest.raises(KeyboardInterrupt):
        notifier.deliver()
    monkeypatch.setattr(Notifier, "_finish", original)
    assert len(smtp.inbox.messages) == 4
    assert [row["status"] for row in recent_mail(mail_runtime.engine)].count(SENDING) == 1

    restarted = open_runtime(mail_runtime.settings)
    try:
        again = Notifier(restarted)
        again.produce_all()
        while again.deliver().sent:
            pass
        assert len(smtp.inbox.messages) == 10  # the six never handed over, and no repeat
        assert len(set(message_ids(smtp))) == 10
        # Long after, the interrupted one is shown as failed (it may have arrived), not resent.
        later = Notifier(restarted, clock=lambda: datetime.now(UTC) + timedelta(minutes=11))
        later.deliver()
    finally:
        restarted.close()
    assert len(smtp.inbox.messages) == 10
    statuses = [row["status"] for row in recent_mail(mail_runtime.engine)]
    assert statuses.count(FAILED) == 1 and statuses.count(SENT) == 9
    failed = recent_mail(mail_runtime.engine, status=FAILED)[0]
    assert "okänt om meddelandet kom fram" in failed["last_error"]
    assert sorted(set(filed_numbers(smtp, "chef") + filed_numbers(smtp, "chef2"))) == numbers


def test_a_message_refused_for_now_is_retried_with_back_off_then_given_up(
    mail_runtime: Runtime, smtp: SmtpServer, people: dict[str, Account]
) -> None:
    now = [datetime(2026, 12, 1, 8, 0, tzinfo=UTC)]
    mail_runtime.settings = dataclasses.replace(mail_runtime.settings, notify_max_attempts=3)
    notifier = Notifier(mail_runtime, clock=lambda: now[0])
    notifier.ensure_position()
    smtp.inbox.refuse[address("chef2")] = "451 4.3.0 Try again later"
    file_deviations(mail_runtime, 1)
    notifier.produce_all()
    first = notifier.deliver()
    assert (first.sent, first.retried) == (1, 1)
    assert notifier.deliver().retried == 0  # not due yet
    now[0] += timedelta(seconds=61)
    assert notifier.deliver().retried == 1  # second attempt
    now[0] += timedelta(seconds=90)
    assert notifier.deliver().retried == 0  # the pause doubled: 2 minutes
    now[0] += timedelta(seconds=31)
    assert notifier.deliver().failed == 1  # third attempt was the last
    row = recent_mail(mail_runtime.engine, status=FAILED)[0]
    assert row["attempts"] == 3 and row["address"] == address("chef2")
    assert "451" in row["last_error"]


def _certificate(folder: Path) -> ssl.SSLContext:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


def test_starttls_and_login_for_every_mail_when_a_user_and_password_are_set(
    settings: Settings, tmp_path: Path, people_factory: Callable[[Runtime], dict[str, Account]]
) -> None:
    logins: list[tuple[str, str]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                      data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        logins.append((data.login.decode(), data.password.decode()))
        ok = (data.login, data.password) == (b"tracker", b"hemligt-losenord")
        return AuthResult(success=ok)

    server = SmtpServer(
        tls_context=_certificate(tmp_path), require_starttls=True, auth_required=True,
        authenticator=authenticator,
    ).start()
    try:
        secured = dataclasses.replace(
            settings, smtp_host="127.0.0.1", smtp_port=server.port, smtp_user="tracker",
            smtp_password="hemligt-losenord",
        )
        runtime = open_runtime(secured)
        try:
            people_factory(runtime)
            notifier = Notifier(runtime)
            notifier.ensure_position()
            file_deviations(runtime, 1)
            notifier.produce_all()
            assert notifier.deliver().sent == 2
            # The daily digest goes the same way (a report's skyddsbedömning is due today).
            runtime.app.receive_child_report(
                actor="forste", unit="utredning", received_at=datetime.now(UTC),
                case_reference="BoU 1",
            )
            assert [d.delivered for d in send_digests(runtime, today=runtime.app.today())] \
                == ["smtp"]
        finally:
            runtime.close()
    finally:
        server.stop()
    # Two for the deviation, then the digest to each of the unit's six people.
    assert len(server.inbox.messages) == 8
    assert all("Bevakning Utredningsenheten" in s for s in server.inbox.subjects()[2:])
    assert logins == [("tracker", "hemligt-losenord")] * 2


def test_without_a_mail_server_the_mails_are_logged_and_shown_as_such(
    runtime: Runtime, people_factory: Callable[[Runtime], dict[str, Account]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    people_factory(runtime)
    notifier = Notifier(runtime)
    notifier.ensure_position()
    file_deviations(runtime, 1)
    notifier.produce_all()
    with caplog.at_level("INFO", logger="tracker.notifications.outbox"):
        assert notifier.deliver().logged == 2
    assert "Ny avvikelse" in caplog.text
    assert {row["status"] for row in recent_mail(runtime.engine)} == {"logged"}



def test_the_daily_digest_waits_while_the_server_is_down_and_goes_out_once(
    settings: Settings, people_factory: Callable[[Runtime], dict[str, Account]]
) -> None:
    port = free_port()
    runtime = open_runtime(dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=port))
    try:
        people_factory(runtime)
        runtime.app.receive_child_report(  # its skyddsbedömning is due today
            actor="forste", unit="utredning", received_at=datetime.now(UTC),
            case_reference="BoU 2",
        )
        today = runtime.app.today()
        assert [d.delivered for d in send_digests(runtime, today=today)] == ["queued"]
        waiting = recent_mail(runtime.engine)
        assert [row["kind"] for row in waiting] == ["digest"] * 6  # the unit's six people
        assert {row["status"] for row in waiting} == {PENDING}
        send_digests(runtime, today=today)  # the command run again: nothing more queued
        assert len(recent_mail(runtime.engine)) == 6

        server = SmtpServer(port=port).start()
        try:
            assert Notifier(runtime).deliver().sent == 6  # the notifier's next round
            assert [d.delivered for d in send_digests(runtime, today=today)] == ["smtp"]
        finally:
            server.stop()
    finally:
        runtime.close()
    received = sorted(r for rcpts, _ in server.inbox.messages for r in rcpts)
    assert received == sorted(address(name) for name in (
        "rapportor", "chef", "chef2", "forste", "handlaggare.anna", "handlaggare.bo",
    ))
    assert all(s.startswith("Bevakning Utredningsenheten") for s in server.inbox.subjects())
