"""The import API: Tabell 32 as counts through POST /api/v1/imports, read back through the
report API and the Excel exports exactly; the same file refused; undo; the OpenAPI document."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from import_sheets import (
    COUNTS_HEADER,
    TABLE_31,
    TABLE_32,
    TABLE_32_TOTAL,
    csv_bytes,
    table_32_rows,
    upload,
    with_cached_values,
    xlsx_bytes,
)
from openpyxl import load_workbook

FOOTNOTE = "Från importerade uppgifter: 2014 (helår); 2015 (helår); 2016 (helår); 2017 (helår)."


def sheet_rows(data: bytes) -> list[tuple[Any, ...]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_table_32_through_the_api_and_the_excel_exports(
    api: Callable[..., Any], client_for: Callable[[str], Any]
) -> None:
    data = csv_bytes(COUNTS_HEADER, table_32_rows())
    dry = api("utvecklare", "POST", "/api/v1/imports?kind=counts&dry_run=true",
              data=data, content_type="text/csv")
    assert dry.status_code == 200, dry.get_json()
    preview = dry.get_json()["preview"]
    assert preview["ok"] and preview["rows_read"] == 16 and preview["problems"] == []
    assert {t["year"]: t["total"] for t in preview["totals"]} == TABLE_31
    assert api("utvecklare", "GET", "/api/v1/imports").get_json() == []

    stored = api("utvecklare", "POST",
                 "/api/v1/imports?kind=counts&dry_run=false&file_name=t32.csv",
                 data=data, content_type="text/csv")
    assert stored.status_code == 201, stored.get_json()
    record = stored.get_json()["import"]
    assert record["file_name"] == "t32.csv" and record["row_count"] == 16
    assert record["imported_by"] == "utvecklare" and record["undone_at"] is None

    annual = api("utvecklare", "GET", "/api/v1/reports/annual?year=2017").get_json()
    table = {(r["category"], r["subcategory"]): (r["ifo"], r["hvb"], r["total"], r["lex_sarah"])
             for r in annual["rows"]}
    assert table == TABLE_32
    total = annual["total"]
    assert (total["ifo"], total["hvb"], total["total"], total["lex_sarah"]) == TABLE_32_TOTAL
    yearly = api("utvecklare", "GET", "/api/v1/reports/yearly").get_json()
    assert {y["year"]: y["total"] for y in yearly["years"]} == TABLE_31

    pages = client_for("utvecklare")
    workbook = sheet_rows(pages.get("/rapporter/ar.xlsx?year=2017").data)
    assert workbook[0] == ("Kvalitetsområde", "IFO", "HVB", "Totalt", "Lex Sarah-utredningar")
    assert workbook[1] == ("Handläggning och dokumentation", 197, 16, 213, 4)
    assert workbook[7][1:] == (49, 13, 62, 1)  # varav annat inom handläggning
    assert workbook[11] == ("TOTALT", 202, 50, 252, 5)
    assert workbook[-1][0] == "Från importerade uppgifter: 2017 (helår)."
    totals = sheet_rows(pages.get("/rapporter/ar/totaler.xlsx").data)
    assert totals[1:5] == [(2014, 3), (2015, 54), (2016, 297), (2017, 252)]
    assert totals[-1][0] == FOOTNOTE
    section = load_workbook(io.BytesIO(pages.get("/rapporter/kvalitetsberattelse/2017.xlsx")
                                       .data), read_only=True)
    table_32, per_year = (list(sheet.iter_rows(values_only=True))
                          for sheet in section.worksheets[:2])
    assert ("TOTALT", 202, 50, 252, 5) in table_32
    assert per_year[1] == ("Avvikelser", "uppgift saknas", 3, 54, 297, 252)

    again = api("utvecklare", "POST", "/api/v1/imports?kind=counts&dry_run=false",
                data=data, content_type="text/csv", headers={"Accept-Language": "sv"})
    assert again.status_code == 409
    refusal = again.get_json()["errors"]["_schema"][0]
    assert re.match(r"Samma fil importerades redan \d{4}-\d\d-\d\d av utvecklare och räknas "
                    "fortfarande. Vill du importera den igen, ångra den importen först.", refusal)
    assert "SHA" not in refusal
    assert len(api("admin", "GET", "/api/v1/imports").get_json()) == 1

    undone = api("admin", "POST", f"/api/v1/imports/{record['id']}/undo")
    assert undone.status_code == 200 and undone.get_json()["undone_by"] == "admin"
    assert api("utvecklare", "GET", "/api/v1/reports/yearly").get_json()["years"] == []
    twice = api("admin", "POST", f"/api/v1/imports/{record['id']}/undo")
    assert twice.status_code == 409

    # After the undo the same file is a new import, and its figures count again.
    anew = api("utvecklare", "POST", "/api/v1/imports?kind=counts&dry_run=false",
               data=data, content_type="text/csv")
    assert anew.status_code == 201, anew.get_json()
    assert anew.get_json()["import"]["id"] != record["id"]
    yearly = api("utvecklare", "GET", "/api/v1/reports/yearly").get_json()["years"]
    assert [y["total"] for y in yearly] == [3, 54, 297, 252]


def test_only_admin_and_quality_developer_may_import(api: Callable[..., Any]) -> None:
    data = csv_bytes(COUNTS_HEADER, table_32_rows())
    for user in ("rapportor", "chef", "lexsarah"):
        response = api(user, "POST", "/api/v1/imports?kind=counts", data=data,
                       content_type="text/csv")
        assert response.status_code == 403, user
    assert api("rapportor", "GET", "/api/v1/imports").status_code == 403


def test_a_workbook_with_formulas_reads_the_saved_values_or_names_the_cell(
    api: Callable[..., Any]
) -> None:
    rows = [[2016, 1, "IFO", "samverkan", "", "=2+3", ""],
            [2016, 2, "IFO", "samverkan", "", "=A2-2014", ""]]
    written = xlsx_bytes(COUNTS_HEADER, rows)  # openpyxl keeps the formula, no value
    response = api("utvecklare", "POST", "/api/v1/imports?kind=counts&dry_run=true",
                   **upload(written, "formler.xlsx"))
    assert response.status_code == 422
    problems = response.get_json()["preview"]["problems"]
    assert [(p["row"], p["column"]) for p in problems] == [(2, "antal (F)"), (3, "antal (F)")]
    assert "F2" in problems[0]["message"] and "inget sparat värde" in problems[0]["message"]

    saved = with_cached_values(written, {"F2": 5, "F3": 2})  # as Excel saves it
    response = api("utvecklare", "POST", "/api/v1/imports?kind=counts&dry_run=false",
                   **upload(saved, "formler.xlsx"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["preview"]["totals"][0]["total"] == 7


def test_the_import_api_is_in_the_openapi_document(client: Any) -> None:
    document = client.get("/api/openapi.json").get_json()
    post = document["paths"]["/imports"]["post"]
    assert {p["name"] for p in post["parameters"] if "name" in p} >= {"kind", "dry_run"}
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert {"201", "422", "409"} <= set(post["responses"])
    assert "get" in document["paths"]["/imports"]
    assert "post" in document["paths"]["/imports/{import_id}/undo"]
