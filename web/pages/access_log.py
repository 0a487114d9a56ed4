"""/admin/logg: search the access log (läslogg) by user, case and date range, and export
what was found as CSV or Excel. Read-only: there is no route that changes or removes an entry.
Also installs the recording of reads (web.access_log) in the app."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask.blueprints import BlueprintSetupState
from marshmallow import ValidationError as SchemaError
from marshmallow import fields, validate, validates_schema

from tracker.people import access_log
from web import access_log as recording
from web.display import swedish_date
from web.documents.csv_export import BOM, SEPARATOR, content_disposition, neutralise
from web.documents.xlsx_export import Sheet, xlsx_response
from web.forms import parse_form
from web.policy import ADMINISTERS
from web.runtime import fresh_views, runtime
from web.schemas import BaseSchema
from web.sign_in.users import roles_required

bp = Blueprint("access_log", __name__, url_prefix="/admin")
PER_PAGE = 100
LABELS = {"user": "Användare", "case": "Ärende", "since": "Från och med",
          "until": "Till och med", "kind": "Vad"}


@bp.record_once
def _install(state: BlueprintSetupState) -> None:
    recording.init_app(state.app)  # type: ignore[arg-type]  # Sansio App: a Flask here


class LogQuery(BaseSchema):
    user = fields.String(load_default=None, validate=validate.Length(max=64))
    case = fields.String(load_default=None, validate=validate.Length(max=64))
    since = fields.Date(load_default=None)
    until = fields.Date(load_default=None)
    kind = fields.String(
        load_default=None, validate=validate.OneOf(list(access_log.KINDS), error="Välj i listan.")
    )
    sida = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))

    @validates_schema
    def _range(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise SchemaError("Till och med kan inte vara före från och med.", "until")


def _filters(data: dict[str, Any]) -> dict[str, Any] | None:
    """The query's filters for tracker.people.access_log, or None when the case is unknown."""
    case_id = None
    if data["case"]:
        case_id = access_log.case_id_for(runtime().engine, data["case"])
        if case_id is None:
            return None
    return {"username": (data["user"] or "").lower() or None, "case_id": case_id,
            "since": data["since"], "until": data["until"], "kind": data["kind"]}


@bp.route("/logg")
@roles_required(ADMINISTERS)
def search() -> Any:
    form = parse_form(LogQuery(), request.args)
    entries: list[access_log.Entry] = []
    total = 0
    numbers: dict[str, str] = {}
    searched = bool(form.values)
    if form.ok:
        filters = _filters(form.data)
        if filters is None:
            form.add("case", "Det finns inget ärende med det numret.")
        else:
            fresh_views()  # the case numbers come from the views
            entries, total = access_log.search(
                runtime().engine, **filters, limit=PER_PAGE,
                offset=(form.data["sida"] - 1) * PER_PAGE,
            )
            numbers = access_log.case_numbers(runtime().engine, entries)
    query = {k: v for k, v in form.values.items() if v and k != "sida"}
    return render_template(
        "access_log/search.html", form=form, entries=entries, total=total, numbers=numbers,
        labels=LABELS, kinds=list(access_log.KINDS.items()), query=query, searched=searched,
        page=form.data.get("sida", 1) if form.ok else 1,
        pages=max(1, -(-total // PER_PAGE)),
    ), (200 if form.ok else 422)


HEADER = ["Tidpunkt", "Användare", "Vad", "Ärende", "Ärende-id", "Adress i tjänsten",
          "Parametrar", "Från adress", "Kanal"]


def _value(value: Any) -> str:
    """A parameter as the page shows it: a list of units as 'oppenvard,utredning'."""
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def _rows(filters: dict[str, Any]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=SEPARATOR, lineterminator="\r\n")

    def line(cells: list[object]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(cell) for cell in cells])
        return buffer.getvalue()

    yield BOM + line(list(HEADER))
    for cells in _cells(filters):
        yield line(cells)


def _cells(filters: dict[str, Any]) -> Iterator[list[object]]:
    """The found entries as the export's rows (case numbers looked up 500 at a time)."""
    engine = runtime().engine
    batch: list[access_log.Entry] = []

    def flush() -> Iterator[list[object]]:
        numbers = access_log.case_numbers(engine, batch)
        for e in batch:
            params = ", ".join(f"{k}={_value(v)}" for k, v in (e.parameters or {}).items())
            yield [swedish_date(e.at), e.username, e.kind_label,
                   numbers.get(e.case_id or "", ""), e.case_id, e.what, params,
                   e.remote_addr, e.channel_label]

    for entry in access_log.every(engine, **filters):
        batch.append(entry)
        if len(batch) == 500:
            yield from flush()
            batch = []
    yield from flush()


@bp.route("/logg.csv")
@bp.route("/logg.xlsx", endpoint="export_xlsx")
@roles_required(ADMINISTERS)
def export() -> Any:
    form = parse_form(LogQuery(), request.args)
    filters = _filters(form.data) if form.ok else None
    if filters is None:
        return search()
    fresh_views()
    if request.path.endswith(".xlsx"):  # the Excel file beside the CSV, as for every CSV
        return xlsx_response("läslogg.xlsx", [Sheet("Läslogg", HEADER, list(_cells(filters)))])
    response = Response(stream_with_context(_rows(filters)), mimetype="text/csv")
    response.headers["Content-Disposition"] = content_disposition("läslogg.csv")
    response.headers["Cache-Control"] = "no-store"
    return response
