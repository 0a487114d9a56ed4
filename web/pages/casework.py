"""The case file's forms on every case page (web/casework/case_file.py KINDS): ask the reporter,
answer, record the outcome told to the reporter, add, download and remove attachments. Each
route exists under every kind's prefix (/avvikelser/<id>/fraga, /lex-sarah/<id>/fraga, ...).
A refused form shows the case page again around it; a download is always an attachment with
its detected type, never shown inline, and is written in the läslogg."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any
from uuid import UUID

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from marshmallow import Schema

from events.errors import DomainError, StepOutOfOrder
from tracker.application import ConflictError, NotFound
from tracker.casework.files import Refused, too_large
from web import access_log
from web.casework.case_file import (
    KINDS,
    Access,
    CaseKind,
    access,
    attachments,
    panels,
    remember_form,
)
from web.forms import accept_upload, csrf, parse_form
from web.policy import EVERY_ROLE
from web.runtime import application, runtime
from web.schemas import BaseSchema, text
from web.sign_in.users import current_account, roles_required

bp = Blueprint("casework", __name__)

# Room for the multipart headers around the file.
_ENVELOPE = 64 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


class Question(BaseSchema):
    casework_question = text()


class AnswerForm(BaseSchema):
    casework_answer = text()


class Outcome(BaseSchema):
    casework_outcome = text()


def _access(kind_name: str, case_id: UUID) -> Access:
    try:
        found = access(kind_name, case_id, current_account())
    except NotFound:
        abort(404)
    if not found.opens:
        abort(403)
    return found


def _page_of(found: Access) -> tuple[str, dict[str, Any]]:
    """The page the person works on: the reporter of a Lex Sarah case reads its questions
    on their own deviation's page."""
    if not found.reads and found.reporter and found.kind.kind != "deviation":
        return "deviations.detail", {"deviation_id": found.facts.reporter_case_id}
    return found.kind.page_endpoint, {found.kind.page_arg: found.case_id}


def _back(found: Access, message: str) -> Any:
    flash(message, "success")
    endpoint, args = _page_of(found)
    return redirect(url_for(endpoint, **args) + f"#arendefil-{found.kind.kind}")


def _again(found: Access, errors: dict[str, list[str]], values: dict[str, str], status: int) -> Any:
    """The case page again, with the refused form's errors and what was typed."""
    remember_form(found.kind.kind, found.case_id, errors, values)
    endpoint, args = _page_of(found)
    page: Any = current_app.view_functions[endpoint](**args)
    answer = current_app.make_response(page)
    answer.status_code = status
    return answer


def _text_form(
    found: Access, schema: Schema, field: str, command: Any, done: str
) -> Any:
    form = parse_form(schema)
    values = {field: request.form.get(field, "")}
    if form.ok:
        try:
            command(found.kind.kind, found.case_id, text=form.data[field],
                    actor=current_account().username)
        except (DomainError, ConflictError) as error:
            form.fail(error, {"text": field})
            status = 409 if isinstance(error, StepOutOfOrder | ConflictError) else 422
            return _again(found, form.errors, values, status)
        return _back(found, done)
    return _again(found, form.errors, values, 422)


def _route(
    rule: str, name: str, view: Callable[..., Any], methods: list[str], *,
    conversation: bool = False,
) -> None:
    """The route under every kind's prefix (with a reporter to talk with, for the
    conversation's), as its own endpoint (`casework.deviation_ask`)."""
    for kind in KINDS.values():
        if conversation and not kind.conversation:
            continue

        def bound(*, _kind: CaseKind = kind, _view: Callable[..., Any] = view,
                  **arguments: Any) -> Any:
            # The case's id is named as on the kind's own pages (deviation_id, case_id, ...).
            return _view(_kind.kind, case_id=arguments.pop(_kind.page_arg), **arguments)

        bound.__name__ = bound.__qualname__ = f"{kind.kind}_{name}"
        bp.add_url_rule(f"{kind.page_prefix}/<uuid:{kind.page_arg}>{rule}",
                        endpoint=bound.__name__, view_func=bound, methods=methods)
        if view is upload:
            csrf.exempt(bound)  # checked in accept_upload, after the limit is raised


def _sha(sha256: str) -> str:
    if not _SHA256.fullmatch(sha256):
        abort(404)
    return sha256


