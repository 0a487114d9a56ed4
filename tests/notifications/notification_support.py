"""What the notification tests share: a real SMTP server (aiosmtpd) on loopback that records
what it receives (the users and their addresses are tests/support.py's). Import it as
`from notification_support import ...`."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from support import address, free_port

BASE_URL = "https://avvikelser.kommun.example"


class Inbox:
    """What the SMTP server received: (envelope recipients, parsed message), in order.
    `on_message` (optional) runs after each message is accepted."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()
        self.on_message: Callable[[int], None] | None = None
        self.refuse: dict[str, str] = {}  # address -> SMTP reply for RCPT

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
            count = len(self.messages)
        if self.on_message is not None:
            self.on_message(count)
        return "250 OK"

    def to(self, username: str) -> list[EmailMessage]:
        return [m for rcpts, m in self.messages if address(username) in rcpts]

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for _, m in self.messages]

    def bodies(self) -> list[str]:
        return [m.get_content() for _, m in self.messages]



class SmtpServer:
    def __init__(self, port: int | None = None, **options: Any) -> None:
        self.port = port or free_port()
        self.inbox = Inbox()
        self.options = options
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, **self.options
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

