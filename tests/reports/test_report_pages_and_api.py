"""The rollup pages and report endpoints: counts that follow the event log, charts with
tables, CSV downloads."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from tracker.runtime import Runtime

MONTHLY_KEYS = {"year", "month", "total", "by_operation", "rows", "causes", "risk"}


# --- rollups ------------------------------------------------------------------------


def _file(runtime: Runtime, unit: str, category: str, sub: str | None, days_ago: int = 0) -> UUID:
    today = runtime.app.today()
    return runtime.app.file_deviation(
        actor="rapportor", unit=unit, category=category, subcategory=sub,
        occurred_on=today - timedelta(days=days_ago), description="Händelse.",
        reported_on=today - timedelta(days=days_ago),
    ).id


def _monthly_count(html: str, operation: str, category: str, sub: str = "") -> int:
    table = html.split(f'id="tabell-{operation.lower()}"', 1)[1].split("</table>", 1)[0]
    match = re.search(
        rf'data-category="{category}" data-subcategory="{sub}">.*?<td class="num">(\d+)</td>',
        table, re.S,
    )
    assert match, (operation, category, sub)
    return int(match.group(1))


def test_monthly_page_counts_follow_the_log(
    client_for: Callable[[str], Any], users: Any, runtime: Runtime
) -> None:
    client = client_for("utvecklare")
    before = client.get("/rapporter/manad").get_data(as_text=True)
    # nothing registered yet: the month has no figure ("uppgift saknas"), not 0
    assert "Uppgift saknas för" in before
    assert 'data-subcategory="sekretess"><th scope="row">Handläggning och dokumentation – ' \
        'Brister utifrån sekretess</th><td class="num">uppgift saknas</td>' in before
    _file(runtime, "utredning", "handlaggning", "sekretess")
    _file(runtime, "utredning", "handlaggning", "sekretess")
    _file(runtime, "hvb-notgarden", "genomforande", None)
    html = client.get("/rapporter/manad").get_data(as_text=True)
    assert _monthly_count(html, "IFO", "handlaggning", "sekretess") == 2
    assert _monthly_count(html, "HVB", "genomforande") == 1
    assert _monthly_count(html, "HVB", "handlaggning", "sekretess") == 0
    assert "<strong>3</strong> avvikelser kom in" in html
    assert "n = 2" in html
    assert "n = 1" in html
    # a bar chart per operation, labelled, with the numbers in its description
    charts = re.findall(r'<svg[^>]*role="img"[^>]*>', html)
    assert len(charts) == 2
    assert "Brister utifrån sekretess: 2" in html


def test_monthly_page_for_a_chosen_month_and_bad_month(
    client_for: Callable[[str], Any], users: Any, runtime: Runtime
) -> None:
    client = client_for("utvecklare")
    today = runtime.app.today()
    response = client.get(f"/rapporter/manad?year={today.year}&month=13")
    assert response.status_code == 422
    assert 'href="#month"' in response.get_data(as_text=True)
    assert "Måste vara mellan 1 och 12." in response.get_data(as_text=True)
    response = client.get("/rapporter/manad?year=2020&month=2")
    assert response.status_code == 200
    assert "Månadsrapport februari 2020" in response.get_data(as_text=True)


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_every_table_downloads_as_csv(
    client_for: Callable[[str], Any], users: Any, runtime: Runtime,
    lex_sarah_case: Callable[..., UUID], time_machine: Any,
) -> None:
    # Mid-month, so the Lex Sarah case's deviation (filed two days ago) is this month's.
    time_machine.move_to(datetime(2026, 6, 15, 10, tzinfo=UTC), tick=True)
    _file(runtime, "utredning", "personal", None)
    _file(runtime, "utredning", "personal", None)
    _file(runtime, "utredning", "personal", None)
    lex_sarah_case()
    year = runtime.app.today().year
    client = client_for("utvecklare")

    monthly = _csv(client.get("/rapporter/manad.csv"))
    assert monthly[0] == ["Verksamhet", "Kvalitetsområde", "Antal"]
    assert ["Individ- och familjeomsorg", "Personal och kompetens", "3"] in monthly
    assert monthly[-1] == ["Alla verksamheter", "Totalt", "4"]

    annual = _csv(client.get(f"/rapporter/ar.csv?year={year}"))
    assert annual[0] == ["Kvalitetsområde", "IFO", "HVB", "Totalt", "Lex Sarah-utredningar"]
    assert ["Personal och kompetens", "3", "0", "3", "0"] in annual
    assert ["Genomförande av insats", "1", "0", "1", "1"] in annual
    assert ["varav Brister utifrån sekretess", "0", "0", "0", "0"] in annual
    assert annual[-1] == ["TOTALT", "4", "0", "4", "1"]

    assert _csv(client.get("/rapporter/ar/totaler.csv")) == [
        ["År", "Antal avvikelser"], [str(year), "4"]]
    yoy = _csv(client.get(f"/rapporter/ar-for-ar.csv?first={year}&last={year}"))
    assert yoy[0][0] == "År"
    assert yoy[0][-1] == "Totalt"
    assert yoy[1][0] == str(year)
    assert yoy[1][-1] == "4"
    escalations = _csv(client.get("/rapporter/eskaleringar.csv"))
    assert escalations[0][0] == "Lex Sarah-nummer"
    assert len(escalations) == 2
    recurrence = _csv(client.get("/rapporter/aterkommande.csv"))
    assert recurrence[1][:4] == ["Utredningsenheten", "IFO", "Personal och kompetens", "3"]
    assert recurrence[1][-1] == "Överväg Lex Sarah-utredning"


def test_annual_and_year_over_year_pages_show_chart_and_table(
    client_for: Callable[[str], Any], users: Any, runtime: Runtime
) -> None:
    _file(runtime, "stodboendet", "samverkan", None)
    year = runtime.app.today().year
    client = client_for("lexsarah")
    annual = client.get(f"/rapporter/ar?year={year}").get_data(as_text=True)
    assert re.search(r"<th scope=\"row\">Samverkan</th><td class=\"num\">0</td>"
                     r"<td class=\"num\">1</td><td class=\"num\">1</td>", annual)
    assert "TOTALT" in annual
    yoy = client.get(f"/rapporter/ar-for-ar?first={year - 1}&last={year}").get_data(as_text=True)
    assert 'role="img"' in yoy
    assert f"<th scope=\"row\">{year - 1}</th>" in yoy
    assert client.get("/rapporter/ar-for-ar?first=1900").status_code == 422


def test_escalation_and_recurrence_pages(
    client_for: Callable[[str], Any], users: Any, runtime: Runtime,
    lex_sarah_case: Callable[..., UUID],
) -> None:
    case_id = lex_sarah_case()
    for _ in range(3):
        _file(runtime, "oppenvard", "samverkan", None)
    client = client_for("utvecklare")
    escalations = client.get("/rapporter/eskaleringar").get_data(as_text=True)
    assert f'href="/lex-sarah/{case_id}"' in escalations
    assert "Inte bedömd" in escalations
    recurrence = client.get("/rapporter/aterkommande").get_data(as_text=True)
    assert "Öppenvårdsenheten" in recurrence
    assert "Överväg Lex Sarah-utredning" in recurrence


# --- report API ------------------------------------------------------------------------


def test_report_endpoints_count_what_a_client_just_filed(
    api: Callable[..., Any], users: Any, runtime: Runtime
) -> None:
    today = runtime.app.today()
    query = f"?year={today.year}&month={today.month}"
    empty = api("utvecklare", "GET", f"/api/v1/reports/monthly{query}").get_json()
    causes = empty.pop("causes")
    risk = empty.pop("risk")
    assert (risk["assessed"], risk["not_assessed"]) == (0, 0)
    assert empty == {"year": today.year, "month": today.month, "total": 0,
                     "by_operation": {"IFO": 0, "HVB": 0}, "rows": []}
    assert causes["analysed"] == 0 and {row["total"] for row in causes["rows"]} == {0}
    filed = api("rapportor", "POST", "/api/v1/deviations", json={
        "unit": "utredning", "category": "handlaggning", "subcategory": "registrering",
        "occurred_on": today.isoformat(), "description": "Journal i fel mapp."})
    assert filed.status_code == 201
    monthly = api("utvecklare", "GET", f"/api/v1/reports/monthly{query}").get_json()
    assert set(monthly) == MONTHLY_KEYS
    assert monthly["total"] == 1
    assert monthly["by_operation"] == {"IFO": 1, "HVB": 0}
    assert monthly["rows"] == [{"operation": "IFO", "category": "handlaggning",
                                "subcategory": "registrering", "count": 1}]
    annual = api("utvecklare", "GET", f"/api/v1/reports/annual?year={today.year}").get_json()
    assert set(annual) == {"year", "rows", "total", "causes"}
    assert annual["total"] == {"ifo": 1, "hvb": 0, "total": 1, "lex_sarah": 0}
    assert set(annual["rows"][0]) == {"category", "subcategory", "ifo", "hvb", "total",
                                      "lex_sarah"}
    assert api("utvecklare", "GET", "/api/v1/reports/yearly").get_json() == {
        "years": [{"year": today.year, "total": 1}]}


def test_escalation_and_recurrence_endpoints(
    api: Callable[..., Any], users: Any, runtime: Runtime,
    lex_sarah_case: Callable[..., UUID],
) -> None:
    case_id = lex_sarah_case()
    for _ in range(2):
        _file(runtime, "utredning", "genomforande", None)
    escalations = api("lexsarah", "GET", "/api/v1/reports/escalations").get_json()
    assert [row["id"] for row in escalations] == [str(case_id)]
    assert escalations[0]["days_open"] == 1
    assert escalations[0]["status"] == "open"
    assert set(escalations[0]) >= {"number", "deviation_id", "deviation_number", "unit",
                                   "operation", "opened_on", "proposed_grade", "grade",
                                   "ivo_sent_on", "ivo_reference", "closed_on"}
    rows = api("lexsarah", "GET", "/api/v1/reports/recurrence").get_json()
    assert rows[0]["count"] == 3
    assert rows[0]["suggest_lex_sarah"] is True
    strict = api("lexsarah", "GET", "/api/v1/reports/recurrence?threshold=4").get_json()
    assert strict[0]["suggest_lex_sarah"] is False


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/api/v1/reports/monthly", {"year", "month"}),
        ("/api/v1/reports/monthly?year=2026&month=13", {"month"}),
        ("/api/v1/reports/monthly?year=abc&month=1", {"year"}),
        ("/api/v1/reports/annual", {"year"}),
        ("/api/v1/reports/annual?year=2026&x=1", {"x"}),
        ("/api/v1/reports/recurrence?threshold=0", {"threshold"}),
    ],
)
def test_report_endpoints_refuse_bad_queries(
    api: Callable[..., Any], users: Any, path: str, fields: set[str]
) -> None:
    response = api("utvecklare", "GET", path)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == fields


def test_openapi_documents_every_case_and_report_endpoint(
    api: Callable[..., Any], users: Any
) -> None:
    spec = api(None, "GET", "/api/openapi.json").get_json()
    paths = spec["paths"]
    expected = {
        "/lex-sarah/{case_id}": {"get"},
        "/lex-sarah/{case_id}/findings": {"post"},
        "/lex-sarah/{case_id}/not-applicable": {"post"},
        "/lex-sarah/{case_id}/proposal": {"post"},
        "/lex-sarah/{case_id}/decision": {"post"},
        "/lex-sarah/{case_id}/ivo-report": {"post"},
        "/lex-sarah/{case_id}/ivo-report-completion": {"post"},
        "/lex-sarah/{case_id}/informed": {"post"},
        "/lex-sarah/{case_id}/closure": {"post"},
        "/child-reports": {"get", "post"},
        "/child-reports/{report_id}": {"get"},
        "/child-reports/{report_id}/protection-assessment": {"post"},
        "/child-reports/{report_id}/handler": {"post"},
        "/child-reports/{report_id}/extension": {"post"},
        "/child-reports/{report_id}/decision": {"post"},
        "/child-reports/{report_id}/investigation": {"post"},
        "/reports/monthly": {"get"},
        "/reports/annual": {"get"},
        "/reports/yearly": {"get"},
        "/reports/escalations": {"get"},
        "/reports/recurrence": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
    finding = paths["/lex-sarah/{case_id}/findings"]["post"]
    assert "409" in finding["responses"]
    assert "422" in finding["responses"]


@pytest.mark.parametrize(
    "path",
    ["/rapporter/manad.csv?month=13", "/rapporter/ar.csv?year=nej",
     "/rapporter/ar-for-ar.csv?first=1800"],
)
def test_a_download_for_a_bad_period_says_why(
    client_for: Callable[[str], Any], users: Any, path: str
) -> None:
    response = client_for("utvecklare").get(path)
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert "Ogiltigt urval" in response.get_data(as_text=True)
