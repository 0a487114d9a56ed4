"""The report to the committee's steps for other tools: draft, secrecy review, finalise, and
what changed since it was finalised. The documents themselves: report_documents.py."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from events.committee_report import MASKED_TEXT, CommitteeReport
from tracker.people.accounts import Account
from web.api import ApiError, ErrorSchema, endpoint
from web.documents import committee
from web.policy import READS_COMMITTEE_REPORT, WRITES_COMMITTEE_REPORT
from web.runtime import application
from web.schemas import SHORT_TEXT, BaseSchema, flag, text

TAGS = ["reports"]
# No report (or no finalised one) for the month.
NO_REPORT: dict[int, type[Schema]] = {404: ErrorSchema}
YEARS = validate.Range(min=2000, max=2100)
MONTHS = validate.Range(min=1, max=12)


class PeriodQuery(BaseSchema):
    year = fields.Integer(required=True, validate=YEARS)
    month = fields.Integer(required=True, validate=MONTHS)


class DraftBody(BaseSchema):
    year = fields.Integer(required=True, validate=YEARS)
    month = fields.Integer(required=True, validate=MONTHS)
    case_texts = flag(load_default=False, metadata={
        "description": "Each case's own text as an appendix (flagged for the secrecy review)"})


class ReviewBody(BaseSchema):
    year = fields.Integer(required=True, validate=YEARS)
    month = fields.Integer(required=True, validate=MONTHS)
    masked = text(MASKED_TEXT, metadata={"description": "What was masked (\"Inget\" is an answer)"})
    version = fields.Integer(required=True, validate=validate.Range(min=1),
                             metadata={"description": "The report's version as last read"})


class FinaliseBody(BaseSchema):
    year = fields.Integer(required=True, validate=YEARS)
    month = fields.Integer(required=True, validate=MONTHS)
    diary_number = text(SHORT_TEXT)
    finalised_on = fields.Date(load_default=None)
    version = fields.Integer(required=True, validate=validate.Range(min=1))


class FlagSchema(Schema):
    kind = fields.String(required=True, metadata={
        "enum": ["small_cell", "small_unit", "age", "name", "date"]})
    where = fields.String(required=True)
    place = fields.String(required=True)
    found = fields.String(required=True)
    reason = fields.String(required=True)


class ReviewSchema(Schema):
    by = fields.String(required=True)
    masked = fields.String(required=True)
    flags = fields.List(fields.Dict(keys=fields.String(), values=fields.String()), required=True)


class ReportStateSchema(Schema):
    year = fields.Integer(required=True)
    month = fields.Integer(required=True)
    revision = fields.Integer(required=True)
    version = fields.Integer(required=True)
    state = fields.String(required=True, metadata={"enum": ["draft", "final"]})
    diary_number = fields.String(required=True)
    finalised_on = fields.Date(allow_none=True, required=True)
    review = fields.Nested(ReviewSchema, allow_none=True, required=True)
    flags = fields.List(fields.Nested(FlagSchema), required=True)


class ChangeSchema(Schema):
    at = fields.DateTime(required=True)
    kind = fields.String(required=True, metadata={
        "enum": sorted(committee.CHANGE_KINDS)})
    by = fields.String(required=True)
    number = fields.String(required=True)
    detail = fields.String(required=True)


class ChangesSchema(Schema):
    revision = fields.Integer(required=True)
    finalised_at = fields.DateTime(required=True)
    figures = fields.List(fields.String(), required=True)
    summary = fields.List(fields.String(), required=True)
    changes = fields.List(fields.Nested(ChangeSchema), required=True)


def _state(report: CommitteeReport) -> dict[str, Any]:
    doc = committee.load(report.year, report.month, author="", revision=report.revision)
    assert doc is not None
    return {
        "year": report.year, "month": report.month, "revision": report.revision,
        "version": report.version, "state": "final" if report.is_final else "draft",
        "diary_number": report.text.get("diary_number", ""),
        "finalised_on": report.finalised_on, "review": report.review,
        "flags": [] if report.is_final else committee.review_flags(doc),
    }


def _latest(year: int, month: int) -> CommitteeReport:
    revisions = application().committee_reports(year, month)
    if not revisions:
        raise ApiError(404, {"month": ["Ingen rapport är skapad för månaden."]})
    return revisions[-1]


@endpoint(
    "/reports/monthly/drafts", method="POST", summary="Skapa ett utkast till rapport till nämnden",
    description="A new revision of the month's report from the figures and cases as they are "
    "now: grouped summaries; with case_texts each case's own text as an appendix. The "
    "answer lists what the secrecy review must look at (flags).",
    roles=WRITES_COMMITTEE_REPORT, body=DraftBody, response=ReportStateSchema, status=201,
    tags=TAGS,
)
def create_draft(account: Account, body: dict[str, Any]) -> Any:
    draft = committee.generate(body["year"], body["month"], account.username,
                               case_texts=body["case_texts"])
    report = application().draft_committee_report(
        actor=account.username, year=body["year"], month=body["month"], **draft)
    return _state(report)


@endpoint(
    "/reports/monthly/review", summary="Rapport till nämnden: sekretessgranskningens läge",
    description="The month's latest revision: its state, the confirmed review (null: none, or "
    "the texts were edited since) and what the tracker flags in its texts (small cells, small "
    "units, ages, local names and places, dates more precise than the month).",
    roles=READS_COMMITTEE_REPORT, query=PeriodQuery, response=ReportStateSchema,
    tags=TAGS, error_schemas=NO_REPORT,
)
def get_review(account: Account, query: dict[str, Any]) -> Any:
    return _state(_latest(query["year"], query["month"]))


@endpoint(
    "/reports/monthly/review", method="POST",
    summary="Bekräfta sekretessgranskningen av rapport till nämnden",
    description="Confirmed by the token's user, with what was masked; recorded with the "
    "flags' kinds and fields in the report's history. A finalised report, a stale version or "
    "an older revision: 409.",
    roles=WRITES_COMMITTEE_REPORT, body=ReviewBody, response=ReportStateSchema,
    tags=TAGS, error_schemas=NO_REPORT,
)
def confirm_review(account: Account, body: dict[str, Any]) -> Any:
    report = _latest(body["year"], body["month"])
    doc = committee.load(report.year, report.month, author="", revision=report.revision)
    assert doc is not None
    report = application().confirm_committee_review(
        report.id, actor=account.username, masked=body["masked"],
        flags=[found.recorded() for found in committee.review_flags(doc)],
        expected_version=body["version"],
    )
    return _state(report)


@endpoint(
    "/reports/monthly/finalise", method="POST", summary="Fastställ rapport till nämnden",
    description="Freezes the month's latest revision with its diarienummer. Refused with 409 "
    "until the secrecy review of the texts as they are is confirmed.",
    roles=WRITES_COMMITTEE_REPORT, body=FinaliseBody, response=ReportStateSchema,
    tags=TAGS, error_schemas=NO_REPORT,
)
def finalise(account: Account, body: dict[str, Any]) -> Any:
    report = _latest(body["year"], body["month"])
    report = application().finalise_committee_report(
        report.id, actor=account.username, diary_number=body["diary_number"],
        finalised_on=body["finalised_on"], expected_version=body["version"],
    )
    return _state(report)


@endpoint(
    "/reports/monthly/changes", summary="Ändringar sedan fastställandet",
    description="For the month's latest finalised revision: the figures that differ now "
    "(\"januari 2018: 13 → 12\"), and the events of the month's deviations after it was "
    "finalised (reclassified, withdrawn, registered late), when and by whom. No finalised "
    "report: 404.",
    roles=READS_COMMITTEE_REPORT, query=PeriodQuery, response=ChangesSchema,
    tags=TAGS, error_schemas=NO_REPORT,
)
def changes(account: Account, query: dict[str, Any]) -> Any:
    doc = committee.load(query["year"], query["month"], author="", prefer_final=True)
    if doc is None or doc.state != committee.FINAL:
        raise ApiError(404, {"month": ["Ingen fastställd rapport för månaden."]})
    found = committee.changes_since_finalising(doc)
    return {"revision": doc.revision, "finalised_at": found.finalised_at,
            "figures": found.figures, "summary": found.summary, "changes": found.changes}
