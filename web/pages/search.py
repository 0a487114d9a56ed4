"""Sök ärendenummer: an exact AV-/AN-/LS- number opens the case, anything else lists the
matching numbers and case references, all within what the person's lists show
(policy.search_scope). A case they may not open answers exactly like an unknown number."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from projections import queries
from tracker.people.accounts import Account, Role
from web import policy
from web.forms import parse_form
from web.runtime import fresh_views, runtime
from web.schemas import SEARCH_MAX_LENGTH, SearchQuery
from web.sign_in.users import current_account, roles_required

bp = Blueprint("search", __name__)

KIND_NAMES = {"deviation": "Avvikelse", "child_report": "Anmälan om barn",
              "lex_sarah": "Lex Sarah-utredning", "complaint": "Klagomål eller synpunkt"}
CASE_PAGES = {"deviation": ("deviations.detail", "deviation_id"),
              "child_report": ("child_reports.report", "report_id"),
              "lex_sarah": ("lex_sarah.case", "case_id"),
              "complaint": ("complaints.case", "complaint_id")}


def case_url(hit: dict[str, Any]) -> str:
    endpoint, argument = CASE_PAGES[hit["kind"]]
    return url_for(endpoint, **{argument: hit["id"]})


def find(account: Account, text: str) -> tuple[dict[str, Any] | None, queries.SearchResult]:
    """(the case an exact number names, if the person may open it; the matches they may
    see). Both answers are built from the person's scope alone."""
    fresh_views()
    result = queries.search_cases(runtime().engine, text, policy.search_scope(account))
    result.hits = [hit for hit in result.hits if policy.opens_search_hit(account, hit)]
    number = queries.exact_number(text)
    exact = next((hit for hit in result.hits if hit["number"] == number), None)
    return exact, result


@bp.route("/sok")
@roles_required(Role)
def page() -> Any:
    if "q" not in request.args:  # the page itself, before a search
        return render_template("search/page.html", form=None, result=None,
                               max_length=SEARCH_MAX_LENGTH, kinds=KIND_NAMES)
    form = parse_form(SearchQuery(), request.args)
    if not form.ok:
        return render_template("search/page.html", form=form, result=None,
                               max_length=SEARCH_MAX_LENGTH, kinds=KIND_NAMES), 422
    exact, result = find(current_account(), form.data["q"])
    if exact is not None:
        return redirect(case_url(exact))
    return render_template("search/page.html", form=form, result=result, case_url=case_url,
                           max_length=SEARCH_MAX_LENGTH, kinds=KIND_NAMES,
                           limit=queries.MATCH_LIMIT)
