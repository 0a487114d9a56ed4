"""Bevakning: every open clock of every child report the user reaches — and, for the roles
that work on Lex Sarah cases, each open case's remedy ("genast") and its anmälan to IVO
against the local target — fewest days left first, banded overdue / due today / N days or
less / later (in words as well as colour), with filters for unit and handler and a link to
each case."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from events.base import SHORT_TEXT
from events.clocks import BAND_ORDER, days_text
from projections import queries
from web import navigation
from web.display import BANDS
from web.forms import parse_form
from web.pages.child_reports import handler_options, unit_options
from web.policy import (
    CHILD_REPORT_ROLES,
    COMPLAINT_ROLES,
    LEX_SARAH_ROLES,
    SEES_BOARD,
    child_report_scope,
    complaint_scope,
)
from web.runtime import application, fresh_views, runtime
from web.schemas import BaseSchema
from web.schemas import code as code_field
from web.schemas import text as text_field
from web.sign_in.users import current_account, roles_required

bp = Blueprint("board", __name__, url_prefix="/bevakning")
navigation.register("Bevakning", "board.index", SEES_BOARD, order=31)

COMPLAINT_CLOCK_LABELS = {
    queries.ACKNOWLEDGE_CLOCK: "Klagomål: mottagningsbekräftelse",
    queries.ANSWER_CLOCK: "Klagomål: svar",
}


class BoardQuery(BaseSchema):
    unit = code_field(required=False)
    handler = text_field(SHORT_TEXT, required=False)


@bp.route("/")
@roles_required(SEES_BOARD)
def index() -> Any:
    account = current_account()
    form = parse_form(BoardQuery(), request.args)
    filters = form.data if form.ok else {"unit": None, "handler": None}
    fresh_views()
    settings, today = runtime().settings, application().today()
    warning_days = settings.warning_days
    rows: list[dict[str, Any]] = []
    if account.role in CHILD_REPORT_ROLES:
        rows += queries.deadline_board(
            runtime().engine, today, unit=filters["unit"],
            units=child_report_scope(account), handler=filters["handler"],
            warning_days=warning_days,
        )
    if account.role in LEX_SARAH_ROLES:
        rows += queries.lex_sarah_board(
            runtime().engine, today, ivo_target_days=settings.ivo_target_days,
            warning_days=warning_days, unit=filters["unit"], handler=filters["handler"],
        )
    if account.role in COMPLAINT_ROLES and not filters["handler"]:
        # Klagomål: the acknowledgement and answer targets (no handler to filter on).
        rows += [row | {"label": COMPLAINT_CLOCK_LABELS[row["clock"]],
                        "days_text": days_text(row["days_left"])}
                 for row in queries.complaint_board(
                     runtime().engine, today, units=complaint_scope(account),
                     unit=filters["unit"], acknowledge_days=settings.complaint_acknowledge_days,
                     answer_days=settings.complaint_answer_days, warning_days=warning_days,
                 )]
    rows.sort(key=lambda r: (r["days_left"], r["number"], r["clock"]))
    counts = {band: sum(1 for row in rows if row["band"] == band) for band in BAND_ORDER}
    bands = dict(BANDS)
    bands["soon"] = f"{warning_days} dagar eller mindre"
    return render_template(
        "board/index.html", rows=rows, counts=counts, bands=bands, band_order=BAND_ORDER,
        form=form,
        units=unit_options(account), handlers=handler_options(),
        lex_sarah=account.role in LEX_SARAH_ROLES, ivo_target_days=settings.ivo_target_days,
    ), (200 if form.ok else 422)
