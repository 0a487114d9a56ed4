"""JSON API v1: Klagomål och synpunkter for staff (a bearer token). The list and a complaint
within the reader's scope (the verksamhetsutvecklare and the Lex Sarah-ansvarig every one,
an enhetschef their units'; another unit's complaint answers 403), and the actions of
web.cases.complaints.ACTIONS (route, answer, deviation, close, ...), each with the same
schema and rules as the case page."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask_babel import gettext
from marshmallow import fields, validate

from events.complaint import (
    Channel,
    Complaint,
    ComplaintKind,
    ComplaintStatus,
    ContactWish,
    Outcome,
    SenderCategory,
)
from projections import queries
from tracker.people.accounts import Account
from web.api import ApiError, endpoint
from web.cases.actions import Action
from web.cases.complaints import ACTIONS, staff_view
from web.policy import (
    COMPLAINT_ACTIONS,
    COMPLAINT_ROLES,
    can_act_on_complaint,
    complaint_scope,
    opens_complaint,
)
from web.runtime import application, fresh_views, runtime
from web.schemas import Answer, BaseSchema, HistoryEntryOut

TAGS = ["complaints"]


def _values(enum_type: Any) -> list[str]:
    return [member.value for member in enum_type]


class _MessageOut(Answer):
    sender = fields.String(attribute="from", data_key="from",
                           metadata={"enum": ["sender", "staff"]})
    by = fields.String(allow_none=True, metadata={"description": "Who answered; null: the sender"})
    on = fields.Date()
    text = fields.String()


class ComplaintOut(Answer):
    id = fields.UUID()
    number = fields.String()
    version = fields.Integer()
    kind = fields.String(metadata={"enum": _values(ComplaintKind)})
    unit = fields.String(allow_none=True)
    operation = fields.String(allow_none=True, metadata={"enum": ["IFO", "HVB"]})
    category = fields.String(allow_none=True, metadata={"description": "Kvalitetsområde"})
    sender = fields.String(metadata={"enum": _values(SenderCategory)})
    channel = fields.String(metadata={"enum": _values(Channel)})
    contact_wish = fields.String(metadata={"enum": _values(ContactWish)})
    received_on = fields.Date()
    registered_by = fields.String()
    status = fields.String(metadata={"enum": _values(ComplaintStatus)})
    text = fields.String()
    acknowledged_on = fields.Date(allow_none=True)
    answered_on = fields.Date(allow_none=True)
    conversation = fields.List(fields.Nested(_MessageOut))
    deviation_id = fields.UUID(allow_none=True)
    deviation_number = fields.String(allow_none=True)
    lex_sarah_case_id = fields.UUID(allow_none=True)
    lex_sarah_number = fields.String(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={"enum": _values(Outcome)})
    closing_summary = fields.String(allow_none=True)
    history = fields.List(fields.Nested(HistoryEntryOut))


class _ClockOut(Answer):
    kind = fields.String(metadata={"enum": ["acknowledge", "answer"]})
    due = fields.Date()
    done_on = fields.Date(allow_none=True)
    left = fields.Integer(metadata={"description": "Days to the target (negative: late)"})
    band = fields.String(metadata={"enum": ["overdue", "due_today", "soon", "later", "done",
                                            "done_late"]})


class ComplaintListItem(Answer):
    id = fields.UUID()
    number = fields.String()
    kind = fields.String(metadata={"enum": _values(ComplaintKind)})
    unit = fields.String(allow_none=True)
    operation = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    channel = fields.String(metadata={"enum": _values(Channel)})
    received_on = fields.Date()
    status = fields.String(metadata={"enum": _values(ComplaintStatus)})
    outcome = fields.String(allow_none=True)
    clocks = fields.List(fields.Nested(_ClockOut))


class ListQuery(BaseSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(_values(ComplaintStatus)))
    unit = fields.String(load_default=None, validate=validate.Length(max=64))


def _checked(account: Account, complaint_id: UUID) -> Complaint:
    complaint = application().get_complaint(complaint_id)
    if not opens_complaint(account, complaint.unit):
        raise ApiError(403, gettext("Your role may not do this."))
    return complaint


def _case(complaint_id: UUID) -> dict[str, Any]:
    app = application()
    return staff_view(app.get_complaint(complaint_id), app.history(complaint_id))


@endpoint("/complaints", summary="Klagomål och synpunkter (inom dina enheter)",
          roles=COMPLAINT_ROLES, query=ListQuery, response=ComplaintListItem, many=True,
          tags=TAGS)
def list_complaints(account: Account, query: dict[str, Any]) -> Any:
    """Newest first, with each one's acknowledgement and answer targets."""
    fresh_views()
    settings = runtime().settings
    rows = queries.complaints(
        runtime().engine, application().today(), units=complaint_scope(account),
        acknowledge_days=settings.complaint_acknowledge_days,
        answer_days=settings.complaint_answer_days, warning_days=settings.warning_days)
    if query.get("status"):
        rows = [row for row in rows if row["status"] == query["status"]]
    if query.get("unit"):
        rows = [row for row in rows if row["unit"] == query["unit"]]
    return rows


@endpoint("/complaints/<uuid:complaint_id>", summary="Ett klagomål med hela historiken",
          roles=COMPLAINT_ROLES, response=ComplaintOut, tags=TAGS)
def get_complaint(account: Account, complaint_id: UUID) -> Any:
    _checked(account, complaint_id)
    return _case(complaint_id)


SUMMARIES: dict[str, str] = {
    "acknowledge": "Kvittera som mottaget",
    "route": "Skicka till en enhet, med kvalitetsområde",
    "answer": "Svara avsändaren (läses med kvittokoden)",
    "link_deviation": "Öppna en avvikelse från klagomålet",
    "escalate": "Utred enligt Lex Sarah (genom klagomålets avvikelse)",
    "close": "Avsluta med utfall",
}


def _action_endpoint(action: Action) -> None:
    def view(account: Account, complaint_id: UUID, body: dict[str, Any]) -> Any:
        complaint = _checked(account, complaint_id)
        if not can_act_on_complaint(account, action.name, complaint.unit):
            raise ApiError(403, gettext("Your role may not do this."))
        action.run(application(), complaint_id, account.username, body)
        return _case(complaint_id)

    view.__name__ = action.name
    endpoint(
        f"/complaints/<uuid:complaint_id>/{action.api_path}", method="POST",
        summary=SUMMARIES[action.name], body=action.schema, roles=COMPLAINT_ACTIONS[action.name],
        response=ComplaintOut, tags=TAGS,
    )(view)


for _action in ACTIONS.values():
    _action_endpoint(_action)
