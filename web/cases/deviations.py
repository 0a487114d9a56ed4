"""What the deviation pages and the deviation API share: input schemas, the action table
(see web/cases/actions.py) and the plain-dict form of a deviation."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from events.deviation import Deviation, Effect, Measure
from events.errors import ValidationFailed
from events.legal import DEVIATION_KEYS, cite_on
from events.risk import SCALE
from tracker.application import HistoryEntry, TrackerApplication
from web.cases.actions import Action
from web.i18n import domain_message
from web.runtime import runtime
from web.schemas import (
    SHORT_TEXT,
    BaseSchema,
    cause_codes,
    code,
    date,
    flag,
    form_flag,
    history_dicts,
    text,
    version,
)


class NewDeviation(BaseSchema):
    unit = code(codes="unit", metadata={
        "description": "Unit code (GET /units); the operation follows it"})
    category = code(codes="category", metadata={"description": "Kvalitetsområde code"})
    subcategory = code(
        required=False, codes="subcategory",
        metadata={"description": "Required exactly when the category has them"},
    )
    # Not after today (what happened has happened), and not after reported_on, which the
    # domain compares it with (409) when a report is back-dated.
    occurred_on = date(metadata={"description": "Not after today nor after reported_on"})
    reported_on = date(
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
    category = code(codes="category")
    subcategory = code(required=False, codes="subcategory")
    expected_version = version()




class CauseAnalysis(BaseSchema):
    analysis = text()
    causes = cause_codes()
    expected_version = version()


class NewMeasure(BaseSchema):
    description = text()
    responsible = text(SHORT_TEXT, metadata={
        "description": "A username gives that person the measure on Att göra and its own "
                       "page, also outside the deviation's unit"})
    due_on = date(future=True)
    goal = text(required=False, metadata={"description": "What the measure is to achieve"})
    follow_up_on = date(required=False, future=True, metadata={
        "description": "When its effect is to be judged; not before due_on"})
    proposed = flag(load_default=False, metadata={
        "description": "true: föreslagen (to be decided); false: planerad"})
    expected_version = version()


class NewMeasureForm(NewMeasure):
    proposed = form_flag(load_default=False)


class MeasureNumber(BaseSchema):
    measure = fields.Integer(required=True, validate=validate.Range(min=1, max=10_000))
    expected_version = version()


class MeasureRejection(MeasureNumber):
    reason = text()


class FollowUpDate(MeasureNumber):
    follow_up_on = date(future=True)


class FollowUp(MeasureNumber):
    result = text(metadata={"description": "What the measure led to"})
    effect = fields.Enum(Effect, by_value=True, required=True, metadata={
        "description": "Hade åtgärden effekt? yes / no / too_early (för tidigt att säga)"})
    effect_text = text(metadata={"description": "Why: the judgement's grounds"})
    followed_up_on = date(required=False, metadata={"description": "Defaults to today"})
    next_follow_up_on = date(required=False, future=True, metadata={
        "description": "Required exactly when effect is too_early"})


class RiskAssessment(BaseSchema):
    probability = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=min(SCALE), max=max(SCALE)), metadata={"description": "Sannolikhet 1-4"})
    consequence = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=min(SCALE), max=max(SCALE)), metadata={"description": "Konsekvens 1-4"})
    expected_version = version()


class RiskAssessmentForm(RiskAssessment):
    probability = fields.Integer(required=True, validate=validate.Range(
        min=min(SCALE), max=max(SCALE)))
    consequence = fields.Integer(required=True, validate=validate.Range(
        min=min(SCALE), max=max(SCALE)))


class UnitMove(BaseSchema):
    unit = code(codes="unit", metadata={"description": "The unit the case belongs to"})
    reason = text()
    expected_version = version()


class MeasureCompletion(BaseSchema):
    measure = fields.Integer(required=True, validate=validate.Range(min=1, max=10_000))
    completed_on = date(required=False)
    expected_version = version()


class Feedback(BaseSchema):
    message = text()
    expected_version = version()


class Closure(BaseSchema):
    summary = text()
    expected_version = version()


class Reason(BaseSchema):
    reason = text()
    expected_version = version()


class Escalation(BaseSchema):
    reason = text()
    opened_on = date(required=False)
    expected_version = version()


App = TrackerApplication
ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action("reclassify", Reclassification, App.reclassify_deviation, "classification",
               "reclassify", "Avvikelsen är omklassificerad.", prefix="reclassify"),
        Action("analyse_cause", CauseAnalysis, App.analyse_cause, "cause-analysis",
               "analyse", "Orsaksanalysen är sparad.", prefix="analyse"),
        Action("add_measure", NewMeasure, App.add_measure, "measures", "add_measure",
               "Åtgärden är tillagd.", prefix="add_measure", page_schema=NewMeasureForm),
        Action("plan_measure", MeasureNumber, App.plan_measure, "measure-plans",
               "plan_measure", "Åtgärden är planerad.", prefix="plan_measure"),
        Action("reject_measure", MeasureRejection, App.reject_measure, "measure-rejections",
               "reject_measure", "Åtgärden är avslagen.", prefix="reject_measure"),
        Action("schedule_follow_up", FollowUpDate, App.schedule_follow_up,
               "measure-follow-up-dates", "schedule_follow_up",
               "Uppföljningsdatumet är sparat.", prefix="schedule_follow_up"),
        Action("follow_up_measure", FollowUp, App.follow_up_measure, "measure-follow-ups",
               "follow_up_measure", "Uppföljningen är sparad.", prefix="follow_up_measure"),
        Action("assess_risk", RiskAssessment, App.assess_risk, "risk-assessment",
               "assess_risk", "Riskbedömningen är sparad.", prefix="assess_risk",
               page_schema=RiskAssessmentForm),
        Action("move_to_unit", UnitMove, App.move_deviation, "unit", "move_to_unit",
               "Avvikelsen är flyttad till rätt enhet.", prefix="move_to_unit"),
        Action("complete_measure", MeasureCompletion, App.complete_measure,
               "measure-completions", "complete_measure",
               "Åtgärden är markerad som genomförd.", prefix="complete_measure"),
        Action("record_no_measures_needed", Reason, App.record_no_measures_needed,
               "no-measures", "no_measures", "Det är registrerat att inga åtgärder behövs.",
               prefix="no_measures"),
        Action("give_feedback", Feedback, App.give_feedback, "feedback", "feedback",
               "Återkopplingen är skickad till rapportören.", prefix="feedback"),
        Action("record_feedback_impossible", Reason, App.record_feedback_impossible,
               "no-feedback", "no_feedback",
               "Det är registrerat varför återkoppling inte kan ges.", prefix="no_feedback"),
        Action("escalate", Escalation, App.escalate_to_lex_sarah, "lex-sarah", "escalate",
               "En Lex Sarah-utredning är öppnad.", prefix="escalate"),
        Action("close", Closure, App.close_deviation, "closure", "close",
               "Avvikelsen är avslutad.", prefix="close"),
        Action("reopen", Reason, App.reopen_deviation, "reopening", "reopen",
               "Avvikelsen är öppnad igen.", prefix="reopen"),
        Action("withdraw", Reason, App.withdraw_deviation, "withdrawal", "withdraw",
               "Avvikelsen är återkallad.", prefix="withdraw"),
    )
}


# --- output ------------------------------------------------------------------------------


# The handling a person who only reported the deviation does not read (policy.sees_handling):
# who works on it, the analysis, the measures and who is responsible, the reasons given,
# the link to the Lex Sarah case. They read their own text, the status, the feedback and
# the outcome (`escalated_to_lex_sarah`, closed or withdrawn) without its reason.
HANDLING_FIELDS = frozenset({
    "assignee", "cause_analysis", "causes", "measures", "no_measures_reason",
    "no_feedback_reason", "lex_sarah_case_id", "closing_summary", "risk", "risk_score",
})
# Their history: these events, with the data named (their own report; the feedback).
REPORTER_EVENTS: dict[str, frozenset[str] | None] = {
    "Reported": None,  # all of it: what they filed
    "FeedbackGiven": frozenset({"message"}),
    "EscalatedToLexSarah": frozenset(),
    "Closed": frozenset(),
    "Reopened": frozenset(),
    "Withdrawn": frozenset(),
}


def reporter_history(history: list[HistoryEntry]) -> list[HistoryEntry]:
    """The reporter's view of the history: their report, the feedback and the outcome."""
    shown = []
    for entry in history:
        if entry.type not in REPORTER_EVENTS:
            continue
        keep = REPORTER_EVENTS[entry.type]
        data = entry.data if keep is None else {k: v for k, v in entry.data.items() if k in keep}
        shown.append(dataclasses.replace(entry, data=data))
    return shown


