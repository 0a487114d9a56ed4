"""The e-mail outbox and its delivery over SMTP: rows are sent oldest first, each claimed
(pending -> sending) before it is handed to the server and marked sent right after; see
tracker/notifications/follower.py for how rows get here and the guarantees as a whole. Delivery is a
job of the scheduler (tracker/scheduler.py), so only its leader sends."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import smtplib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from tracker.config import Settings
from tracker.notifications.messages import COMPLAINT_SENDER, Mail
from tracker.people.complaint_contacts import email_for
from tracker.storage.tables import notification_outbox as outbox

log = logging.getLogger(__name__)

DELIVERY_BATCH = 50
DELIVERY_ROUNDS = 20  # full batches one delivery job sends before it lets others run
SERVER_PAUSE_MIN = 1.0  # seconds between tries while the server is down: 1, 2, 4 ... 300
SERVER_PAUSE_MAX = 300.0
RETRY_BASE = timedelta(seconds=60)  # a refused message: 1, 2, 4 ... minutes
RETRY_MAX = timedelta(hours=2)
STALE_SENDING = timedelta(minutes=10)

PENDING, SENDING, SENT, FAILED, LOGGED = "pending", "sending", "sent", "failed", "logged"


def _utc(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


@dataclass
class Delivery:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    logged: int = 0
    server_down: bool = False
    errors: list[str] = field(default_factory=list)


SMTP_POLICY = SMTP.clone(max_line_length=998)  # RFC 5322's limit


def open_smtp(settings: Settings) -> smtplib.SMTP:
    """A connection to TRACKER_SMTP_HOST, for the notifications and the digest alike:
    STARTTLS and login first when TRACKER_SMTP_USER is set."""
    assert settings.smtp_host is not None
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
    try:
        if settings.smtp_user:
            smtp.starttls()
            smtp.login(settings.smtp_user, settings.smtp_password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


class OutboxDelivery:
    """Delivery of the outbox: the delivery job's, the digest's and the Notifier's."""

    def __init__(
        self,
        engine: sa.Engine,
        settings: Settings,
        *,
        retry_base: timedelta = RETRY_BASE,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.retry_base = retry_base
        self.clock = clock or (lambda: datetime.now(UTC))
        self._stale_checked: datetime | None = None

    def deliver(self, *, limit: int = DELIVERY_BATCH) -> Delivery:
        """Send what is due, oldest first. Call from one process at a time (the worker
        holds the leader lock); each row is claimed anyway."""
        now = self.clock()
        result = Delivery()
        # A write, so not on every poll: a stale claim is minutes old anyway.
        if self._stale_checked is None or now - self._stale_checked >= timedelta(minutes=1):
            self._fail_stale(now)
            self._stale_checked = now
        with self.engine.connect() as connection:
            due = connection.execute(
                sa.select(outbox)
                .where(outbox.c.status == PENDING, outbox.c.next_attempt_at <= now)
                .order_by(outbox.c.id)
                .limit(limit)
            ).mappings().all()
        if not due:
            return result
        if not self.settings.smtp_host:
            for row in due:
                if self._claim(row["id"], now):
                    log.info("E-mail (no SMTP host set):\nTo: %s\nSubject: %s\n\n%s",
                             row["address"], row["subject"], row["body"])
                    self._finish(row["id"], LOGGED, now)
                    result.logged += 1
            return result
        try:
            smtp = self._connect()
        except (OSError, smtplib.SMTPException) as error:
            self._note_server_down([row["id"] for row in due], error)
            result.server_down = True
            result.errors.append(repr(error))
            return result
        try:
            for row in due:
                if not self._claim(row["id"], now):
                    continue
                to = self._recipient(row)
                if to is None:  # a sender's address removed since: nothing to send to
                    self._refused(row, 550, "adressen finns inte längre", now, result)
                    continue
                try:
                    smtp.send_message(
                        self._message(row, to), from_addr=self.settings.smtp_sender,
                        to_addrs=[to],
                    )
                except smtplib.SMTPRecipientsRefused as error:
                    replies = list(error.recipients.values()) or [(550, b"")]
                    code, reply = min(replies)
                    self._refused(row, code, _text(reply), now, result)
                except smtplib.SMTPServerDisconnected as error:
                    self._release(row["id"], repr(error))  # not the message's fault
                    result.server_down = True
                    result.errors.append(repr(error))
                    break
                except smtplib.SMTPResponseException as error:
                    self._refused(row, error.smtp_code, _text(error.smtp_error), now, result)
                except OSError as error:
                    self._release(row["id"], repr(error))
                    result.server_down = True
                    result.errors.append(repr(error))
                    break
                else:
                    self._finish(row["id"], SENT, self.clock())
                    result.sent += 1
        finally:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                smtp.quit()
        return result

    def _connect(self) -> smtplib.SMTP:
        return open_smtp(self.settings)

    def _recipient(self, row: Any) -> str | None:
        """The row's address; for a complaint's sender, looked up only now (the outbox holds
        "klagomal:<id>", so the sender's address is never in it in clear)."""
        address: str = row["address"]
        if address.startswith(COMPLAINT_SENDER):
            try:
                complaint_id = UUID(address.removeprefix(COMPLAINT_SENDER))
            except ValueError:
                return None
            return email_for(self.engine, complaint_id)
        return address

    def _message(self, row: Any, to: str | None = None) -> EmailMessage:
        message = EmailMessage(policy=SMTP_POLICY)
        sender = self.settings.smtp_sender
        domain = sender.rsplit("@", 1)[-1] if "@" in sender else "tracker.invalid"
        message["From"] = sender
        message["To"] = to or row["address"]
        message["Subject"] = row["subject"]
        message["Date"] = format_datetime(self.clock())
        digest = hashlib.sha256(row["key"].encode()).hexdigest()[:40]
        message["Message-ID"] = f"<{digest}@{domain}>"  # the same for a retry: receivers dedupe
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(row["body"])
        return message

    def _claim(self, row_id: int, now: datetime) -> bool:
        with self.engine.begin() as connection:
            return connection.execute(
                outbox.update()
                .where(outbox.c.id == row_id, outbox.c.status == PENDING)
                .values(status=SENDING, claimed_at=now, attempts=outbox.c.attempts + 1)
            ).rowcount == 1

    def _finish(self, row_id: int, status: str, at: datetime) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                outbox.update().where(outbox.c.id == row_id)
                .values(status=status, sent_at=at, last_error=None)
            )

    def _release(self, row_id: int, error: str) -> None:
        """Back to pending without using up an attempt: the server, not the message."""
        with self.engine.begin() as connection:
            connection.execute(
                outbox.update().where(outbox.c.id == row_id, outbox.c.status == SENDING)
                .values(status=PENDING, attempts=outbox.c.attempts - 1, last_error=error[:500])
            )

    def _refused(
        self, row: Any, code: int, error: str, now: datetime, result: Delivery
    ) -> None:
        attempts = int(row["attempts"]) + 1
        permanent = code >= 500 or attempts >= self.settings.notify_max_attempts
        # The server's own reply, as the admin reads it on Utskick: "550 5.1.1 Mailbox ...".
        values: dict[str, Any] = {"last_error": f"{code} {error}"[:500]}
        if permanent:
            values["status"] = FAILED
            result.failed += 1
            log.warning("E-mail %s to %s failed for good: %s", row["key"], row["address"], error)
        else:
            values["status"] = PENDING
            pause = min(self.retry_base * 2 ** (attempts - 1), RETRY_MAX)
            values["next_attempt_at"] = now + pause
            result.retried += 1
        with self.engine.begin() as connection:
            connection.execute(outbox.update().where(outbox.c.id == row["id"]).values(**values))

    def _note_server_down(self, row_ids: list[int], error: BaseException) -> None:
        text = f"E-postservern svarar inte: {error!r}"[:500]
        with self.engine.begin() as connection:
            connection.execute(
                outbox.update().where(outbox.c.id.in_(row_ids)).values(last_error=text)
            )

    def _fail_stale(self, now: datetime) -> None:
        """A row still "sending" long after its claim: the process died mid-send. It may
        have arrived, so it is not sent again; the admin sees it and may resend it."""
        with self.engine.begin() as connection:
            connection.execute(
                outbox.update()
                .where(outbox.c.status == SENDING, outbox.c.claimed_at < now - STALE_SENDING)
                .values(
                    status=FAILED,
                    last_error="Avbröts under sändningen; okänt om meddelandet kom fram.",
                )
            )


