"""The annual section of the kvalitetsberättelse: the page is the preview of the PDF;
PDF, Word and Excel downloads beside it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from marshmallow import fields, validate

from projections import queries
from web.documents import annual
from web.documents.responses import download
from web.forms import parse_form
from web.policy import READS_ANNUAL_SECTION
from web.runtime import application, runtime
from web.schemas import BaseSchema
from web.sign_in.users import current_account, roles_required

bp = Blueprint("annual_section", __name__, url_prefix="/rapporter/kvalitetsberattelse")


class YearQuery(BaseSchema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))


def _years(shown: int) -> list[int]:
    this_year = application().today().year
    years = {row["year"] for row in queries.yearly_totals(runtime().engine)["years"]}
    return sorted(years | {this_year, this_year - 1, shown}, reverse=True)


@bp.route("/")
@roles_required(READS_ANNUAL_SECTION)
def show() -> Any:
    form = parse_form(YearQuery(), request.args)
    year = (form.data.get("year") if form.ok else None) or application().today().year
    doc = annual.load(year)
    return render_template(
        "annual_section/page.html", doc=doc, form=form, years=_years(year)
    ), 200 if form.ok else 422


@bp.route("/<int:year>.<any(pdf, docx, xlsx):kind>")
@roles_required(READS_ANNUAL_SECTION)
def document(year: int, kind: str) -> Any:
    if not 2000 <= year <= 2100:
        abort(404)
    doc = annual.load(year, author=current_account().username)
    render = {"pdf": annual.to_pdf, "docx": annual.to_docx, "xlsx": annual.to_xlsx}[kind]
    return download(render(doc), doc.filename, kind)
