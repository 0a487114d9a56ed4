"""Bevakning: every open clock of every child report the user reaches, fewest days left
first, banded overdue / due today / 3 days or less / later — in words as well as colour —
with filters for unit and handler and a link to each report."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from events.base import SHORT_TEXT
from events.clocks import CLOCK_LABELS
from projections import queries
from web import navigation
from web.auth import current_account, roles_required
from web.casework import BANDS, CHILD_REPORT_ROLES, child_report_scope
from web.forms import parse_form
from web.pages.child_reports import handler_options, unit_options
from web.runtime import application, fresh_views, runtime
from web.schemas import BaseSchema
from web.schemas import code as code_field
from web.schemas import text as text_field

bp = Blueprint("board", __name__, url_prefix="/bevakning")
navigation.register("Bevakning", "board.index", CHILD_REPORT_ROLES, order=31)

BAND_ORDER = ("overdue", "due_today", "soon", "later")


class BoardQuery(BaseSchema):
    unit = code_field(required=False)
    handler = text_field(SHORT_TEXT, required=False)


@bp.route("/")
@roles_required(CHILD_REPORT_ROLES)
def index() -> Any:
    account = current_account()
    form = parse_form(BoardQuery(), request.args)
    filters = form.data if form.ok else {"unit": None, "handler": None}
    fresh_views()
    warning_days = runtime().settings.warning_days
    rows = queries.deadline_board(
        runtime().engine, application().today(), unit=filters["unit"],
        units=child_report_scope(account), handler=filters["handler"],
        warning_days=warning_days,
    )
    counts = {band: sum(1 for row in rows if row["band"] == band) for band in BAND_ORDER}
    bands = dict(BANDS)
    bands["soon"] = f"{warning_days} dagar eller mindre"
    return render_template(
        "board/index.html", rows=rows, counts=counts, bands=bands, band_order=BAND_ORDER,
        clock_names=CLOCK_LABELS, form=form, units=unit_options(account),
        handlers=handler_options(),
    ), (200 if form.ok else 422)
