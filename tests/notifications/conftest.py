"""Fixtures for the notification tests: a real SMTP server on loopback, a runtime whose
settings point at it, users with addresses in every role, and a notifier that starts
following the log before anything is filed (a notifier's first run starts at the head)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import pytest
from notification_support import BASE_URL, SmtpServer
from support import add_users

from tracker.config import Settings
from tracker.notifications.follower import Notifier
from tracker.people.accounts import Account
from tracker.runtime import Runtime, open_runtime


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    return dataclasses.replace(
        settings, smtp_host="127.0.0.1", smtp_port=smtp.port, base_url=BASE_URL,
        smtp_sender="avvikelser@kommun.example",
    )


@pytest.fixture
def mail_environ(environ: dict[str, str], smtp: SmtpServer) -> dict[str, str]:
    """The same, as a tracker process's environment."""
    return environ | {
        "TRACKER_SMTP_HOST": "127.0.0.1", "TRACKER_SMTP_PORT": str(smtp.port),
        "TRACKER_BASE_URL": BASE_URL, "TRACKER_SMTP_SENDER": "avvikelser@kommun.example",
    }


@pytest.fixture
def mail_runtime(mail_settings: Settings) -> Iterator[Runtime]:
    runtime = open_runtime(mail_settings)
    yield runtime
    runtime.close()


@pytest.fixture
def people(mail_runtime: Runtime, quick_password_hashing: None) -> dict[str, Account]:
    return add_users(mail_runtime)


@pytest.fixture
def notifier(mail_runtime: Runtime, people: dict[str, Account]) -> Notifier:
    made = Notifier(mail_runtime)
    made.ensure_position()  # switched on before anything is filed
    return made


@pytest.fixture
def people_factory() -> Callable[[Runtime], dict[str, Account]]:
    return add_users
