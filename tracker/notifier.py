"""The notifier: follows the event log like the projections do and turns events into
e-mails in an outbox, then delivers the outbox over SMTP.

Exactly once per event: a batch of events becomes outbox rows, and the notifier's position
in the `tracking` table moves, in one transaction, and only from the position the batch
started at (the same claim as projections/recorder.py). A second process that read the same
batch finds the position moved and rolls back; a crash rolls back the whole batch; a
restart resumes from the stored position. The first time it runs, the notifier starts at
the log's head: history from before it was switched on is not mailed.

Delivery: rows are sent in the order they were made, by one process at a time (a leader
lock named "notifier"), each row claimed (pending -> sending) before it is handed to SMTP
and marked sent right after. When the server cannot be reached nothing is used up: the
round stops and is tried again with a growing pause, so mails go out, in order, once it is
back. A message the server refuses for now (4xx) is retried with back-off, up to
TRACKER_NOTIFY_MAX_ATTEMPTS; one it refuses for good (5xx), or that runs out of attempts,
is marked failed and shown to the admin. A row left "sending" by a process that died while
talking to the server is marked failed ("okänt om det kom fram") rather than sent again:
never twice. Every message carries a Message-ID made from its key.

Time-based kinds (a measure due soon or overdue, the IVO target approaching or passed) are
made by a scan, at start and every TRACKER_SCAN_INTERVAL_MINUTES, with one key per (kind,
case, threshold), so each reminder exists once however many scans or processes run.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from eventsourcing.utils import get_topic

from events.child_report import ChildReport
from events.deviation import Deviation, Source
from events.lex_sarah import LexSarahCase
from projections.tables import tracking
from tracker.accounts import Role
from tracker.leader import LeaderLock, leader_lock
from tracker.notifications import Composer, Kind, Mail, Recipients
from tracker.outbox import (
    RETRY_BASE,
    OutboxDelivery,
    outbox_row,
)
from tracker.runtime import Runtime
from tracker.tables import notification_outbox as outbox

log = logging.getLogger(__name__)

NOTIFIER = "notifier"  # the notifier's row in the tracking table
BATCH_SIZE = 200
SERVER_PAUSE_MIN = 1.0  # seconds between tries while the server is down: 1, 2, 4 ... 300
SERVER_PAUSE_MAX = 300.0
POLL_SECONDS = 1.0  # how often an idle notifier looks for new events
GATHER_SECONDS = 0.25  # the pause after a batch that caught up with the log

TOPICS = sorted(
    get_topic(cls)
    for cls in (
        Deviation.Reported,
        Deviation.FeedbackGiven,
        LexSarahCase.Opened,
        ChildReport.HandlerAssigned,
    )
)


class _Moved(Exception):
    """Another process moved the notifier's position first; this batch is rolled back."""


