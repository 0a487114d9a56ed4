"""JSON API v1: Lex Sarah investigations. A step out of order (decide before every required
finding kind is covered, report to IVO before a serious grade is proposed, close before
reporting a serious case) answers 409 with the reason; bad input answers 422 with field
errors, and nothing is stored."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import fields

from events.clocks import BAND_ORDER, ClockStatus, LexSarahClock
from events.lex_sarah import DocumentPurpose, FindingKind, FindingNature, Grade
from tracker.people.accounts import Account
from web.api import endpoint
from web.cases.actions import Action
from web.cases.lex_sarah import ACTIONS, lex_sarah_dict
from web.cases.timeline import lex_sarah_case_timeline
from web.policy import LEX_SARAH_ROLES
from web.runtime import application
from web.schemas import Answer, HistoryEntryOut

TAGS = ["lex-sarah"]


class _ProtectiveActionOut(Answer):
    taken_on = fields.Date()
    description = fields.String()


class _FindingOut(Answer):
    kind = fields.String(metadata={"enum": [k.value for k in FindingKind]})
    text = fields.String()
    date = fields.Date()
    source = fields.String()
    nature = fields.String(metadata={"enum": [n.value for n in FindingNature]})
    author = fields.String()
    author_title = fields.String(allow_none=True)


class _NotApplicableOut(Answer):
    kind = fields.String(metadata={"enum": [k.value for k in FindingKind]})
    reason = fields.String()
    author = fields.String()
    author_title = fields.String()


class _GradeOut(Answer):
    OPTIONAL = frozenset({"decided_on", "decided_by", "decided_by_title"})  # not a proposal's
    grade = fields.String(metadata={"enum": [g.value for g in Grade]})
    reasoning = fields.String()
    decided_on = fields.Date()
    decided_by = fields.String(allow_none=True)
    decided_by_title = fields.String(allow_none=True)


class _IvoOut(Answer):
    sent_on = fields.Date()
    ivo_reference = fields.String()
    diary_number = fields.String()
    investigation = fields.String(allow_none=True, metadata={"enum": ["bifogad", "kompletteras"]})
    completed_on = fields.Date(allow_none=True)
    document_version = fields.Integer(allow_none=True, metadata={
        "description": "The version of the investigation document that went with it"})
    completion_document_version = fields.Integer(allow_none=True, metadata={
        "description": "The version that followed (kompletteras)"})


class _DocumentVersionOut(Answer):
    number = fields.Integer()
    purpose = fields.String(metadata={"enum": [p.value for p in DocumentPurpose]})
    pdf_sha256 = fields.String()
    docx_sha256 = fields.String()
    frozen_on = fields.Date()
    frozen_by = fields.String()


class ClockOut(Answer):
    """One legal clock on today's date, as Bevakning, Att göra and the case page read it."""

    clock = fields.String(metadata={"enum": [str(c) for c in LexSarahClock]})
    label = fields.String()
    due = fields.Date(allow_none=True)
    status = fields.String(metadata={"enum": [s.value for s in ClockStatus]})
    done_on = fields.Date(allow_none=True, metadata={"description": "When it was met"})
    days_left = fields.Integer(allow_none=True, metadata={
        "description": "While it runs (negative when overdue); null once met"})
    days_text = fields.String(allow_none=True)
    band = fields.String(allow_none=True, metadata={
        "enum": [*BAND_ORDER, None],
        "description": "overdue, due_today, soon (within TRACKER_WARNING_DAYS) or later"})


class LexSarahCaseSchema(Answer):
    id = fields.UUID()
    number = fields.String()
    version = fields.Integer()
    deviation_id = fields.UUID()
    deviation_number = fields.String()
    unit = fields.String()
    operation = fields.String(metadata={"enum": ["IFO", "HVB"]})
    reason = fields.String()
    opened_on = fields.Date()
    status = fields.String(metadata={"enum": ["open", "decided", "reported_to_ivo", "closed"]})
    protective_actions = fields.List(fields.Nested(_ProtectiveActionOut))
    investigator = fields.String(allow_none=True)
    findings = fields.List(fields.Nested(_FindingOut))
    not_applicable = fields.List(fields.Nested(_NotApplicableOut))
    uncovered_kinds = fields.List(fields.String(), metadata={
        "description": "Required finding kinds with neither a finding nor ej tillämpligt"})
    proposal = fields.Nested(_GradeOut, allow_none=True)
    decision = fields.Nested(_GradeOut, allow_none=True)
    ivo_report = fields.Nested(_IvoOut, allow_none=True)
    ivo_required = fields.Boolean()
    ivo_completion_pending = fields.Boolean(metadata={
        "description": "Reported to IVO with the investigation to follow (kompletteras)"})
    remedied_on = fields.Date(allow_none=True)
    clocks = fields.List(fields.Nested(ClockOut), metadata={
        "description": "The remedy (genast) and, while an anmälan may be due (not judged, "
        "or a serious grade proposed or decided), the local IVO target"})
    informed = fields.Dict(keys=fields.String(), values=fields.Date())
    document_versions = fields.List(fields.Nested(_DocumentVersionOut))
    closed_on = fields.Date(allow_none=True)
    closing_summary = fields.String(allow_none=True)
    not_informed_reason = fields.String(allow_none=True)
    legal_reference = fields.Dict(
        keys=fields.String(), values=fields.String(),
        metadata={"description": "Legal key -> citation in the numbering in force then "
                  "(SoL (2001:453) until 2025-06-30, SoL (2025:400) after)"},
    )
    history = fields.List(fields.Nested(HistoryEntryOut))


