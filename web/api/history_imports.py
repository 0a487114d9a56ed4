"""Imports of earlier years: preview (dry run), store, list, undo. The file comes as a
multipart upload (field `file`) or as the request body (a CSV, or an .xlsx workbook)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from flask import Response, jsonify, request
from marshmallow import Schema, fields, validate

from events.errors import EscalatedImportedDeviations
from events.history_import import ImportKind
from projections import queries
from tracker.application.history_imports import ImportRefused
from tracker.history_import import Preview
from tracker.history_import.reading import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_MB,
    TOO_LARGE,
    UPLOAD_REQUEST_BYTES,
)
from tracker.people.accounts import Account
from web.api import ApiError, endpoint
from web.i18n import domain_message
from web.policy import IMPORTS_HISTORY
from web.runtime import application, fresh_views, runtime
from web.schemas import BaseSchema, form_flag

TAGS = ["imports"]


class ImportQuery(BaseSchema):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in ImportKind]))
    dry_run = form_flag(load_default=True)
    file_name = fields.String(load_default=None, validate=validate.Length(max=200))


class ProblemSchema(Schema):
    row = fields.Integer(required=True)
    column = fields.String(required=True)
    message = fields.String(required=True)


class YearTotalSchema(Schema):
    year = fields.Integer(required=True)
    total = fields.Integer(required=True)
    lex_sarah = fields.Integer(required=True)
    by_operation = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_category = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class PreviewSchema(Schema):
    kind = fields.String(required=True)
    file_name = fields.String(required=True)
    sha256 = fields.String(required=True)
    rows_read = fields.Integer(required=True)
    ok = fields.Boolean(required=True)
    totals = fields.List(fields.Nested(YearTotalSchema), required=True)
    covers = fields.List(fields.String(), required=True)
    problems = fields.List(fields.Nested(ProblemSchema), required=True)


class RefusedSchema(Schema):
    """422: the file's problems as field errors, and the preview that found them."""

    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         required=True)
    preview = fields.Nested(PreviewSchema)


class UtcMoment(fields.DateTime):
    """A moment the view keeps as naive UTC, answered with its offset (RFC 3339)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class ImportSchema(Schema):
    id = fields.UUID(required=True)
    kind = fields.String(required=True)
    file_name = fields.String(required=True)
    sha256 = fields.String(required=True)
    row_count = fields.Integer(required=True)
    deviations = fields.Integer(required=True)
    imported_by = fields.String(required=True)
    imported_at = UtcMoment(required=True)
    undone_by = fields.String(allow_none=True, required=True)
    undone_at = UtcMoment(allow_none=True, required=True)


class ImportResultSchema(Schema):
    dry_run = fields.Boolean(required=True)
    preview = fields.Nested(PreviewSchema, required=True)
    import_ = fields.Nested(ImportSchema, data_key="import", allow_none=True, required=True)


UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}},
        }},
        # One count of an earlier year, in the default taxonomy's words (a file for another
        # organisation's codes is refused 422, row by row: see the description).
        "text/csv": {"schema": {"type": "string"}, "example": (
            "år;månad;verksamhet;kvalitetsområde;underkategori;antal;varav_lex_sarah\r\n"
            "2016;3;IFO;samverkan;;4;\r\n")},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}},
    },
}


def _upload(query: dict[str, Any]) -> tuple[bytes, str]:
    request.max_content_length = UPLOAD_REQUEST_BYTES
    upload = request.files.get("file")
    if upload is not None:
        data = upload.read(MAX_IMPORT_BYTES + 1)
        name = query["file_name"] or upload.filename or "import"
    else:
        data = request.get_data(cache=False)
        xlsx = data[:4] == b"PK\x03\x04"
        name = query["file_name"] or ("import.xlsx" if xlsx else "import.csv")
    if not data:
        raise ApiError(422, {"file": ["Ingen fil skickades (fältet file, eller filen som "
                                      "request-kropp)."]})
    if len(data) > MAX_IMPORT_BYTES:
        raise ApiError(413, {"file": [TOO_LARGE]})
    return data, name


def _refused(preview: Preview) -> Response:
    errors: dict[str, list[str]] = {
        "file": [f"Filen har {len(preview.problems)} fel; inget har importerats."]
    }
    for problem in preview.problems:
        key = f"rad {problem.row}" + (f", {problem.column}" if problem.column else "")
        errors.setdefault(key, []).append(problem.message)
    body = {"errors": errors, "preview": PreviewSchema().dump(preview.as_dict())}
    response = jsonify(body)
    response.status_code = 422
    return response


@endpoint(
    "/imports", method="POST", summary="Importera tidigare år (antal eller rader) från .xlsx/.csv",
    description="kind=counts|rows; dry_run=true (default) answers 200 with what the file "
    "holds and stores nothing; dry_run=false stores an error-free file whole (201). A file "
    "with problems: 422, each problem as `rad N, kolumn` -> [reason] and in preview.problems. "
    "The same file (the same bytes) while its earlier import still counts: 409; once that "
    "import is undone it may be imported again. A file name with a control character or "
    f"a personnummer: 422 on `file_name`. At most {MAX_IMPORT_MB} MB (413).",
    roles=IMPORTS_HISTORY, query=ImportQuery, response=ImportResultSchema, status=201, also=[200],
    tags=TAGS, request_body=UPLOAD_BODY, error_schemas={422: RefusedSchema},
    creates={"/import/id": "/imports/<uuid:import_id>"},
)
def create_import(account: Account, query: dict[str, Any]) -> Any:
    data, name = _upload(query)
    kind = ImportKind(query["kind"])
    app = application()
    preview = app.preview_import(kind, data, name)
    if not preview.ok:
        return _refused(preview)
    if query["dry_run"]:
        return {"dry_run": True, "preview": preview.as_dict(), "import_": None}, 200
    try:
        record = app.store_import(kind, data, name, actor=account.username)
    except ImportRefused as refused:  # the organisation data changed since the preview
        return _refused(refused.preview)
    fresh_views()
    return {"dry_run": False, "preview": preview.as_dict(),
            "import_": queries.import_summary(runtime().engine, record.id)}, 201


@endpoint("/imports", summary="Alla importer, nyaste först", roles=IMPORTS_HISTORY,
          response=ImportSchema, many=True, tags=TAGS)
def list_imports(account: Account) -> Any:
    fresh_views()
    return queries.imports(runtime().engine)


@endpoint("/imports/<uuid:import_id>/undo", method="POST",
          summary="Ångra en import i sin helhet (antal och avvikelser slutar räknas)",
          description="Refused with 409 while any of its deviations has been escalated to "
          "Lex Sarah since (such a deviation cannot be withdrawn): `errors.deviations` names "
          "their numbers; nothing is changed. An import already undone: 409.",
          roles=IMPORTS_HISTORY, response=ImportSchema, tags=TAGS)
def undo_import(account: Account, import_id: UUID) -> Any:
    try:
        application().undo_import(import_id, actor=account.username)
    except EscalatedImportedDeviations as refused:
        raise ApiError(409, {refused.field: [domain_message(refused)]}) from refused
    fresh_views()
    return queries.import_summary(runtime().engine, import_id)
