"""Fixtures for the projection tests (helpers and oracles: projection_oracles.py)."""

from __future__ import annotations

import contextlib
import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import psycopg
import pytest
from projection_oracles import NOW

from tracker.config import Settings
from tracker.runtime import Runtime, open_runtime


@pytest.fixture
def fixed_runtime(settings: Settings) -> Iterator[Runtime]:
    """A runtime whose application clock stands still at NOW."""
    rt = open_runtime(settings, clock=lambda: NOW)
    yield rt
    rt.close()


@pytest.fixture
def fresh_runtime(store: str, tmp_path: Path) -> Callable[[], AbstractContextManager[Runtime]]:
    """Opens a runtime on an empty store of the same kind, each call a new one (for
    property tests that need a clean log per example)."""
    counter = itertools.count()

    @contextlib.contextmanager
    def open_fresh() -> Iterator[Runtime]:
        n = next(counter)
        environ = {
            "TRACKER_INSTANCE_PATH": str(tmp_path / f"instance{n}"),
            "TRACKER_SECRET_KEY": "test-secret",
        }
        schema = None
        if store == "sqlite":
            environ["TRACKER_DATABASE_URL"] = f"sqlite:///{tmp_path / f'fresh{n}.sqlite3'}"
        else:
            plain = os.environ["TRACKER_TEST_POSTGRES_URL"].split("?", 1)[0]
            schema = f"p_{uuid.uuid4().hex[:16]}"
            with psycopg.connect(plain, autocommit=True) as connection:
                connection.execute(f'CREATE SCHEMA "{schema}"')
            environ["TRACKER_DATABASE_URL"] = f"{plain}?schema={schema}"
        rt = open_runtime(Settings.from_env(environ), clock=lambda: NOW)
        try:
            yield rt
        finally:
            rt.close()
            if schema is not None:
                with psycopg.connect(plain, autocommit=True) as connection:
                    connection.execute(f'DROP SCHEMA "{schema}" CASCADE')

    return open_fresh
