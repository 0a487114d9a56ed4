"""Klagomål, avvikelser och Lex Sarah per halvår: the joint analysis SOSFS 2011:9 5 kap.
asks for, side by side per kvalitetsområde and unit, with CSV and Excel. Counts only (no
case content), for the roles that read the other rollups."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from marshmallow import fields, validate

from events.legal import cite_on
from web.documents.complaints import JOINT_HEADER, half_year_period, joint_rows
from web.documents.xlsx_export import table_response
from web.forms import parse_form
from web.policy import REPORT_ROLES
from web.runtime import application
from web.schemas import EARLIEST_YEAR, BaseSchema
from web.sign_in.users import roles_required

bp = Blueprint("joint_analysis", __name__, url_prefix="/rapporter")

CHOOSE = "Välj ett av alternativen i listan."


class HalfYearQuery(BaseSchema):
    year = fields.Integer(load_default=None, validate=validate.Range(
        min=EARLIEST_YEAR, max=9999, error=CHOOSE))
    half = fields.Integer(load_default=None, validate=validate.OneOf([1, 2], error=CHOOSE))


def _period() -> tuple[Any, int, int]:
    form = parse_form(HalfYearQuery(), request.args)
    today = application().today()
    data = form.data if form.ok else {}
    year = data.get("year") or today.year
    half = data.get("half") or (1 if today.month <= 6 else 2)
    return form, year, half


@bp.route("/halvar")
@roles_required(REPORT_ROLES)
def page() -> Any:
    form, year, half = _period()
    first, last, period = half_year_period(year, half)
    rows = joint_rows(first, last)
    totals = [sum(row[i] for row in rows) for i in (2, 3, 4)]
    this_year = application().today().year
    return render_template(
        "complaints/joint.html", form=form, rows=rows, totals=totals, header=JOINT_HEADER,
        period=period, year=year, half=half,
        basis=cite_on("sosfs_2011_9", last),  # the law is data (events/legal.py)
        years=list(range(this_year, max(EARLIEST_YEAR, this_year - 10) - 1, -1)),
    ), (200 if form.ok else 422)


@bp.route("/halvar.csv")
@bp.route("/halvar.xlsx", endpoint="download_xlsx")
@roles_required(REPORT_ROLES)
def download() -> Any:
    form, year, half = _period()
    if not form.ok:
        return page()  # the page with the refusal, 422
    first, last, period = half_year_period(year, half)
    return table_response(f"klagomal-avvikelser-lex-sarah-{year}-h{half}", JOINT_HEADER,
                          joint_rows(first, last), sheet=f"Halvår {half} {year}",
                          note=f"Inkomna {period}. Klagomål: typen klagomål (inte "
                          "synpunkter eller beröm).")
