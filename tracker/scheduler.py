"""The scheduler: everything that runs on a timer, in one leader across processes (JOBS), and
the deadline scan, which notices the child-report clocks people miss and files the
deviation for each breach, exactly once.

`scan` takes its candidates from the indexed deadlines view and checks each against its
aggregate before acting (the view may lag or be rebuilt; the aggregate is the truth). The
application records a breach and files its deviation in one atomic save under a fixed
deviation id, so a second scan, a second process or a restart can never file twice.

`SchedulerService` runs JOBS - the deadline scan, the reminder scan, the outbox's delivery
and the daily digest - on an APScheduler BackgroundScheduler, in whichever process holds the
leader lock (tracker/storage/leader.py). Every process runs the same list, so whichever leads does
all of it. What follows the event log instead (the views, the notifier) is the runner's
(projections/runner.py), in every worker process, each event once.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from uuid import UUID

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from events.clocks import STOCKHOLM, Clock, local_date
from events.errors import DomainError
from projections.queries import deadline_board, overdue_candidates
from projections.runner import catch_up
from tracker.application import ConflictError, NotFound
from tracker.config import Settings
from tracker.notifications.digest import send_digests
from tracker.notifications.follower import Notifier
from tracker.notifications.outbox import DeliveryJob, OutboxDelivery
from tracker.operations import health
from tracker.operations.chain_head import write_chain_head
from tracker.retention.apply import ApplyResult, apply_plan
from tracker.runtime import Runtime
from tracker.storage.leader import LeaderLock, leader_lock

log = logging.getLogger(__name__)

DIGEST_AT = time(7, 0)  # Stockholm time: before the working day starts
CHAIN_HEAD_AT = time(6, 30)  # Stockholm time: the chain's head written out once a day
RETENTION_AT = time(3, 0)  # Stockholm time: gallring, while nobody works
DEFAULT_LEADER_RETRY_SECONDS = 30.0
DELIVERY_SECONDS = 1.0  # how soon a queued e-mail goes out


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
    rows = deadline_board(runtime.engine, today, warning_days=runtime.settings.warning_days)
    return [
        (UUID(str(row["report_id"])), Clock.SKYDDSBEDOMNING)
        for row in rows
        if row["clock"] is Clock.SKYDDSBEDOMNING and row["band"] == "overdue"
    ]


def scan(runtime: Runtime, *, now: datetime | None = None) -> ScanResult:
    """Flag every breached deadline as of `now` (default: the application's clock)."""
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


# --- the jobs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """A timed job: run in the leader only, when its trigger (from the settings) fires."""

    id: str
    description: str  # one line, for `tracker worker --list`
    trigger: Callable[[Settings], BaseTrigger]
    make: Callable[[Runtime], Callable[[], Any]]  # the function the job calls, on a runtime
    at_takeover: bool = False  # also run at once when this process becomes the leader
    overlaps: bool = False  # it may be due again while running (it returns at once then)


def _every_scan_interval(settings: Settings) -> BaseTrigger:
    return IntervalTrigger(minutes=settings.scan_interval_minutes, timezone=STOCKHOLM)


def _retention(runtime: Runtime) -> Callable[[], Any]:
    def run() -> ApplyResult | None:
        if not runtime.settings.retention_enabled:
            return None
        return apply_plan(runtime, actor="scheduler")

    return run


def _digest(runtime: Runtime) -> Callable[[], Any]:
    return lambda: send_digests(runtime, today=runtime.app.today())


JOBS: tuple[Job, ...] = (
    Job(
        "scan", "files one deviation for each missed child-report deadline",
        _every_scan_interval, lambda runtime: functools.partial(scan, runtime), at_takeover=True,
    ),
    Job(
        "reminders",
        "queues the reminder e-mails due today (measures due, IVO target near or passed)",
        lambda settings: OrTrigger([
            _every_scan_interval(settings), CronTrigger(hour=0, minute=0, timezone=STOCKHOLM),
        ]),
        lambda runtime: Notifier(runtime).scan_reminders, at_takeover=True,
    ),
    Job(
        "delivery", "sends the e-mail outbox over SMTP, oldest first (logs it without a host)",
        lambda _: IntervalTrigger(seconds=DELIVERY_SECONDS, timezone=STOCKHOLM),
        lambda runtime: DeliveryJob(OutboxDelivery(runtime.engine, runtime.settings)),
        overlaps=True,
    ),
    Job(
        "digest", "queues and sends each unit's deadline digest",
        lambda _: CronTrigger(
            hour=DIGEST_AT.hour, minute=DIGEST_AT.minute, timezone=STOCKHOLM
        ),
        _digest,
    ),
    Job(
        "chain-head",
        "verifies the event log's hash chain and writes its head to TRACKER_CHAIN_HEAD_FILE "
        "and the log",
        lambda _: CronTrigger(
            hour=CHAIN_HEAD_AT.hour, minute=CHAIN_HEAD_AT.minute, timezone=STOCKHOLM
        ),
        lambda runtime: functools.partial(write_chain_head, runtime),
    ),
    Job(
        "retention",
        "gallrar what the retention rules make due (tracker retention apply) when "
        "TRACKER_RETENTION_ENABLED is on; off, it does nothing",
        lambda _: CronTrigger(
            hour=RETENTION_AT.hour, minute=RETENTION_AT.minute, timezone=STOCKHOLM
        ),
        _retention,
    ),
)


def describe_trigger(trigger: BaseTrigger) -> str:
    """When a trigger fires, in a few words: "every 60 min", "daily 07:00"."""
    if isinstance(trigger, IntervalTrigger):
        interval: timedelta = trigger.interval
        seconds = int(interval.total_seconds())
        return f"every {seconds // 60} min" if seconds % 60 == 0 else f"every {seconds} s"
    if isinstance(trigger, CronTrigger):
        fields = {f.name: str(f) for f in trigger.fields}
        return f"daily {int(fields['hour']):02d}:{int(fields['minute']):02d}"
    if isinstance(trigger, OrTrigger):
        return " and ".join(describe_trigger(t) for t in trigger.triggers)
    return str(trigger)


class SchedulerService:
    """The timed jobs (JOBS) on a BackgroundScheduler; only the leader runs them.

    A leadership job tries the lock every `leader_retry_seconds`: a follower takes over
    when the leader dies, and runs the takeover jobs (the scans) at once when it does (as
    it does at start). It works on the process's runtime and leaves it open when it stops."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        leader_retry_seconds: float = DEFAULT_LEADER_RETRY_SECONDS,
        jobs: Sequence[Job] = JOBS,
    ) -> None:
        self.settings = runtime.settings
        self.leader_retry_seconds = leader_retry_seconds
        self.runtime = runtime
        self.jobs = list(jobs)
        self.leader: LeaderLock = leader_lock(runtime.settings)
        self.scheduler = BackgroundScheduler(
            timezone=STOCKHOLM,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        )
        # APScheduler logs every run at INFO: once a second for the delivery job.
        logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
        self.runs: Counter[str] = Counter()  # runs per job id, in this process
        self.results: dict[str, Any] = {}  # each job's last result
        self._leading = False
        self._stopped = threading.Event()
        self._leadership_mutex = threading.Lock()

    @property
    def is_leader(self) -> bool:
        return self._leading

    @property
    def scans(self) -> int:
        return self.runs["scan"]

    @property
    def last_result(self) -> ScanResult | None:
        result: ScanResult | None = self.results.get("scan")
        return result

    def start(self) -> SchedulerService:
        self.scheduler.add_job(
            self._check_leadership, "interval", seconds=self.leader_retry_seconds,
            id="leadership", next_run_time=datetime.now(UTC),
        )
        for job in self.jobs:
            # A takeover job's first run is started by becoming leader, not by its trigger.
            self.scheduler.add_job(
                self._run, job.trigger(self.settings), args=(job.id, job.make(self.runtime)),
                id=job.id, max_instances=2 if job.overlaps else 1,
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
        # Under the mutex that shutdown() takes before it stops APScheduler: its shutdown
        # holds the job store's lock while it waits for the running jobs, so a modify_job
        # after it began would wait forever.
        with self._leadership_mutex:
            if self._stopped.is_set():
                return
            if self._ensure_leader_locked():
                # At start and on takeover: the old leader may have died mid-interval.
                now = datetime.now(UTC)
                for job in self.jobs:
                    if job.at_takeover:
                        self.scheduler.modify_job(job.id, next_run_time=now)

    def _run(self, job_id: str, function: Callable[[], Any]) -> None:
        # Only the leadership job makes a follower the leader; a job confirms the lead
        # first (a leader whose lock connection broke has lost it).
        if not self._leading or self._stopped.is_set():
            return
        self._ensure_leader()
        if not self._leading or self._stopped.is_set():
            return
        result = self.results[job_id] = function()
        self.runs[job_id] += 1
        flagged = result.count if isinstance(result, ScanResult) else 0
        health.SCHEDULER.ran(job_id, flagged)

    def shutdown(self, wait: bool = True) -> None:
        with self._leadership_mutex:
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
