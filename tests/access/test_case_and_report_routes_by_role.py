"""The authorisation matrix of the Lex Sarah, child report, board and report pages and API:
every route x every role.

Lex Sarah: lex_sarah_ansvarig and verksamhetsutvecklare. Anmälningar and Bevakning:
1:e socialsekreterare, enhetschef (own units only) and verksamhetsutvecklare. Rollups:
verksamhetsutvecklare and lex_sarah_ansvarig. The report to the committee, which shows every
deviation of the month with what happened, the analysis and the measures: read by the
verksamhetsutvecklare and the Lex Sarah-ansvarig, changed by the verksamhetsutvecklare; not
the admin, who reads no case content. The annual section (counts only): the same and the
admin. Everyone else gets 403 (JSON under /api)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from flask.testing import FlaskClient
from support import ROLES, file_deviation

from tracker.runtime import Runtime

LEX = {"lexsarah", "utvecklare"}
CHILD = {"forste", "chef", "chef_hvb", "utvecklare"}
REPORTS = {"utvecklare", "lexsarah"}
COMMITTEE = {"utvecklare", "lexsarah"}
COMMITTEE_WRITERS = {"utvecklare"}
ANNUAL = COMMITTEE | {"admin"}

REPORT_PAGES = [
    "/rapporter/", "/rapporter/manad", "/rapporter/manad.csv", "/rapporter/ar",
    "/rapporter/ar.csv", "/rapporter/ar/totaler.csv", "/rapporter/ar-for-ar",
    "/rapporter/ar-for-ar.csv", "/rapporter/eskaleringar", "/rapporter/eskaleringar.csv",
    "/rapporter/aterkommande", "/rapporter/aterkommande.csv",
]
REPORT_API = [
    "/api/v1/reports/monthly?year=2026&month=1", "/api/v1/reports/annual?year=2026",
    "/api/v1/reports/yearly", "/api/v1/reports/escalations", "/api/v1/reports/recurrence",
]


@pytest.fixture
def cases(
    users: Any, lex_sarah_case: Callable[..., UUID], child_report: Callable[..., UUID]
) -> dict[str, UUID]:
    """A Lex Sarah case and one child report in each of two units."""
    return {
        "case": lex_sarah_case(),
        "ifo": child_report("utredning"),
        "hvb": child_report("hvb-notgarden"),
    }


@pytest.mark.parametrize("user", ROLES)
def test_pages_by_role(
    user: str, client_for: Callable[[str], Any], cases: dict[str, UUID]
) -> None:
    client = client_for(user)
    expected: dict[str, bool] = {
        "/lex-sarah/": user in LEX,
        f"/lex-sarah/{cases['case']}": user in LEX,
        f"/lex-sarah/{cases['case']}/tidslinje": user in LEX,
        f"/lex-sarah/{cases['case']}/tidslinje.pdf": user in LEX,
        f"/lex-sarah/{cases['case']}/utredning": user in LEX,
        "/anmalningar/": user in CHILD,
        "/anmalningar/ny": user in CHILD,
        f"/anmalningar/{cases['ifo']}": user in CHILD - {"chef_hvb"},
        f"/anmalningar/{cases['hvb']}": user in CHILD - {"chef"},
        f"/anmalningar/{cases['ifo']}/tidslinje": user in CHILD - {"chef_hvb"},
        f"/anmalningar/{cases['hvb']}/tidslinje.pdf": user in CHILD - {"chef"},
        "/bevakning/": user in CHILD | LEX,  # the Lex Sarah clocks are on the board too
        **{path: user in REPORTS for path in REPORT_PAGES},
    }
    for path, allowed in expected.items():
        status = client.get(path).status_code
        assert status == (200 if allowed else 403), (user, path, status)


def test_anonymous_visitors_are_sent_to_the_login_page(
    client: FlaskClient, cases: dict[str, UUID]
) -> None:
    for path in [f"/lex-sarah/{cases['case']}", "/anmalningar/", "/bevakning/", *REPORT_PAGES]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]


def test_navigation_shows_each_area_to_exactly_its_roles(
    client_for: Callable[[str], Any], users: Any
) -> None:
    links = {"Lex Sarah": LEX, "Anmälningar": CHILD, "Bevakning": CHILD | LEX, "Rapporter": REPORTS}
    for user in ROLES:
        page = client_for(user).get("/").get_data(as_text=True)
        nav = page.split('aria-label="Huvudmeny"', 1)[1].split("</nav>", 1)[0]
        for label, roles in links.items():
            assert (f">{label}</a>" in nav) == (user in roles), (user, label)


@pytest.mark.parametrize("user", ROLES)
def test_page_posts_by_role_store_nothing_when_refused(
    user: str, client_for: Callable[[str], Any], cases: dict[str, UUID], runtime: Runtime
) -> None:
    client = client_for(user)
    app = runtime.app
    case_before = app.get_lex_sarah_case(cases["case"]).version
    response = client.post(
        f"/lex-sarah/{cases['case']}/utredare", data={"investigator": "Utredare Ett"}
    )
    assert response.status_code == (302 if user in LEX else 403)
    assert app.get_lex_sarah_case(cases["case"]).version == case_before + (user in LEX)

    for unit in ("ifo", "hvb"):
        reaches = user in CHILD and not (
            (user == "chef" and unit == "hvb") or (user == "chef_hvb" and unit == "ifo")
        )
        before = app.get_child_report(cases[unit]).version
        response = client.post(
            f"/anmalningar/{cases[unit]}/handlaggare", data={"handler": "forste"}
        )
        assert response.status_code == (302 if reaches else 403), (user, unit)
        assert app.get_child_report(cases[unit]).version == before + reaches

    response = client.post(
        "/anmalningar/ny",
        data={"unit": "utredning", "received_date": "2026-01-05", "received_time": "09:00",
              "case_reference": "IFO-1"},
    )
    allowed = user in CHILD - {"chef_hvb"}
    # chef_hvb may register, but not for a unit outside their own: a field error
    expected = 302 if allowed else (422 if user == "chef_hvb" else 403)
    assert response.status_code == expected, user


@pytest.mark.parametrize("user", ROLES)
def test_api_by_role(user: str, api: Callable[..., Any], cases: dict[str, UUID]) -> None:
    expected: dict[str, bool] = {
        f"/api/v1/lex-sarah/{cases['case']}": user in LEX,
        f"/api/v1/lex-sarah/{cases['case']}/timeline": user in LEX,
        "/api/v1/child-reports": user in CHILD,
        f"/api/v1/child-reports/{cases['ifo']}/timeline": user in CHILD - {"chef_hvb"},
        f"/api/v1/child-reports/{cases['hvb']}/timeline": user in CHILD - {"chef"},
        f"/api/v1/child-reports/{cases['ifo']}": user in CHILD - {"chef_hvb"},
        f"/api/v1/child-reports/{cases['hvb']}": user in CHILD - {"chef"},
        **{path: user in REPORTS for path in REPORT_API},
    }
    for path, allowed in expected.items():
        response = api(user, "GET", path)
        assert response.status_code == (200 if allowed else 403), (user, path)
        if not allowed:
            assert "_schema" in response.get_json()["errors"]


@pytest.mark.parametrize("user", ROLES)
def test_api_posts_by_role(
    user: str, api: Callable[..., Any], cases: dict[str, UUID], runtime: Runtime
) -> None:
    response = api(user, "POST", f"/api/v1/lex-sarah/{cases['case']}/investigator",
                   json={"investigator": "Utredare Två"})
    assert response.status_code == (200 if user in LEX else 403)
    response = api(user, "POST", f"/api/v1/child-reports/{cases['hvb']}/handler",
                   json={"handler": "forste"})
    assert response.status_code == (200 if user in CHILD - {"chef"} else 403)
    response = api(user, "POST", "/api/v1/child-reports",
                   json={"unit": "utredning", "received_at": "2026-01-05T09:00:00+01:00",
                         "case_reference": "IFO-2"})
    assert response.status_code == (201 if user in CHILD - {"chef_hvb"} else 403), user
    reports = runtime.app  # nothing else was stored for refused users
    assert reports.get_child_report(cases["ifo"]).handler is None


def test_api_without_a_token_is_401(client: FlaskClient, cases: dict[str, UUID]) -> None:
    for path in [f"/api/v1/lex-sarah/{cases['case']}", "/api/v1/child-reports", *REPORT_API]:
        response = client.get(path)
        assert response.status_code == 401
        assert response.get_json()["errors"]


# (ivo-komplettering needs no input - its date defaults to today - so it is not listed)
LEX_ACTIONS = ["atgard", "utredare", "uppgift", "ej-tillampligt", "forslag", "beslut", "ivo",
               "informerad", "avsluta", "utredning/granska", "utredning/spara"]
CHILD_ACTIONS = ["skyddsbedomning", "handlaggare", "forlangning", "beslut", "inled-utredning",
                 "avsluta-utredning", "forlang-utredning", "anmalare", "begard-aterkoppling",
                 "aterkoppling", "aterkoppling-olamplig", "information-utredning"]
# (ivo-report-completion needs no field, so an empty body is valid input: not listed here)
LEX_API = ["protective-actions", "investigator", "findings", "not-applicable", "proposal",
           "decision", "ivo-report", "informed", "closure", "findings/batch"]
CHILD_API = ["protection-assessment", "handler", "extension", "decision", "investigation",
             "reporter-category", "feedback-request", "feedback", "feedback-declined",
             "investigation-information"]


@pytest.mark.parametrize("user", ROLES)
def test_every_action_route_by_role(
    user: str, client_for: Callable[[str], Any], api: Callable[..., Any],
    cases: dict[str, UUID], runtime: Runtime,
) -> None:
    """Allowed roles get past authorisation to validation (an empty form: 422); the others
    are refused (403) before anything is read. Nothing is stored either way."""
    head = runtime.app.recorder.max_notification_id()
    client = client_for(user)
    for action in LEX_ACTIONS:
        status = client.post(f"/lex-sarah/{cases['case']}/{action}", data={}).status_code
        assert status == (422 if user in LEX else 403), (user, action)
    reaches = user in CHILD - {"chef_hvb"}
    for action in CHILD_ACTIONS:
        status = client.post(f"/anmalningar/{cases['ifo']}/{action}", data={}).status_code
        assert status == (422 if reaches else 403), (user, action)
    for path in LEX_API:
        status = api(user, "POST", f"/api/v1/lex-sarah/{cases['case']}/{path}", json={})
        assert status.status_code == (422 if user in LEX else 403), (user, path)
    for path in CHILD_API:
        status = api(user, "POST", f"/api/v1/child-reports/{cases['ifo']}/{path}", json={})
        assert status.status_code == (422 if reaches else 403), (user, path)
    assert runtime.app.recorder.max_notification_id() == head


@pytest.mark.parametrize("user", ROLES)
def test_committee_report_and_annual_section_by_role(
    user: str, client_for: Callable[[str], Any], api: Callable[..., Any], runtime: Runtime,
) -> None:
    filed = file_deviation(runtime, description="Journalen låg i fel akt.")
    year, month = filed.reported_on.year, filed.reported_on.month
    page = f"/rapporter/namnd/{year}/{month}"
    client = client_for(user)
    reads = {
        "/rapporter/namnd/": user in COMMITTEE,
        page: user in COMMITTEE,
        f"{page}.pdf": user in COMMITTEE,
        f"{page}.docx": user in COMMITTEE,
        "/rapporter/kvalitetsberattelse/": user in ANNUAL,
        f"/rapporter/kvalitetsberattelse/{year}.xlsx": user in ANNUAL,
    }
    for path, allowed in reads.items():
        response = client.get(path)
        assert response.status_code == (200 if allowed else 403), (user, path)
        if not allowed:
            assert "Journalen låg i fel akt." not in response.get_data(as_text=True)
    documents = {
        f"/api/v1/reports/monthly/document?year={year}&month={month}&format=docx":
            user in COMMITTEE,
        f"/api/v1/reports/annual/document?year={year}&format=xlsx": user in ANNUAL,
    }
    for path, allowed in documents.items():
        response = api(user, "GET", path)
        assert response.status_code == (200 if allowed else 403), (user, path)
    drafting = client.post(f"{page}/utkast")
    assert drafting.status_code == (302 if user in COMMITTEE_WRITERS else 403), user
    assert len(runtime.app.committee_reports(year, month)) == (user in COMMITTEE_WRITERS)
    # the new steps: the Excel of the appendices, the secrecy review, the changes since
    # finalising (none finalised yet: 404 for those who may read it)
    assert client.get(f"{page}.xlsx").status_code == (200 if user in COMMITTEE else 403)
    reviewing = client.post(f"{page}/granskning", data={})
    assert reviewing.status_code == (
        422 if user in COMMITTEE_WRITERS else 403), user
    assert client.get(f"{page}/andringar").status_code == (404 if user in COMMITTEE else 403)
    period = f"year={year}&month={month}"
    reads_api = {
        f"/api/v1/reports/monthly/document?{period}&format=xlsx": 200,
        f"/api/v1/reports/monthly/review?{period}": 200 if user in COMMITTEE_WRITERS else 404,
        f"/api/v1/reports/monthly/changes?{period}": 404,
    }
    for path, status in reads_api.items():
        response = api(user, "GET", path)
        assert response.status_code == (status if user in COMMITTEE else 403), (user, path)
    for path in ("drafts", "review", "finalise"):
        response = api(user, "POST", f"/api/v1/reports/monthly/{path}", json={})
        assert response.status_code == (422 if user in COMMITTEE_WRITERS else 403), (user, path)
    created = api(user, "POST", "/api/v1/reports/monthly/drafts",
                  json={"year": year, "month": month})
    assert created.status_code == (201 if user in COMMITTEE_WRITERS else 403), user
    assert len(runtime.app.committee_reports(year, month)) == 2 * (user in COMMITTEE_WRITERS)
