"""Following the event log: batches of notifications, many events per transaction.

A follower is anything with a name (its row in the `tracking` table), the topics it needs,
and a batch step that moves its tracking row from the position it read to the batch's end
and applies the batch's events in that same transaction, or raises TrackingConflict, with
nothing written, when another runner moved it first. Each view is a follower through its
ViewRecorder; tracker/ hands in others (the notifier, which turns events into e-mail).

A cycle reads the next batch of notifications (only the topics some follower needs) from
the lowest position of its followers, maps them to domain events once, and then, per
follower, applies the events past that follower's own position. Waiting for new events:
PostgreSQL wakes the worker by LISTEN/NOTIFY on the channel the event store notifies on
every insert (with a 1 s poll as a safety net); SQLite has no push, so the worker polls
with a backoff from 50 ms to 1 s.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from eventsourcing.persistence import PersistenceError, Tracking

from projections.recorder import TrackingConflict, ViewRecorder
from projections.rows import Rows
from projections.schema import pending_views
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

    def bound(self, view: View, event_type: type) -> Callable[[Any, Tracking], None]:
        """The call `self(view, event, tracking)` makes for events of `event_type`, found
        once (a rebuild resolves each topic's handlers at its first event)."""
        instance_own = view.__dict__.get("process_event")
        if instance_own is not None:
            return instance_own
        return functools.partial(handler_for(view, event_type), view)


PENDING_RECHECK_SECONDS = 1.0


class PendingViews:
    """The views being migrated (projections/schema.py), as one process sees them: read
    from the store, and read again (at most once a second) only while some are pending, as
    a view only ever leaves that state while this process runs (the switch)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._names: frozenset[str] | None = None
        self._read_at = 0.0

    def names(self) -> frozenset[str]:
        with self._lock:
            stale = time.monotonic() - self._read_at > PENDING_RECHECK_SECONDS
            if self._names is None or (self._names and stale):
                with self.engine.connect() as connection:
                    self._names = pending_views(connection)
                self._read_at = time.monotonic()
            return self._names

    def forget(self) -> None:
        """Read again next time (after a switch in this process)."""
        with self._lock:
            self._names = None


_pending_lock = threading.Lock()
_pending: weakref.WeakKeyDictionary[sa.Engine, PendingViews] = weakref.WeakKeyDictionary()


def pending_for(engine: sa.Engine) -> PendingViews:
    with _pending_lock:
        found = _pending.get(engine)
        if found is None:
            found = _pending[engine] = PendingViews(engine)
        return found


def views_rebuilding(store: Store) -> bool:
    """Whether some view is being migrated (its lists show the state before the upgrade)."""
    return bool(pending_for(store.engine).names())


Events = Sequence[tuple[Any, Tracking, str]]  # (domain event, its position, its topic)


class Follower(Protocol):
    """What a runner follows the log for (see the module's docstring)."""

    @property
    def name(self) -> str:
        """Its row in the tracking table."""
        ...

    @property
    def topics(self) -> Sequence[str]: ...

    def ensure_row(self) -> None:
        """Create its tracking row where it starts, unless it exists."""
        ...

    def apply(self, events: Events, old: int, new: int, lock_timeout: float | None) -> None:
        """Move the tracking row `old` -> `new` and apply the events past `old` in one
        transaction; TrackingConflict, with nothing written, when it was no longer at `old`."""
        ...


class ViewFollower:
    """A view as a follower, through its ViewRecorder's batch (recorder.py). Between batches
    it keeps the rows it read: good for the next batch only if that starts where this one
    ended (then nobody else can have written the view in between: the claim proves it)."""

    def __init__(self, view: View, application_name: str, dispatch: Dispatch) -> None:
        self.view = view
        self.name = view.name
        self.topics: Sequence[str] = view.topics
        self.application_name = application_name
        self._dispatch = dispatch
        self._cache: tuple[int, Rows] | None = None
        self._cache_lock = threading.Lock()  # runners are shared by request threads

    def ensure_row(self) -> None:
        self.view.view.ensure_row(self.application_name)

    def apply(self, events: Events, old: int, new: int, lock_timeout: float | None) -> None:
        view, topics = self.view, set(self.topics)
        with self._cache_lock:
            cached, self._cache = self._cache, None
        rows = cached[1] if cached is not None and cached[0] == old else None
        with view.view.batch(
            self.application_name, old=old, new=new, rows=rows, lock_timeout=lock_timeout
        ) as rows:
            dispatch = self._dispatch
            for domain_event, tracking, topic in events:
                if tracking.notification_id > old and topic in topics:
                    dispatch(view, domain_event, tracking)
        with self._cache_lock:
            self._cache = (new, rows)


@dataclass
class CycleResult:
    notifications: int  # notifications read in this cycle
    position: int  # lowest position of the followers afterwards
    conflicts: int  # followers another runner had already moved on


class BatchRunner:
    """Applies the application's events to its followers: the views (all unless `views`
    says which), then any `followers` handed in. Safe next to other runners (threads or
    processes): each follower's position only moves by a conditional update. Views being
    migrated are left alone (their old tables may not take the new rows) unless
    `skip_pending` is False (the rebuild, which finishes a switched view)."""

    def __init__(
        self,
        store: Store,
        views: Sequence[View] | None = None,
        batch_size: int = BATCH_SIZE,
        *,
        followers: Sequence[Follower] = (),
        skip_pending: bool = True,
    ) -> None:
        self.engine = store.engine
        self.app = store.app
        self.app_name = store.app.name
        self.views = list(views) if views is not None else make_views(store.engine)
        self.batch_size = batch_size
        self._dispatch = Dispatch()
        self.followers: list[Follower] = [
            ViewFollower(view, self.app_name, self._dispatch) for view in self.views
        ]
        self.followers += followers
        self.topics = sorted({topic for f in self.followers for topic in f.topics})
        self._pending = pending_for(store.engine) if skip_pending else None
        for follower in self.followers:
            follower.ensure_row()

    def active(self) -> list[Follower]:
        """The followers to run now: all but the views being migrated."""
        if self._pending is None:
            return self.followers
        pending = self._pending.names()
        if not pending:
            return self.followers
        return [f for f in self.followers if f.name not in pending]

    def positions(self, followers: Sequence[Follower] | None = None) -> dict[str, int]:
        """The active followers' positions (or those of `followers`), in one query
        (catch_up runs this on every request)."""
        names = [f.name for f in (self.active() if followers is None else followers)]
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
        `deadline` (monotonic), each follower waits for the database only for the time
        left, so the whole cycle, not each of its followers, is bounded by it."""
        head = self.head() if head is None else head
        followers = self.active()
        positions = self.positions(followers)
        start = min(positions.values(), default=head)
        if start >= head:
            return CycleResult(0, start, 0)
        topics = self.topics if followers is self.followers else sorted(
            {topic for f in followers for topic in f.topics}
        )
        notifications = self.app.recorder.select_notifications(
            start=start,
            limit=self.batch_size,
            stop=head,
            topics=topics,
            inclusive_of_start=False,
        )
        # A short batch means nothing the followers need lies between its last event and
        # the head, so the positions may move to the head (past other aggregates' events).
        end = head if len(notifications) < self.batch_size else notifications[-1].id
        mapper = self.app.mapper
        events = [
            (mapper.to_domain_event(n), Tracking(self.app_name, n.id), n.topic)
            for n in notifications
        ]
        conflicts = 0
        for follower in followers:
            old = positions[follower.name]
            if old >= end:
                continue
            timeout = lock_timeout
            if deadline is not None:
                timeout = deadline - time.monotonic()
                if timeout <= 0:
                    break  # out of time: the caller reads what the views have
            try:
                follower.apply(events, old, end, timeout)
            except TrackingConflict:
                conflicts += 1  # another runner got there first; its result stands
        return CycleResult(
            len(notifications), min(self.positions(followers).values(), default=head), conflicts
        )

    def run_until(
        self,
        head: int,
        *,
        deadline: float | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> bool:
        """Process until every follower has reached `head`; False if `deadline`
        (monotonic) passed first."""
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
    may do part of the work. True when caught up within `timeout` seconds. The views only:
    no other follower (no e-mail) is ever run inside a request."""
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


def run_worker(
    store: Store,
    stop: threading.Event,
    batch_size: int = BATCH_SIZE,
    *,
    views: Sequence[View] | None = None,
    followers: Sequence[Follower] = (),
    name: str = "projections",
) -> None:
    """Keep the followers (the views, unless `views` says which, and `followers`) up to date
    until `stop` is set. Errors (a database restart, a lock timeout) are logged and
    retried, so the worker thread never dies quietly."""
    runner: BatchRunner | None = None
    while runner is None and not stop.is_set():
        try:
            runner = BatchRunner(store, views, batch_size, followers=followers)
        except Exception:
            log.exception("%s worker could not start; retrying", name)
            stop.wait(MAX_SLEEP)
    if runner is None:
        return
    waiter = _Waiter(store, stop)
    try:
        while not stop.is_set():
            try:
                result = runner.cycle()
            except Exception:
                log.exception("%s cycle failed; retrying", name)
                stop.wait(MAX_SLEEP)
                continue
            if result.notifications or result.conflicts:
                waiter.reset()
                if result.notifications < runner.batch_size:
                    # Caught up: let the next events gather into one batch, so that under a
                    # filing load a follower costs a few transactions a second, not several
                    # per filing. Pages that must show the newest state catch up themselves.
                    stop.wait(GATHER_SECONDS)
                continue
            waiter.wait()
    finally:
        waiter.close()


class EmbeddedFollowers:
    """A runner as a thread inside `tracker serve` or `tracker worker`, on the process's own
    store (its engine and application); stopping it leaves the store open. Each runner
    thread reads from the lowest position of its own followers, so followers that must not
    hold each other back (a view, the notifier) run in threads of their own."""

    def __init__(
        self,
        store: Store,
        *,
        views: Sequence[View] | None = None,
        followers: Sequence[Follower] = (),
        name: str = "projections",
    ) -> None:
        self.store = store
        self.views = views
        self.followers = followers
        self.name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=run_worker, args=(self.store, self._stop),
            kwargs={"views": self.views, "followers": self.followers, "name": self.name},
            name=self.name, daemon=True,
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


class EmbeddedProjections(EmbeddedFollowers):
    """The views' runner as a thread (every view, one runner)."""

    def __init__(self, store: Store) -> None:
        super().__init__(store, name="projections")


# --- for tests and tools -------------------------------------------------------------------


@contextlib.contextmanager
def running_worker(
    store: Store, *, views: Sequence[View] | None = None, followers: Sequence[Follower] = ()
) -> Iterator[threading.Event]:
    """A worker thread for the duration of a with-block (used by tests and tools)."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_worker, args=(store, stop),
        kwargs={"views": views, "followers": followers}, daemon=True,
    )
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(10)
