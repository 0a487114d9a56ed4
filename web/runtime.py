"""Access to the Runtime (settings, engine, accounts, organisation, application) from a
request, and the read side's catch-up so people see their own writes."""

from __future__ import annotations

from flask import current_app, g

from tracker.application import TrackerApplication
from tracker.runtime import Runtime


def runtime() -> Runtime:
    return current_app.extensions["tracker"]


def application() -> TrackerApplication:
    return runtime().app


def fresh_views() -> bool:
    """Bring the views up to the event log's head before reading them in a request, so
    people see their own writes. When that cannot finish in time (a busy store) the page
    still answers, and base.html says the lists may lack the very latest changes. While views
    an upgrade changed are rebuilt (projections/schema.py) it says so instead."""
    from projections.runner import catch_up, views_rebuilding  # optional until used

    rt = runtime()
    caught_up = catch_up(rt, timeout=rt.settings.catch_up_seconds)
    if views_rebuilding(rt):
        g.views_rebuilding = True
        return False
    if not caught_up:
        g.views_behind = True
    return caught_up
