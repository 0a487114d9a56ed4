"""What every command shares: the one place a process opens its Runtime."""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from tracker.config import Settings
from tracker.runtime import Runtime, open_runtime


def open_from_env(settings: Settings | None = None) -> Runtime:
    """The process's Runtime (one engine pool, one application) from the environment."""
    return open_runtime(settings or Settings.from_env())


def reopener(settings: Settings) -> Callable[[], Runtime]:
    """A picklable way to open the same store again in another process (a parallel
    rebuild's helpers)."""
    return functools.partial(open_runtime, settings, create_schema=False)


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
