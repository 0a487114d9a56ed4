"""The background migration of the views an upgrade changed (projections/schema.py): each
pending view is built from the log in memory by the rebuild (projections/rebuild.py) while
its old tables keep serving, then switched in one transaction that also records its new
version (ViewRecorder.replace). Started by the process that runs the views' worker; no
manual step."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

from projections.rebuild import rebuild
from projections.runner import pending_for
from projections.sources import Store

log = logging.getLogger(__name__)

RETRY_SECONDS = 30.0  # after a failed migration (a database restart, say)

# Held while migrating, so that of several worker processes one builds and the others,
# once they get it, find nothing left to do (tracker/ hands in its cross-process lock).
Lock = Callable[[], contextlib.AbstractContextManager[object]]


def migrate_pending(store: Store) -> list[str]:
    """Build and switch every pending view; returns their names (empty when none)."""
    pending = pending_for(store.engine)
    pending.forget()
    names = sorted(pending.names())
    if not names:
        return []
    started = time.monotonic()
    log.info("rebuilding views changed by the upgrade: %s", ", ".join(names))
    try:
        result = rebuild(store, names)
    finally:
        pending.forget()
    log.info(
        "views rebuilt and switched: %s (%d events, %.1f s)",
        ", ".join(names), result.notifications, time.monotonic() - started,
    )
    return names


class BackgroundMigration:
    """`migrate_pending` in a thread of its own, retried until it succeeds or is stopped.
    Stopping does not cut a build short (a switch is one transaction either way); an
    unfinished migration starts again with the next start of a worker."""

    def __init__(self, store: Store, lock: Lock | None = None) -> None:
        self.store = store
        self.lock = lock or contextlib.nullcontext
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.done = threading.Event()

    def start(self) -> None:
        if not pending_for(self.store.engine).names():
            self.done.set()
            return
        self._thread = threading.Thread(target=self._run, name="view-migration", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with self.lock():
                    if self._stop.is_set():
                        return
                    migrate_pending(self.store)
                self.done.set()
                return
            except Exception:
                log.exception("rebuilding the upgraded views failed; retrying")
                self._stop.wait(RETRY_SECONDS)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
