"""Report documents for other tools: the month's report to the committee (the finalised
report when there is one, else the tracker's draft) and the annual section."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from tracker.people.accounts import Account
from web.api import endpoint
from web.documents import annual, committee
from web.documents.responses import MIMETYPES, download
from web.policy import READS_ANNUAL_SECTION, READS_COMMITTEE_REPORT
from web.schemas import BaseSchema

TAGS = ["reports"]
YEARS = validate.Range(min=2000, max=2100)


class MonthlyDocumentQuery(BaseSchema):
    year = fields.Integer(required=True, validate=YEARS)
    month = fields.Integer(required=True, validate=validate.Range(min=1, max=12))
    format = fields.String(required=True, validate=validate.OneOf(["pdf", "docx", "xlsx"]))


class AnnualDocumentQuery(BaseSchema):
    year = fields.Integer(required=True, validate=YEARS)
    format = fields.String(required=True, validate=validate.OneOf(["pdf", "docx", "xlsx"]))


@endpoint(
    "/reports/monthly/document",
    summary="Rapport till nämnden för en månad (PDF, Word eller bilagornas siffror i Excel)",
    description="The finalised report for the month when one exists (the latest finalised "
    "version), else the latest saved draft, else the tracker's generated draft. The Excel "
    "workbook holds the appendices' figures from the report itself: a finalised report's is "
    "frozen with it. Filename avvikelser-YYYY-MM.pdf|docx|xlsx.",
    roles=READS_COMMITTEE_REPORT, query=MonthlyDocumentQuery, tags=TAGS,
    produces=[MIMETYPES["pdf"], MIMETYPES["docx"], MIMETYPES["xlsx"]],
)
def monthly_document(account: Account, query: dict[str, Any]) -> Any:
    doc = committee.load(query["year"], query["month"], author=account.username,
                         prefer_final=True)
    assert doc is not None  # no revision was asked for: there is always a draft
    kind = query["format"]
    render = {"pdf": committee.to_pdf, "docx": committee.to_docx, "xlsx": committee.to_xlsx}
    return download(render[kind](doc), doc.filename, kind)


@endpoint(
    "/reports/annual/document",
    summary="Årsavsnitt till kvalitetsberättelsen (PDF, Word eller Excel)",
    description="Tabell 32, antal per år (Tabell 31), Lex Sarah-utredningar och diagram år "
    "för år. Filename avvikelser-YYYY.pdf|docx|xlsx.",
    roles=READS_ANNUAL_SECTION, query=AnnualDocumentQuery, tags=TAGS,
    produces=[MIMETYPES["pdf"], MIMETYPES["docx"], MIMETYPES["xlsx"]],
)
def annual_document(account: Account, query: dict[str, Any]) -> Any:
    doc = annual.load(query["year"], author=account.username)
    render = {"pdf": annual.to_pdf, "docx": annual.to_docx, "xlsx": annual.to_xlsx}
    return download(render[query["format"]](doc), doc.filename, query["format"])
