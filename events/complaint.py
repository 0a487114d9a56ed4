"""Klagomål och synpunkter (SOSFS 2011:9 5 kap.): a complaint, a view or praise from a client,
a relative or anyone else, sent on the public page (anonymously if they wish) or registered
by staff when it came by phone, letter or visit. It is routed to a unit, investigated and
answered there, may open a deviation or lead to Lex Sarah, and is closed with an outcome.

The sender holds a receipt code (kvittokod) that reads the answers. The code is never
stored: the case's id is derived from a keyed hash of it (receipt_id), so the store alone
cannot test a code, and looking a code up is a fetch by id."""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
from datetime import date, timedelta
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.base import LONG_TEXT, check_not_before, check_not_future, check_text
from events.calendar import add_working_days
from events.errors import AlreadyRecorded, CaseClosed, StepOutOfOrder
from events.taxonomy import Operation

if TYPE_CHECKING:
    from events.base import EventFields


class ComplaintKind(enum.Enum):
    COMPLAINT = "klagomal"  # the operation did not reach the quality it should
    VIEW = "synpunkt"  # everything else: ideas, questions of quality
    PRAISE = "berom"


class SenderCategory(enum.Enum):
    CLIENT = "brukare"
    CHILD = "barn"  # barn eller ungdom
    RELATIVE = "anhorig"
    REPRESENTATIVE = "foretradare"  # god man, förvaltare, ombud
    STAFF = "personal"
    OTHER = "annan"


class Channel(enum.Enum):
    E_SERVICE = "e-tjanst"
    PHONE = "telefon"
    LETTER = "brev"
    VISIT = "besok"
    EMAIL = "e-post"


class ContactWish(enum.Enum):
    """How the sender wants the answer. Contact details themselves are not in the events
    (they are kept apart so they can be removed): only the wish."""

    NONE = "inget"  # no answer wanted
    CODE = "kod"  # reads it with the receipt code
    EMAIL = "e-post"  # a notice by e-mail (never the text), then the code
    PHONE = "telefon"
    LETTER = "brev"


class ComplaintStatus(enum.Enum):
    RECEIVED = "mottaget"  # not yet routed to a unit
    INVESTIGATING = "utreds"  # routed: the unit investigates
    ANSWERED = "besvarat"
    CLOSED = "avslutat"


class Outcome(enum.Enum):
    ACTED = "atgardat"  # changes made in the operation
    EXPLAINED = "forklarat"  # answered and explained; nothing to change
    DEVIATION = "avvikelse"  # handled further as a deviation
    LEX_SARAH = "lex-sarah"  # handled further as a Lex Sarah investigation
    REFERRED = "hanvisat"  # belongs to someone else (another authority, the IVO)
    NOT_INVESTIGATED = "ej-utrett"  # too little to go on (anonymous, no details)


# The sender reads answers with the code until this long after the case was closed; then
# the code answers like a wrong one.
RECEIPT_VALID_AFTER_CLOSING = timedelta(days=90)
# A sender's message or an answer: one screen of text.
MESSAGE_TEXT = LONG_TEXT
# The public actor written into events for what the sender themselves did.
SENDER_ACTOR = "avsandare"

# Crockford's base32 (no I, L, O, U): easy to read aloud and type on a phone.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_LENGTH = 20  # 100 bits
_RECEIPT_GROUP = 4
_RECEIPT_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_RECEIPT_SEPARATORS = re.compile(r"[\s\-–—.]+")


def new_receipt_code() -> str:
    """A fresh code, grouped for reading: 7K2M-Q9XD-…"""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return "-".join(raw[i:i + _RECEIPT_GROUP] for i in range(0, RECEIPT_LENGTH, _RECEIPT_GROUP))


def normalise_receipt_code(typed: str) -> str | None:
    """The code as issued, from what a person typed (any case, spaces or dashes anywhere,
    O for 0, I or L for 1); None when it cannot be a code at all."""
    compact = _RECEIPT_SEPARATORS.sub("", typed[:100]).upper().translate(_RECEIPT_LOOKALIKES)
    if len(compact) != RECEIPT_LENGTH or any(c not in RECEIPT_ALPHABET for c in compact):
        return None
    return compact


def receipt_key(secret: str) -> bytes:
    """The receipt codes' own key, derived from the installation's secret key (which is kept
    outside the database) under a label of its own."""
    return hmac.new(secret.encode(), b"tracker/complaint-receipts", hashlib.sha256).digest()