class DeliveryJob:
    """The scheduler's delivery job: each call sends what is due (up to DELIVERY_ROUNDS full
    batches). While the server cannot be reached, calls do nothing for a pause that grows
    1, 2, 4 ... 300 s from the last try, so the rows wait and go out, in order, once it is
    back. Overlapping calls (the job runs every second, a round may take longer) return
    at once."""

    def __init__(
        self, delivery: OutboxDelivery, *, server_pause_min: float = SERVER_PAUSE_MIN
    ) -> None:
        self.delivery = delivery
        self.server_pause_min = server_pause_min
        self._pause = server_pause_min
        self._next_try = 0.0
        self._running = threading.Lock()

    def __call__(self) -> None:
        if not self._running.acquire(blocking=False):
            return
        try:
            if time.monotonic() < self._next_try:
                return
            for _ in range(DELIVERY_ROUNDS):
                result = self.delivery.deliver()
                if result.server_down:
                    log.warning("SMTP server unreachable; next try in %.0f s", self._pause)
                    self._next_try = time.monotonic() + self._pause
                    self._pause = min(self._pause * 2, SERVER_PAUSE_MAX)
                    return
                self._pause = self.server_pause_min
                handled = result.sent + result.retried + result.failed + result.logged
                if handled < DELIVERY_BATCH:
                    return
        finally:
            self._running.release()


