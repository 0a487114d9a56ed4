"""The daily deadline digest: per unit, every open clock that is overdue, due today or due
within the warning window, so that nobody learns about a deadline the day after it, and
every measure whose effect is to be judged by today (its number, never its text).

Mailed through the notifications' outbox when TRACKER_SMTP_HOST is set (one mail per
recipient, once a day), otherwise written to the log. Recipients of a
unit: the address in TRACKER_DIGEST_RECIPIENTS for it, and every active user with an e-mail
address who belongs to the unit and has not turned the digest off on "Mina inställningar".
The mail names cases by number only (no case reference, no names): e-mail is a weaker
channel than the tracker itself.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from events.clocks import BAND_ORDER, days_text
from projections.queries import deadline_board
from projections.queries.measures import follow_ups_due
from projections.runner import catch_up
from tracker.notifications.messages import Kind, Mail, Recipients
from tracker.notifications.outbox import FAILED, SENT, OutboxDelivery, queue_once
from tracker.runtime import Runtime
from tracker.storage.tables import notification_outbox as outbox

log = logging.getLogger(__name__)

BANDS = BAND_ORDER[:3]  # overdue, due today, soon: "later" is not news yet


@dataclass
class Digest:
    unit: str
    unit_name: str
    today: date
    rows: list[dict[str, Any]]
    recipients: list[str] = field(default_factory=list)
    usernames: dict[str, str] = field(default_factory=dict)  # address -> user ("" for a unit's)
    delivered: str = ""  # "smtp" | "queued" (server down: retried) | "failed" | "log"
    # Measures whose effect is to be judged by today (projections.queries.measures).
    follow_ups: list[dict[str, Any]] = field(default_factory=list)

    @property
    def subject(self) -> str:
        overdue = sum(1 for row in self.rows if row["band"] == "overdue")
        follow_ups = (
            f", {len(self.follow_ups)} "
            f"{'uppföljning' if len(self.follow_ups) == 1 else 'uppföljningar'} av åtgärder"
            if self.follow_ups else ""
        )
        return (
            f"Bevakning {self.unit_name} {self.today.isoformat()}: "
            f"{len(self.rows)} tidsfrister, varav {overdue} försenade{follow_ups}"
        )

    def body(self, warning_days: int) -> str:
        headings = {
            "overdue": "Försenade",
            "due_today": "Ska vara klara i dag",
            "soon": f"Ska vara klara inom {warning_days} dagar",
        }
        lines = [
            f"Daglig bevakning för {self.unit_name} ({self.unit}), {self.today.isoformat()}.",
            "",
        ]
        for band in BANDS:
            rows = [row for row in self.rows if row["band"] == band]
            if not rows:
                continue
            lines.append(f"{headings[band]} ({len(rows)}):")
            for row in rows:
                lines.append(
                    f"  {row['number']}  {row['label'].lower()}"
                    f"  senast {_iso(row['due'])} ({row['days_text']})"
                    f"  handläggare: {row.get('handler') or 'ej tilldelad'}"
                )
            lines.append("")
        if self.follow_ups:
            lines.append(f"Åtgärder att följa upp ({len(self.follow_ups)}):")
            for row in self.follow_ups:
                lines.append(
                    f"  {row['deviation_number']}  åtgärd {row['measure']}"
                    f"  följs upp senast {_iso(row['follow_up_on'])}"
                    f" ({days_text((row['follow_up_on'] - self.today).days)})"
                )
            lines.append("")
        lines.append("Öppna bevakningen i avvikelsetrackern för detaljer.")
        return "\n".join(lines) + "\n"


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def build_digests(runtime: Runtime, today: date) -> list[Digest]:
    """One digest per unit that has something overdue, due today or due soon."""
    settings = runtime.settings
    catch_up(runtime)  # a report received a moment ago belongs in today's digest
    rows = deadline_board(runtime.engine, today, warning_days=settings.warning_days)
    by_unit: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["band"] in BANDS:
            by_unit[row["unit"]].append(row)
    follow_ups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in follow_ups_due(runtime.engine, today):
        follow_ups[row["unit"]].append(row)
    names = {unit.code: unit.name for unit in runtime.organisation.units(include_inactive=True)}
    members: dict[str, dict[str, str]] = defaultdict(dict)  # unit -> address -> username
    people = Recipients(runtime.accounts)  # active, with an address, not opted out
    for account in people.accounts.values():
        if people.wants(account, Kind.DIGEST) and account.email:
            for code in account.units:
                members[code][account.email] = account.username
    digests = []
    for code in sorted(set(by_unit) | set(follow_ups)):
        usernames = dict(members[code])
        if settings.digest_recipients.get(code):
            usernames.setdefault(settings.digest_recipients[code], "")
        digests.append(Digest(
            code, names.get(code, code), today, by_unit[code], sorted(usernames), usernames,
            follow_ups=follow_ups[code],
        ))
    return digests


def send_digests(runtime: Runtime, *, today: date) -> list[Digest]:
    settings = runtime.settings
    digests = build_digests(runtime, today)
    mailable = [d for d in digests if d.recipients] if settings.smtp_host else []
    for digest in digests:
        if not any(digest is m for m in mailable):
            digest.delivered = "log"
            why = "no SMTP host" if not settings.smtp_host else "no recipient for the unit"
            log.info(
                "Deadline digest (%s):\nTo: %s\nSubject: %s\n\n%s",
                why, ", ".join(digest.recipients) or "-", digest.subject,
                digest.body(settings.warning_days),
            )
    if not mailable:
        return digests
    _mail_through_the_outbox(runtime, mailable)
    return digests


def _mail_through_the_outbox(runtime: Runtime, digests: list[Digest]) -> None:
    """One mail per recipient in the notifications' outbox, once per unit, day and address
    (a second run, a second process or a new leader queues nothing new), delivered now;
    while the server is down the scheduler's delivery job keeps trying, as for every
    notification, and the admin sees each one on Utskick."""
    keys: dict[str, list[str]] = {}
    mails = []
    for digest in digests:
        body = digest.body(runtime.settings.warning_days)
        for address in digest.recipients:
            hashed = hashlib.sha256(address.encode()).hexdigest()[:20]
            key = f"{Kind.DIGEST.value}:{digest.today.isoformat()}:{digest.unit}:{hashed}"
            keys.setdefault(digest.unit, []).append(key)
            mails.append(Mail(key, Kind.DIGEST, digest.usernames.get(address, ""), address,
                              digest.subject, body))
    delivery = OutboxDelivery(runtime.engine, runtime.settings)
    queue_once(runtime.engine, mails, delivery.clock())
    while (result := delivery.deliver()).sent and not result.server_down:
        pass
    with runtime.engine.connect() as connection:
        status = dict(connection.execute(
            sa.select(outbox.c.key, outbox.c.status)
            .where(outbox.c.key.in_([m.key for m in mails]))
        ).all())
    for digest in digests:
        states = {status.get(key) for key in keys[digest.unit]}
        digest.delivered = (
            "smtp" if states == {SENT} else "failed" if FAILED in states else "queued"
        )
        if digest.delivered != "smtp":
            log.warning("The digest for %s is %s (see Utskick)", digest.unit, digest.delivered)
