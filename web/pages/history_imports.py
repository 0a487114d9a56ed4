"""Import av tidigare år (/admin/import): upload a counts or rows file, see what the tracker
understood and every problem (row, column, reason), confirm an error-free file; the list of
imports, each undone after a page saying what the undo removes; the templates. Works without
JavaScript: the previewed file travels in the confirm form (base64), and is checked again,
by its SHA-256, before it is stored."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any
from uuid import UUID

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from events.errors import DomainError, EscalatedImportedDeviations, ValidationFailed
from events.history_import import ImportKind
from projections import queries
from tracker.application.history_imports import ImportRefused
from tracker.history_import import Preview
from tracker.history_import.checking import covers_in_words
from tracker.history_import.reading import (
    CONFIRM_REQUEST_BYTES,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_MB,
    TOO_LARGE,
    UPLOAD_REQUEST_BYTES,
)
from tracker.history_import.templates import code_rows, template_csv, template_xlsx
from web import navigation
from web.display import category_name
from web.documents.csv_export import content_disposition
from web.documents.xlsx_export import MIMETYPE, table_response
from web.forms import accept_upload, csrf
from web.i18n import domain_message
from web.policy import IMPORT_IN_MENU, IMPORTS_HISTORY
from web.runtime import application, fresh_views, runtime
from web.sign_in.users import current_account, roles_required

bp = Blueprint("imports", __name__, url_prefix="/admin/import")
# The quality developer finds it in the menu; the administrator in the admin area's list.
navigation.register("Import", "imports.index", IMPORT_IN_MENU, order=85)

KIND_NAMES = {
    ImportKind.COUNTS: "Antal per månad eller år",
    ImportKind.ROWS: "En rad per avvikelse",
}


def _units() -> list[tuple[str, str]]:
    return [(u.code, u.name) for u in runtime().organisation.units()]


def _kind(value: str | None) -> ImportKind | None:
    try:
        return ImportKind(value or "")
    except ValueError:
        return None


def _index(
    *, errors: dict[str, str] | None = None, status: int = 200, form_read: bool = True
) -> Any:
    """`form_read=False`: the form was too large to read (asking for it would raise again)."""
    fresh_views()
    selected = request.form.get("kind", "counts") if form_read else "counts"
    return render_template(
        "imports/index.html", imports=queries.imports(runtime().engine), kinds=KIND_NAMES,
        errors=errors or {}, selected=selected, max_mb=MAX_IMPORT_MB,
    ), status


@bp.route("/")
@roles_required(IMPORTS_HISTORY)
def index() -> Any:
    return _index()


def _category_label(code: str) -> str:
    return category_name(code, None) if code and code != "-" else "Ej fördelat"


def _show_preview(preview: Preview, data: bytes) -> Any:
    return render_template(
        "imports/preview.html", preview=preview, kind_name=KIND_NAMES[preview.kind],
        payload=base64.b64encode(data).decode("ascii"), category_label=_category_label,
    ), (200 if preview.ok else 422)


@bp.route("/forhandsgranska", methods=["POST"])
@roles_required(IMPORTS_HISTORY)
def preview() -> Any:
    if not accept_upload(UPLOAD_REQUEST_BYTES):
        return _index(errors={"file": TOO_LARGE}, status=413, form_read=False)
    kind = _kind(request.form.get("kind"))
    upload = request.files.get("file")
    errors: dict[str, str] = {}
    if kind is None:
        errors["kind"] = "Välj vad filen innehåller."
    if upload is None or not upload.filename:
        errors["file"] = "Välj en fil (.xlsx eller .csv)."
    if errors or kind is None or upload is None:
        return _index(errors=errors, status=400)
    data = upload.read(MAX_IMPORT_BYTES + 1)
    if not data:
        return _index(errors={"file": "Filen är tom."}, status=400)
    if len(data) > MAX_IMPORT_BYTES:
        return _index(errors={"file": TOO_LARGE}, status=413)
    try:
        result = application().preview_import(kind, data, upload.filename or "import")
    except ValidationFailed as error:  # the file's name
        return _index(errors={"file": domain_message(error)}, status=422)
    except DomainError as error:
        return _index(errors={"file": domain_message(error)}, status=409)
    return _show_preview(result, data)


@bp.route("/spara", methods=["POST"])
@roles_required(IMPORTS_HISTORY)
def store() -> Any:
    if not accept_upload(CONFIRM_REQUEST_BYTES):
        return _index(errors={"file": TOO_LARGE}, status=413, form_read=False)
    kind = _kind(request.form.get("kind"))
    try:
        data = base64.b64decode(request.form.get("payload", ""), validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if kind is None or not data or hashlib.sha256(data).hexdigest() != request.form.get("sha256"):
        return _index(errors={"file": "Filen kom inte med; ladda upp den igen."}, status=400)
    name = (request.form.get("file_name") or "import")[:200]
    try:
        record = application().store_import(kind, data, name, actor=current_account().username)
    except ImportRefused as refused:
        return _show_preview(refused.preview, data)
    except ValidationFailed as error:  # the file's name
        return _index(errors={"file": domain_message(error)}, status=422)
    except DomainError as error:
        return _index(errors={"file": domain_message(error)}, status=409)
    flash(f"Importen av {name} är sparad: {record.row_count} rader.", "success")
    return redirect(url_for("imports.index"))


csrf.exempt(preview)  # checked in accept_upload, after the limit is raised
csrf.exempt(store)


@bp.route("/<uuid:import_id>/angra", methods=["GET"])
@roles_required(IMPORTS_HISTORY)
def confirm_undo(import_id: UUID) -> Any:
    """What the undo removes, asked before anything changes (the POST below undoes)."""
    summary = application().undo_summary(import_id)  # an unknown id: NotFound, 404
    return render_template(
        "imports/undo.html", summary=summary, kind_name=KIND_NAMES[summary.kind],
        covers=covers_in_words(summary.covers),
    ), (409 if summary.escalated else 200)


@bp.route("/<uuid:import_id>/angra", methods=["POST"])
@roles_required(IMPORTS_HISTORY)
def undo(import_id: UUID) -> Any:
    try:
        record = application().undo_import(import_id, actor=current_account().username)
    except EscalatedImportedDeviations as refused:  # shown at the import's row
        return _index(errors={f"import-{import_id}": domain_message(refused)}, status=409)
    except DomainError as error:
        flash(domain_message(error), "error")
        return redirect(url_for("imports.index"))
    flash(f"Importen av {record.file_name} är ångrad: dess antal och avvikelser räknas inte "
          "längre. Samma fil kan importeras igen.", "success")
    return redirect(url_for("imports.index"))


@bp.route("/mall/<kind>.<ext>")
@roles_required(IMPORTS_HISTORY)
def template(kind: str, ext: str) -> Any:
    found = _kind(kind)
    if found is None or ext not in ("xlsx", "csv"):
        abort(404)
    name = f"importmall-{'antal' if found is ImportKind.COUNTS else 'rader'}.{ext}"
    if ext == "csv":
        response = Response(template_csv(found, _units()), mimetype="text/csv")
    else:
        response = Response(
            template_xlsx(found, runtime().organisation.taxonomy(), _units()), mimetype=MIMETYPE
        )
    response.headers["Content-Disposition"] = content_disposition(name)
    return response


@bp.route("/koder.csv")
@bp.route("/koder.xlsx", endpoint="codes_xlsx")
@roles_required(IMPORTS_HISTORY)
def codes() -> Any:
    rows = code_rows(runtime().organisation.taxonomy(), _units())
    return table_response("importkoder", rows[0], rows[1:], sheet="Koder")
