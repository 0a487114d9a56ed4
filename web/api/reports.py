"""JSON report endpoints (issue 3): counts only, in the exact shapes integrations rely on.

Each first waits (bounded) for the views to reach the event log's head as it was when the
request came in, so a client that has just filed a deviation sees it counted."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from projections import queries
from projections.queries import casework
from projections.queries import measures as measure_queries
from projections.queries.measures import month_span
from tracker.people.accounts import Account
from web.api import endpoint
from web.policy import REPORT_ROLES
from web.runtime import application, fresh_views, runtime
from web.schemas import BaseSchema

TAGS = ["reports"]


class MonthlyQuery(BaseSchema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    month = fields.Integer(required=True, validate=validate.Range(min=1, max=12))


class AnnualQuery(BaseSchema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class RecurrenceQuery(BaseSchema):
    threshold = fields.Integer(load_default=None, validate=validate.Range(min=1, max=1000))


class MonthlyRowSchema(Schema):
    operation = fields.String(required=True)
    category = fields.String(required=True)
    subcategory = fields.String(allow_none=True, required=True)
    count = fields.Integer(required=True)


class CauseCountSchema(Schema):
    code = fields.String(required=True, metadata={"description": "cause code (cause list)"})
    name = fields.String(required=True)
    ifo = fields.Integer(required=True)
    hvb = fields.Integer(required=True)
    total = fields.Integer(required=True)


class CausesSchema(Schema):
    analysed = fields.Integer(required=True, metadata={
        "description": "deviations of the period whose cause analysis names causes"})
    rows = fields.List(fields.Nested(CauseCountSchema), required=True, metadata={
        "description": "deviations per cause, every active cause (zeros included); a "
        "deviation with two causes counts under each; withdrawn ones not at all"})


class RiskRowSchema(Schema):
    score = fields.Integer(required=True)
    count = fields.Integer(required=True)


class RiskTableSchema(Schema):
    rows = fields.List(fields.Nested(RiskRowSchema), required=True, metadata={
        "description": "Every score the 4x4 matrix can give, zeros included"})
    assessed = fields.Integer(required=True)
    not_assessed = fields.Integer(required=True)


class MonthlyReportSchema(Schema):
    year = fields.Integer(required=True)
    month = fields.Integer(required=True)
    total = fields.Integer(required=True)
    by_operation = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    rows = fields.List(fields.Nested(MonthlyRowSchema), required=True)
    causes = fields.Nested(CausesSchema, required=True)
    risk = fields.Nested(RiskTableSchema, required=True, metadata={
        "description": "The month's deviations per risk score (probability x consequence)"})


class AnnualTotalSchema(Schema):
    ifo = fields.Integer(required=True)
    hvb = fields.Integer(required=True)
    total = fields.Integer(required=True)
    lex_sarah = fields.Integer(required=True)


class AnnualRowSchema(AnnualTotalSchema):
    category = fields.String(required=True)
    subcategory = fields.String(allow_none=True, required=True)


class AnnualReportSchema(Schema):
    year = fields.Integer(required=True)
    rows = fields.List(fields.Nested(AnnualRowSchema), required=True)
    total = fields.Nested(AnnualTotalSchema, required=True)
    causes = fields.Nested(CausesSchema, required=True)


class YearTotalSchema(Schema):
    year = fields.Integer(required=True)
    total = fields.Integer(required=True)


class YearlyTotalsSchema(Schema):
    years = fields.List(fields.Nested(YearTotalSchema), required=True)


class EscalationSchema(Schema):
    id = fields.UUID(required=True)
    number = fields.String(required=True)
    deviation_id = fields.UUID(required=True)
    deviation_number = fields.String(required=True)
    unit = fields.String(required=True)
    operation = fields.String(required=True)
    opened_on = fields.Date(required=True)
    proposed_grade = fields.String(allow_none=True, required=True)
    grade = fields.String(allow_none=True, required=True)
    status = fields.String(required=True)
    ivo_sent_on = fields.Date(allow_none=True, required=True)
    ivo_reference = fields.String(allow_none=True, required=True)
    days_open = fields.Integer(required=True)
    closed_on = fields.Date(allow_none=True, required=True)


class RecurrenceSchema(Schema):
    unit = fields.String(required=True)
    operation = fields.String(required=True)
    category = fields.String(required=True)
    subcategory = fields.String(allow_none=True, required=True)
    count = fields.Integer(required=True)
    window_start = fields.Date(required=True)
    window_end = fields.Date(required=True)
    suggest_lex_sarah = fields.Boolean(required=True)


@endpoint(
    "/reports/monthly", summary="Månadsrapport: inkomna avvikelser per verksamhet och kategori",
    description="Counted by the month of reported_on; rows with count > 0 only. `causes`: "
    "the month's deviations per cause of their cause analyses, per operation.",
    roles=REPORT_ROLES, query=MonthlyQuery, response=MonthlyReportSchema, tags=TAGS,
)
def monthly(account: Account, query: dict[str, Any]) -> dict[str, Any]:
    fresh_views()
    year, month = query["year"], query["month"]
    report = queries.monthly_report(
        runtime().engine, year, month, organisation=runtime().organisation
    )
    first, last = month_span(year, month)
    return {**report, "causes": _causes(year, month),
            "risk": measure_queries.risk_table(runtime().engine, first, last)}


def _causes(year: int, month: int | None) -> dict[str, Any]:
    return casework.cause_table(runtime().engine, runtime().organisation.causes(), year, month)


@endpoint(
    "/reports/annual", summary="Årstabell för kvalitetsberättelsen",
    description="Rows per category and the handlaggning subcategories (varav), IFO, HVB, "
    "total, and Lex Sarah investigations (by the year they were opened). `causes`: the "
    "year's deviations per cause of their cause analyses, per operation.",
    roles=REPORT_ROLES, query=AnnualQuery, response=AnnualReportSchema, tags=TAGS,
)
def annual(account: Account, query: dict[str, Any]) -> dict[str, Any]:
    fresh_views()
    report = queries.annual_report(
        runtime().engine, query["year"], organisation=runtime().organisation
    )
    return {**report, "causes": _causes(query["year"], None)}


@endpoint(
    "/reports/yearly", summary="Totalt antal avvikelser per år",
    roles=REPORT_ROLES, response=YearlyTotalsSchema, tags=TAGS,
)
def yearly(account: Account) -> dict[str, Any]:
    fresh_views()
    return queries.yearly_totals(runtime().engine)


@endpoint(
    "/reports/escalations", summary="Lex Sarah-utredningar: grad, IVO-anmälan, dagar öppen",
    roles=REPORT_ROLES, response=EscalationSchema, many=True, tags=TAGS,
    creates={"/0/id": "/lex-sarah/<uuid:case_id>"},
)
def escalations(account: Account) -> list[dict[str, Any]]:
    fresh_views()
    return queries.escalations(runtime().engine, application().today())


@endpoint(
    "/reports/recurrence",
    summary="Återkommande avvikelser per enhet och underkategori (rullande 3 månader)",
    description="At or above the threshold (setting TRACKER_RECURRENCE_THRESHOLD unless "
    "given) the row suggests considering a Lex Sarah investigation.",
    roles=REPORT_ROLES, query=RecurrenceQuery, response=RecurrenceSchema, many=True, tags=TAGS,
)
def recurrence(account: Account, query: dict[str, Any]) -> list[dict[str, Any]]:
    fresh_views()
    threshold = query["threshold"] or runtime().settings.recurrence_threshold
    return queries.recurrence(runtime().engine, application().today(), threshold=threshold)