def queue_once(engine: sa.Engine, mails: Sequence[Mail], now: datetime) -> int:
    """Put these in the outbox unless their key is there already (the reminders, the daily
    digest); returns how many were new."""
    if not mails:
        return 0
    with engine.connect() as connection:
        existing = set(
            connection.execute(
                sa.select(outbox.c.key).where(outbox.c.key.in_([m.key for m in mails]))
            ).scalars()
        )
    added = 0
    for mail in mails:
        if mail.key in existing:
            continue
        try:
            with engine.begin() as connection:
                connection.execute(outbox.insert().values(**outbox_row(mail, now)))
            added += 1
        except sa.exc.IntegrityError:
            pass  # another scan queued it a moment ago
    if added:
        log.info("Outbox: %d e-mails queued", added)
    return added


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def outbox_row(mail: Mail, now: datetime) -> dict[str, Any]:
    return {
        "key": mail.key, "kind": mail.kind.value, "username": mail.username,
        "address": mail.address, "subject": mail.subject, "body": mail.body,
        "status": PENDING, "attempts": 0, "created_at": now, "next_attempt_at": now,
    }


# --- what the admin sees ---------------------------------------------------------------------


def recent_mail(
    engine: sa.Engine, *, status: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    query = sa.select(outbox).order_by(outbox.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(outbox.c.status == status)
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [
        dict(row) | {
            name: _utc(row[name]) for name in ("created_at", "next_attempt_at", "sent_at",
                                               "claimed_at")
        }
        for row in rows
    ]


def mail_counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(outbox.c.status, sa.func.count()).group_by(outbox.c.status)
        ).all()
    return {status: int(count) for status, count in rows}


def resend(engine: sa.Engine, row_id: int, now: datetime | None = None) -> bool:
    """Put a failed mail back in the queue (the admin's "Skicka igen")."""
    with engine.begin() as connection:
        return connection.execute(
            outbox.update()
            .where(outbox.c.id == row_id, outbox.c.status == FAILED)
            .values(status=PENDING, attempts=0, next_attempt_at=now or datetime.now(UTC))
        ).rowcount == 1
