"""The annual section for the kvalitetsberättelse as Excel, PDF and Word; an Excel file
beside every CSV download; the document endpoints in the OpenAPI document."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from report_support import docx_document, page_ends, read_pdf

from tracker.runtime import Runtime

ANNUAL = "/api/v1/reports/annual/document?year=2018&format="
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _workbook(body: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(body))


def _rows(sheet: Any) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_annual_section_as_excel_holds_tabell_32_with_numbers(
    api: Callable[..., Any], january_2018: list[str], client_for: Callable[[str], Any]
) -> None:
    response = api("utvecklare", "GET", ANNUAL + "xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == XLSX
    assert 'filename="avvikelser-2018.xlsx"' in response.headers["Content-Disposition"]
    book = _workbook(response.get_data())
    # then Lex Sarah under IVO's categories and, last, Klagomål och synpunkter: none taken
    # in 2018, "uppgift saknas"
    assert book.sheetnames == ["Tabell 32 2018", "Avvikelser per år", "Per månad", "Orsaker",
                               "IVO 2018", "Klagomål"]
    table = _rows(book["Tabell 32 2018"])
    assert table[0] == ["Kvalitetsområde", "IFO", "HVB", "Totalt", "Lex Sarah-utredningar"]
    rows = {row[0]: row[1:] for row in table[1:]}
    assert rows["Handläggning och dokumentation"] == [9, 1, 10, 0]
    assert rows["varav förhandsbedömning överskridit 14 dagar"] == [5, 0, 5, 0]
    assert rows["varav registrering och arkiv"] == [2, 0, 2, 0]
    assert rows["varav brister utifrån sekretess"] == [1, 0, 1, 0]
    assert rows["Genomförande av insats"] == [0, 3, 3, 0]
    assert rows["TOTALT"] == [9, 4, 13, 0]
    assert all(isinstance(n, int) for row in table[1:] for n in row[1:])
    sheet = book["Tabell 32 2018"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert sheet.column_dimensions["A"].width > 30
    # Tabell 31: the years before the tracker have no figure, not 0
    assert _rows(book["Avvikelser per år"]) == [
        ["Uppgift", "2014", "2015", "2016", "2017", "2018"],
        ["Avvikelser", "uppgift saknas", "uppgift saknas", "uppgift saknas",
         "uppgift saknas", 13],
    ]
    months = _rows(book["Per månad"])
    assert months[1] == ["jan", "uppgift saknas", "uppgift saknas", 13]
    # the causes, as the annual table's own Excel file has them
    causes = _rows(book["Orsaker"])
    assert causes[0] == ["Orsak (enligt orsaksanalyserna)", "IFO", "HVB", "Totalt"]
    assert ["Frånvaro eller bemanning", 1, 0, 1] in causes
    page_file = client_for("utvecklare").get("/rapporter/ar.xlsx?year=2018").get_data()
    assert causes == _rows(_workbook(page_file)["Orsaker"])


def test_the_annual_section_for_a_year_before_the_tracker_reads_uppgift_saknas(
    api: Callable[..., Any], january_2018: list[str], client_for: Callable[[str], Any],
    tmp_path: Path,
) -> None:
    page = client_for("utvecklare").get("/rapporter/kvalitetsberattelse/?year=2017")
    html = page.get_data(as_text=True)
    assert '<option value="2017" selected>' in html  # not another year in the select
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    pdf = " ".join(read_pdf(api("utvecklare", "GET", "/api/v1/reports/annual/document?"
                                "year=2017&format=pdf").get_data(), tmp_path).text.split())
    word = docx_document(api("utvecklare", "GET", "/api/v1/reports/annual/document?"
                             "year=2017&format=docx").get_data())
    word_text = " ".join(p.text for p in word.paragraphs)
    for document in (text, pdf, word_text):
        assert "Uppgift saknas för 2017" in document
        assert ("Lex Sarah-utredningar som inleddes 2017 med anledning av avvikelser: "
                "uppgift saknas") in document
    book = _workbook(api("utvecklare", "GET", "/api/v1/reports/annual/document?year=2017&"
                         "format=xlsx").get_data())
    table = _rows(book["Tabell 32 2017"])[1:]
    assert [row[0] for row in table][-1] == "TOTALT"
    assert all(row[1:] == ["uppgift saknas"] * 4 for row in table)  # never 0
    causes = _rows(book["Orsaker"])[1:]
    assert causes and all(row[1:] == ["uppgift saknas"] * 3 for row in causes)


def test_the_annual_section_as_pdf_and_word(
    api: Callable[..., Any], january_2018: list[str], tmp_path: Path
) -> None:
    pdf_response = api("utvecklare", "GET", ANNUAL + "pdf")
    assert pdf_response.headers["Content-Type"] == "application/pdf"
    assert 'filename="avvikelser-2018.pdf"' in pdf_response.headers["Content-Disposition"]
    pdf = read_pdf(pdf_response.get_data(), tmp_path)
    flat = " ".join(pdf.text.split())
    assert "Avvikelser per kvalitetsområde 2018 (Tabell 32)" in flat
    assert re.search(r"TOTALT 9 4 13 0", flat)
    assert "Avvikelser uppgift saknas uppgift saknas uppgift saknas uppgift saknas 13" in flat
    assert "Lex Sarah-utredningar som inleddes 2018 med anledning av avvikelser: 0" in flat
    assert "Sida 1(" in flat
    # no heading or table caption is left at the foot of a page, away from its table
    headings = ("Avvikelser per", "Antal avvikelser per år", "Lex Sarah-utredningar")
    assert not [end for end in page_ends(pdf) if end.startswith(headings)], page_ends(pdf)
    word = api("utvecklare", "GET", ANNUAL + "docx")
    assert word.status_code == 200
    assert word.headers["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert 'filename="avvikelser-2018.docx"' in word.headers["Content-Disposition"]
    document = docx_document(word.get_data())
    cells = [[c.text for c in row.cells] for t in document.tables for row in t.rows]
    assert ["TOTALT", "9", "4", "13", "0"] in cells
    assert len(document.inline_shapes) == 1


def test_the_document_endpoints_check_their_input_and_roles(
    api: Callable[..., Any], users: Any
) -> None:
    bad = api("utvecklare", "GET", "/api/v1/reports/monthly/document?year=2018&month=13&"
              "format=odt")
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"month", "format"}
    assert api("utvecklare", "GET", "/api/v1/reports/annual/document?year=2018").status_code \
        == 422
    assert api("rapportor", "GET", ANNUAL + "pdf").status_code == 403
    assert api(None, "GET", ANNUAL + "pdf").status_code == 401


def test_the_document_endpoints_are_in_the_openapi_document(app: Any) -> None:
    spec = app.test_client().get("/api/openapi.json").get_json()
    monthly = spec["paths"]["/reports/monthly/document"]["get"]
    assert set(monthly["responses"]["200"]["content"]) == {
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    names = {p.get("name") for p in monthly["parameters"]}
    assert {"year", "month", "format"} <= names
    annual = spec["paths"]["/reports/annual/document"]["get"]
    assert XLSX in annual["responses"]["200"]["content"]


# --- an Excel file beside every CSV ------------------------------------------------------

CSV_LINK = re.compile(r'href="([^"]+\.csv[^"]*)"')


def _csv(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def _cell_text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    return "" if value is None else str(value)


def test_every_csv_route_has_an_excel_route_beside_it(app: Any) -> None:
    """In the URL map: each .csv download has its .xlsx twin (the pages below link both)."""
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    csv_rules = {rule for rule in rules if rule.endswith(".csv")}
    assert len(csv_rules) >= 9  # the reports, the cause tables, import codes, access log
    assert {rule for rule in csv_rules if rule[:-4] + ".xlsx" not in rules} == set()
    either = [rule for rule in rules if re.search(r"<any\([^)]*csv", rule)]
    assert either and all(re.search(r"<any\([^)]*xlsx", rule) for rule in either), either


PAGES_WITH_CSV = [
    ("/rapporter/manad", "utvecklare"), ("/rapporter/ar", "utvecklare"),
    ("/rapporter/ar-for-ar", "utvecklare"), ("/rapporter/eskaleringar", "utvecklare"),
    ("/rapporter/aterkommande", "utvecklare"), ("/atgarder?lage=alla", "utvecklare"),
    ("/admin/import/", "utvecklare"), ("/admin/logg?user=utvecklare", "admin"),
]
# tables of counts: these must hold numbers (the others list cases, measures, reads, codes)
COUNTS = {"/rapporter/manad", "/rapporter/ar", "/rapporter/ar-for-ar", "/rapporter/aterkommande"}


@pytest.mark.parametrize(("page", "user"), PAGES_WITH_CSV)
def test_every_csv_download_has_an_excel_file_beside_it_with_the_same_table(
    page: str, user: str, client_for: Callable[[str], Any], runtime: Runtime,
    lex_sarah_case: Callable[..., Any], time_machine: Any,
) -> None:
    time_machine.move_to(datetime(2026, 6, 15, 10, tzinfo=UTC), tick=True)
    today = runtime.app.today()
    for _ in range(3):
        runtime.app.file_deviation(
            actor="rapportor", unit="utredning", category="personal", subcategory=None,
            occurred_on=today, description="Händelse.",
        )
    lex_sarah_case()
    client = client_for(user)
    if user == "admin":  # something in the access log
        client_for("utvecklare").get("/rapporter/manad.csv")
    html = client.get(page).get_data(as_text=True).replace("&amp;", "&")
    links = CSV_LINK.findall(html)
    assert links
    for link in links:
        excel_link = link.replace(".csv", ".xlsx", 1)
        assert f'href="{excel_link}"' in html, f"no Excel link beside {link}"
        table = _csv(client.get(link).get_data())
        response = client.get(excel_link)
        assert response.status_code == 200
        assert response.mimetype == XLSX
        disposition = response.headers["Content-Disposition"]
        assert ".xlsx" in disposition
        book = _workbook(response.get_data())
        # the table first; a report's workbook may add its cause table, an import
        # template the codes it may use
        assert book.sheetnames[1:] in ([], ["Orsaker"], ["Koder"])
        sheet = book.worksheets[0]
        rows = _rows(sheet)
        assert [str(h) for h in rows[0]] == table[0]
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
        for excel_row, csv_row in zip(rows[1:], table[1:], strict=True):
            for value, text in zip(excel_row, csv_row, strict=False):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    assert str(value) == text  # a number, stored as a number
                else:
                    assert _cell_text(value).lstrip("'") == text.lstrip("'")
        numbers = [v for row in rows[1:] for v in row if isinstance(v, int)]
        assert numbers or page not in COUNTS, "no numeric cells"
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_text_that_looks_like_a_formula_stays_text() -> None:
    from web.documents.xlsx_export import Sheet, render_xlsx

    body = render_xlsx([Sheet("Prov", ["Text", "Antal"], [["=1+1", 2], ["@SUM(A1)", 3]])])
    sheet = _workbook(body).active
    assert sheet["A2"].value == "=1+1"
    assert sheet["A2"].data_type == "s"
    assert sheet["A3"].data_type == "s"
    assert sheet["B2"].value == 2


def test_the_committee_reports_steps_are_in_the_openapi_document(app: Any) -> None:
    spec = app.test_client().get("/api/openapi.json").get_json()
    paths = spec["paths"]
    assert {"post"} <= set(paths["/reports/monthly/drafts"])
    assert {"get", "post"} <= set(paths["/reports/monthly/review"])
    assert "409" in paths["/reports/monthly/finalise"]["post"]["responses"]
    assert "404" in paths["/reports/monthly/changes"]["get"]["responses"]
