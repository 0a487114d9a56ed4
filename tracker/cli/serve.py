"""`tracker serve`: the web app on waitress (a production WSGI server), with the workers
(tracker/cli/workers.py) running embedded on the same Runtime unless
TRACKER_EMBEDDED_WORKERS=false (then run `tracker worker` as a process of its own)."""

from __future__ import annotations

import logging
import secrets
import signal
import sys
import threading
from collections.abc import Callable

import click

from tracker.accounts import Role
from tracker.cli.common import open_from_env
from tracker.cli.workers import Stop, start_workers, stop_workers
from tracker.config import Settings
from tracker.database import exclusive
from tracker.runtime import Runtime

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


def embedded_workers(runtime: Runtime) -> list[Stop]:
    """The workers inside the web process, unless switched off; their stop functions."""
    if not runtime.settings.embedded_workers:
        log.info("embedded workers off: run `tracker worker`")
        return []
    return start_workers(runtime)


def _stop_on_sigterm() -> None:
    """A service manager stops us with SIGTERM: leave through the `finally` blocks, so the
    workers stop and the scheduler's leader lock is released at once."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def serve(settings: Settings, *, demo: bool = False, echo: Callable[[str], None] = print) -> None:
    """Serve until stopped, on one Runtime shared by the web app and the workers."""
    import waitress

    from web import create_app

    runtime = open_from_env(settings)
    try:
        if demo:
            from tracker.demo import seed_demo

            seed_demo(runtime, echo)
        else:
            ensure_first_admin(runtime, echo)
        app = create_app(runtime)
        stops = embedded_workers(runtime)
        try:
            _stop_on_sigterm()
            echo(f"Serving on http://{settings.host}:{settings.port}/  (Ctrl-C stops)")
            waitress.serve(
                app, host=settings.host, port=settings.port, threads=WAITRESS_THREADS,
                ident="tracker",
            )
        finally:
            stop_workers(stops)
    finally:
        runtime.close()


@click.command("serve")
@click.option(
    "--demo",
    is_flag=True,
    help="First seed demo users (one per role, passwords printed) and a year of demo cases.",
)
@click.option("--host", default=None, help="Address to listen on (default TRACKER_HOST).")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=None,
    help="Port to listen on (default TRACKER_PORT).",
)
def serve_command(demo: bool, host: str | None, port: int | None) -> None:
    """Run the web app and JSON API on TRACKER_HOST:TRACKER_PORT (127.0.0.1:5000) with
    waitress, with the background workers (projections, scheduler, notifier) embedded
    (TRACKER_EMBEDDED_WORKERS; see `tracker worker`).
    --host and --port override the environment.

    On an empty store it creates the account `admin` and prints its one-time password.
    """
    import dataclasses

    settings = Settings.from_env()
    settings = dataclasses.replace(
        settings, host=host or settings.host, port=port or settings.port
    )
    serve(settings, demo=demo, echo=click.echo)