def receipt_id(key: bytes, code: str) -> UUID | None:
    """The id of the complaint a code belongs to: a keyed hash (HMAC-SHA256) of the code,
    made a UUID. None for what cannot be a code."""
    compact = normalise_receipt_code(code)
    if compact is None:
        return None
    digest = hmac.new(key, b"complaint-receipt:" + compact.encode(), hashlib.sha256).hexdigest()
    return uuid5(NAMESPACE_URL, f"/tracker/complaint/{digest}")


def acknowledgement_due(received_on: date, working_days: int) -> date:
    return add_working_days(received_on, working_days)


class Complaint(Aggregate):
    """Public methods check the rules, then trigger a past-tense event; the @event methods
    only apply facts."""

    if TYPE_CHECKING:  # made by the @event decorators below (see events.base)

        class Received(Aggregate.Created, EventFields): ...
        class Acknowledged(Aggregate.Event, EventFields): ...
        class Routed(Aggregate.Event, EventFields): ...
        class Answered(Aggregate.Event, EventFields): ...
        class SenderMessageAdded(Aggregate.Event, EventFields): ...
        class DeviationLinked(Aggregate.Event, EventFields): ...
        class EscalatedToLexSarah(Aggregate.Event, EventFields): ...
        class Closed(Aggregate.Event, EventFields): ...

    @classmethod
    def receive(
        cls,
        *,
        id: UUID,
        number: str,
        kind: ComplaintKind,
        unit: str | None,
        operation: Operation | None,
        sender: SenderCategory,
        channel: Channel,
        text: str,
        contact_wish: ContactWish,
        received_on: date,
        today: date,
        actor: str,
    ) -> Complaint:
        check_not_future("received_on", received_on, today)
        return cls._create(
            cls.Received,
            id=id,
            number=number,
            kind=kind,
            unit=unit,
            operation=operation,
            sender=sender,
            channel=channel,
            text=check_text("text", text, max_length=MESSAGE_TEXT),
            contact_wish=contact_wish,
            received_on=received_on,
            actor=actor,
        )

    @event("Received")
    def __init__(
        self,
        *,
        number: str,
        kind: ComplaintKind,
        unit: str | None,
        operation: Operation | None,
        sender: SenderCategory,
        channel: Channel,
        text: str,
        contact_wish: ContactWish,
        received_on: date,
        actor: str,
    ) -> None:
        self.number = number
        self.kind = kind
        self.unit = unit  # None: the sender did not know ("vet inte"), until routed
        self.operation = operation
        self.sender = sender
        self.channel = channel
        self.text = text
        self.contact_wish = contact_wish
        self.received_on = received_on
        self.registered_by = actor
        self.category: str | None = None  # kvalitetsområde, set when routed
        self.routed = False
        self.acknowledged_on: date | None = None
        # The conversation with the sender, oldest first: (who, when, text); who is
        # SENDER_ACTOR for the sender's own messages, else the staff member who answered.
        self.conversation: list[tuple[str, date, str]] = []
        self.answered_on: date | None = None
        self.deviation_id: UUID | None = None
        self.deviation_number: str | None = None
        self.lex_sarah_case_id: UUID | None = None
        self.lex_sarah_number: str | None = None
        self.closed_on: date | None = None
        self.outcome: Outcome | None = None
        self.closing_summary: str | None = None

    # --- rules -------------------------------------------------------------------------

    @property
    def status(self) -> ComplaintStatus:
        if self.closed_on is not None:
            return ComplaintStatus.CLOSED
        if self.answered_on is not None:
            return ComplaintStatus.ANSWERED
        if self.routed:
            return ComplaintStatus.INVESTIGATING
        return ComplaintStatus.RECEIVED

    @property
    def wants_answer(self) -> bool:
        return self.contact_wish is not ContactWish.NONE

    def receipt_valid(self, today: date) -> bool:
        """Whether the sender's code still opens the case."""
        return self.closed_on is None or today <= self.closed_on + RECEIPT_VALID_AFTER_CLOSING

    def check_open(self) -> None:
        if self.closed_on is not None:
            raise CaseClosed

    def _check_day(self, field: str, day: date) -> None:
        """A step's day (today, or the day it was taken when registered afterwards): not
        before the complaint came in."""
        check_not_before(field, day, self.received_on, "the complaint was received")

    # --- commands ----------------------------------------------------------------------

    def acknowledge(self, *, today: date, actor: str) -> None:
        """Kvittens: someone has read it and taken it on (the acknowledgement target)."""
        self.check_open()
        if self.acknowledged_on is not None:
            raise AlreadyRecorded("The receipt of the complaint is already acknowledged.")
        self._acknowledged(acknowledged_on=today, actor=actor)

    @event("Acknowledged")
    def _acknowledged(self, *, acknowledged_on: date, actor: str) -> None:
        self.acknowledged_on = acknowledged_on

    def route(
        self, *, unit: str, operation: Operation, category: str, today: date, actor: str
    ) -> None:
        """To the unit that investigates and answers, with its kvalitetsområde. Routing
        acknowledges the complaint too, when nobody had."""
        self.check_open()
        self._check_day("routed_on", today)
        self._routed(
            unit=unit, operation=operation, category=category, routed_on=today, actor=actor
        )

    @event("Routed")
    def _routed(
        self, *, unit: str, operation: Operation, category: str, routed_on: date, actor: str
    ) -> None:
        self.unit = unit
        self.operation = operation
        self.category = category
        self.routed = True
        if self.acknowledged_on is None:
            self.acknowledged_on = routed_on

    def answer(self, *, text: str, today: date, actor: str) -> None:
        """An answer the sender reads with the code (or is told by phone or letter)."""
        self.check_open()
        if not self.routed:
            raise StepOutOfOrder("Route the complaint to a unit before answering it.")
        self._check_day("answered_on", today)
        self._answered(text=check_text("text", text, max_length=MESSAGE_TEXT),
                       answered_on=today, actor=actor)

    @event("Answered")
    def _answered(self, *, text: str, answered_on: date, actor: str) -> None:
        self.conversation.append((actor, answered_on, text))
        if self.answered_on is None:
            self.answered_on = answered_on

    def add_sender_message(self, *, text: str, today: date) -> None:
        """The sender adds information with the code (still anonymous)."""
        self.check_open()
        self._sender_message_added(
            text=check_text("text", text, max_length=MESSAGE_TEXT), added_on=today,
            actor=SENDER_ACTOR,
        )

    @event("SenderMessageAdded")
    def _sender_message_added(self, *, text: str, added_on: date, actor: str) -> None:
        self.conversation.append((SENDER_ACTOR, added_on, text))

    def link_deviation(self, *, deviation_id: UUID, deviation_number: str, actor: str) -> None:
        if self.deviation_id is not None:
            raise AlreadyRecorded("The complaint is already linked to a deviation.")
        self._deviation_linked(
            deviation_id=deviation_id, deviation_number=deviation_number, actor=actor
        )

    @event("DeviationLinked")
    def _deviation_linked(self, *, deviation_id: UUID, deviation_number: str, actor: str) -> None:
        self.deviation_id = deviation_id
        self.deviation_number = deviation_number

    def escalate(self, *, lex_sarah_case_id: UUID, lex_sarah_number: str, actor: str) -> None:
        """The complaint revealed a missförhållande: its deviation went to Lex Sarah."""
        if self.deviation_id is None:
            raise StepOutOfOrder("Open or link a deviation before escalating to Lex Sarah.")
        if self.lex_sarah_case_id is not None:
            raise AlreadyRecorded("The complaint already led to a Lex Sarah investigation.")
        self._escalated(
            lex_sarah_case_id=lex_sarah_case_id, lex_sarah_number=lex_sarah_number, actor=actor
        )

    @event("EscalatedToLexSarah")
    def _escalated(self, *, lex_sarah_case_id: UUID, lex_sarah_number: str, actor: str) -> None:
        self.lex_sarah_case_id = lex_sarah_case_id
        self.lex_sarah_number = lex_sarah_number

    def close(
        self, *, outcome: Outcome, summary: str, closed_on: date, today: date, actor: str
    ) -> None:
        self.check_open()
        if not self.routed:
            raise StepOutOfOrder("Route the complaint to a unit before closing it.")
        if self.wants_answer and self.answered_on is None and outcome is not Outcome.REFERRED:
            raise StepOutOfOrder("The sender asked for an answer: answer before closing.")
        check_not_future("closed_on", closed_on, today)
        check_not_before("closed_on", closed_on, self.received_on, "the complaint was received")
        self._closed(
            outcome=outcome, summary=check_text("summary", summary), closed_on=closed_on,
            actor=actor,
        )

    @event("Closed")
    def _closed(self, *, outcome: Outcome, summary: str, closed_on: date, actor: str) -> None:
        self.outcome = outcome
        self.closing_summary = summary
        self.closed_on = closed_on
