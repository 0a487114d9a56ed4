"""The notifier: a follower of the event log, like the views (projections/runner.py), that
turns events into e-mails in an outbox; the scheduler's jobs (tracker/scheduler.py) deliver
the outbox and queue the reminders, in its one leader.

Exactly once per event: the runner hands the notifier a batch of events, and the notifier's
position in the `tracking` table moves and the batch's outbox rows are inserted in one
transaction, only from the position the batch started at (the same claim as the views'). A
second process that read the same batch finds the position moved and rolls back; a crash
rolls back the whole batch; a restart resumes from the stored position. The first time it
runs, the notifier starts at the log's head: history from before it was switched on is not
mailed. It runs in a runner thread of its own (the `notifier` worker), never in a request's
catch_up and never in a rebuild, so no page view and no rebuild can make mail.

Delivery (tracker/notifications/outbox.py): rows are sent in the order they were made, by the
leader, each row claimed (pending -> sending) before it is handed to SMTP and marked sent right
after. When the server cannot be reached nothing is used up: the round stops and is tried
again with a growing pause, so mails go out, in order, once it is back. A message the
server refuses for now (4xx) is retried with back-off, up to TRACKER_NOTIFY_MAX_ATTEMPTS;
one it refuses for good (5xx), or that runs out of attempts, is marked failed and shown to
the admin. A row left "sending" by a process that died while talking to the server is
marked failed ("okänt om det kom fram") rather than sent again: never twice. Every message
carries a Message-ID made from its key.

Time-based kinds (a measure due soon or overdue, the IVO target approaching or passed) are
made by the reminder scan, a scheduler job (at takeover, every TRACKER_SCAN_INTERVAL_MINUTES
and at midnight), with one key per (kind, case, threshold), so each reminder exists once
however many scans or processes run.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from eventsourcing.utils import get_topic

from events.casework import CaseFile
from events.child_report import ChildReport
from events.clocks import LexSarahClock, band, ivo_clock
from events.complaint import Complaint, ContactWish
from events.deviation import Deviation, Source
from events.lex_sarah import LexSarahCase
from projections.queries.lex_sarah import lex_sarah_clocks
from projections.queries.todo import open_measures
from projections.recorder import TrackingConflict
from projections.runner import BatchRunner, Events, catch_up, running_worker
from projections.tables import tracking
from tracker.notifications.messages import Composer, Kind, Mail, Recipients
from tracker.notifications.outbox import (
    RETRY_BASE,
    SERVER_PAUSE_MIN,
    DeliveryJob,
    OutboxDelivery,
    outbox_row,
    queue_once,
)
from tracker.people.accounts import Role
from tracker.people.complaint_contacts import email_for
from tracker.runtime import Runtime
from tracker.storage.tables import notification_outbox as outbox

log = logging.getLogger(__name__)

NOTIFIER = "notifier"  # the notifier's row in the tracking table
BATCH_SIZE = 200

TOPICS = sorted(
    get_topic(cls)
    for cls in (
        Deviation.Reported,
        Deviation.FeedbackGiven,
        LexSarahCase.Opened,
        ChildReport.HandlerAssigned,
        CaseFile.QuestionAsked,
        CaseFile.Answered,
        Complaint.Answered,
    )
)


class Notifier(OutboxDelivery):
    """The notifier as a follower (name, topics, ensure_row, apply: projections/runner.py),
    plus the reminder scan and the outbox's delivery for the scheduler's jobs."""

    name = NOTIFIER
    topics: Sequence[str] = TOPICS
    description = (
        "turns deviations filed, feedback given, Lex Sarah cases opened, child-report "
        "handlers assigned, questions to reporters and their answers, and complaints "
        "answered (a notice to a sender who gave an address) into e-mail in the outbox"
    )

    def __init__(
        self,
        runtime: Runtime,
        *,
        batch_size: int = BATCH_SIZE,
        retry_base: timedelta = RETRY_BASE,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(runtime.engine, runtime.settings, retry_base=retry_base, clock=clock)
        self.runtime = runtime
        self.app = runtime.app
        self.batch_size = batch_size
        self._runner: BatchRunner | None = None

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

    def ensure_row(self) -> None:
        self.ensure_position()

    # --- events -> outbox ------------------------------------------------------------------

    def apply(self, events: Events, old: int, new: int, lock_timeout: float | None) -> None:
        """The follower's batch: the mails for the events past `old` are made first (reading
        accounts and aggregates), then the position moves `old` -> `new` and the mails go
        into the outbox in one transaction; TrackingConflict when another process moved it."""
        mails: list[Mail] = []
        # One read of the caches' generations for the batch, not one per lookup.
        with self.runtime.generations.pinned():
            composer = self._composer()
            recipients = Recipients(self.runtime.accounts)
            for event, position, topic in events:
                if position.notification_id > old and topic in TOPICS:
                    mails += self._mails_for(event, position.notification_id, composer,
                                             recipients)
        now = self.clock()
        with self.engine.begin() as connection:
            claimed = connection.execute(
                tracking.update()
                .where(self._where(), tracking.c.notification_id == old)
                .values(notification_id=new)
            )
            if claimed.rowcount != 1:
                raise TrackingConflict(f"{NOTIFIER}: position moved from {old} by another runner")
            if mails:
                connection.execute(outbox.insert(), [outbox_row(mail, now) for mail in mails])
        if mails:
            log.info("Notifier: %d e-mails queued from events %d-%d", len(mails), old + 1, new)

    def produce(self) -> int:
        """One batch, in this thread, through the runner (the `notifier` worker does this in
        a loop); returns the events read (at least 1 when the position moved, 0 when there
        was nothing new or another process took the batch)."""
        if self._runner is None:
            self._runner = BatchRunner(self.runtime, [], self.batch_size, followers=[self])
        old = self.ensure_position()
        result = self._runner.cycle()
        return max(result.notifications, 1) if result.position > old else 0

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
            target = ivo_clock(event.opened_on, self.settings.ivo_target_days, self.app.today(),
                               serious=None, sent_on=None)  # not judged yet: it runs
            assert target is not None
            assert target.due is not None
            assert target.days_left is not None
            return composer.lex_sarah_opened(
                f"{kind.value}:{position}",
                not_actor(recipients.with_role(Role.LEX_SARAH_ANSVARIG, kind)),
                case_id=event.originator_id, number=event.number,
                deviation_number=event.deviation_number, unit=event.unit, target=target.due,
                days_left=target.days_left,
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
        if isinstance(event, CaseFile.QuestionAsked | CaseFile.Answered):
            return self._case_file_mails(event, position, composer, recipients, not_actor)
        if isinstance(event, Complaint.Answered):
            complaint: Complaint = self.app.repository.get(
                event.originator_id, version=event.originator_version
            )
            if (complaint.contact_wish is not ContactWish.EMAIL
                    or email_for(self.engine, complaint.id) is None):
                return []
            return [composer.complaint_answered(
                f"{Kind.COMPLAINT_ANSWERED.value}:{position}", complaint.id,
                number=complaint.number,
            )]
        return []

    def _case_file_mails(
        self, event: Any, position: int, composer: Composer, recipients: Recipients,
        not_actor: Callable[[Sequence[Any]], list[Any]],
    ) -> list[Mail]:
        case_file: CaseFile = self.app.repository.get(
            event.originator_id, version=event.originator_version
        )
        facts = self.app.case_facts(case_file.kind, case_file.case_id)
        if isinstance(event, CaseFile.QuestionAsked):
            kind = Kind.QUESTION_ASKED
            return composer.question_asked(
                f"{kind.value}:{position}", not_actor(recipients.person(case_file.reporter, kind)),
                reporter_case_id=case_file.reporter_case_id or case_file.case_id,
                number=case_file.number, unit=facts.unit,
            )
        kind = Kind.ANSWER_GIVEN
        asked = [author for what, author, _ in case_file.messages[:-1] if what == "question"]
        return composer.answer_given(
            f"{kind.value}:{position}",
            not_actor(recipients.person(asked[-1] if asked else None, kind)),
            kind=case_file.kind, case_id=case_file.case_id, number=case_file.number,
            unit=facts.unit, opens=lambda account: True,  # they asked on its page
        )

    # --- time-based reminders ----------------------------------------------------------------

    def scan_reminders(self, today: date | None = None) -> int:
        """Queue the reminders due today (each key once, ever); returns how many were new."""
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
        # The IVO target as Bevakning and Att göra read it (events.clocks.ivo_clock).
        for case, readings in lex_sarah_clocks(
            self.engine, today, ivo_target_days=self.settings.ivo_target_days
        ):
            for target in readings:
                if target.clock != LexSarahClock.IVO or target.days_left is None:
                    continue
                if band(target.days_left, warning) == "later":
                    continue
                assert target.due is not None
                kind = Kind.IVO_DEADLINE
                mails += composer.ivo_deadline(
                    f"{kind.value}:{case['id']}:{'overdue' if target.breached else 'soon'}",
                    recipients.with_role(Role.LEX_SARAH_ANSVARIG, kind),
                    case_id=case["id"], number=case["number"], unit=case["unit"],
                    target=target.due, days_left=target.days_left,
                )
        return self.queue_once(mails)

    def queue_once(self, mails: Sequence[Mail]) -> int:
        """Put these in the outbox unless their key is there already; returns how many
        were new."""
        return queue_once(self.engine, mails, self.clock())


# --- for tests and tools ---------------------------------------------------------------------


@contextlib.contextmanager
def running_notifier(
    runtime: Runtime, *, poll_seconds: float = 1.0, server_pause_min: float = SERVER_PAUSE_MIN
) -> Iterator[threading.Event]:
    """For the duration of a with-block (tests and tools): the notifier's follower in a
    runner thread, and its delivery every `poll_seconds` in another, as the `notifier`
    worker and the scheduler's delivery job do it in a served tracker (without the leader
    lock: this process is taken to be the only one)."""
    notifier = Notifier(runtime)
    delivery = DeliveryJob(notifier, server_pause_min=server_pause_min)
    stop = threading.Event()

    def deliver() -> None:
        while not stop.wait(poll_seconds):
            try:
                delivery()
            except Exception:
                log.exception("delivery failed; retrying")

    with running_worker(runtime, views=[], followers=[notifier]):
        thread = threading.Thread(target=deliver, name="delivery", daemon=True)
        thread.start()
        try:
            yield stop
        finally:
            stop.set()
            thread.join(10)
