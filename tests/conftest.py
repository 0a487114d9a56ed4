"""Shared fixtures. Store-backed tests run on SQLite and, when TRACKER_TEST_POSTGRES_URL
is set (CI always sets it), on PostgreSQL too, each test in a schema of its own.

Web fixtures: the real app on the store-parametrised runtime, one user per role (see
tests/support.py), logged-in clients, API tokens, and small builders for cases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import PASSWORD, ROLES, USERS, iso

from tracker.accounts import Account
from tracker.config import Settings
from tracker.runtime import Runtime, open_runtime
from web import create_app

__all__ = ["PASSWORD", "ROLES", "USERS", "iso"]

POSTGRES_URL = os.environ.get("TRACKER_TEST_POSTGRES_URL", "")
STORES = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]

if os.environ.get("CI") and not POSTGRES_URL:
    raise pytest.UsageError("CI must set TRACKER_TEST_POSTGRES_URL: both stores are required")


def _plain_postgres_url() -> str:
    return POSTGRES_URL.split("?", 1)[0]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(store: str, tmp_path: Path) -> Iterator[str]:
    if store == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.sqlite3'}"
        return
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_plain_postgres_url(), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{_plain_postgres_url()}?schema={schema}"
    finally:
        with psycopg.connect(_plain_postgres_url(), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def environ(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment a tracker process in this test would see."""
    return {
        "TRACKER_DATABASE_URL": database_url,
        "TRACKER_INSTANCE_PATH": str(tmp_path / "instance"),
        "TRACKER_SECRET_KEY": "test-secret",
    }


@pytest.fixture
def settings(environ: dict[str, str]) -> Settings:
    return Settings.from_env(environ)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = open_runtime(settings)
    yield rt
    rt.close()


@pytest.fixture
def app(runtime: Runtime):  # type: ignore[no-untyped-def]
    return runtime.app


@pytest.fixture
def web_app(runtime: Runtime) -> Flask:
    app = create_app(runtime=runtime)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app


@pytest.fixture
def users(runtime: Runtime) -> dict[str, Account]:
    return {
        name: runtime.accounts.add(name, role, PASSWORD, units=units)
        for name, (role, units) in USERS.items()
    }


@pytest.fixture
def client_for(web_app: Flask, users: dict[str, Account]) -> Callable[[str], FlaskClient]:
    def make(username: str) -> FlaskClient:
        client = web_app.test_client()
        response = client.post("/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return make


@pytest.fixture
def api(
    web_app: Flask, runtime: Runtime, users: dict[str, Account]
) -> Callable[..., Any]:
    """api(user, method, path, json=...) -> response, with that user's bearer token."""
    tokens = {name: runtime.accounts.create_token(name) for name in users}
    client = web_app.test_client()

    def call(user: str | None, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {tokens[user]}"} if user else {}
        headers |= kwargs.pop("headers", {})
        return client.open(path, method=method, headers=headers, **kwargs)

    return call


@pytest.fixture
def lex_sarah_case(runtime: Runtime) -> Callable[..., UUID]:
    """A Lex Sarah case opened from a fresh deviation (filed some days ago)."""

    def make(unit: str = "utredning") -> UUID:
        app = runtime.app
        today = app.today()
        deviation = app.file_deviation(
            actor="rapportor", unit=unit, category="genomforande", subcategory=None,
            occurred_on=today - timedelta(days=3), description="Knivar låg framme i köket.",
            reported_on=today - timedelta(days=2),
        )
        case = app.escalate_to_lex_sarah(
            deviation.id, actor="utvecklare", reason="Allvarlig risk för de unga.",
            opened_on=today - timedelta(days=1),
        )
        return case.id

    return make


@pytest.fixture
def child_report(runtime: Runtime) -> Callable[..., UUID]:
    """A child report received `days_ago` days ago in `unit`."""

    def make(unit: str = "utredning", days_ago: int = 2, **kwargs: Any) -> UUID:
        received = datetime.now(UTC) - timedelta(days=days_ago)
        report = runtime.app.receive_child_report(
            actor="forste", unit=unit, received_at=received,
            case_reference=kwargs.pop("case_reference", "IFO-2026-123"), **kwargs,
        )
        return report.id

    return make
