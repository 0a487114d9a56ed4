"""JSON API v1: a case's file under every kind of case (web/casework/case_file.py KINDS):
the conversation with the reporter (`…/thread`, deviations and Lex Sarah cases) and the
attachments (`…/attachments`, every kind). The same rules as the pages: who handles the
case asks and records the outcome; the person who reported it reads the thread, answers,
sees the outcome once the case is closed and only the attachments they added themselves."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any
from uuid import UUID

from flask import Response, request, send_file, url_for
from flask_babel import gettext
from marshmallow import fields
from werkzeug.exceptions import RequestEntityTooLarge

from events.casework import MEDIA_TYPES
from tracker.application import NotFound
from tracker.casework.files import Refused, too_large
from tracker.people.accounts import Account
from web import access_log
from web.api import ApiError, endpoint
from web.casework.case_file import KINDS, Access, CaseKind, access, attachments, panel
from web.policy import HANDLES_CASE_FILE
from web.runtime import application, runtime
from web.schemas import Answer, BaseSchema, text

TAGS = ["case files"]
_ENVELOPE = 64 * 1024


class TextBody(BaseSchema):
    text = text()


class MessageOut(Answer):
    kind = fields.String(metadata={"enum": ["question", "answer"]})
    by = fields.String(allow_none=True)
    at = fields.DateTime()
    text = fields.String()


class ThreadOut(Answer):
    """The conversation with the person who reported the case."""

    awaiting_reply = fields.Boolean(metadata={
        "description": "Väntar på komplettering: the last question is unanswered (no clock "
        "of the law pauses for it)"})
    reporter = fields.String(allow_none=True, metadata={
        "description": "Who is asked; null when nobody in the tracker reported the case"})
    messages = fields.List(fields.Nested(MessageOut))
    outcome = fields.String(allow_none=True, metadata={
        "description": "What the reporter is told; for the reporter null until the case "
        "is closed"})


class AttachmentOut(Answer):
    sha256 = fields.String(metadata={"description": "SHA-256 of the stored bytes (an image "
                                     "as written anew, without its metadata)"})
    file_name = fields.String()
    media_type = fields.String(metadata={"enum": sorted(MEDIA_TYPES)})
    size = fields.Integer()
    added_by = fields.String()


class UploadQuery(BaseSchema):
    file_name = text(200, required=False, metadata={
        "description": "The file's name when the body is the file itself (its ending must "
                       "fit the content); a multipart upload's own name otherwise"})


UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}},
        }},
        **{kind: {"schema": {"type": "string", "format": "binary"}}
           for kind in sorted(MEDIA_TYPES)},
    },
}


def _access(account: Account, kind: CaseKind, case_id: UUID) -> Access:
    try:
        found = access(kind.kind, case_id, account)
    except NotFound:
        raise ApiError(404, gettext("Not found.")) from None
    if not found.opens:
        raise ApiError(403, gettext("Your role may not do this."))
    return found


def _refuse() -> ApiError:
    return ApiError(403, gettext("Your role may not do this."))


def _thread(account: Account, kind: CaseKind, case_id: UUID) -> dict[str, Any]:
    shown = panel(kind.kind, case_id, account)
    assert shown is not None  # _access said the account opens it
    return {
        "awaiting_reply": shown.awaiting,
        "reporter": shown.access.facts.reporter,
        "messages": [vars(m) for m in shown.messages],
        "outcome": shown.outcome,
    }


def _attachment_dict(attachment: Any) -> dict[str, Any]:
    return {"sha256": attachment.sha256, "file_name": attachment.file_name,
            "media_type": attachment.media_type, "size": attachment.size,
            "added_by": attachment.added_by}


def _read_upload(query: dict[str, Any]) -> tuple[bytes, str]:
    limit = runtime().settings.attachment_max_bytes
    request.max_content_length = limit + _ENVELOPE
    request.max_form_memory_size = limit + _ENVELOPE
    if (request.content_length or 0) > limit + _ENVELOPE:
        raise ApiError(413, {"file": [too_large(limit)]})
    try:
        sent = request.files.get("file")
        if sent is not None:
            data = sent.read(limit + 1)
            name = query.get("file_name") or sent.filename or ""
        else:
            data = request.get_data(cache=False)
            name = query.get("file_name") or ""
    except RequestEntityTooLarge:
        raise ApiError(413, {"file": [too_large(limit)]}) from None
    if len(data) > limit:
        raise ApiError(413, {"file": [too_large(limit)]})
    if not data:
        raise ApiError(422, {"file": ["Ingen fil skickades (fältet file, eller filen som "
                                      "request-kropp)."]})
    if not name:
        raise ApiError(422, {"file_name": ["Ange filens namn (file_name)."]})
    return data, name


def _register(kind: CaseKind) -> None:
    base = f"{kind.api_prefix}/<uuid:{kind.page_arg}>"
    area = kind.kind

    def named(name: str, view: Callable[..., Any]) -> Callable[..., Any]:
        """The view under its endpoint name, given the case's id as `case_id` whatever the
        path calls it (deviation_id, case_id, report_id: as the kind's other operations)."""

        def renamed(**arguments: Any) -> Any:
            arguments["case_id"] = arguments.pop(kind.page_arg)
            return view(**arguments)

        renamed.__name__ = renamed.__qualname__ = f"{area}_{name}"
        renamed.__module__ = view.__module__
        renamed.__doc__ = view.__doc__
        return renamed

    if kind.conversation:
        def get_thread(account: Account, case_id: UUID) -> Any:
            _access(account, kind, case_id)
            return _thread(account, kind, case_id)

        endpoint(f"{base}/thread", summary="Frågor till rapportören, svaren och utfallet",
                 response=ThreadOut, tags=TAGS)(named("get_thread", get_thread))

        def ask(account: Account, case_id: UUID, body: dict[str, Any]) -> Any:
            found = _access(account, kind, case_id)
            if not found.may_write_outcome:  # a closed case: the domain's 409
                raise _refuse()
            application().ask_reporter(kind.kind, case_id, text=body["text"],
                                       actor=account.username)
            return _thread(account, kind, case_id), 201

        endpoint(f"{base}/thread/questions", method="POST", body=TextBody, status=201,
                 roles=HANDLES_CASE_FILE[kind.kind],
                 summary="Fråga rapportören (ärendet väntar på komplettering)",
                 description="Those who handle the case, while it is open (409 when closed, "
                 "or when nobody in the tracker reported it). The reporter is mailed without "
                 "the text.", response=ThreadOut, tags=TAGS)(named("ask", ask))

        def answer(account: Account, case_id: UUID, body: dict[str, Any]) -> Any:
            found = _access(account, kind, case_id)
            if not found.may_answer:
                raise _refuse()
            application().answer_question(kind.kind, case_id, text=body["text"],
                                          actor=account.username)
            return _thread(account, kind, case_id), 201

        endpoint(f"{base}/thread/answers", method="POST", body=TextBody, status=201,
                 summary="Svara på frågan (den som rapporterade)",
                 description="Only the person who reported the case (for a Lex Sarah case: "
                 "its deviation), while a question waits for an answer (else 409).",
                 response=ThreadOut, tags=TAGS)(named("answer", answer))

        def outcome(account: Account, case_id: UUID, body: dict[str, Any]) -> Any:
            found = _access(account, kind, case_id)
            if not found.may_write_outcome:
                raise _refuse()
            application().record_outcome(kind.kind, case_id, text=body["text"],
                                         actor=account.username)
            return _thread(account, kind, case_id)

        endpoint(f"{base}/thread/outcome", method="POST", body=TextBody,
                 roles=HANDLES_CASE_FILE[kind.kind],
                 summary="Utfallet som rapportören får se när ärendet är avslutat",
                 response=ThreadOut, tags=TAGS)(named("record_outcome", outcome))

    def list_attachments(account: Account, case_id: UUID) -> Any:
        _access(account, kind, case_id)
        shown = panel(kind.kind, case_id, account)
        return [_attachment_dict(a) for a, _, _ in (shown.attachments if shown else [])]

    endpoint(f"{base}/attachments", summary="Bilagorna (den som rapporterade: sina egna)",
             response=AttachmentOut, many=True, tags=TAGS)(
        named("list_attachments", list_attachments))

    def add_attachment(account: Account, case_id: UUID, query: dict[str, Any]) -> Any:
        found = _access(account, kind, case_id)
        if not found.may_attach:
            raise _refuse()
        data, name = _read_upload(query)
        try:
            added = attachments().add(kind.kind, case_id, data=data, file_name=name,
                                      actor=account.username)
        except Refused as refused:
            raise ApiError(422, {"file": [str(refused)]}) from None
        values: dict[str, Any] = {kind.page_arg: case_id, "sha256": added.sha256}
        location = url_for(f"api.casework_{area}_get_attachment", **values)
        return _attachment_dict(added), 201, {"Location": location}

    limit_mb = "TRACKER_ATTACHMENT_MAX_MB"
    endpoint(
        f"{base}/attachments", method="POST", query=UploadQuery, status=201,
        summary="Bifoga en fil (PDF, .docx, .xlsx, JPEG, PNG)",
        description="multipart/form-data with `file`, or the file itself as the body with "
        "its media type and `file_name`. The type is detected from the content, never the "
        "name (422 on `file` when it is not one of these, or the name's ending does not "
        "fit); images are written anew without EXIF and other metadata; a file name with a "
        f"personnummer: 422 on `file_name`. Larger than {limit_mb}: 413 on `file`. The same "
        "file twice: 409.",
        response=AttachmentOut, request_body=UPLOAD_BODY, tags=TAGS, location=True,
    )(named("add_attachment", add_attachment))

    def get_attachment(account: Account, case_id: UUID, sha256: str) -> Any:
        found = _access(account, kind, case_id)
        kept = attachments().read(kind.kind, case_id, sha256)
        if kept is None:
            raise ApiError(404, gettext("Not found."))
        if not found.may_download(kept.attachment):
            raise _refuse()
        sent: Response = send_file(
            io.BytesIO(kept.data), mimetype=kept.attachment.media_type,
            as_attachment=True, download_name=kept.attachment.file_name, conditional=False,
            etag=False, max_age=0,
        )
        sent.headers["X-Content-Type-Options"] = "nosniff"
        access_log.record(kind.kind, case_id=case_id, parameters={"bilaga": sha256})
        return sent

    endpoint(f"{base}/attachments/<sha256>",
             summary="Hämta en bilaga (alltid som nedladdning)", tags=TAGS,
             produces=sorted(MEDIA_TYPES))(named("get_attachment", get_attachment))

    def remove_attachment(account: Account, case_id: UUID, sha256: str) -> Any:
        found = _access(account, kind, case_id)
        case_file = application().case_file(kind.kind, case_id)
        attachment = case_file.attachments.get(sha256) if case_file is not None else None
        if attachment is None:
            raise ApiError(404, gettext("Not found."))
        if not found.may_remove(attachment):
            raise _refuse()
        attachments().remove(kind.kind, case_id, sha256=sha256, actor=account.username)
        return Response(status=204)

    endpoint(f"{base}/attachments/<sha256>", method="DELETE", status=204,
             summary="Ta bort en bilaga (filen försvinner, händelsen står kvar)",
             description="An attachment already removed: 409.", tags=TAGS)(
        named("remove_attachment", remove_attachment))


for _kind in KINDS.values():
    _register(_kind)
