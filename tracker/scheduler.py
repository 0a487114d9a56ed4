"""The deadline scheduler: notices the child-report clocks people miss and files the
deviation for each breach, exactly once.

`scan` takes its candidates from the indexed deadlines view and checks each against its
aggregate before acting (the view may lag or be rebuilt; the aggregate is the truth). The
application records a breach and files its deviation in one atomic save under a fixed
deviation id, so a second scan, a second process or a restart can never file twice.

`SchedulerService` runs the scan (at start and every N minutes) and the daily digest on an
APScheduler BackgroundScheduler, in whichever process holds the leader lock.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import NamedTuple
from uuid import UUID

from apscheduler.schedulers.background import BackgroundScheduler

from events.clocks import STOCKHOLM, Clock, local_date
from events.errors import DomainError
from tracker.application import ConflictError, NotFound
from tracker.leader import LeaderLock, leader_lock
from tracker.runtime import Runtime

log = logging.getLogger(__name__)

DIGEST_AT = time(7, 0)  # Stockholm time: before the working day starts
DEFAULT_LEADER_RETRY_SECONDS = 30.0


class Flagged(NamedTuple):
    report_number: str
    deviation_number: str
    clock: Clock


@dataclass
class ScanResult:
    today: date
    candidates: int = 0
    flagged: list[Flagged] = field(default_factory=list)
    failed: list[tuple[UUID, Clock, str]] = field(default_factory=list)  # (report, clock, why)

    @property
    def count(self) -> int:
        return len(self.flagged)


def _protection_candidates(runtime: Runtime, today: date) -> list[tuple[UUID, Clock]]:
    from projections.queries import deadline_board

    rows = deadline_board(runtime.engine, today, warning_days=runtime.settings.warning_days)
    return [
        (UUID(str(row["report_id"])), Clock.SKYDDSBEDOMNING)
        for row in rows
        if row["clock"] is Clock.SKYDDSBEDOMNING and row["band"] == "overdue"
    ]


def scan(runtime: Runtime, *, now: datetime | None = None) -> ScanResult:
    """Flag every breached deadline as of `now` (default: the application's clock)."""
    from projections.queries import overdue_candidates
    from projections.runner import catch_up

    today = local_date(now or runtime.app.now())
    # The view must have seen at least every event up to now, or a just-received
    # report could be missed until the next scan.
    if not catch_up(runtime, timeout=30.0):
        log.warning("The deadlines view is not fully caught up; scanning what it has.")
    candidates = list(overdue_candidates(runtime.engine, today))
    if runtime.settings.file_protection_deviations:
        candidates += _protection_candidates(runtime, today)
    result = ScanResult(today=today, candidates=len(candidates))
    app = runtime.app
    for report_id, clock in candidates:
        try:
            # The command re-reads the aggregate: nothing is filed unless it is breached
            # and not yet flagged, whatever the view said.
            deviation_id = app.flag_breach(report_id, clock, today=today)
        except (NotFound, ConflictError, DomainError) as error:
            # One bad candidate (say, a subcategory an admin deactivated) must not stop
            # the others; it is logged and the next scan tries again.
            log.warning("Could not flag %s breach of report %s: %r", clock, report_id, error)
            result.failed.append((report_id, clock, repr(error)))
            continue
        if deviation_id is None:
            continue
        report = app.get_child_report(report_id)
        deviation = app.get_deviation(deviation_id)
        result.flagged.append(Flagged(report.number, deviation.number, clock))
        log.info(
            "Flagged %s breach: report %s -> deviation %s",
            clock.label.lower(), report.number, deviation.number,
        )
    return result


class SchedulerService:
    """The scheduler's jobs on a BackgroundScheduler; only the leader runs them.

    A leadership job tries the lock every `leader_retry_seconds`: a follower takes over
    when the leader dies, and scans at once when it does (as it does at start). It works
    on the process's runtime and leaves it open when it stops."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        leader_retry_seconds: float = DEFAULT_LEADER_RETRY_SECONDS,
    ) -> None:
        self.settings = runtime.settings
        self.leader_retry_seconds = leader_retry_seconds
        self.runtime = runtime
        self.leader: LeaderLock = leader_lock(runtime.settings)
        self.scheduler = BackgroundScheduler(
            timezone=STOCKHOLM,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        )
        self.scans = 0
        self.last_result: ScanResult | None = None
        self._leading = False
        self._stopped = threading.Event()
        self._leadership_mutex = threading.Lock()

    @property
    def is_leader(self) -> bool:
        return self._leading

    def start(self) -> SchedulerService:
        self.scheduler.add_job(
            self._check_leadership, "interval", seconds=self.leader_retry_seconds,
            id="leadership", next_run_time=datetime.now(UTC),
        )
        # The first scan is started by becoming leader, not by this trigger.
        self.scheduler.add_job(
            self._scan_job, "interval", minutes=self.settings.scan_interval_minutes, id="scan"
        )
        self.scheduler.add_job(
            self._digest_job, "cron", hour=DIGEST_AT.hour, minute=DIGEST_AT.minute, id="digest"
        )
        self.scheduler.start()
        return self

    def _ensure_leader(self) -> bool:
        """Take or confirm the lead; True only at the moment this process becomes leader."""
        with self._leadership_mutex:
            return self._ensure_leader_locked()

    def _ensure_leader_locked(self) -> bool:
        try:
            leading = self.leader.try_acquire()
        except Exception:  # a broken lock backend must not kill the job thread
            log.exception("Leader lock check failed")
            leading = False
        if leading and not self._leading:
            log.info("This process is now the scheduler leader.")
        elif self._leading and not leading:
            log.warning("This process is no longer the scheduler leader.")
        became_leader = leading and not self._leading
        self._leading = leading
        return became_leader

    def _check_leadership(self) -> None:
        if self._stopped.is_set():
            return
        if self._ensure_leader():
            # Scan at start and on takeover: the old leader may have died mid-interval.
            self.scheduler.modify_job("scan", next_run_time=datetime.now(UTC))

    def _scan_job(self) -> None:
        self._ensure_leader()
        if not self._leading or self._stopped.is_set():
            return
        self.last_result = scan(self.runtime)
        self.scans += 1

    def _digest_job(self) -> None:
        from tracker.digest import send_digests

        self._ensure_leader()
        if not self._leading or self._stopped.is_set():
            return
        send_digests(self.runtime, today=self.runtime.app.today())

    def shutdown(self, wait: bool = True) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
        self.leader.release()
        self._leading = False


def start_background_scheduler(
    runtime: Runtime, *, leader_retry_seconds: float = DEFAULT_LEADER_RETRY_SECONDS
) -> SchedulerService:
    """Start the scheduler in this process (`tracker serve`, `tracker worker`, `tracker
    scheduler`). Call .shutdown() to stop."""
    return SchedulerService(runtime, leader_retry_seconds=leader_retry_seconds).start()