def _day(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def measure_dict(m: Measure) -> dict[str, Any]:
    """A measure as the API shows it, its follow-ups oldest first."""
    return {
        "number": m.number,
        "description": m.description,
        "goal": m.goal,
        "responsible": m.responsible,
        "status": m.status.value,
        "due_on": m.due_on.isoformat(),
        "completed_on": _day(m.completed_on),
        "rejected_reason": m.rejected_reason,
        "follow_up_on": _day(m.follow_up_due_on()),
        "follow_ups": [
            {
                "followed_up_on": f.followed_up_on.isoformat(), "result": f.result,
                "effect": f.effect.value, "effect_text": f.effect_text, "by": f.by,
                "next_follow_up_on": _day(f.next_follow_up_on),
            }
            for f in m.follow_ups or []
        ],
    }


def deviation_dict(
    deviation: Deviation, history: list[HistoryEntry] | None = None, *, handling: bool = True
) -> dict[str, Any]:
    """The API's form of a deviation; without `handling`, the reporter's view (fields in
    HANDLING_FIELDS left out, the history shortened)."""
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
        "causes": list(deviation.causes),
        "no_measures_reason": deviation.no_measures_reason,
        "no_feedback_reason": deviation.no_feedback_reason,
        "measures": [measure_dict(m) for m in deviation.measures],
        "risk": {
            "probability": deviation.risk[0], "consequence": deviation.risk[1],
            "score": deviation.risk_score,
        } if deviation.risk else None,
        "original_unit": deviation.original_unit,
        "feedback": [{"by": by, "message": message} for by, message in deviation.feedback],
        "lex_sarah_case_id": str(deviation.lex_sarah_case_id)
        if deviation.lex_sarah_case_id else None,
        "escalated_to_lex_sarah": deviation.lex_sarah_case_id is not None,
        "closing_summary": deviation.closing_summary,
    }
    if not handling:
        data = {key: value for key, value in data.items() if key not in HANDLING_FIELDS}
    if history is not None:
        data["legal_reference"] = {
            key: cite_on(key, deviation.reported_on) for key in DEVIATION_KEYS
        }
        data["history"] = history_dicts(history if handling else reporter_history(history))
    return data
