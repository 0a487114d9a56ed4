"""JSON API v1: the Lex Sarah investigation as a document. The current draft as PDF or Word,
a numbered frozen version (its number and its files' SHA-256, also recorded in the case's
history), and every frozen version again, byte for byte."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import url_for
from marshmallow import fields, validate

from events.lex_sarah import DocumentPurpose
from tracker.people.accounts import Account
from web.api import endpoint
from web.documents.responses import MIMETYPES, download
from web.pages.lex_sarah_document import draft_file, freeze, version_file
from web.policy import LEX_SARAH_ROLES
from web.schemas import Answer, BaseSchema, version

TAGS = ["lex-sarah"]
PRODUCES = [MIMETYPES["pdf"], MIMETYPES["docx"]]


class DocumentQuery(BaseSchema):
    format = fields.String(required=True, validate=validate.OneOf(["pdf", "docx"]))


class FreezeBody(BaseSchema):
    purpose = fields.Enum(DocumentPurpose, by_value=True, load_default=DocumentPurpose.IVO,
                          metadata={"description": "ivo: to go to IVO (default); decision: "
                                    "the basis of the decision"})
    expected_version = version()


class DocumentVersionOut(Answer):
    number = fields.Integer()
    purpose = fields.String(metadata={"enum": [p.value for p in DocumentPurpose]})
    sha256 = fields.String(metadata={"description": "SHA-256 of the PDF"})
    docx_sha256 = fields.String(metadata={"description": "SHA-256 of the Word file"})
    frozen_on = fields.Date()
    frozen_by = fields.String()
    pdf = fields.String(metadata={"description": "Path of the PDF"})
    docx = fields.String(metadata={"description": "Path of the Word file"})


@endpoint(
    "/lex-sarah/<uuid:case_id>/document",
    summary="Utredning enligt lex Sarah som den ser ut nu (utkast; PDF eller Word)",
    description="Every item with its date, source, Faktauppgift/Bedömning and author (name, "
    "title), each kind SOSFS 2011:5 requires, the protective actions, the proposal and the "
    "decision with who decided. Filename lex-sarah-utredning-LS-YYYY-NNNN-utkast.pdf|docx.",
    roles=LEX_SARAH_ROLES, query=DocumentQuery, tags=TAGS, produces=PRODUCES,
)
def document(account: Account, case_id: UUID, query: dict[str, Any]) -> Any:
    body, filename = draft_file(case_id, query["format"])
    return download(body, filename, query["format"])


@endpoint(
    "/lex-sarah/<uuid:case_id>/document/versions", method="POST",
    summary="Lås en numrerad version av utredningen (för IVO eller för beslut)",
    description="Renders the document as it is now as the next numbered version and stores "
    "its PDF and Word files; the case's history records the number and the files' SHA-256. "
    "409 when nothing in the investigation changed since the latest version.",
    roles=LEX_SARAH_ROLES, body=FreezeBody, response=DocumentVersionOut, status=201,
    tags=TAGS, location=True,
)
def freeze_version(account: Account, case_id: UUID, body: dict[str, Any]) -> Any:
    made = freeze(case_id, purpose=body["purpose"], actor=account.username,
                  expected_version=body["expected_version"])
    pdf = url_for("api.lex_sarah_document_version_document", case_id=case_id,
                  number=made.number, format="pdf")
    answer = {
        "number": made.number, "purpose": made.purpose.value, "sha256": made.pdf_sha256,
        "docx_sha256": made.docx_sha256, "frozen_on": made.frozen_on, "frozen_by": made.frozen_by,
        "pdf": pdf,
        "docx": url_for("api.lex_sarah_document_version_document", case_id=case_id,
                        number=made.number, format="docx"),
    }
    return answer, 201, {"Location": pdf}


@endpoint(
    "/lex-sarah/<uuid:case_id>/document/versions/<int:number>",
    summary="En låst version av utredningen, exakt som den skapades (PDF eller Word)",
    description="Byte for byte the file made when the version was frozen; its SHA-256 is in "
    "the case's history. Filename lex-sarah-utredning-LS-YYYY-NNNN-version-N.pdf|docx.",
    roles=LEX_SARAH_ROLES, query=DocumentQuery, tags=TAGS, produces=PRODUCES,
)
def version_document(account: Account, case_id: UUID, number: int, query: dict[str, Any]) -> Any:
    body, filename = version_file(case_id, number, query["format"])
    return download(body, filename, query["format"])