class _ExtensionOut(Answer):
    previous = fields.Date()
    new = fields.Date()
    decided_on = fields.Date(allow_none=True)
    decided_by = fields.String(allow_none=True)
    reason = fields.String()


class TimelineEntryOut(Answer):
    """One legal clock as evidence (events/timeline.py)."""

    clock = fields.String()
    label = fields.String()
    rule = fields.String(metadata={"description": "What the law asks, in words"})
    started_by = fields.String(metadata={"description": "The fact that started the clock"})
    started_on = fields.Date()
    original_deadline = fields.Date(allow_none=True)
    deadline = fields.Date(allow_none=True, metadata={
        "description": "The deadline in force, extensions counted; null when not required"})
    extensions = fields.List(fields.Nested(_ExtensionOut))
    met_by = fields.String(allow_none=True, metadata={"description": "The fact that met it"})
    met_on = fields.Date(allow_none=True)
    status = fields.String(allow_none=True, metadata={
        "enum": [s.value for s in ClockStatus] + [None],
        "description": "null: not required (see note)"})
    days_left = fields.Integer(allow_none=True)
    legal_key = fields.String()
    reference = fields.String(metadata={
        "description": "The provision in the numbering in force on started_on"})
    reference_both = fields.String(metadata={"description": "Both numberings"})
    note = fields.String(allow_none=True)
    events = fields.List(fields.String(), metadata={
        "description": "The event types behind the entry (see the case's history)"})


class TimelineOut(Answer):
    id = fields.UUID()
    number = fields.String()
    kind = fields.String(metadata={"enum": ["lex_sarah", "child_report"]})
    unit = fields.String()
    as_of = fields.Date()
    entries = fields.List(fields.Nested(TimelineEntryOut))


@endpoint(
    "/lex-sarah/<uuid:case_id>/timeline",
    summary="Tidslinje för lagens tidsfrister (rapportera, avhjälpa, anmäla till IVO)",
    roles=LEX_SARAH_ROLES, response=TimelineOut, tags=TAGS,
)
def get_timeline(account: Account, case_id: UUID) -> dict[str, Any]:
    return lex_sarah_case_timeline(case_id)


def _case(case_id: UUID) -> dict[str, Any]:
    app = application()
    return lex_sarah_dict(app.get_lex_sarah_case(case_id), app.history(case_id))


@endpoint(
    "/lex-sarah/<uuid:case_id>", summary="En Lex Sarah-utredning med hela historiken",
    roles=LEX_SARAH_ROLES, response=LexSarahCaseSchema, tags=TAGS,
)
def get_case(account: Account, case_id: UUID) -> dict[str, Any]:
    return _case(case_id)


# API-only words for each action of web.cases.lex_sarah.ACTIONS: summary, and 201 where it adds.
SUMMARIES: dict[str, tuple[str, int]] = {
    "record_protective_action": (
        "Registrera åtgärd för att undanröja missförhållandet", 201),
    "assign_investigator": ("Utse utredare", 200),
    "document_finding": ("Dokumentera en uppgift i utredningen", 201),
    "mark_not_applicable": ("Markera ett slag av uppgift som ej tillämpligt, med skäl", 201),
    "propose_grade": ("Föreslå bedömning (grad)", 200),
    "decide": ("Besluta bedömning (grad)", 200),
    "report_to_ivo": ("Registrera anmälan till IVO", 200),
    "complete_ivo_report": ("Registrera att utredningen skickats till IVO i efterhand", 200),
    "record_informed": ("Registrera att den enskilde eller företrädaren informerats", 200),
    "close": ("Avsluta utredningen", 200),
}


def _action_endpoint(action: Action) -> None:
    summary, status = SUMMARIES[action.name]

    def view(account: Account, case_id: UUID, body: dict[str, Any]) -> Any:
        action.run(application(), case_id, account.username, body)
        return _case(case_id), status

    view.__name__ = action.name
    endpoint(
        f"/lex-sarah/<uuid:case_id>/{action.api_path}", method="POST", summary=summary,
        body=action.schema, roles=LEX_SARAH_ROLES, response=LexSarahCaseSchema,
        status=status, tags=TAGS,
    )(view)


for _action in ACTIONS.values():
    _action_endpoint(_action)
