"""JSON API v1: measures. The list (as the page Åtgärder, with its filters), one measure with
the evidence beside its effect judgement, and the steps its responsible person may take on
it from any unit (carry it out, follow it up): the measure's own routes, which answer with
the measure only, never the deviation."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask_babel import gettext
from marshmallow import fields, validate

from events.deviation import Deviation, Measure, MeasureStatus
from projections.queries import casework
from projections.queries import measures as measure_queries
from tracker.application import NotFound
from tracker.people.accounts import Account
from web import policy
from web.api import ApiError, endpoint
from web.api.deviations import MEASURE, MeasureOut
from web.cases.deviations import ACTIONS, measure_dict
from web.runtime import application, fresh_views, runtime
from web.schemas import Answer, BaseSchema, code

TAGS = ["measures"]


class MeasureQuery(BaseSchema):
    unit = code(required=False)
    state = fields.String(validate=validate.OneOf(["open", "completed"]), metadata={
        "description": "open: neither completed nor turned down"})
    status = fields.String(validate=validate.OneOf([s.value for s in MeasureStatus]))
    due = fields.String(validate=validate.OneOf(["overdue", "this_month", "follow_up"]),
                        metadata={"description": "follow_up: its effect to be judged by today"})
    mine = fields.Boolean(load_default=False, metadata={
        "description": "Only those the token's person is responsible for, in any unit"})


class MeasureRow(Answer):
    deviation_id = fields.String(metadata={"format": "uuid"})
    deviation_number = fields.String()
    number = fields.Integer()
    unit = fields.String()
    description = fields.String()
    goal = fields.String(allow_none=True)
    responsible = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in MeasureStatus]})
    due_on = fields.Date()
    completed_on = fields.Date(allow_none=True)
    follow_up_on = fields.Date(allow_none=True)
    effect = fields.String(allow_none=True)
    state = fields.String(metadata={"enum": ["open", "overdue", "completed", "rejected"]})


class EvidenceOut(Answer):
    completed_on = fields.Date()
    before_from = fields.Date()
    after_from = fields.Date()
    until = fields.Date()
    days = fields.Integer()
    before = fields.Integer(metadata={"description": "Other deviations of the same unit "
                                      "and classification reported in the days before"})
    after = fields.Integer(metadata={"description": "The same, in as many days after"})


class MeasureDetail(Answer):
    deviation_id = fields.String(metadata={"format": "uuid"})
    deviation_number = fields.String()
    unit = fields.String()
    version = fields.Integer(metadata={"description": "Send as expected_version: 409 if stale"})
    measure = fields.Nested(MeasureOut)
    evidence = fields.Nested(EvidenceOut, allow_none=True, metadata={
        "description": "Null until a day has passed since the completion"})


@endpoint("/measures", summary="Åtgärder (filter)", query=MeasureQuery, response=MeasureRow,
          many=True, roles=policy.HOLDS_MEASURES, tags=TAGS)
def list_measures(account: Account, query: dict[str, Any]) -> Any:
    """Reviewers: the measures of their units (mine=true: theirs in any unit). Everyone
    else: the measures they are responsible for."""
    mine = query["mine"] or account.role not in policy.REVIEWERS
    fresh_views()
    rows = casework.list_measures(
        runtime().engine, application().today(), unit=query.get("unit"),
        units=None if mine else policy.unit_scope(account), state=query.get("state"),
        due=query.get("due"), status=query.get("status"),
        responsible=account.username if mine else None,
    )
    return [row | {"deviation_id": str(row["deviation_id"])} for row in rows]


def _measure(account: Account, deviation_id: UUID, number: int) -> tuple[Deviation, Measure]:
    try:
        deviation = application().get_deviation(deviation_id)
    except NotFound:
        raise ApiError(404, gettext("Not found.")) from None
    if not 1 <= number <= len(deviation.measures):
        raise ApiError(404, gettext("Not found."))
    found = deviation.measures[number - 1]
    if not policy.opens_measure(account, deviation.unit, found.responsible):
        raise ApiError(403, gettext("Your role may not do this."))
    return deviation, found


def _detail(deviation: Deviation, measure: Measure) -> dict[str, Any]:
    evidence = None
    if measure.completed_on is not None:
        last = measure.last_follow_up
        until = application().today()
        if last is not None and last.next_follow_up_on is None:
            until = last.followed_up_on
        fresh_views()
        found = measure_queries.effect_evidence(
            runtime().engine, deviation.id, unit=deviation.unit, category=deviation.category,
            subcategory=deviation.subcategory, completed_on=measure.completed_on, until=until,
        )
        if found is not None:
            evidence = {
                "completed_on": found.completed_on, "before_from": found.before_from,
                "after_from": found.after_from, "until": found.until, "days": found.days,
                "before": found.before, "after": found.after,
            }
    return {
        "deviation_id": str(deviation.id), "deviation_number": deviation.number,
        "unit": deviation.unit, "version": deviation.version,
        "measure": measure_dict(measure), "evidence": evidence,
    }


@endpoint(MEASURE, summary="En åtgärd med underlaget för effektbedömningen",
          response=MeasureDetail, tags=TAGS)
def get_measure(account: Account, deviation_id: UUID, number: int) -> Any:
    """Reviewers of the deviation's unit and the measure's responsible person (whose
    username the measure names), from any unit; the measure only, not the deviation."""
    return _detail(*_measure(account, deviation_id, number))




def _owner_endpoint(name: str, path: str, summary: str) -> None:
    action = ACTIONS[name]
    schema = type(f"{action.schema.__name__}ForMeasure", (action.schema,),
                  {"Meta": type("Meta", (), {"exclude": ("measure",)})})

    def view(account: Account, deviation_id: UUID, number: int, body: dict[str, Any]) -> Any:
        deviation, measure = _measure(account, deviation_id, number)
        if not policy.can_act_on_measure(account, name, deviation, measure.responsible):
            raise ApiError(403, gettext("Your role may not do this."))
        action.run(application(), deviation_id, account.username, body | {"measure": number})
        return _detail(*_measure(account, deviation_id, number))

    view.__name__ = f"measure_{name}"
    view.__doc__ = ("The measure's responsible person (from any unit) and the reviewers of "
                    "the deviation's unit.")
    endpoint(f"{MEASURE}/{path}", method="POST", summary=summary, body=schema,
             response=MeasureDetail, tags=TAGS)(view)


_owner_endpoint("complete_measure", "completion", "Markera åtgärden som genomförd")
_owner_endpoint("schedule_follow_up", "follow-up-date", "Planera uppföljningen av åtgärden")
_owner_endpoint("follow_up_measure", "follow-up", "Följ upp åtgärdens effekt")
