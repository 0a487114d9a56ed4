"""What the deviation pages and the deviation API share: input schemas, the table of
actions (schema -> TrackerApplication command) and the plain-dict form of a deviation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from events.deviation import Deviation
from events.errors import ValidationFailed
from tracker.application import HistoryEntry, TrackerApplication
from web.i18n import domain_message
from web.runtime import runtime
from web.schemas import SHORT_TEXT, BaseSchema, code, text


def _version(data_key: str | None = None) -> fields.Integer:
    return fields.Integer(
        load_default=None, allow_none=True, data_key=data_key,
        metadata={"description": "The version you read; a stale one answers 409."},
    )


def _date(*, required: bool = True, data_key: str | None = None, **kw: Any) -> fields.Date:
    if required:
        return fields.Date(required=True, data_key=data_key, **kw)
    return fields.Date(load_default=None, allow_none=True, data_key=data_key, **kw)


class NewDeviation(BaseSchema):
    unit = code(metadata={"description": "Unit code (GET /units); the operation follows it"})
    category = code(metadata={"description": "Kvalitetsområde code"})
    subcategory = code(
        required=False, metadata={"description": "Required exactly when the category has them"}
    )
    occurred_on = _date()
    reported_on = _date(
        required=False,
        metadata={"description": "Defaults to today; only verksamhetsutvecklare and admin"},
    )
    description = text()
    immediate_actions = text(required=False)
    case_reference = text(64, required=False, metadata={"description": "Diary number; no names"})

    @validates_schema(skip_on_field_errors=False)
    def known_codes(self, data: dict[str, Any], **_: Any) -> None:
        """Unit and classification against organisation data while parsing, so that they
        are listed together with the other errors (the domain checks them again)."""
        organisation = runtime().organisation
        errors: dict[str, list[str]] = {}
        checks: list[Callable[[], Any]] = []
        if data.get("unit"):
            checks.append(lambda: organisation.unit(data["unit"]))
        if data.get("category"):
            checks.append(
                lambda: organisation.taxonomy().check(data["category"], data.get("subcategory"))
            )
        for check in checks:
            try:
                check()
            except ValidationFailed as error:
                errors.setdefault(error.field, []).append(domain_message(error))
        if errors:
            raise ValidationError(errors)


# --- actions on a deviation (forms and API share the schemas) -----------------------------


class Reclassification(BaseSchema):
    category = code()
    subcategory = code(required=False)
    expected_version = _version()


class CauseAnalysis(BaseSchema):
    analysis = text()
    expected_version = _version()


class NewMeasure(BaseSchema):
    description = text()
    responsible = text(SHORT_TEXT)
    due_on = _date()
    expected_version = _version()


class MeasureCompletion(BaseSchema):
    measure = fields.Integer(required=True, validate=validate.Range(min=1))
    completed_on = _date(required=False)
    expected_version = _version()


class Feedback(BaseSchema):
    message = text()
    expected_version = _version()


class Closure(BaseSchema):
    summary = text()
    expected_version = _version()


class Reason(BaseSchema):
    reason = text()
    expected_version = _version()


class Escalation(BaseSchema):
    reason = text()
    opened_on = _date(required=False)
    expected_version = _version()


def form_schema(schema: type[Schema], prefix: str) -> Schema:
    """The HTML variant: inputs named `<prefix>_<field>` so that several forms share a
    page without clashing ids, and the version read from the hidden `version` input."""
    instance = schema()
    for name, schema_field in instance.fields.items():
        schema_field.data_key = "version" if name == "expected_version" else f"{prefix}_{name}"
    return instance


@dataclass(frozen=True)
class Action:
    schema: type[Schema]
    command: str  # the TrackerApplication method it calls
    done: str  # Swedish confirmation for the page

    def run(
        self, app: TrackerApplication, deviation_id: UUID, actor: str, data: dict[str, Any]
    ) -> Any:
        return getattr(app, self.command)(deviation_id, actor=actor, **data)


ACTIONS: dict[str, Action] = {
    "reclassify": Action(
        Reclassification,
        "reclassify_deviation",
        "Avvikelsen är omklassificerad.",
    ),
    "analyse": Action(
        CauseAnalysis,
        "analyse_cause",
        "Orsaksanalysen är sparad.",
    ),
    "add_measure": Action(
        NewMeasure,
        "add_measure",
        "Åtgärden är tillagd.",
    ),
    "complete_measure": Action(
        MeasureCompletion,
        "complete_measure",
        "Åtgärden är markerad som genomförd.",
    ),
    "feedback": Action(
        Feedback,
        "give_feedback",
        "Återkopplingen är skickad till rapportören.",
    ),
    "escalate": Action(
        Escalation,
        "escalate_to_lex_sarah",
        "En Lex Sarah-utredning är öppnad.",
    ),
    "close": Action(
        Closure,
        "close_deviation",
        "Avvikelsen är avslutad.",
    ),
    "reopen": Action(
        Reason,
        "reopen_deviation",
        "Avvikelsen är öppnad igen.",
    ),
    "withdraw": Action(
        Reason,
        "withdraw_deviation",
        "Avvikelsen är återkallad.",
    ),
}


# --- output ------------------------------------------------------------------------------


def history_dicts(entries: list[HistoryEntry]) -> list[dict[str, Any]]:
    return [
        {"type": e.type, "at": e.at.isoformat(), "by": e.by, "data": e.data, "version": e.version}
        for e in entries
    ]


def deviation_dict(
    deviation: Deviation, history: list[HistoryEntry] | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(deviation.id),
        "number": deviation.number,
        "version": deviation.version,
        "unit": deviation.unit,
        "operation": deviation.operation.value,
        "category": deviation.category,
        "subcategory": deviation.subcategory,
        "occurred_on": deviation.occurred_on.isoformat(),
        "reported_on": deviation.reported_on.isoformat(),
        "description": deviation.description,
        "immediate_actions": deviation.immediate_actions or None,
        "case_reference": deviation.case_reference,
        "reporter": deviation.reporter,
        "source": deviation.source.value,
        "status": deviation.status.value,
        "assignee": deviation.assignee,
        "cause_analysis": deviation.cause_analysis,
        "measures": [
            {
                "number": m.number,
                "description": m.description,
                "responsible": m.responsible,
                "due_on": m.due_on.isoformat(),
                "completed_on": m.completed_on.isoformat() if m.completed_on else None,
            }
            for m in deviation.measures
        ],
        "feedback": [{"by": by, "message": message} for by, message in deviation.feedback],
        "lex_sarah_case_id": str(deviation.lex_sarah_case_id)
        if deviation.lex_sarah_case_id else None,
        "closing_summary": deviation.closing_summary,
    }
    if history is not None:
        data["history"] = history_dicts(history)
    return data
