"""Recording reads in the access log (läslogg, tracker.people.access_log) from the web front.

`record(kind, what, ...)` logs one read by the person (page) or token (API) behind the
current request. Routes need not call it: `after_request` below records every answer that
shows a case's content, whatever the method:

* a case view: any answer at the address of a deviation, Lex Sarah case or child report
  (CASE_PREFIXES, with the case id in it) that shows the case: 200 or 201 (a GET, or an
  API action answering with the case), and a page re-rendered with 422 around a refused
  action form (the whole case is on it; the API's 422 carries only the errors);
* a report page showing many cases' content (REPORT_PAGES: the committee report, its
  preview and its edit form, also re-rendered with 422), with its year and month, like
  its downloads;
* a download: any 200 sent as an attachment or with a document's content type (CSV,
  XLSX, PDF, DOCX ...), with the query's parameters (never the stylesheets and icons);
* a list filtered to a unit: any GET 200 with a `unit` parameter, and the case lists of a
  person whose role limits them to their own units (UNIT_LISTS);
* a list that shows cases' own text or references (CASE_TEXT_LISTS: the measures'
  descriptions, the child reports' case references), whoever reads it, filtered or not;

unless the route already called `record` itself. So new case pages and new downloads are
logged without anyone remembering to: a test walks the URL map to prove it."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_login import current_user

from tracker.people import access_log
from tracker.people.accounts import Account, Role
from web.policy import SEES_CASE_READERS
from web.runtime import runtime

log = logging.getLogger(__name__)

# URL prefixes of case pages and case endpoints -> the kind of case read there.
CASE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("/avvikelser/", "deviation"),
    ("/api/v1/deviations/", "deviation"),
    ("/lex-sarah/", "lex_sarah"),
    ("/api/v1/lex-sarah/", "lex_sarah"),
    ("/anmalningar/", "child_report"),
    ("/api/v1/child-reports/", "child_report"),
    ("/klagomal/", "complaint"),
    ("/api/v1/complaints/", "complaint"),
)
# Case lists that show only the reader's own units when their role is unit-scoped (the
# start page "Att göra" lists an enhetschef's units' cases too).
UNIT_LISTS = frozenset({
    "deviations.inbox", "child_reports.index", "board.index", "measures.index", "home.index",
    "api.deviations_list_deviations", "api.child_reports_list_reports",
    "complaints.index", "api.complaints_list_complaints",
})
# Lists that show what was written in the cases (not only numbers, units and dates); the
# search lists case references and is logged with what was searched (a personnummer-like
# search is refused before, so never logged).
CASE_TEXT_LISTS = frozenset({
    "measures.index", "api.measures_list_measures", "child_reports.index",
    "api.child_reports_list_reports",
    "search.page", "api.search_search",
})
DOWNLOAD_TYPES = frozenset({
    "text/csv",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/zip",
})
# Pages that show the content of many cases (what happened, analyses, measures) without
# being one case's address.
REPORT_PAGES = frozenset({
    "committee_report.show", "committee_report.edit", "committee_report.finalise",
    "committee_report.review", "committee_report.changes",
    # the API's report steps answer with the flagged words of the cases' texts
    "api.committee_reports_create_draft", "api.committee_reports_get_review",
    "api.committee_reports_confirm_review", "api.committee_reports_finalise",
    "api.committee_reports_changes",
})
# An answer with a case's content: shown (200), made (201), or a page re-rendered (422).
SHOWN = frozenset({200, 201})
RE_RENDERED = 422
STATIC_ENDPOINTS = frozenset({"static", "assets.favicon"})


def _reader() -> Account | None:
    account = g.get("api_account")
    if account is not None:
        return account
    if current_user.is_authenticated:
        return current_user.account
    return None


def _parameters(*, with_path: bool = False) -> dict[str, Any]:
    """The query's parameters (and, for a download, those in its address: year, month)."""
    found = {key: value for key, value in request.args.items() if value != ""}
    if with_path:
        found = {key: str(value) for key, value in (request.view_args or {}).items()} | found
    return found


def record(
    kind: str,
    what: str | None = None,
    *,
    case_id: Any = None,
    parameters: dict[str, Any] | None = None,
) -> None:
    """Log one read by whoever is behind the current request (once per request)."""
    account = _reader()
    if account is None or g.get("access_logged"):
        return
    g.access_logged = True
    access_log.record(
        runtime().engine,
        username=account.username,
        kind=kind,
        what=what or request.path,
        case_id=None if case_id is None else str(case_id),
        parameters=parameters,
        remote_addr=request.remote_addr or "-",
        channel="api" if request.path.startswith("/api/") else "page",
    )


def _case(path: str) -> tuple[str, Any] | None:
    ids = [v for v in (request.view_args or {}).values() if hasattr(v, "hex")]  # UUIDs
    if len(ids) != 1:
        return None
    for prefix, kind in CASE_PREFIXES:
        if path.startswith(prefix):
            return kind, ids[0]
    return None


def _is_download(response: Response) -> bool:
    # Not the stylesheets and icons: Flask names every file it sends ("inline; filename=").
    if request.endpoint in STATIC_ENDPOINTS:
        return False
    disposition = response.headers.get("Content-Disposition", "")
    return disposition.startswith("attachment") or response.mimetype in DOWNLOAD_TYPES


def _shows_content(response: Response) -> bool:
    """The answer carries what it was asked about: 200/201, or a page (HTML) re-rendered
    with 422 around a refused form. Never HEAD (no body), a redirect or an error page."""
    if request.method == "HEAD":
        return False
    if response.status_code in SHOWN:
        return True
    return response.status_code == RE_RENDERED and response.mimetype == "text/html"


def classify(response: Response) -> tuple[str, Any, dict[str, Any] | None] | None:
    """(kind, case id, parameters) when this answer is a read the log keeps."""
    if not _shows_content(response):
        return None
    read = request.method == "GET" and response.status_code == 200
    if read and _is_download(response):
        return "export", None, _parameters(with_path=True)
    case = _case(request.path)
    if case is not None:
        return case[0], case[1], None
    if request.endpoint in REPORT_PAGES:
        return "report", None, _parameters(with_path=True)
    if not read:
        return None
    parameters = _parameters()
    account = _reader()
    if request.endpoint in UNIT_LISTS and account is not None and account.role is Role.ENHETSCHEF:
        return "list", None, parameters | {"units": sorted(account.units)}
    if parameters.get("unit") or request.endpoint in CASE_TEXT_LISTS:
        return "list", None, parameters
    return None


def after_request(response: Response) -> Response:
    if g.get("access_logged") or current_app.config.get("ACCESS_LOG_DISABLED"):
        return response
    found = classify(response)
    if found is None:
        return response
    kind, case_id, parameters = found
    try:
        record(kind, case_id=case_id, parameters=parameters)
    except Exception:
        # The answer is already made; a failing log must be loud, not a blank page.
        log.exception("access log: could not record %s %s", kind, request.path)
    return response


def case_readers(case_id: Any) -> dict[str, Any] | None:
    """For a case page's "Vem har läst ärendet": the entries, for those who may see them."""
    account = _reader()
    if account is None or account.role not in SEES_CASE_READERS:
        return None
    entries, total = access_log.readers(runtime().engine, str(case_id))
    return {"entries": entries, "total": total}


def init_app(app: Flask) -> None:
    app.after_request(after_request)
    app.add_template_global(case_readers)