@roles_required(EVERY_ROLE)
def ask(kind_name: str, case_id: UUID) -> Any:
    found = _access(kind_name, case_id)
    if not found.may_write_outcome:  # a closed case: the domain's refusal (409) says why
        abort(403)
    return _text_form(found, Question(), "casework_question", application().ask_reporter,
                      "Frågan är skickad till rapportören.")


@roles_required(EVERY_ROLE)
def answer(kind_name: str, case_id: UUID) -> Any:
    found = _access(kind_name, case_id)
    if not found.may_answer:
        abort(403)
    return _text_form(found, AnswerForm(), "casework_answer", application().answer_question,
                      "Ditt svar är skickat.")


@roles_required(EVERY_ROLE)
def outcome(kind_name: str, case_id: UUID) -> Any:
    found = _access(kind_name, case_id)
    if not found.may_write_outcome:
        abort(403)
    return _text_form(found, Outcome(), "casework_outcome", application().record_outcome,
                      "Utfallet är sparat; rapportören ser det när ärendet är avslutat.")


@roles_required(EVERY_ROLE)
def upload(kind_name: str, case_id: UUID) -> Any:
    found = _access(kind_name, case_id)
    if not found.may_attach:
        abort(403)
    limit = runtime().settings.attachment_max_bytes
    if not accept_upload(limit + _ENVELOPE):
        return _again(found, {"casework_file": [too_large(limit)]}, {}, 413)
    sent = request.files.get("casework_file")
    if sent is None or not sent.filename:
        return _again(found, {"casework_file": ["Välj en fil att bifoga."]}, {}, 422)
    data = sent.read(limit + 1)
    try:
        attachments().add(kind_name, case_id, data=data, file_name=sent.filename,
                          actor=current_account().username)
    except Refused as refused:
        status = 413 if len(data) > limit else 422
        return _again(found, {"casework_file": [str(refused)]}, {}, status)
    except (DomainError, ConflictError) as error:
        form = parse_form(Schema())
        form.fail(error, {"file_name": "casework_file", "file": "casework_file"})
        status = 409 if isinstance(error, StepOutOfOrder | ConflictError) else 422
        return _again(found, form.errors, {}, status)
    return _back(found, "Bilagan är sparad.")


@roles_required(EVERY_ROLE)
def download(kind_name: str, case_id: UUID, sha256: str) -> Any:
    found = _access(kind_name, case_id)
    kept = attachments().read(kind_name, case_id, _sha(sha256))
    if kept is None:
        abort(404)
    if not found.may_download(kept.attachment):
        abort(403)
    answer = send_file(
        io.BytesIO(kept.data), mimetype=kept.attachment.media_type, as_attachment=True,
        download_name=kept.attachment.file_name, conditional=False, etag=False, max_age=0,
    )
    answer.headers["X-Content-Type-Options"] = "nosniff"
    access_log.record(kind_name, case_id=case_id, parameters={"bilaga": sha256})
    return answer


@roles_required(EVERY_ROLE)
def remove(kind_name: str, case_id: UUID, sha256: str) -> Any:
    found = _access(kind_name, case_id)
    case_file = application().case_file(kind_name, case_id)
    attachment = case_file.attachments.get(_sha(sha256)) if case_file is not None else None
    if attachment is None:
        abort(404)
    if not found.may_remove(attachment):
        abort(403)
    try:
        attachments().remove(kind_name, case_id, sha256=sha256,
                             actor=current_account().username)
    except (DomainError, ConflictError) as error:
        form = parse_form(Schema())
        form.fail(error)
        return _again(found, form.errors, {}, 409)
    return _back(found, "Bilagan är borttagen. Att den fanns står kvar i ärendets historik.")


@bp.app_template_global("case_file_panels")
def case_file_panels(kind_name: str, case_id: Any) -> list[Any]:
    # A case page's template may hold the id as text (the Lex Sarah page's plain dict).
    return panels(kind_name, UUID(str(case_id)), current_account())


@bp.app_template_global("case_file_awaiting")
def case_file_awaiting(kind_name: str, case_id: Any) -> bool:
    found = application().case_file(kind_name, UUID(str(case_id)))
    return found is not None and found.awaiting_reply


_route("/fraga", "ask", ask, ["POST"], conversation=True)
_route("/svar", "answer", answer, ["POST"], conversation=True)
_route("/utfall", "outcome", outcome, ["POST"], conversation=True)
_route("/bilagor", "upload", upload, ["POST"])
_route("/bilagor/<sha256>", "download", download, ["GET"])
_route("/bilagor/<sha256>/ta-bort", "remove", remove, ["POST"])