class Notifier(OutboxDelivery):
    def __init__(
        self,
        runtime: Runtime,
        *,
        batch_size: int = BATCH_SIZE,
        retry_base: timedelta = RETRY_BASE,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.engine = runtime.engine
        self.app = runtime.app
        self.batch_size = batch_size
        self.retry_base = retry_base
        self.clock = clock or (lambda: datetime.now(UTC))
        self._stale_checked: datetime | None = None

    # --- position --------------------------------------------------------------------------

    def _where(self) -> sa.ColumnElement[bool]:
        return sa.and_(
            tracking.c.projection_name == NOTIFIER,
            tracking.c.application_name == self.app.name,
        )

    def position(self) -> int | None:
        with self.engine.connect() as connection:
            return connection.execute(sa.select(tracking.c.notification_id).where(self._where()))\
                .scalar()

    def ensure_position(self) -> int:
        """The stored position; the first time, the log's head (nothing old is mailed)."""
        found = self.position()
        if found is not None:
            return found
        head = self.app.recorder.max_notification_id() or 0
        # Another process may make it first: then its row stands.
        with contextlib.suppress(sa.exc.IntegrityError), self.engine.begin() as connection:
            connection.execute(
                tracking.insert().values(
                    projection_name=NOTIFIER, application_name=self.app.name,
                    notification_id=head,
                )
            )
        return self.position() or 0

    # --- events -> outbox ------------------------------------------------------------------

    def produce(self) -> int:
        """Turn the next batch of events into outbox rows; returns the events read (0 when
        there was nothing new or another process took the batch)."""
        old = self.ensure_position()
        head = self.app.recorder.max_notification_id() or 0
        if old >= head:
            return 0
        notifications = self.app.recorder.select_notifications(
            start=old, limit=self.batch_size, stop=head, topics=TOPICS, inclusive_of_start=False
        )
        # A short batch means nothing we need lies between its last event and the head.
        end = head if len(notifications) < self.batch_size else notifications[-1].id
        mails: list[Mail] = []
        # One read of the caches' generations for the batch, not one per lookup.
        with self.runtime.generations.pinned():
            composer = self._composer()
            recipients = Recipients(self.runtime.accounts)
            for notification in notifications:
                event = self.app.mapper.to_domain_event(notification)
                mails += self._mails_for(event, notification.id, composer, recipients)
        now = self.clock()
        try:
            with self.engine.begin() as connection:
                claimed = connection.execute(
                    tracking.update()
                    .where(self._where(), tracking.c.notification_id == old)
                    .values(notification_id=end)
                )
                if claimed.rowcount != 1:
                    raise _Moved
                if mails:
                    connection.execute(outbox.insert(), [outbox_row(mail, now) for mail in mails])
        except _Moved:
            return 0
        if mails:
            log.info("Notifier: %d e-mails queued from events %d-%d", len(mails), old + 1, end)
        return max(len(notifications), 1)

    def produce_all(self) -> int:
        total = 0
        while produced := self.produce():
            total += produced
        return total

    def _composer(self) -> Composer:
        names = {u.code: u.name for u in self.runtime.organisation.units(include_inactive=True)}
        return Composer(self.settings, names)

    def _category_name(self, code: str) -> str:
        found = self.runtime.organisation.taxonomy().categories.get(code)
        return found.name if found is not None else code

    def _mails_for(
        self, event: Any, position: int, composer: Composer, recipients: Recipients
    ) -> list[Mail]:
        actor = getattr(event, "actor", None)

        def not_actor(accounts: Sequence[Any]) -> list[Any]:
            return [a for a in accounts if a.username != actor]  # nobody hears of own action

        if isinstance(event, Deviation.Reported):
            if Source(event.source) is Source.IMPORT:
                return []  # history from an earlier spreadsheet, not news for anyone
            kind = Kind.DEVIATION_FILED
            chiefs = recipients.with_role(Role.ENHETSCHEF, kind, unit=event.unit)
            if self.settings.notify_developers:
                chiefs += recipients.with_role(Role.VERKSAMHETSUTVECKLARE, kind)
            return composer.deviation_filed(
                f"{kind.value}:{position}", not_actor(chiefs),
                deviation_id=event.originator_id, number=event.number, unit=event.unit,
                category=self._category_name(event.category), reported_on=event.reported_on,
            )
        if isinstance(event, Deviation.FeedbackGiven):
            kind = Kind.FEEDBACK_GIVEN
            deviation: Deviation = self.app.repository.get(
                event.originator_id, version=event.originator_version
            )
            return composer.feedback_given(
                f"{kind.value}:{position}", not_actor(recipients.person(deviation.reporter, kind)),
                deviation_id=deviation.id, number=deviation.number, unit=deviation.unit,
            )
        if isinstance(event, LexSarahCase.Opened):
            kind = Kind.LEX_SARAH_OPENED
            target = event.opened_on + timedelta(days=self.settings.ivo_target_days)
            return composer.lex_sarah_opened(
                f"{kind.value}:{position}",
                not_actor(recipients.with_role(Role.LEX_SARAH_ANSVARIG, kind)),
                case_id=event.originator_id, number=event.number,
                deviation_number=event.deviation_number, unit=event.unit, target=target,
                days_left=(target - self.app.today()).days,
            )
        if isinstance(event, ChildReport.HandlerAssigned):
            kind = Kind.CHILD_REPORT_ASSIGNED
            report: ChildReport = self.app.repository.get(
                event.originator_id, version=event.originator_version
            )
            days_left = (report.deadline - self.app.today()).days

            def assigned(suffix: str, username: str | None, yours: bool) -> list[Mail]:
                return composer.child_report_assigned(
                    f"{kind.value}:{position}:{suffix}",
                    not_actor(recipients.person(username, kind)), report_id=report.id,
                    number=report.number, unit=report.unit, deadline=report.deadline,
                    days_left=days_left, yours=yours,
                )

            mails = assigned("new", event.handler, True)
            if event.previous_handler:
                mails += assigned("previous", event.previous_handler, False)
            return mails
        return []

    # --- time-based reminders ----------------------------------------------------------------

    def scan_reminders(self, today: date | None = None) -> int:
        """Queue the reminders due today (each key once, ever); returns how many were new."""
        from projections.queries.todo import ivo_target, open_lex_sarah_cases, open_measures
        from projections.runner import catch_up

        if not catch_up(self.runtime, timeout=30.0):
            log.warning("The to-do view is not fully caught up; scanning what it has.")
        today = today or self.app.today()
        warning = self.settings.warning_days
        composer = self._composer()
        recipients = Recipients(self.runtime.accounts)
        mails: list[Mail] = []
        for measure in open_measures(self.engine, due_by=today + timedelta(days=warning)):
            left = (measure["due_on"] - today).days
            kind = Kind.MEASURE_DUE
            mails += composer.measure_due(
                f"{kind.value}:{measure['deviation_id']}:{measure['measure']}:"
                f"{'overdue' if left < 0 else 'soon'}",
                recipients.person(measure["responsible"], kind),
                deviation_id=measure["deviation_id"], number=measure["deviation_number"],
                measure=measure["measure"], unit=measure["unit"], due_on=measure["due_on"],
                days_left=left,
            )
        for case in open_lex_sarah_cases(self.engine):
            target = ivo_target(case, self.settings.ivo_target_days)
            if target is None or (target - today).days > warning:
                continue
            left = (target - today).days
            kind = Kind.IVO_DEADLINE
            mails += composer.ivo_deadline(
                f"{kind.value}:{case['id']}:{'overdue' if left < 0 else 'soon'}",
                recipients.with_role(Role.LEX_SARAH_ANSVARIG, kind),
                case_id=case["id"], number=case["number"], unit=case["unit"], target=target,
                days_left=left,
            )
        return self.queue_once(mails)

    def queue_once(self, mails: Sequence[Mail]) -> int:
        """Put these in the outbox unless their key is there already (the reminders, the
        daily digest); returns how many were new."""
        if not mails:
            return 0
        with self.engine.connect() as connection:
            existing = set(
                connection.execute(
                    sa.select(outbox.c.key).where(outbox.c.key.in_([m.key for m in mails]))
                ).scalars()
            )
        added = 0
        now = self.clock()
        for mail in mails:
            if mail.key in existing:
                continue
            try:
                with self.engine.begin() as connection:
                    connection.execute(outbox.insert().values(**outbox_row(mail, now)))
                added += 1
            except sa.exc.IntegrityError:
                pass  # another scan queued it a moment ago
        if added:
            log.info("Notifier: %d reminders queued", added)
        return added

# --- running it ------------------------------------------------------------------------------


def run_notifier(
    runtime: Runtime,
    stop: threading.Event,
    *,
    poll_seconds: float = POLL_SECONDS,
    server_pause_min: float = SERVER_PAUSE_MIN,
    leader: LeaderLock | None = None,
    notifier: Notifier | None = None,
) -> None:
    """Follow the log, scan for reminders and deliver until `stop` is set. Every process
    may produce (the position claim keeps it exactly once); only the leader delivers and
    scans. Errors are logged and retried, so the thread never dies quietly."""
    notifier = notifier or Notifier(runtime)
    lock = leader or leader_lock(runtime.settings, NOTIFIER)
    scan_every = runtime.settings.scan_interval_minutes * 60.0
    next_scan = 0.0
    scanned_day: date | None = None
    pause = server_pause_min
    next_delivery = 0.0
    try:
        while not stop.is_set():
            busy = gather = False
            try:
                produced = notifier.produce()
                busy = produced > 0
                gather = 0 < produced < notifier.batch_size
                if lock.try_acquire():
                    today = runtime.app.today()
                    if time.monotonic() >= next_scan or today != scanned_day:
                        notifier.scan_reminders(today)
                        next_scan, scanned_day = time.monotonic() + scan_every, today
                    if time.monotonic() >= next_delivery:
                        result = notifier.deliver()
                        if result.server_down:
                            log.warning("SMTP server unreachable; next try in %.0f s", pause)
                            next_delivery = time.monotonic() + pause
                            pause = min(pause * 2, SERVER_PAUSE_MAX)
                        else:
                            pause = server_pause_min
                            busy = busy or bool(result.sent or result.retried or result.failed)
            except Exception:
                log.exception("notifier cycle failed; retrying")
                stop.wait(1.0)
                continue
            if not busy:
                stop.wait(poll_seconds)
            elif gather:
                # Caught up with the log: let the next events gather into one batch (one
                # transaction) instead of one per filing under a filing load.
                stop.wait(GATHER_SECONDS)
    finally:
        lock.release()


class EmbeddedNotifier:
    """The notifier as a thread on the process's Runtime (`tracker serve`, `tracker worker`)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> EmbeddedNotifier:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(
                target=run_notifier, args=(self.runtime, self._stop), name="notifier",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


@contextlib.contextmanager
def running_notifier(runtime: Runtime, **options: Any) -> Iterator[threading.Event]:
    """A notifier thread for the duration of a with-block (tests and tools)."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_notifier, args=(runtime, stop), kwargs=options, daemon=True
    )
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(10)
