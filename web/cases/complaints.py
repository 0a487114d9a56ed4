"""Klagomål och synpunkter: the schemas of the public form (page and API alike), the Swedish
labels of the codes, and the plain-dict forms a sender and staff read."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from flask import request
from marshmallow import ValidationError, fields, validate, validates_schema

from events.complaint import (
    MESSAGE_TEXT,
    SENDER_ACTOR,
    Channel,
    Complaint,
    ComplaintKind,
    ComplaintStatus,
    ContactWish,
    Outcome,
    SenderCategory,
)
from events.personal_data import looks_like_personal_identity_number
from tracker.application import HistoryEntry, NotFound, TrackerApplication
from tracker.people.accounts import (
    COMPLAINT_SENDING_THROTTLE,
    EMAIL,
    EMAIL_PADDING,
    RECEIPT_TRIES_THROTTLE,
    Throttled,
)
from tracker.people.complaint_contacts import save_email
from web.cases.actions import Action
from web.display import COMPLAINT_KIND_NAMES
from web.runtime import application, runtime
from web.schemas import BaseSchema, code, date, history_dicts, version
from web.schemas import text as text_field

KINDS: dict[ComplaintKind, str] = COMPLAINT_KIND_NAMES
# What the public form says about each kind, in plain words.
KIND_HINTS: dict[ComplaintKind, str] = {
    ComplaintKind.COMPLAINT: "Något har inte fungerat som det ska.",
    ComplaintKind.VIEW: "Du har en idé eller tycker något om hur vi arbetar.",
    ComplaintKind.PRAISE: "Något har fungerat bra.",
}
SENDERS: dict[SenderCategory, str] = {
    SenderCategory.CLIENT: "Jag får hjälp eller stöd av socialtjänsten",
    SenderCategory.CHILD: "Jag är barn eller ungdom",
    SenderCategory.RELATIVE: "Jag är anhörig, till exempel förälder",
    SenderCategory.REPRESENTATIVE: "Jag är god man, förvaltare eller ombud",
    SenderCategory.STAFF: "Jag arbetar här",
    SenderCategory.OTHER: "Annan",
}
# The short names staff lists and reports use.
SENDER_NAMES: dict[SenderCategory, str] = {
    SenderCategory.CLIENT: "Brukare/klient",
    SenderCategory.CHILD: "Barn eller ungdom",
    SenderCategory.RELATIVE: "Anhörig",
    SenderCategory.REPRESENTATIVE: "Företrädare",
    SenderCategory.STAFF: "Personal",
    SenderCategory.OTHER: "Annan",
}
CHANNELS: dict[Channel, str] = {
    Channel.E_SERVICE: "E-tjänst",
    Channel.PHONE: "Telefon",
    Channel.LETTER: "Brev",
    Channel.VISIT: "Besök",
    Channel.EMAIL: "E-post",
}
# The public form offers the wishes that need no name or address of the sender.
PUBLIC_WISHES: dict[ContactWish, str] = {
    ContactWish.CODE: "Ja, jag läser svaret med min kod",
    ContactWish.EMAIL: "Ja, och skicka ett mejl till mig när svaret finns",
    ContactWish.NONE: "Nej, jag vill inte ha något svar",
}
WISHES: dict[ContactWish, str] = {
    ContactWish.CODE: "Läser svaret med kod",
    ContactWish.EMAIL: "Mejl när svaret finns, läser med kod",
    ContactWish.PHONE: "Svar per telefon",
    ContactWish.LETTER: "Svar per brev",
    ContactWish.NONE: "Vill inte ha svar",
}
STATUSES: dict[ComplaintStatus, str] = {
    ComplaintStatus.RECEIVED: "Mottaget",
    ComplaintStatus.INVESTIGATING: "Utreds",
    ComplaintStatus.ANSWERED: "Besvarat",
    ComplaintStatus.CLOSED: "Avslutat",
}
# The same, as the sender reads it.
PUBLIC_STATUSES: dict[ComplaintStatus, str] = {
    ComplaintStatus.RECEIVED: "Vi har tagit emot det du skrev. Snart läser den som ansvarar det.",
    ComplaintStatus.INVESTIGATING: "Den som ansvarar har läst det och tar reda på vad som hänt.",
    ComplaintStatus.ANSWERED: "Vi har svarat dig. Svaret står här nedanför.",
    ComplaintStatus.CLOSED: "Ärendet är klart och avslutat.",
}
OUTCOMES: dict[Outcome, str] = {
    Outcome.ACTED: "Åtgärdat i verksamheten",
    Outcome.EXPLAINED: "Besvarat, ingen ändring behövs",
    Outcome.DEVIATION: "Hanteras vidare som avvikelse",
    Outcome.LEX_SARAH: "Hanteras vidare enligt Lex Sarah",
    Outcome.REFERRED: "Hänvisat till annan (t.ex. annan myndighet)",
    Outcome.NOT_INVESTIGATED: "Kunde inte utredas (för lite uppgifter)",
}

UNKNOWN_UNIT = "vet-inte"
PERSONNUMMER = (
    "Skriv inte personnummer. Ta bort numret och skicka igen. Du behöver inte skriva vem du är."
)
TOO_LONG = "Texten är för lång. Du kan skriva högst {max} tecken."
MISSING = "Du behöver fylla i det här."
BAD_EMAIL = "Skriv en e-postadress som ser ut så här: namn@exempel.se"
EMAIL_NEEDED = "Skriv din e-postadress, eller välj ett annat sätt att få svar."
EMAIL_UNWANTED = "Ta bort e-postadressen, eller välj att få ett mejl när svaret finns."


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(MISSING)


def _no_personnummer(value: str) -> None:
    if looks_like_personal_identity_number(value):
        raise ValidationError(PERSONNUMMER)


def public_text(max_length: int = MESSAGE_TEXT, **kwargs: Any) -> fields.String:
    """The sender's free text: required, within `max_length`, no personnummer, in words a
    child follows (the domain checks it all again)."""
    field = text_field(max_length, **kwargs)
    field.validators = [
        _not_blank,
        validate.Length(max=max_length, error=TOO_LONG),
        _no_personnummer,
    ]
    field.error_messages = {**field.error_messages, "required": MISSING}
    return field


def _choice(enum_type: type, **kwargs: Any) -> fields.Enum:
    return fields.Enum(enum_type, by_value=True, required=True,
                       error_messages={"required": MISSING,
                                       "unknown": "Välj ett av alternativen."}, **kwargs)


# EMAIL_PADDING as the API document's patterns write it.
_PADDING = "".join(f"\\u{ord(c):04x}" for c in EMAIL_PADDING)


class PublicComplaint(BaseSchema):
    """What anyone may send, without logging in (the page and POST /api/v1/public/complaints)."""

    kind = _choice(ComplaintKind)
    unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                         metadata={"description": "A unit code, or vet-inte / empty when "
                                   "the sender does not know"})
    sender = _choice(SenderCategory)
    text = public_text()
    contact_wish = _choice(ContactWish, validate=validate.OneOf(
        list(PUBLIC_WISHES), error="Välj ett av alternativen."))
    # The API document: oneOf the two shapes email_with_its_wish allows (web.api renders
    # them): an e-mail address with the wish e-post, none (null, empty or blank) with another.
    OPENAPI_SHAPES: ClassVar[list[dict[str, Any]]] = [
        {"filled": ["email"], "empty": [], "only": {"contact_wish": [ContactWish.EMAIL.value]},
         "patterns": {"email": rf"^[{_PADDING}]*{EMAIL.pattern[1:-1]}"
                               rf"[{_PADDING}]*$"}},
        {"filled": [], "empty": ["email"], "patterns": {"email": rf"^[{_PADDING}]*$"},
         "only": {"contact_wish": [wish.value for wish in PUBLIC_WISHES
                                   if wish is not ContactWish.EMAIL]}},
    ]

    email = fields.String(load_default=None, allow_none=True,
                          validate=[validate.Length(max=200, error=TOO_LONG), _no_personnummer],
                          metadata={"description": "Only with contact_wish e-post: a notice "
                                    "(never the text) is mailed there when answered"})

    @validates_schema
    def email_with_its_wish(self, data: dict[str, Any], **_: Any) -> None:
        email = (data.get("email") or "").strip(EMAIL_PADDING)
        wish = data.get("contact_wish")
        if wish is ContactWish.EMAIL and not email:
            raise ValidationError(EMAIL_NEEDED, "email")
        if email and wish is not ContactWish.EMAIL:
            raise ValidationError(EMAIL_UNWANTED, "email")
        if email and not EMAIL.match(email):
            raise ValidationError(BAD_EMAIL, "email")


class SenderMessage(BaseSchema):
    text = public_text()


def unit_or_none(code: str | None) -> str | None:
    return None if not code or code == UNKNOWN_UNIT else code


def public_view(complaint: Complaint) -> dict[str, Any]:
    """What the sender reads with the code: no staff names, no internal notes."""
    return {
        "number": complaint.number,
        "kind": complaint.kind.value,
        "received_on": complaint.received_on,
        "status": complaint.status.value,
        "status_text": PUBLIC_STATUSES[complaint.status],
        "text": complaint.text,
        "conversation": [
            {"from": "du" if who == SENDER_ACTOR else "socialtjansten",
             "on": on, "text": said}
            for who, on, said in complaint.conversation
        ],
        "closed": complaint.closed_on is not None,
    }


def receive_public(data: dict[str, Any]) -> tuple[Complaint, str]:
    """The one way in from the public (page and API): the complaint, then the e-mail
    address for the notice, if one was given. The mail server plays no part here."""
    complaint, code = application().receive_complaint(
        actor=SENDER_ACTOR, kind=data["kind"], unit=unit_or_none(data.get("unit")),
        sender=data["sender"], channel=Channel.E_SERVICE, text=data["text"],
        contact_wish=data["contact_wish"],
    )
    email = (data.get("email") or "").strip(EMAIL_PADDING)
    if email:
        save_email(runtime().engine, complaint.id, email)
    return complaint, code


# --- the staff side ---------------------------------------------------------------------


class StaffComplaint(BaseSchema):
    """A complaint that came by phone, letter, visit or e-mail, registered by staff."""

    kind = _choice(ComplaintKind)
    unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                         metadata={"description": "A unit code, or empty when not known"})
    sender = _choice(SenderCategory)
    channel = _choice(Channel)
    text = text_field(MESSAGE_TEXT)
    contact_wish = _choice(ContactWish)
    received_on = date(required=False, metadata={"description": "Defaults to today"})


class Acknowledgement(BaseSchema):
    expected_version = version()


class Routing(BaseSchema):
    unit = code(codes="unit")
    category = code(codes="category", metadata={"description": "The kvalitetsområde"})
    expected_version = version()


class StaffAnswer(BaseSchema):
    text = text_field(MESSAGE_TEXT, metadata={"description": "The answer the sender reads"})
    expected_version = version()


class DeviationFromComplaint(BaseSchema):
    category = code(codes="category")
    subcategory = code(required=False, codes="subcategory")
    description = text_field()
    expected_version = version()


class Escalation(BaseSchema):
    reason = text_field()
    expected_version = version()


class Closing(BaseSchema):
    outcome = _choice(Outcome)
    summary = text_field()
    closed_on = date(required=False, metadata={"description": "Defaults to today"})
    expected_version = version()


App = TrackerApplication
ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action("acknowledge", Acknowledgement, App.acknowledge_complaint, "acknowledge",
               "kvittera", "Ärendet är kvitterat som mottaget."),
        Action("route", Routing, App.route_complaint, "route", "skicka",
               "Ärendet är skickat till enheten.", prefix="route"),
        Action("answer", StaffAnswer, App.answer_complaint, "answer", "svara",
               "Svaret är sparat. Avsändaren kan läsa det med sin kod.", prefix="answer"),
        Action("link_deviation", DeviationFromComplaint, App.open_deviation_from_complaint,
               "deviation", "avvikelse", "En avvikelse är öppnad från ärendet.",
               prefix="deviation"),
        Action("escalate", Escalation, App.escalate_complaint_to_lex_sarah, "lex-sarah",
               "lex-sarah", "En Lex Sarah-utredning är öppnad.", prefix="escalate"),
        Action("close", Closing, App.close_complaint, "close", "avsluta",
               "Ärendet är avslutat.", prefix="close"),
    )
}


def staff_view(complaint: Complaint, history: list[HistoryEntry]) -> dict[str, Any]:
    """The whole complaint as staff read it (page and API)."""
    return {
        "id": str(complaint.id),
        "number": complaint.number,
        "version": complaint.version,
        "kind": complaint.kind.value,
        "unit": complaint.unit,
        "operation": complaint.operation.value if complaint.operation else None,
        "category": complaint.category,
        "sender": complaint.sender.value,
        "channel": complaint.channel.value,
        "contact_wish": complaint.contact_wish.value,
        "received_on": complaint.received_on,
        "registered_by": complaint.registered_by,
        "status": complaint.status.value,
        "text": complaint.text,
        "acknowledged_on": complaint.acknowledged_on,
        "answered_on": complaint.answered_on,
        "conversation": [
            {"from": "sender" if who == SENDER_ACTOR else "staff",
             "by": None if who == SENDER_ACTOR else who, "on": on, "text": said}
            for who, on, said in complaint.conversation
        ],
        "deviation_id": str(complaint.deviation_id) if complaint.deviation_id else None,
        "deviation_number": complaint.deviation_number,
        "lex_sarah_case_id": (str(complaint.lex_sarah_case_id)
                              if complaint.lex_sarah_case_id else None),
        "lex_sarah_number": complaint.lex_sarah_number,
        "closed_on": complaint.closed_on,
        "outcome": complaint.outcome.value if complaint.outcome else None,
        "closing_summary": complaint.closing_summary,
        "history": history_dicts(history),
    }


# --- the public side's defences (page and API alike) -------------------------------------

# Every answer to a code takes at least this long, right or wrong, found or not.
LOOKUP_SECONDS = 0.3


def at_least(seconds: float, work: Callable[[], Any]) -> Any:
    """`work`'s result (or its exception), no sooner than `seconds` after the start."""
    start = time.monotonic()
    try:
        return work()
    finally:
        left = seconds - (time.monotonic() - start)
        if left > 0:
            time.sleep(left)


def lookup(code: str) -> Complaint | None:
    """The complaint a code opens, or None (a wrong, malformed or expired code); always
    after LOOKUP_SECONDS, so the time tells nothing either. The code is looked up as the
    case's id (a keyed hash of it), never compared as a string."""
    def find() -> Complaint | None:
        try:
            return application().complaint_by_receipt(code)
        except NotFound:
            return None

    found: Complaint | None = at_least(LOOKUP_SECONDS, find)
    return found


def claim_sending() -> Throttled | None:
    """One complaint sent from this address (None: go ahead)."""
    return runtime().accounts.claim_address(
        "complaint-send", request.remote_addr or "-", COMPLAINT_SENDING_THROTTLE)


def claim_code_try() -> Throttled | None:
    """One code tried from this address, reading or adding a message (None: go ahead)."""
    return runtime().accounts.claim_address(
        "complaint-code", request.remote_addr or "-", RECEIPT_TRIES_THROTTLE)


def retry_after(throttled: Throttled) -> int:
    """Seconds until the address may try again (the Retry-After header)."""
    return max(1, int((throttled.until - datetime.now(UTC)).total_seconds()))
