"""A sender who gave an e-mail address gets a notice when answered: a link to the code page,
never the text, through the outbox, so a mail server that is down delays the notice and
nothing else. A sender without an address, or who asked for none, gets no mail."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from support import free_port

from events.complaint import Channel, ComplaintKind, ContactWish, SenderCategory
from tracker.config import Settings
from tracker.notifications.follower import Notifier
from tracker.notifications.outbox import recent_mail
from tracker.people.complaint_contacts import save_email
from tracker.runtime import Runtime, open_runtime
from tracker.storage.tables import notification_outbox

SECRET = "Min son fick inte sin medicin på kvällen"
ANSWER = "Vi har gått igenom rutinen för läkemedel"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Any]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def down_runtime(settings: Settings, port: int) -> Iterator[Runtime]:
    """The mail server configured but not answering yet (nothing listens on its port)."""
    runtime = open_runtime(dataclasses.replace(
        settings, smtp_host="127.0.0.1", smtp_port=port,
        base_url="https://avvikelser.kommun.example"))
    yield runtime
    runtime.close()


def answered(runtime: Runtime, wish: ContactWish, email: str | None) -> Any:
    app = runtime.app
    complaint, _ = app.receive_complaint(
        actor="avsandare", kind=ComplaintKind.COMPLAINT, unit="hvb-notgarden",
        sender=SenderCategory.RELATIVE, channel=Channel.E_SERVICE, text=SECRET,
        contact_wish=wish)
    if email:
        save_email(runtime.engine, complaint.id, email)
    app.route_complaint(complaint.id, actor="utvecklare", unit="hvb-notgarden",
                        category="genomforande")
    app.answer_complaint(complaint.id, actor="chef_hvb", text=ANSWER)
    return complaint


def test_the_notice_links_to_the_code_page_and_never_carries_the_text(
    down_runtime: Runtime, port: int,
) -> None:
    notifier = Notifier(down_runtime)
    notifier.ensure_position()
    complaint = answered(down_runtime, ContactWish.EMAIL, "anna@example.se")
    answered(down_runtime, ContactWish.CODE, None)
    answered(down_runtime, ContactWish.NONE, "bo@example.se")
    notifier.produce_all()
    delivery = notifier.deliver()
    assert delivery.sent == 0  # the server is down: the notice waits in the outbox
    with down_runtime.engine.connect() as connection:
        rows = connection.execute(sa.select(notification_outbox)).all()
    # The sender's address is not in the outbox: the complaint's id, looked up at delivery.
    assert [(row.address, row.status, row.subject) for row in rows] == [
        (f"klagomal:{complaint.id}", "pending", f"Svar på ditt ärende {complaint.number}")]
    body = rows[0].body
    assert "https://avvikelser.kommun.example/synpunkter/svar" in body
    for secret in (SECRET, ANSWER, "Notgården", "hvb-notgarden", "anna@example.se"):
        assert secret not in body
    assert recent_mail(down_runtime.engine)[0]["kind"] == "complaint_answered"
    # The server comes back: the notice goes to the address the sender gave.
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with down_runtime.engine.begin() as connection:
            connection.execute(notification_outbox.update().values(
                next_attempt_at=down_runtime.app.now()))
        assert notifier.deliver().sent == 1
    finally:
        controller.stop()
    [(recipients, message)] = inbox.messages
    assert recipients == ["anna@example.se"] and message["To"] == "anna@example.se"
    assert SECRET not in message.get_content() and ANSWER not in message.get_content()
