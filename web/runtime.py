"""Access to the Runtime (settings, engine, accounts, organisation, application) from a
request, and the read side's catch-up so people see their own writes."""

from __future__ import annotations

from flask import current_app

from tracker.application import TrackerApplication
from tracker.runtime import Runtime


def runtime() -> Runtime:
    return current_app.extensions["tracker"]  # type: ignore[no-any-return]


def application() -> TrackerApplication:
    return runtime().app


def fresh_views() -> None:
    """Bring the views up to the event log's head before reading them in a request."""
    from projections.runner import catch_up  # the read side is optional until it is used

    catch_up(runtime())
