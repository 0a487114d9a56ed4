"""Fixtures for the projection tests (helpers and oracles: projection_oracles.py)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from projection_oracles import NOW
from support import Stores

from tracker.config import Settings
from tracker.runtime import Runtime, open_runtime


@pytest.fixture
def fixed_runtime(settings: Settings) -> Iterator[Runtime]:
    """A runtime whose application clock stands still at NOW."""
    rt = open_runtime(settings, clock=lambda: NOW)
    yield rt
    rt.close()


@pytest.fixture
def fresh_runtime(
    store: str, tmp_path: Path, stores: Stores
) -> Callable[[], AbstractContextManager[Runtime]]:
    """Opens a runtime on an empty store of the same kind, each call a new one (for
    property tests that need a clean log per example): a built store (tests/support.py,
    Stores), as the `runtime` fixture's."""
    counter = itertools.count()

    @contextlib.contextmanager
    def open_fresh() -> Iterator[Runtime]:
        n = next(counter)
        with stores.store(store, tmp_path / f"fresh{n}.sqlite3", built=True) as url:
            settings = Settings.from_env({
                "TRACKER_DATABASE_URL": url,
                "TRACKER_INSTANCE_PATH": str(tmp_path / f"instance{n}"),
                "TRACKER_SECRET_KEY": "test-secret",
            })
            rt = open_runtime(settings, clock=lambda: NOW, create_schema=False)
            try:
                yield rt
            finally:
                rt.close()

    return open_fresh
