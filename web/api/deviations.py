"""JSON API v1: deviations. Input is validated by the schemas in web.cases.deviations (422 with
field errors, nothing stored); the domain's own refusals answer 422 on their field or 409."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import url_for
from flask_babel import gettext
from marshmallow import fields, post_load, validate

from events.base import EARLIEST_DATE
from events.deviation import Deviation, DeviationStatus, Effect, MeasureStatus, Source
from events.risk import MAX_SCORE
from projections import queries
from tracker.application import NotFound
from tracker.people.access import own_reporter
from tracker.people.accounts import Account
from web import policy
from web.api import ApiError, api, endpoint
from web.cases.actions import Action
from web.cases.deviations import ACTIONS, HANDLING_FIELDS, NewDeviation, deviation_dict
from web.runtime import application, fresh_views, runtime
from web.schemas import Answer, BaseSchema, HistoryEntryOut, code, page_number

TAGS = ["deviations"]


class _FollowUp(Answer):
    followed_up_on = fields.String(metadata={"format": "date"})
    result = fields.String()
    effect = fields.String(metadata={"enum": [e.value for e in Effect]})
    effect_text = fields.String()
    by = fields.String()
    next_follow_up_on = fields.String(allow_none=True, metadata={"format": "date"})


class MeasureOut(Answer):
    number = fields.Integer()
    description = fields.String()
    goal = fields.String(allow_none=True)
    responsible = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in MeasureStatus]})
    due_on = fields.String(metadata={"format": "date"})
    completed_on = fields.String(allow_none=True, metadata={"format": "date"})
    rejected_reason = fields.String(allow_none=True)
    follow_up_on = fields.String(allow_none=True, metadata={
        "format": "date", "description": "When the effect is next to be judged; null once "
        "judged yes/no, or turned down"})
    follow_ups = fields.List(fields.Nested(_FollowUp))


class _Risk(Answer):
    probability = fields.Integer()
    consequence = fields.Integer()
    score = fields.Integer()


class _Feedback(Answer):
    by = fields.String()
    message = fields.String()


REPORTER_VIEW = (
    "Left out when the token's user sees the deviation only as the person who reported it "
    "(not as a reviewer of its unit)."
)


def _handling(field: fields.Field) -> fields.Field:
    field.metadata = {**field.metadata, "description": " ".join(
        filter(None, (field.metadata.get("description"), REPORTER_VIEW)))}
    return field


class DeviationOut(Answer):
    """A deviation. The person who only reported it reads their own text, the status, the
    feedback and the outcome; the handling (fields marked so) is left out for them, and
    their `history` holds only their report, the feedback and the outcome (closed,
    reopened, withdrawn, escalated) without reasons."""

    OPTIONAL = HANDLING_FIELDS
    id = fields.String(metadata={"format": "uuid"})
    number = fields.String()
    version = fields.Integer(metadata={"description": "Send as expected_version: 409 if stale"})
    unit = fields.String()
    operation = fields.String(metadata={"enum": ["IFO", "HVB"]})
    category = fields.String()
    subcategory = fields.String(allow_none=True)
    occurred_on = fields.String(metadata={"format": "date"})
    reported_on = fields.String(metadata={"format": "date"})
    description = fields.String()
    immediate_actions = fields.String(allow_none=True)
    case_reference = fields.String(allow_none=True)
    reporter = fields.String()
    source = fields.String(metadata={"enum": [s.value for s in Source]})
    status = fields.String(metadata={"enum": [s.value for s in DeviationStatus]})
    assignee = _handling(fields.String(allow_none=True))
    cause_analysis = _handling(fields.String(allow_none=True))
    causes = _handling(
        fields.List(fields.String(), metadata={"description": "Cause codes (GET /causes)"}))
    measures = _handling(fields.List(fields.Nested(MeasureOut)))
    risk = _handling(fields.Nested(_Risk, allow_none=True, metadata={
        "description": "Probability x consequence (1-4 each); null until assessed"}))
    original_unit = fields.String(metadata={
        "description": "The unit the deviation was reported for; `unit` is where it belongs "
        "now (after a move)"})
    no_measures_reason = _handling(fields.String(allow_none=True))
    feedback = fields.List(fields.Nested(_Feedback))
    no_feedback_reason = _handling(fields.String(allow_none=True))
    lex_sarah_case_id = _handling(
        fields.String(allow_none=True, metadata={"format": "uuid"}))
    escalated_to_lex_sarah = fields.Boolean(
        metadata={"description": "Whether it was raised to a Lex Sarah investigation"})
    closing_summary = _handling(fields.String(allow_none=True))
    legal_reference = fields.Dict(
        keys=fields.String(), values=fields.String(),
        metadata={"description": "Why deviations are collected (quality follow-up, SOSFS "
                  "2011:9), cited as in force on the reported date"},
    )
    history = fields.List(fields.Nested(HistoryEntryOut), metadata={"description": (
        "Every event; for the person who only reported it: their report, the feedback and "
        "the outcome, without reasons")})


class DeviationRow(Answer):
    """One row of the list. For staff who list only what they reported, the handling
    (who works on it, the Lex Sarah case) is left out, as in their GET of one."""

    OPTIONAL = frozenset({"assignee", "lex_sarah_case_id", "risk_score"})
    id = fields.String(metadata={"format": "uuid"})
    number = fields.String()
    reported_on = fields.Date()
    occurred_on = fields.Date()
    unit = fields.String()
    operation = fields.String(metadata={"enum": ["IFO", "HVB"]})
    category = fields.String()
    subcategory = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": [s.value for s in DeviationStatus]})
    source = fields.String(metadata={"enum": [s.value for s in Source]})
    reporter = fields.String()
    assignee = _handling(fields.String(allow_none=True))
    lex_sarah_case_id = _handling(fields.String(allow_none=True, metadata={"format": "uuid"}))
    risk_score = _handling(fields.Integer(allow_none=True))


class DeviationPage(Answer):
    items = fields.List(fields.Nested(DeviationRow))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class DeviationQuery(BaseSchema):
    year = fields.Integer(validate=validate.Range(min=EARLIEST_DATE.year, max=2100))
    month = fields.Integer(validate=validate.Range(min=1, max=12), metadata={
        "description": "Without a year: that month of the current year"})
    operation = fields.String(validate=validate.OneOf(["IFO", "HVB"]))
    unit = code(required=False)
    category = code(required=False)
    status = fields.String(validate=validate.OneOf(["open", "closed", "withdrawn"]))
    min_risk = fields.Integer(validate=validate.Range(min=1, max=MAX_SCORE), metadata={
        "description": "Only those assessed with at least this risk score"})
    page = page_number()
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))

    @post_load
    def month_of_this_year(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if data.get("month") is not None and data.get("year") is None:
            data["year"] = application().today().year
        return data


class LexSarahOpened(Answer):
    lex_sarah_case_id = fields.String(required=True, metadata={"format": "uuid"})
    number = fields.String(required=True)


def _deviation(account: Account, deviation_id: UUID) -> Deviation:
    try:
        deviation = application().get_deviation(deviation_id)
    except NotFound:
        raise ApiError(404, gettext("Not found.")) from None
    if not policy.can_view_deviation(account, deviation):
        raise ApiError(403, gettext("Your role may not do this."))
    return deviation


def _location(deviation_id: UUID) -> dict[str, str]:
    return {"Location": url_for("api.deviations_get_deviation", deviation_id=deviation_id)}


def _full(account: Account, deviation: Deviation) -> dict[str, Any]:
    return deviation_dict(deviation, application().history(deviation.id),
                          handling=policy.sees_handling(account, deviation))


@endpoint(
    "/deviations", method="POST", summary="Rapportera en avvikelse", body=NewDeviation,
    response=DeviationOut, status=201, tags=TAGS, location=True,
)
def create_deviation(account: Account, body: dict[str, Any]) -> Any:
    """`reported_on` defaults to today; only verksamhetsutvecklare and admin may set it
    (paper reports, earlier years). Never in the future; `occurred_on` <= `reported_on`."""
    if body.get("reported_on") is not None and account.role not in policy.BACKDATES_REPORTS:
        raise ApiError(
            403,
            {"reported_on": [gettext("Only verksamhetsutvecklare and admin may set reported_on.")]},
        )
    deviation, history = application().file_deviation_with_history(
        actor=account.username, **body
    )
    handling = policy.sees_handling(account, deviation)
    return deviation_dict(deviation, history, handling=handling), 201, _location(deviation.id)


@endpoint(
    "/deviations/<uuid:deviation_id>", summary="En avvikelse med hela historiken",
    response=DeviationOut, tags=TAGS,
)
def get_deviation(account: Account, deviation_id: UUID) -> Any:
    """Reviewers in scope and the person who reported it."""
    return _full(account, _deviation(account, deviation_id))


@endpoint(
    "/deviations", summary="Avvikelser (filter, sidindelade)", query=DeviationQuery,
    response=DeviationPage, tags=TAGS,
)
def list_deviations(account: Account, query: dict[str, Any]) -> Any:
    """Newest first. An enhetschef sees their units; staff without a reviewing role see
    the deviations they reported."""
    scope = policy.unit_scope(account)
    restriction: dict[str, Any] = {}
    if scope:
        restriction = {"units": scope}
    elif scope is not None:  # their own reports only
        reporter = own_reporter(account)
        if reporter is None:  # an account bearing a system actor's name reports nothing
            return {"items": [], "total": 0, "page": 1, "per_page": query["per_page"]}
        restriction = {"reporter": reporter}
    fresh_views()
    page = queries.list_deviations(runtime().engine, **query, **restriction)
    items = page.items
    if "reporter" in restriction:  # their own reports, as their reporter only
        items = [{k: v for k, v in item.items() if k not in HANDLING_FIELDS} for item in items]
    return {"items": items, "total": page.total, "page": page.page, "per_page": page.per_page}


def _act(account: Account, action: Action, deviation_id: UUID, body: dict[str, Any]) -> Any:
    deviation = _deviation(account, deviation_id)
    if not policy.can_act(account, action.name, deviation):
        raise ApiError(403, gettext("Your role may not do this."))
    return action.run(application(), deviation_id, account.username, body)


MEASURE = "/deviations/<uuid:deviation_id>/measures/<int:number>"

# API-only words for each action of web.cases.deviations.ACTIONS: summary, status, description.
SUMMARIES: dict[str, tuple[str, int, str]] = {
    "reclassify": ("Klassificera om", 200, "Also on closed deviations (the annual review)."),
    "analyse_cause": ("Registrera orsaksanalys", 200, ""),
    "add_measure": ("Lägg till åtgärd", 201, ""),
    "complete_measure": ("Markera en åtgärd som genomförd", 200,
                         "`completed_on` defaults to today; not in the future."),
    "record_no_measures_needed": ("Registrera varför ingen åtgärd behövs", 200,
                                  "Closing needs a measure or this reason."),
    "give_feedback": ("Återkoppla till rapportören", 200, ""),
    "record_feedback_impossible": ("Registrera varför återkoppling inte kan ges", 200,
                                   "E.g. an anonymous or paper report. Closing needs feedback "
                                   "or this reason."),
    "close": ("Avsluta avvikelsen", 200,
              "Needs a cause analysis, a measure (or why none is needed) and feedback (or why "
              "it cannot be given); 409 lists every missing piece."),
    "reopen": ("Öppna en avslutad avvikelse igen", 200, ""),
    "withdraw": ("Återkalla (felaktigt registrerad)", 200,
                 "It stays in the history and leaves the counts."),
    "plan_measure": ("Planera en föreslagen åtgärd", 200, "föreslagen -> planerad."),
    "reject_measure": ("Avslå en åtgärd", 200, "föreslagen or planerad -> avslagen."),
    "schedule_follow_up": ("Planera uppföljningen av en åtgärd", 200,
                           "Sets or moves the day its effect is to be judged."),
    "follow_up_measure": ("Följ upp en genomförd åtgärd", 200,
                          "Result and effect (yes / no / too_early); too_early needs "
                          "next_follow_up_on. GET /deviations/{id}/measures/{n} shows the "
                          "evidence beside the judgement."),
    "assess_risk": ("Riskbedöm avvikelsen", 200,
                    "Probability and consequence 1-4; changeable, each change in the "
                    "history. A score at or above TRACKER_RISK_LEX_SARAH_SCORE suggests a "
                    "Lex Sarah investigation."),
    "move_to_unit": ("Flytta avvikelsen till rätt enhet", 200,
                     "Verksamhetsutvecklare. The report stays as written (original_unit); "
                     "the case and the counts follow the new unit from the move on."),
}


def _action_endpoint(action: Action) -> None:
    summary, status, doc = SUMMARIES[action.name]

    def view(account: Account, deviation_id: UUID, body: dict[str, Any]) -> Any:
        _act(account, action, deviation_id, body)
        return _full(account, application().get_deviation(deviation_id)), status

    view.__name__ = f"deviation_{action.page}"  # the endpoint names as published
    view.__doc__ = doc
    endpoint(
        f"/deviations/<uuid:deviation_id>/{action.api_path}", method="POST", summary=summary,
        body=action.schema, response=DeviationOut, status=status,
        roles=policy.DEVIATION_ACTIONS[action.name], tags=TAGS,
        # The answer is the deviation: its `number` is not a measure's, its measures' are.
        creates={"/measures/0/number": MEASURE} if action.name == "add_measure" else None,
    )(view)


for _action in ACTIONS.values():
    if _action.name in SUMMARIES:
        _action_endpoint(_action)

ESCALATE = ACTIONS["escalate"]


@endpoint(
    f"/deviations/<uuid:deviation_id>/{ESCALATE.api_path}", method="POST",
    summary="Lyft avvikelsen till en Lex Sarah-utredning", body=ESCALATE.schema,
    response=LexSarahOpened, status=201, roles=policy.DEVIATION_ACTIONS[ESCALATE.name],
    tags=TAGS, location=True, creates={"/lex_sarah_case_id": "/lex-sarah/<uuid:case_id>"},
)
def escalate(account: Account, deviation_id: UUID, body: dict[str, Any]) -> Any:
    """`opened_on` defaults to today; not before the deviation's reported_on, not in the
    future."""
    case = _act(account, ESCALATE, deviation_id, body)
    location = {"Location": f"{api.url_prefix}/lex-sarah/{case.id}"}
    return {"lex_sarah_case_id": str(case.id), "number": case.number}, 201, location
