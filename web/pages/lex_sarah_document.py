"""The Lex Sarah investigation as a document: the current draft (PDF, Word), numbered frozen
versions (made for IVO or for the decision, each downloading again byte for byte), and the
anmälan's content field by field as IVO's form asks for it (page, PDF, Word). The API
(web/api/lex_sarah_document.py) uses the same functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from flask import Blueprint, flash, redirect, render_template, url_for
from marshmallow import fields

from events.errors import DomainError
from events.lex_sarah import DocumentPurpose, DocumentVersion, LexSarahCase
from tracker.application import ConflictError, NotFound
from web.cases.lex_sarah_document import (
    FORM_TITLE,
    Heading,
    content_sha256,
    investigation_content,
    ivo_form,
    version_filename,
    version_label,
)
from web.documents import lex_sarah as render
from web.documents.responses import download
from web.forms import parse_form
from web.policy import LEX_SARAH_ROLES
from web.runtime import application, runtime
from web.schemas import BaseSchema, version
from web.sign_in.users import current_account, roles_required

bp = Blueprint("lex_sarah_document", __name__, url_prefix="/lex-sarah")
FORMATS = ("pdf", "docx")


def heading() -> Heading:
    settings = runtime().settings
    return Heading(committee=settings.committee_name,
                   administration=settings.administration_name)


@dataclass(frozen=True)
class Draft:
    case: LexSarahCase
    content: dict[str, Any]

    @property
    def filename(self) -> str:
        return f"lex-sarah-utredning-{self.case.number}"


def draft(case_id: UUID) -> Draft:
    app = application()
    case = app.get_lex_sarah_case(case_id)
    return Draft(case, investigation_content(case, app.history(case_id), heading()))


def render_file(found: Draft, kind: str, meta: dict[str, Any]) -> bytes:
    if kind == "pdf":
        return render.investigation_pdf(found.content, meta)
    return render.investigation_docx(found.content, meta)


def draft_file(case_id: UUID, kind: str) -> tuple[bytes, str]:
    found = draft(case_id)
    meta = {"date": application().today().isoformat(), "version_label": version_label(None, None)}
    return render_file(found, kind, meta), f"{found.filename}-utkast"


def freeze(
    case_id: UUID, *, purpose: DocumentPurpose, actor: str, expected_version: int | None = None
) -> DocumentVersion:
    """Render the document as it is now as the next numbered version and store it. The files
    carry the version's number and date; the case's version they were rendered from is the
    expected one, so a step recorded meanwhile is a conflict, not a wrong version."""
    found = draft(case_id)
    if expected_version is not None and found.case.version != expected_version:
        raise ConflictError(expected_version, found.case.version)
    number = len(found.case.document_versions) + 1
    meta = {"date": application().today().isoformat(),
            "version_label": version_label(number, purpose.value)}
    return application().freeze_lex_sarah_document(
        case_id, actor=actor, purpose=purpose, pdf=render_file(found, "pdf", meta),
        docx=render_file(found, "docx", meta), content_sha256=content_sha256(found.content),
        expected_version=found.case.version,
    )


def version_file(case_id: UUID, number: int, kind: str) -> tuple[bytes, str]:
    case = application().get_lex_sarah_case(case_id)
    if case.document_version(number) is None:
        raise NotFound(case_id)
    body = application().lex_sarah_document_file(case_id, number, kind)
    return body, version_filename(case.number, number)


def ivo_form_page(case_id: UUID) -> dict[str, Any]:
    app = application()
    case = app.get_lex_sarah_case(case_id)
    deviation = app.get_deviation(case.deviation_id)
    return {
        "title": FORM_TITLE, "case_number": case.number, "case_id": case.id,
        "heading": heading(), "meta": {"date": app.today().isoformat()},
        "form": ivo_form(case, deviation, heading()),
    }


# --- pages ---------------------------------------------------------------------------------


@bp.route("/<uuid:case_id>/utredning.<any(pdf, docx):kind>")
@roles_required(LEX_SARAH_ROLES)
def draft_download(case_id: UUID, kind: str) -> Any:
    body, filename = draft_file(case_id, kind)
    return download(body, filename, kind)


class FreezeForm(BaseSchema):
    purpose = fields.Enum(DocumentPurpose, by_value=True, required=True)
    expected_version = version()


@bp.route("/<uuid:case_id>/utredning/versioner", methods=["POST"])
@roles_required(LEX_SARAH_ROLES)
def freeze_version(case_id: UUID) -> Any:
    application().get_lex_sarah_case(case_id)  # 404 before reading the form
    schema = FreezeForm()
    schema.fields["expected_version"].data_key = "version"
    form = parse_form(schema)
    if not form.ok:
        flash("Välj vad versionen är till för.", "error")
        return redirect(url_for("lex_sarah.case", case_id=case_id) + "#versioner"), 303
    try:
        made = freeze(case_id, purpose=form.data["purpose"], actor=current_account().username,
                      expected_version=form.data["expected_version"])
    except ConflictError:
        flash("Ärendet har ändrats sedan sidan lästes. Läs in sidan och försök igen.", "error")
    except DomainError:
        flash("Utredningen har inte ändrats sedan den senaste versionen; använd den.", "error")
    else:
        flash(f"Version {made.number} av utredningen är skapad och låst.", "success")
    return redirect(url_for("lex_sarah.case", case_id=case_id) + "#versioner")


@bp.route("/<uuid:case_id>/utredning/version/<int:number>.<any(pdf, docx):kind>")
@roles_required(LEX_SARAH_ROLES)
def version_download(case_id: UUID, number: int, kind: str) -> Any:
    body, filename = version_file(case_id, number, kind)
    return download(body, filename, kind)


@bp.route("/<uuid:case_id>/anmalan")
@roles_required(LEX_SARAH_ROLES)
def ivo_form_view(case_id: UUID) -> Any:
    return render_template("lex_sarah/ivo_form.html", **ivo_form_page(case_id))


@bp.route("/<uuid:case_id>/anmalan.<any(pdf, docx):kind>")
@roles_required(LEX_SARAH_ROLES)
def ivo_form_download(case_id: UUID, kind: str) -> Any:
    page = ivo_form_page(case_id)
    body = render.ivo_form_pdf(page) if kind == "pdf" else render.ivo_form_docx(page)
    return download(body, f"lex-sarah-anmalan-{page['case_number']}", kind)
