"""`tracker serve`: the web app on waitress (a production WSGI server), with the workers
(tracker/cli/workers.py) running embedded on the same Runtime unless
TRACKER_EMBEDDED_WORKERS=false (then run `tracker worker` as a process of its own).

`tracker serve --workers N`: this process opens the listening socket, starts N web
processes that share it (the kernel hands each new connection to one of them) and runs the
background workers once, itself, not in every web process. A web process that dies is
started again."""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from tracker.cli.common import open_from_env
from tracker.cli.workers import Stop, start_workers, stop_workers
from tracker.config import Settings
from tracker.demo import seed_demo
from tracker.people.accounts import Role
from tracker.runtime import Runtime
from tracker.storage.database import exclusive

if TYPE_CHECKING:
    from flask import Flask

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


def _check_web_settings(settings: Settings) -> None:
    """A misconfigured sign-in (an http:// issuer off loopback, an unknown role in the
    role map) stops `serve` with one line naming the variable, before anything starts."""
    # Here, not at the top: the web side (Flask, its pages) loads only for `serve`, not for
    # every `tracker` command.
    from web.sign_in.oidc import check_settings

    try:
        check_settings(settings)
    except ValueError as error:
        raise click.ClickException(str(error)) from None


def https_warning(settings: Settings) -> str | None:
    """waitress speaks plain http: an https base address means a proxy in front. Not
    trusted, it cannot say a request came over https: no Secure cookies, no HSTS."""
    if settings.base_url.startswith("https://") and not settings.trusted_proxies:
        return (
            "Warning: TRACKER_BASE_URL is https:// but TRACKER_TRUSTED_PROXIES is 0: the "
            "tracker cannot see that requests came over https, so its cookies are not "
            "marked Secure and no HSTS is sent. Set TRACKER_TRUSTED_PROXIES to the number "
            "of proxies in front of it."
        )
    return None


def _web_app(runtime: Runtime) -> Flask:
    from web import create_app  # here: only `serve` loads the web side (as above)

    return create_app(runtime)


def _serve_app(app: Flask, settings: Settings, sock: socket.socket | None) -> None:
    import waitress

    where: dict[str, object] = {"sockets": [sock]} if sock is not None else {
        "host": settings.host, "port": settings.port
    }
    if settings.trusted_proxies:
        # waitress strips X-Forwarded-* before the app runs unless told otherwise; the app's
        # ProxyFix (web/__init__.py) is the one place that believes the last N hops. Both
        # translating them would apply the proxies twice.
        where["clear_untrusted_proxy_headers"] = False
    waitress.serve(app, threads=WAITRESS_THREADS, ident="tracker", **where)


def _prepare(runtime: Runtime, demo: bool, echo: Callable[[str], None]) -> list[Stop]:
    """Before serving: demo data or the first administrator, then the background workers."""
    if demo:
        seed_demo(runtime, echo)
    else:
        ensure_first_admin(runtime, echo)
    return embedded_workers(runtime)


def serve(settings: Settings, *, demo: bool = False, echo: Callable[[str], None] = print) -> None:
    """Serve until stopped, on one Runtime shared by the web app and the workers."""
    runtime = open_from_env(settings)
    try:
        stops = _prepare(runtime, demo, echo)
        try:
            _stop_on_sigterm()
            app = _web_app(runtime)  # before "Serving on": importing the web side takes seconds
            echo(f"Serving on http://{settings.host}:{settings.port}/  (Ctrl-C stops)")
            _serve_app(app, settings, None)
        finally:
            stop_workers(stops)
    finally:
        runtime.close()


def serve_web_process(settings: Settings, fd: int) -> None:
    """One of `serve --workers N`'s web processes: the app on the inherited listening
    socket, without workers (the parent runs them)."""
    sock = socket.socket(fileno=fd)
    runtime = open_from_env(settings)
    try:
        _stop_on_sigterm()
        _serve_app(_web_app(runtime), settings, sock)
    finally:
        runtime.close()


RESTART_DELAY = 1.0  # s before a web process that died is started again


def serve_processes(
    settings: Settings, processes: int, *, demo: bool = False,
    echo: Callable[[str], None] = print,
) -> None:
    """N web processes on one socket; the background workers once, in this process."""
    sock = socket.create_server((settings.host, settings.port), backlog=2048)
    sock.set_inheritable(True)
    runtime = open_from_env(settings)  # creates the schema before the web processes start
    children: list[subprocess.Popen[bytes]] = []
    stopping = threading.Event()

    def start_child() -> subprocess.Popen[bytes]:
        argv = [sys.executable, "-m", "tracker.cli", "serve", "--listen-fd", str(sock.fileno())]
        env = os.environ | {"TRACKER_HOST": settings.host, "TRACKER_PORT": str(settings.port)}
        # Our own interpreter and command, nothing from outside.
        return subprocess.Popen(argv, pass_fds=[sock.fileno()], env=env)  # noqa: S603

    def request_stop(*_: object) -> None:
        stopping.set()

    try:
        stops = _prepare(runtime, demo, echo)
        try:
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGTERM, request_stop)
                signal.signal(signal.SIGINT, request_stop)
            children.extend(start_child() for _ in range(processes))
            echo(
                f"Serving on http://{settings.host}:{settings.port}/ with {processes} web "
                "processes  (Ctrl-C stops)"
            )
            while not stopping.wait(0.5):
                for index, child in enumerate(children):
                    if child.poll() is not None and not stopping.is_set():
                        log.warning("web process %s exited (%s); starting it again",
                                    child.pid, child.returncode)
                        time.sleep(RESTART_DELAY)
                        children[index] = start_child()
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
            stop_workers(stops)
    finally:
        sock.close()
        runtime.close()


def listening_on(settings: Settings, host: str | None, port: int | None) -> Settings:
    """The settings with --host/--port applied; without TRACKER_BASE_URL the links in
    e-mails point where this server really listens."""
    import dataclasses

    host, port = host or settings.host, port or settings.port
    base_url = settings.base_url if settings.base_url_set else f"http://{host}:{port}"
    return dataclasses.replace(settings, host=host, port=port, base_url=base_url)


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
@click.option(
    "--workers", "processes", type=click.IntRange(1, 64), default=None,
    help="Run N web processes on the one port, and the background workers once in the "
    "parent process (not in every web process).",
)
@click.option("--listen-fd", type=int, default=None, hidden=True)
def serve_command(
    demo: bool, host: str | None, port: int | None, processes: int | None,
    listen_fd: int | None,
) -> None:
    """Run the web app and JSON API on TRACKER_HOST:TRACKER_PORT (127.0.0.1:5000) with
    waitress, with the background workers (projections, scheduler, notifier) embedded
    (TRACKER_EMBEDDED_WORKERS; see `tracker worker`).
    --host and --port override the environment. With --workers N, N web processes share
    the port and the background workers run once, in the parent process (or, with
    TRACKER_EMBEDDED_WORKERS=false, in a `tracker worker` process of their own).

    On an empty store it creates the account `admin` and prints its one-time password.
    """
    settings = listening_on(Settings.from_env(), host, port)
    _check_web_settings(settings)
    warning = https_warning(settings)
    if warning is not None and listen_fd is None:
        click.echo(warning, err=True)
    if listen_fd is not None:
        serve_web_process(settings, listen_fd)
    elif processes is not None:
        serve_processes(settings, processes, demo=demo, echo=click.echo)
    else:
        serve(settings, demo=demo, echo=click.echo)
