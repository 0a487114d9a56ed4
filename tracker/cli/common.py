"""What every command shares: the one place a process opens its Runtime."""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlsplit

import click

from tracker.config import Settings
from tracker.runtime import CipherKeyMismatch, Runtime, open_runtime


def open_from_env(settings: Settings | None = None) -> Runtime:
    """The process's Runtime (one engine pool, one application) from the environment. A
    wrong or missing TRACKER_CIPHER_KEY stops the command with that error (exit 1)."""
    try:
        return open_runtime(settings or Settings.from_env())
    except CipherKeyMismatch as error:
        raise click.ClickException(str(error)) from None


def reopener(settings: Settings) -> Callable[[], Runtime]:
    """A picklable way to open the same store again in another process (a parallel
    rebuild's helpers)."""
    return functools.partial(open_runtime, settings, create_schema=False)


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
