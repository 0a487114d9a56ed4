"""Shared fixtures. Store-backed tests run on SQLite and, when TRACKER_TEST_POSTGRES_URL
is set (CI always sets it), on PostgreSQL too, each test in a schema of its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tracker.config import Settings
from tracker.runtime import Runtime, open_runtime

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
