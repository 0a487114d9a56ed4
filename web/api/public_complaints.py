"""JSON API v1, the public e-service without a token: the municipality's own e-service
platform (or anyone) sends a klagomål, a synpunkt or beröm and gets the receipt code once;
with the code it reads the status and the answers and adds a message. The same rules as
the page /synpunkter: personnummer refused (nothing stored), per-address limits (429 with
Retry-After), and a wrong, malformed or expired code answers 404 after the same least time
as a right one."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from events.complaint import ComplaintKind, ComplaintStatus
from tracker.people.accounts import Throttled
from web.api import ApiError, endpoint
from web.cases.complaints import (
    PublicComplaint,
    SenderMessage,
    claim_code_try,
    claim_sending,
    lookup,
    public_view,
    receive_public,
    retry_after,
)
from web.runtime import application
from web.schemas import Answer

TAGS = ["public"]
WRONG_CODE = "Inget ärende med den koden (eller koden gäller inte längre)."
TOO_MANY = "För många försök från din adress just nu. Vänta och försök igen."


class ReceiptOut(Answer):
    receipt_code = fields.String(metadata={
        "description": "Shown only now: the sender's key to the answers. Only a keyed hash "
        "of it is stored; it cannot be fetched again."})
    number = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in ComplaintStatus]})


class _MessageOut(Answer):
    sender = fields.String(attribute="from", data_key="from",
                           metadata={"enum": ["du", "socialtjansten"]})
    on = fields.Date()
    text = fields.String()


class PublicComplaintOut(Answer):
    number = fields.String()
    kind = fields.String(metadata={"enum": [k.value for k in ComplaintKind]})
    received_on = fields.Date()
    status = fields.String(metadata={"enum": [s.value for s in ComplaintStatus]})
    status_text = fields.String()
    text = fields.String()
    conversation = fields.List(fields.Nested(_MessageOut))
    closed = fields.Boolean()


def _too_many(throttled: Throttled) -> ApiError:
    return ApiError(429, TOO_MANY, {"Retry-After": str(retry_after(throttled))})


def _found(receipt_code: str) -> Any:
    throttled = claim_code_try()
    if throttled is not None:
        raise _too_many(throttled)
    complaint = lookup(receipt_code)
    if complaint is None:
        raise ApiError(404, {"receipt_code": [WRONG_CODE]})
    return complaint


def _out(complaint: Any) -> dict[str, Any]:
    return public_view(complaint)


@endpoint(
    "/public/complaints", method="POST", public=True, body=PublicComplaint,
    response=ReceiptOut, status=201, tags=TAGS,
    summary="Lämna klagomål, synpunkt eller beröm (utan inloggning)",
)
def send(account: None, body: dict[str, Any]) -> Any:
    """No token. Anonymous unless an e-mail address is given for the notice (contact_wish
    e-post). Answers 201 with the receipt code, which is never shown again."""
    throttled = claim_sending()
    if throttled is not None:
        raise _too_many(throttled)
    complaint, code = receive_public(body)  # a refused unit code: 422 on "unit"
    return {"receipt_code": code, "number": complaint.number,
            "status": complaint.status.value}, 201


@endpoint(
    "/public/complaints/<receipt_code>", public=True, response=PublicComplaintOut, tags=TAGS,
    summary="Status och svar, med kvittokoden",
)
def read(account: None, receipt_code: str) -> Any:
    """No token: the receipt code opens the complaint. A wrong or expired code: 404."""
    return _out(_found(receipt_code))


@endpoint(
    "/public/complaints/<receipt_code>/messages", method="POST", public=True,
    body=SenderMessage, response=PublicComplaintOut, status=201, tags=TAGS,
    summary="Skriv mer, med kvittokoden",
)
def add_message(account: None, receipt_code: str, body: dict[str, Any]) -> Any:
    """No token. Adds the sender's message (still anonymous); 409 once the case is closed."""
    _found(receipt_code)
    complaint = application().add_sender_message(receipt_code, text=body["text"])
    return _out(complaint), 201


