"""Running the projections: batches of notifications, many events per transaction.

A cycle reads the next batch of notifications (only the topics some view needs) from the
lowest position of the views, maps them to domain events once, and then, per view, applies
the events past that view's own position and moves its tracking row in one transaction.
Waiting for new events: PostgreSQL wakes the worker by LISTEN/NOTIFY on the channel the
event store notifies on every insert (with a 1 s poll as a safety net); SQLite has no push,
so the worker polls with a backoff from 50 ms to 1 s.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import multiprocessing
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from eventsourcing.persistence import PersistenceError, Tracking

from projections.recorder import TrackingConflict, ViewRecorder
from projections.rows import MemoryRows, Rows
from projections.sources import Store
from projections.tables import tracking
from projections.views import VIEWS, View

log = logging.getLogger(__name__)

BATCH_SIZE = 500
REBUILD_BATCH_SIZE = 2000
MIN_SLEEP = 0.05
MAX_SLEEP = 1.0
GATHER_SECONDS = 0.25  # the worker's pause after a short batch (run_worker)


def make_views(engine: sa.Engine, names: Iterable[str] | None = None) -> list[View]:
    """The projections by name (all when `names` is None), each with its recorder."""
    selected = list(VIEWS) if names is None else list(names)
    unknown = [name for name in selected if name not in VIEWS]
    if unknown:
        raise KeyError(f"unknown view(s): {', '.join(unknown)}; known: {', '.join(VIEWS)}")
    return [VIEWS[name](ViewRecorder(engine, name)) for name in selected]


Handler = Callable[[View, Any, Tracking], None]


def handler_for(view: View, event_type: type) -> Handler:
    """The function a view's `process_event` dispatches `event_type` to, found once: calling
    it directly spares building a bound dispatcher for every event."""
    for klass in type(view).__mro__:
        descriptor = klass.__dict__.get("process_event")
        if descriptor is None:
            continue
        if isinstance(descriptor, functools.singledispatchmethod):
            _ = view.process_event  # registers handlers whose registration was deferred
            function: Handler = descriptor.dispatcher.dispatch(event_type)
            return function
        return descriptor  # a plain method
    raise TypeError(f"{type(view).__name__} has no process_event")


class Dispatch:
    """Handlers by (view, event class), looked up once each."""

    def __init__(self) -> None:
        self._handlers: dict[tuple[str, type], Handler] = {}

    def __call__(self, view: View, domain_event: Any, tracking: Tracking) -> None:
        instance_own = view.__dict__.get("process_event")
        if instance_own is not None:  # replaced on the instance (tests that cut the power)
            instance_own(domain_event, tracking)
            return
        key = (view.name, type(domain_event))
        handler = self._handlers.get(key)
        if handler is None:
            handler = self._handlers[key] = handler_for(view, type(domain_event))
        handler(view, domain_event, tracking)


@dataclass
class CycleResult:
    notifications: int  # notifications read in this cycle
    position: int  # lowest position of the views afterwards
    conflicts: int  # views another runner had already moved on


class BatchRunner:
    """Applies the application's events to views. Safe next to other runners (threads or
    processes): each view's position only moves by a conditional update (recorder.py)."""

    def __init__(
        self, store: Store, views: Sequence[View] | None = None, batch_size: int = BATCH_SIZE
    ) -> None:
        self.engine = store.engine
        self.app = store.app
        self.app_name = store.app.name
        self.views = list(views) if views is not None else make_views(store.engine)
        self.batch_size = batch_size
        self.topics = sorted({topic for view in self.views for topic in view.topics})
        # Per view: the position its last batch here ended at, and that batch's row cache.
        # Good for the next batch only if it starts from that same position: then nobody
        # else can have written the view in between (the claim proves it).
        self._caches: dict[str, tuple[int, Rows]] = {}
        self._caches_lock = threading.Lock()
        self._dispatch = Dispatch()
        for view in self.views:
            view.view.ensure_row(self.app_name)

    def positions(self) -> dict[str, int]:
        """Every view's position, in one query (catch_up runs this on every request)."""
        names = [v.name for v in self.views]
        query = sa.select(tracking.c.projection_name, tracking.c.notification_id).where(
            tracking.c.application_name == self.app_name, tracking.c.projection_name.in_(names)
        )
        with self.engine.connect() as connection:
            found = dict(connection.execute(query).all())
        return {name: found.get(name) or 0 for name in names}

    def head(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def cycle(
        self,
        head: int | None = None,
        lock_timeout: float | None = None,
        *,
        deadline: float | None = None,
    ) -> CycleResult:
        """Process at most one batch up to `head` (default: the log's head now). With a
        `deadline` (monotonic), each view waits for the database only for the time left, so
        the whole cycle, not each of its views, is bounded by it."""
        head = self.head() if head is None else head
        positions = self.positions()
        start = min(positions.values(), default=head)
        if start >= head:
            return CycleResult(0, start, 0)
        notifications = self.app.recorder.select_notifications(
            start=start,
            limit=self.batch_size,
            stop=head,
            topics=self.topics,
            inclusive_of_start=False,
        )
        # A short batch means nothing the views need lies between its last event and the
        # head, so the positions may move to the head (past other aggregates' events).
        end = head if len(notifications) < self.batch_size else notifications[-1].id
        mapper = self.app.mapper
        events = [
            (mapper.to_domain_event(n), Tracking(self.app_name, n.id), n.topic)
            for n in notifications
        ]
        conflicts = 0
        for view in self.views:
            old = positions[view.name]
            if old >= end:
                continue
            timeout = lock_timeout
            if deadline is not None:
                timeout = deadline - time.monotonic()
                if timeout <= 0:
                    break  # out of time: the caller reads what the views have
            try:
                self._apply(view, events, old, end, timeout)
            except TrackingConflict:
                conflicts += 1  # another runner got there first; its result stands
        return CycleResult(len(notifications), min(self.positions().values()), conflicts)

    def _apply(
        self,
        view: View,
        events: Sequence[tuple[Any, Tracking, str]],
        old: int,
        end: int,
        lock_timeout: float | None = None,
    ) -> None:
        topics = set(view.topics)
        with self._caches_lock:  # runners are shared by request threads (catch_up)
            cached = self._caches.pop(view.name, None)
        rows = cached[1] if cached is not None and cached[0] == old else None
        with view.view.batch(
            self.app_name, old=old, new=end, rows=rows, lock_timeout=lock_timeout
        ) as rows:
            dispatch = self._dispatch
            for domain_event, tracking, topic in events:
                if tracking.notification_id > old and topic in topics:
                    dispatch(view, domain_event, tracking)
        with self._caches_lock:
            self._caches[view.name] = (end, rows)

    def run_until(
        self,
        head: int,
        *,
        deadline: float | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> bool:
        """Process until every view has reached `head`; False if `deadline` (monotonic)
        passed first."""
        while True:
            result = self.cycle(head, deadline=deadline)
            if progress is not None:
                progress(result.position)
            if result.position >= head:
                return True
            if deadline is not None and time.monotonic() > deadline:
                return False
            if result.notifications == 0 and result.conflicts:
                time.sleep(MIN_SLEEP)  # someone else is mid-batch; give them a moment


def catch_up(store: Store, timeout: float = 2.0) -> bool:
    """Make the views reflect at least the log's head as it was when called (read your
    writes). Processes pending events in this thread; safe next to a running worker, which
    may do part of the work. True when caught up within `timeout` seconds."""
    runner = _runner_for(store)
    head = runner.head()
    if min(runner.positions().values(), default=head) >= head:
        return True
    deadline = time.monotonic() + timeout
    try:
        return runner.run_until(head, deadline=deadline)
    except (sa.exc.OperationalError, PersistenceError):
        # A busy or unreachable database: the caller reads what the views have.
        log.warning("catch_up gave up", exc_info=True)
        return False


_runners_lock = threading.Lock()
# One runner per store (creating one checks the tracking rows); gone with the store.
_runners: weakref.WeakKeyDictionary[Store, BatchRunner] = weakref.WeakKeyDictionary()


def _runner_for(store: Store) -> BatchRunner:
    with _runners_lock:
        runner = _runners.get(store)
        if runner is None:
            runner = _runners[store] = BatchRunner(store)
        return runner


# --- waiting for new events --------------------------------------------------------------


class _Waiter:
    """Sleeps until new events may have arrived or the stop event is set."""

    def __init__(self, store: Store, stop: threading.Event) -> None:
        self.stop = stop
        self.sleep = MIN_SLEEP
        self._listener: Any = None
        if store.engine.dialect.name == "postgresql":
            self._listen(store)

    def _listen(self, store: Store) -> None:
        import psycopg
        from psycopg import sql

        url = store.engine.url
        try:
            self._listener = psycopg.connect(
                host=url.host, port=url.port, dbname=url.database, user=url.username,
                password=url.password, autocommit=True,
            )
            recorder = store.app.recorder
            channel = recorder.channel_name  # type: ignore[attr-defined]  # PostgreSQL's has one
            self._listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        except Exception:
            log.warning("LISTEN failed; polling instead", exc_info=True)
            self.close()

    def reset(self) -> None:
        self.sleep = MIN_SLEEP

    def wait(self) -> None:
        if self._listener is not None:
            # Woken by NOTIFY from the event store; the timeout keeps stop() responsive
            # and is a safety net should a notification ever be missed.
            end = time.monotonic() + MAX_SLEEP
            while not self.stop.is_set() and time.monotonic() < end:
                try:
                    for _ in self._listener.notifies(timeout=0.2, stop_after=1):
                        return
                except Exception:
                    log.warning("LISTEN connection lost; polling instead", exc_info=True)
                    self.close()
                    break
            return
        self.stop.wait(self.sleep)
        self.sleep = min(self.sleep * 2, MAX_SLEEP)

    def close(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):
                self._listener.close()
            self._listener = None


def run_worker(store: Store, stop: threading.Event, batch_size: int = BATCH_SIZE) -> None:
    """Keep the views up to date until `stop` is set. Errors (a database restart, a lock
    timeout) are logged and retried, so the worker thread never dies quietly."""
    runner: BatchRunner | None = None
    while runner is None and not stop.is_set():
        try:
            runner = BatchRunner(store, batch_size=batch_size)
        except Exception:
            log.exception("projection worker could not start; retrying")
            stop.wait(MAX_SLEEP)
    if runner is None:
        return
    waiter = _Waiter(store, stop)
    try:
        while not stop.is_set():
            try:
                result = runner.cycle()
            except Exception:
                log.exception("projection cycle failed; retrying")
                stop.wait(MAX_SLEEP)
                continue
            if result.notifications or result.conflicts:
                waiter.reset()
                if result.notifications < runner.batch_size:
                    # Caught up: let the next events gather into one batch, so that under a
                    # filing load the views cost a few transactions a second, not several
                    # per filing. Pages that must show the newest state catch up themselves.
                    stop.wait(GATHER_SECONDS)
                continue
            waiter.wait()
    finally:
        waiter.close()


class EmbeddedProjections:
    """The projection worker as a thread inside `tracker serve` or `tracker worker`, on the
    process's own store (its engine and application); stopping it leaves the store open."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=run_worker, args=(self.store, self._stop),
            name="projections", daemon=True,
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


# --- rebuild ---------------------------------------------------------------------------


def reset_views(store: Store, views: Sequence[View]) -> None:
    """Drop and recreate the views' tables and move their positions back to 0, each view in
    one transaction (the tracking reset comes first, so it holds off running workers)."""
    app_name = store.app.name
    for view in views:
        view.view.ensure_row(app_name)
        with store.engine.begin() as connection:
            view.view.reset(connection, app_name)
            for table in reversed(view.tables):
                table.drop(connection, checkfirst=True)
            for table in view.tables:
                table.create(connection, checkfirst=True)


@dataclass
class RebuildResult:
    views: list[str]
    notifications: int  # positions in the log passed
    seconds: float

    @property
    def rate(self) -> float:
        return self.notifications / self.seconds if self.seconds > 0 else float("inf")


# Rows a rebuild keeps in memory at most (per process); past that it switches the views
# to what it has and the rest is done batch by batch in the database.
REBUILD_MEMORY_ROWS = 5_000_000
PARTIAL = 3  # a rebuild process's exit status: switched part of the way (memory)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build_in_memory(
    store: Store,
    views: Sequence[View],
    head: int,
    recorder: Any,
    *,
    batch_size: int,
    memory_rows: int,
    progress: Callable[[int, int], None] | None,
) -> int:
    """Build `views` in memory from the log up to `head` (read through `recorder`), then
    switch each to its new rows (ViewRecorder.replace). Returns the position reached:
    `head`, or less when the rows outgrew `memory_rows` first."""
    app_name = store.app.name
    built = {view.name: MemoryRows() for view in views}
    wanting: dict[str, list[View]] = {}
    for view in views:
        for topic in view.topics:
            wanting.setdefault(topic, []).append(view)
    topics = sorted(wanting)
    dispatch = Dispatch()
    mapper = store.app.mapper
    position = 0
    with contextlib.ExitStack() as stack:
        # Millions of new rows and events, none in a reference cycle: the cyclic collector
        # would scan them all again and again, more often the more there are (that made the
        # cost per event grow with the log). Reference counting frees everything as before.
        stack.enter_context(_collector_paused())
        for view in views:
            stack.enter_context(view.view.in_memory(app_name, built[view.name], head))
        while position < head:
            notifications = recorder.select_notifications(
                start=position, limit=batch_size, stop=head, topics=topics,
                inclusive_of_start=False,
            )
            for notification in notifications:
                domain_event = mapper.to_domain_event(notification)
                tracking_ = Tracking(app_name, notification.id)
                for view in wanting[notification.topic]:
                    dispatch(view, domain_event, tracking_)
            position = head if len(notifications) < batch_size else notifications[-1].id
            if progress is not None and position < head:
                progress(position, head)
            if sum(rows.size() for rows in built.values()) > memory_rows:
                break  # too big for memory: switch now, go on in the database
    for view in views:
        view.view.replace(app_name, position, built.pop(view.name), view.tables)
    return position


# Relative cost of each view in a rebuild (CPU, measured on the bench's data); a view not
# listed counts one per topic it follows. Used only to share the views out fairly.
REBUILD_COST = {
    "case_todo": 14, "deviation_list": 5, "deadlines": 4, "annual_table": 3,
    "monthly_counts": 3, "recurrence": 2, "lex_sarah_clocks": 1, "escalations": 1,
    "history_imports": 1,
}


def _groups(views: Sequence[View], processes: int) -> list[list[View]]:
    """The views shared out between `processes`: the costliest first, each to the group
    with the least cost so far."""

    def cost(view: View) -> float:
        return REBUILD_COST.get(view.name, len(view.topics))

    groups: list[list[View]] = [[] for _ in range(max(1, min(processes, len(views))))]
    for view in sorted(views, key=lambda v: -cost(v)):
        min(groups, key=lambda g: sum(cost(v) for v in g)).append(view)
    return [group for group in groups if group]


def _build_process(
    reopen: Callable[[], Store], names: list[str], head: int, batch_size: int, memory_rows: int
) -> None:
    """A rebuild process's work (spawned: it opens the store afresh, nothing inherited):
    build and switch `names`; exit 0 when done, PARTIAL when it switched short of the head."""
    store = reopen()
    try:
        reached = _build_in_memory(
            store, make_views(store.engine, names), head, store.app.recorder,
            batch_size=batch_size, memory_rows=memory_rows, progress=None,
        )
    finally:
        close = getattr(store, "close", None)
        if close is not None:
            close()
    sys.exit(0 if reached >= head else PARTIAL)


# Below this many events in the log a rebuild stays in one process: starting another
# (imports, connections) costs more than it saves.
PARALLEL_FROM_EVENTS = 50_000


def rebuild(
    store: Store,
    names: Iterable[str] | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = REBUILD_BATCH_SIZE,
    memory_rows: int = REBUILD_MEMORY_ROWS,
    reopen: Callable[[], Store] | None = None,
    processes: int | None = None,
    parallel_from: int = PARALLEL_FROM_EVENTS,
) -> RebuildResult:
    """Rebuild the views from the whole log: built in memory up to the log's head (the
    views as they are keep serving meanwhile), then each view switched to its new rows in
    one transaction (ViewRecorder.replace), which also moves its position to that head.
    Runners active meanwhile lose their work on the old tables and go on from the new
    position, so every event counts once.

    With `reopen` (a picklable function that opens the same store), a log of at least
    `parallel_from` events is shared out between `processes` (default: one per CPU): each
    builds some of the views, reading the log for their events; this one takes a share
    too. `progress(done, total)` is called after each batch of this process's share."""
    views = make_views(store.engine, names)
    started = time.monotonic()
    head = store.app.recorder.max_notification_id() or 0
    if progress is not None:
        progress(0, head)
    count = processes if processes is not None else os.cpu_count() or 1
    groups = _groups(views, count if reopen is not None and head >= parallel_from else 1)
    options = {"batch_size": batch_size, "memory_rows": memory_rows}
    spawn = multiprocessing.get_context("spawn")
    children = [
        spawn.Process(
            target=_build_process,
            args=(reopen, [v.name for v in group], head, batch_size, memory_rows),
            name=f"rebuild-{index}",
        )
        for index, group in enumerate(groups[1:], start=1)
    ]
    for child in children:
        child.start()
    unfinished: list[View] = []
    failed = False
    try:
        reached = _build_in_memory(
            store, groups[0], head, store.app.recorder, progress=progress, **options
        )
        if reached < head:
            unfinished += groups[0]
    finally:
        for child, group in zip(children, groups[1:], strict=True):
            child.join()
            if child.exitcode == PARTIAL:
                unfinished += group
            elif child.exitcode != 0:
                failed = True
    if failed:
        raise RuntimeError("a rebuild process failed (its error is printed above); the "
                           "views it had not switched are as they were")
    if unfinished:
        runner = BatchRunner(store, unfinished, batch_size=batch_size)
        report = progress
        runner.run_until(
            head, progress=(lambda done: report(done, head)) if report is not None else None
        )
    elif progress is not None:
        progress(head, head)
    return RebuildResult([v.name for v in views], head, time.monotonic() - started)


@contextlib.contextmanager
def running_worker(store: Store) -> Iterator[threading.Event]:
    """A worker thread for the duration of a with-block (used by tests and tools)."""
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(store, stop), daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(10)
