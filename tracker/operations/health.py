"""What the municipality's monitoring asks (/readyz, /metrics): is the store reachable, are
the views caught up, does a scheduler lead, and the numbers behind them. Counts, positions
and codes only: never case data."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from events.deviation import Source
from projections import tables as view_tables
from projections.schema import pending_views
from projections.views import VIEWS
from tracker.runtime import Runtime
from tracker.storage import tables
from tracker.storage.leader import leader_present


class SchedulerCounts:
    """The scheduler's runs per job and the breaches its scans flagged, in this process
    (the leader's: every job runs there)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.runs: Counter[str] = Counter()
        self.breaches_flagged = 0

    def ran(self, job_id: str, flagged: int = 0) -> None:
        with self._lock:
            self.runs[job_id] += 1
            self.breaches_flagged += flagged

    def snapshot(self) -> tuple[dict[str, int], int]:
        with self._lock:
            return dict(self.runs), self.breaches_flagged


SCHEDULER = SchedulerCounts()


@dataclass(frozen=True)
class Readiness:
    store: bool
    head: int = 0  # the event log's last position
    view_lag: dict[str, int] = field(default_factory=dict)  # view -> events behind the head
    max_lag: int = 0
    leader: bool = False
    # Views being rebuilt after an upgrade (projections/migration.py): their old lists serve
    # meanwhile and their position stands still, so their lag says nothing about readiness.
    rebuilding: frozenset[str] = frozenset()

    @property
    def views_caught_up(self) -> bool:
        lags = [lag for view, lag in self.view_lag.items() if view not in self.rebuilding]
        return self.store and max(lags, default=0) <= self.max_lag

    @property
    def ready(self) -> bool:
        return self.store and self.views_caught_up and self.leader


def view_lag(engine: sa.Engine, application_name: str, head: int) -> dict[str, int]:
    """How many positions each view is behind the log's head (a view without a
    position yet is behind by all of it)."""
    tracking = view_tables.tracking
    with engine.connect() as connection:
        positions = dict(connection.execute(
            sa.select(tracking.c.projection_name, tracking.c.notification_id).where(
                tracking.c.application_name == application_name,
                tracking.c.projection_name.in_(list(VIEWS)),
            )
        ).all())
    return {name: max(0, head - int(positions.get(name) or 0)) for name in VIEWS}


def readiness(runtime: Runtime) -> Readiness:
    max_lag = runtime.settings.ready_max_lag
    try:
        head = int(runtime.app.recorder.max_notification_id() or 0)
        lag = view_lag(runtime.engine, runtime.app.name, head)
        with runtime.engine.connect() as connection:
            rebuilding = pending_views(connection)
    except Exception:  # any failure to read the store means "not ready"
        return Readiness(store=False, max_lag=max_lag)
    try:
        leader = leader_present(runtime.settings, runtime.engine)
    except Exception:  # the lock cannot be looked at: no leader known
        leader = False
    return Readiness(True, head, lag, max_lag, leader, rebuilding)


def outbox_counts(engine: sa.Engine) -> dict[str, int]:
    """E-mails in the outbox by status (pending, sending, sent, failed)."""
    outbox = tables.notification_outbox
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(outbox.c.status, sa.func.count()).group_by(outbox.c.status)
        ).all()
    return {str(status): int(count) for status, count in rows}


def breach_deviations(engine: sa.Engine) -> int:
    """Deviations the scheduler filed for missed deadlines (the list view, every process)."""
    deviations = view_tables.deviations
    with engine.connect() as connection:
        return int(connection.execute(
            sa.select(sa.func.count()).select_from(deviations)
            .where(deviations.c.source == Source.SCHEDULER.value)
        ).scalar() or 0)
