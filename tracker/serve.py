"""`tracker serve` and `tracker demo`: the web app on waitress (a production WSGI server),
with the projections and the deadline scheduler running embedded unless
TRACKER_EMBEDDED_WORKERS=false (then run `tracker projections run` and `tracker scheduler`
as their own processes)."""

from __future__ import annotations

import logging
import secrets
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from tracker.accounts import Role
from tracker.config import Settings
from tracker.database import exclusive
from tracker.runtime import Runtime, open_runtime

log = logging.getLogger(__name__)
FIRST_ADMIN = "admin"
WAITRESS_THREADS = 8


def ensure_first_admin(runtime: Runtime, echo: Callable[[str], None] = print) -> str | None:
    """On a store without users, create `admin` with a one-time password (changed at first
    login) and print it. Serialised across processes so only one is ever made."""
    with exclusive(runtime.settings, runtime.engine, "first-admin"):
        if runtime.accounts.count() > 0:
            return None
        password = secrets.token_urlsafe(12)
        runtime.accounts.add(FIRST_ADMIN, Role.ADMIN, password, must_change_password=True)
    echo("No users yet: created the administrator account.")
    echo(f"  username: {FIRST_ADMIN}")
    echo(f"  one-time password: {password}   (you choose a new one at first login)")
    return password


def start_workers(settings: Settings) -> list[Callable[[], Any]]:
    """Start the embedded projections and scheduler; returns their stop functions."""
    if not settings.embedded_workers:
        log.info("embedded workers off: run `tracker projections run` and `tracker scheduler`")
        return []
    # Imported here: the web process needs them only when they run embedded.
    from projections.runner import EmbeddedProjections
    from tracker.scheduler import start_background_scheduler

    projections = EmbeddedProjections(settings)
    projections.start()
    scheduler = start_background_scheduler(settings)
    return [scheduler.shutdown, projections.stop]


def _stop_on_sigterm() -> None:
    """A service manager stops us with SIGTERM: leave through the `finally` blocks, so the
    workers stop and the scheduler's leader lock is released at once."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def serve(settings: Settings, *, demo: bool = False, echo: Callable[[str], None] = print) -> None:
    import waitress

    from web import create_app

    runtime = open_runtime(settings)
    try:
        if demo:
            from tracker.demo import seed_demo

            seed_demo(runtime, echo)
        else:
            ensure_first_admin(runtime, echo)
        app = create_app(runtime=runtime)
        stops = start_workers(settings)
        _stop_on_sigterm()
        echo(f"Serving on http://{settings.host}:{settings.port}/  (Ctrl-C stops)")
        try:
            waitress.serve(
                app, host=settings.host, port=settings.port, threads=WAITRESS_THREADS,
                ident="tracker",
            )
        finally:
            for stop in stops:
                stop()
    finally:
        runtime.close()
