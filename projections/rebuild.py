"""Rebuilding the views from the whole event log: built in memory (or, for a large log, in
several processes, views shared out by their cost) and switched in one transaction per view;
the old views serve until the switch, and workers running meanwhile still apply each event once."""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import Tracking

from projections.rows import MemoryRows
from projections.runner import REBUILD_BATCH_SIZE, BatchRunner, Dispatch, make_views
from projections.sources import Store
from projections.views import View

log = logging.getLogger(__name__)


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
    # Per topic, its views' handlers, resolved at the topic's first event.
    handlers: dict[str, list[Callable[[Any, Tracking], None]]] = {}
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
                found = handlers.get(notification.topic)
                if found is None:
                    found = handlers[notification.topic] = [
                        dispatch.bound(view, type(domain_event))
                        for view in wanting[notification.topic]
                    ]
                for handler in found:
                    handler(domain_event, tracking_)
            position = head if len(notifications) < batch_size else notifications[-1].id
            if progress is not None and position < head:
                progress(position, head)
            if sum(rows.size() for rows in built.values()) > memory_rows:
                break  # too big for memory: switch now, go on in the database
    for view in views:
        view.view.replace(
            app_name, position, built.pop(view.name), view.tables, version=view.schema
        )
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
    """A rebuild process's work (it opens the store afresh, nothing inherited):
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


def _processes(reopen: Callable[[], Store] | None) -> Any:
    """Where rebuild processes come from: forked from a server process that has imported
    this module and the store's (multiprocessing's forkserver), so only the first rebuild
    of a process waits for those imports (~1.5 s), not every one. Forking the caller itself
    hung on SQLite locks its worker threads held; the server has no threads and no
    connections."""
    context = multiprocessing.get_context("forkserver")
    opener = getattr(reopen, "func", reopen)
    context.set_forkserver_preload(
        ["__main__", __name__, *([opener.__module__] if opener is not None else [])]
    )
    return context


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
    children = [
        _processes(reopen).Process(
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
        runner = BatchRunner(store, unfinished, batch_size=batch_size, skip_pending=False)
        report = progress
        runner.run_until(
            head, progress=(lambda done: report(done, head)) if report is not None else None
        )
    elif progress is not None:
        progress(head, head)
    return RebuildResult([v.name for v in views], head, time.monotonic() - started)
