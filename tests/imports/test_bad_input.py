"""Every problem reported with its row, column and a Swedish reason; nothing stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from import_sheets import COUNTS_HEADER, ROWS_HEADER, csv_bytes, upload, xlsx_bytes
from support import stored_events

from projections import queries
from projections.runner import catch_up
from tracker.runtime import Runtime

GOOD_COUNT = [2016, 3, "IFO", "samverkan", "", 4, ""]
GOOD_ROW = ["2016-03-04", "2016-03-01", "utredning", "handlaggning", "sekretess",
            "Brev till fel adress.", "avslutad", "nej", "IFO 2016-12"]
TOMORROW = (date.today() + timedelta(days=2)).isoformat()

COUNT_CASES = [
    ([2016, 3, "IFO", "okänt", "", 4, ""], "kvalitetsområde (D)", "Okänt kvalitetsområde"),
    ([2016, 3, "IFO", "handlaggning", "nej", 4, ""], "underkategori (E)", "Okänd underkategori"),
    ([2016, 3, "IFO", "handlaggning", "", 4, ""], "underkategori (E)", "kräver en underkategori"),
    ([2016, 3, "ÄO", "samverkan", "", 4, ""], "verksamhet (C)", "Okänd verksamhet"),
    ([2016, 13, "IFO", "samverkan", "", 4, ""], "månad (B)", "utanför 1–12"),
    ([2016, 0, "IFO", "samverkan", "", 4, ""], "månad (B)", "utanför 1–12"),
    ([2016, 3, "IFO", "samverkan", "", -2, ""], "antal (F)", "negativt"),
    ([2016, 3, "IFO", "samverkan", "", "2,5", ""], "antal (F)", "inte ett heltal"),
    ([2016, 3, "IFO", "samverkan", "", "många", ""], "antal (F)", "inte ett heltal"),
    ([2016, 3, "IFO", "samverkan", "", 4, 5], "varav_lex_sarah (G)", "fler än antalet"),
    ([1989, 3, "IFO", "samverkan", "", 4, ""], "år (A)", "utanför 1990"),
    ([date.today().year + 1, "", "IFO", "samverkan", "", 4, ""], "år (A)", "utanför 1990"),
    ([2016, 3, "IFO", "samverkan", "", 4, "19121212-1212"], "varav_lex_sarah (G)",
     "personnummer"),
    (GOOD_COUNT, "", "dubblett av rad 2"),
]

ROW_CASES = [
    ([TOMORROW, "2016-03-01", *GOOD_ROW[2:]], "rapporterad (A)", "i framtiden"),
    ([GOOD_ROW[0], "1989-12-30", *GOOD_ROW[2:]], "inträffad (B)", "före 1990"),
    (["2016-03-01", "2016-03-04", *GOOD_ROW[2:]], "rapporterad (A)", "före inträffad"),
    (["4 mars", *GOOD_ROW[1:]], "rapporterad (A)", "inte ett datum"),
    ([*GOOD_ROW[:2], "Okända enheten", *GOOD_ROW[3:]], "enhet (C)", "Okänd enhet"),
    ([*GOOD_ROW[:3], "okänt", "", *GOOD_ROW[5:]], "kvalitetsområde (D)", "Okänt kvalitetsområde"),
    ([*GOOD_ROW[:5], "Gäller Anna, 19121212-1212.", *GOOD_ROW[6:]], "beskrivning (F)",
     "personnummer"),
    ([*GOOD_ROW[:6], "kanske", *GOOD_ROW[7:]], "status (G)", "Okänt värde"),
    ([*GOOD_ROW[:7], "ja", "121212-1212"], "diarienummer (I)", "personnummer"),
    (GOOD_ROW, "", "dubblett av rad 2"),
]


def _check(api: Callable[..., Any], runtime: Runtime, kind: str, data: bytes, name: str,
           column: str, reason: str) -> None:
    before = stored_events(runtime)
    for dry_run in ("true", "false"):
        response = api("utvecklare", "POST", f"/api/v1/imports?kind={kind}&dry_run={dry_run}",
                       **upload(data, name))
        assert response.status_code == 422, response.get_json()
        body = response.get_json()
        problems = body["preview"]["problems"]
        assert [(p["row"], p["column"]) for p in problems] == [(3, column)], problems
        assert reason in problems[0]["message"], problems
        key = "rad 3" + (f", {column}" if column else "")
        assert reason in body["errors"][key][0]
    assert stored_events(runtime) == before
    catch_up(runtime)
    assert queries.imports(runtime.engine) == []


@pytest.mark.parametrize(("bad", "column", "reason"), COUNT_CASES)
def test_each_bad_count_is_reported_where_it_is(
    api: Callable[..., Any], runtime: Runtime, bad: list[Any], column: str, reason: str
) -> None:
    data = xlsx_bytes(COUNTS_HEADER, [GOOD_COUNT, bad])
    _check(api, runtime, "counts", data, "antal.xlsx", column, reason)


@pytest.mark.parametrize(("bad", "column", "reason"), ROW_CASES)
def test_each_bad_row_is_reported_where_it_is(
    api: Callable[..., Any], runtime: Runtime, bad: list[Any], column: str, reason: str
) -> None:
    data = csv_bytes(ROWS_HEADER, [GOOD_ROW, bad], encoding="cp1252")
    _check(api, runtime, "rows", data, "rader.csv", column, reason)


def test_a_missing_column_or_an_empty_file_is_named(api: Callable[..., Any]) -> None:
    header = [c for c in COUNTS_HEADER if c != "antal"]
    response = api("utvecklare", "POST", "/api/v1/imports?kind=counts",
                   **upload(csv_bytes(header, [[2016, 1, "IFO", "samverkan", "", ""]]), "a.csv"))
    assert response.status_code == 422
    assert response.get_json()["preview"]["problems"] == [
        {"row": 1, "column": "antal", "message": "Kolumnen saknas i rubrikraden."}]
    response = api("utvecklare", "POST", "/api/v1/imports?kind=rows",
                   **upload(csv_bytes(ROWS_HEADER, []), "tom.csv"))
    assert response.status_code == 422
    assert "inga rader" in response.get_json()["preview"]["problems"][0]["message"]
    response = api("utvecklare", "POST", "/api/v1/imports?kind=rows", data=b"",
                   content_type="text/csv")
    assert response.status_code == 422 and "file" in response.get_json()["errors"]
    response = api("utvecklare", "POST", "/api/v1/imports?kind=weird", data=b"x;y",
                   content_type="text/csv")
    assert response.status_code == 422 and "kind" in response.get_json()["errors"]
    response = api("utvecklare", "POST", "/api/v1/imports?kind=counts",
                   **upload(b"PK\x03\x04 not really a workbook", "trasig.xlsx"))
    assert response.status_code == 422
    assert "Excel" in response.get_json()["preview"]["problems"][0]["message"]


def test_every_problem_of_a_file_is_listed_at_once(api: Callable[..., Any]) -> None:
    rows = [GOOD_ROW, [TOMORROW, "x", "?", "okänt", "", "", "kanske", "", ""]]
    response = api("utvecklare", "POST", "/api/v1/imports?kind=rows",
                   **upload(csv_bytes(ROWS_HEADER, rows), "många.csv"))
    columns = [p["column"] for p in response.get_json()["preview"]["problems"]]
    assert columns == ["rapporterad (A)", "inträffad (B)", "enhet (C)", "kvalitetsområde (D)",
                       "status (G)"]
