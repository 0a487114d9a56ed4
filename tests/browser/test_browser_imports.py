"""The import pages in Chromium with the app's CSP: upload, preview, error state, confirm;
axe clean on each, no sideways scrolling on a 390 px phone; then the year-over-year chart
with an imported 2016, a 2017 without data and the January 2018 example is drawn."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import pytest
from browser_support import LiveServer, assert_accessible, log_in
from playwright.sync_api import Browser, Page, expect
from test_browser_charts import analyse, assert_drawn

from events.history_import import ImportKind
from projections import queries

sys.path.insert(0, str(Path(__file__).parents[1] / "imports"))
from import_sheets import (  # the import tests' spreadsheets
    COUNTS_HEADER,
    JANUARY_2018,
    ROWS_HEADER,
    csv_bytes,
    deviations_2016,
    xlsx_bytes,
)

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("TRACKER_TEST_SCREENSHOTS")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def fits_a_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} scrolls sideways on a phone ({width} px)"


def upload(page: Page, server: LiveServer, kind: str, path: Path) -> None:
    page.goto(server("/admin/import/"))
    page.get_by_label("En rad per avvikelse" if kind == "rows" else
                      "Antal per månad eller år").check()
    page.get_by_label("Fil (.xlsx eller .csv)").set_input_files(str(path))
    page.get_by_role("button", name="Förhandsgranska").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_import_pages_and_the_chart_with_imported_years(
    browser: Browser, live_server: LiveServer, tmp_path: Path, width: int
) -> None:
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm",
                                  viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    # The error states answer 400/422 on purpose; anything else in the console is a fault.
    page.on("console", lambda m: m.type == "error" and "status of 4" not in m.text
            and errors.append(m.text))
    log_in(page, live_server.url, "utvecklare")
    label = "phone" if width == 390 else "desktop"

    page.goto(live_server("/"))
    page.get_by_role("link", name="Import").first.click()
    assert page.get_by_role("heading", name="Import av tidigare år").count() == 1
    assert_accessible(page)
    shot(page, f"import-{label}")
    if width == 390:
        fits_a_phone(page)

    bad = tmp_path / "fel.csv"
    bad.write_bytes(csv_bytes(COUNTS_HEADER, [[2016, 13, "IFO", "okänt", "", -1, ""]]))
    upload(page, live_server, "counts", bad)
    assert page.get_by_role("alert").get_by_text("Filen har 3 fel").count() == 1
    assert page.locator("#problem-table tbody tr").count() == 3
    assert_accessible(page)
    shot(page, f"import-errors-{label}")
    if width == 390:
        fits_a_phone(page)

    page.goto(live_server("/admin/import/"))
    page.get_by_role("button", name="Förhandsgranska").click()  # no file chosen
    page.wait_for_load_state()
    assert page.get_by_role("alert").get_by_text("Välj en fil").count() == 1
    assert_accessible(page)

    rows = tmp_path / "avvikelser-2016.xlsx"
    rows.write_bytes(xlsx_bytes(ROWS_HEADER, deviations_2016()))
    upload(page, live_server, "rows", rows)
    assert page.get_by_text("30 rader lästa").count() == 1
    assert_accessible(page)
    shot(page, f"import-preview-{label}")
    if width == 390:
        fits_a_phone(page)
    page.get_by_role("button", name="Bekräfta och importera").click()
    page.wait_for_load_state()
    assert page.get_by_text("Importen av avvikelser-2016.xlsx är sparad").count() == 1
    assert_accessible(page)
    shot(page, f"import-done-{label}")

    # One imported deviation escalated to Lex Sarah since: the undo's page says it cannot
    # be done, names the deviation and offers no confirm button.
    app = live_server.runtime.app
    record = app.get_import(queries.imports(live_server.runtime.engine)[0]["id"])
    escalated = app.get_deviation(record.deviation_ids[0])  # row 2 of the file is open
    app.escalate_to_lex_sarah(escalated.id, actor="utvecklare", reason="Återkommande brist.")
    page.get_by_role("link", name="Ångra importen av avvikelser-2016.xlsx").click()
    page.wait_for_load_state()
    assert page.title().startswith("Fel: ")
    expect(page.get_by_role("alert")).to_contain_text(escalated.number)
    assert page.get_by_role("button", name="Ja, ångra importen").count() == 0
    assert_accessible(page)
    shot(page, f"import-undo-refused-{label}")
    if width == 390:
        fits_a_phone(page)
    for unit, category, subcategory, day in JANUARY_2018:
        app.file_deviation(actor="rapportor", unit=unit, category=category,
                           subcategory=subcategory, occurred_on=date(2018, 1, day),
                           reported_on=date(2018, 1, day), description="Januari 2018.")
    page.goto(live_server("/rapporter/ar-for-ar?first=2016&last=2018"))
    page.wait_for_load_state("networkidle")
    chart = page.locator("svg.chart")
    assert chart.count() == 1
    assert "2016 (importerad)" in (chart.text_content() or "")
    assert "2017 (uppgift saknas)" in page.content()
    png = chart.screenshot()
    if SHOTS:
        Path(SHOTS, f"import-year-over-year-chart-{label}.png").write_bytes(png)
    if width == 390:  # smaller: the chart fits the screen (drawn: checked on the desktop)
        box = chart.bounding_box()
        assert box is not None and box["width"] <= 390
    else:
        assert_drawn(analyse(png), "year over year with imported 2016")
    assert page.get_by_text("Från importerade uppgifter: 2016 januari–december.").count() == 1
    row_2017 = page.locator("tr", has=page.locator("th", has_text="2017"))
    assert row_2017.locator("td.missing").count() == 12
    shot(page, f"import-year-over-year-{label}")
    if width == 390:
        fits_a_phone(page)
    assert errors == []
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_an_undo_is_asked_first_and_cancel_changes_nothing(
    browser: Browser, live_server: LiveServer, width: int
) -> None:
    rows = [[2016, month, "IFO", "samverkan", "", 2, ""] for month in (1, 2, 3)]
    record = live_server.runtime.app.store_import(
        ImportKind.COUNTS, csv_bytes(COUNTS_HEADER, rows), "tidigare.csv", actor="utvecklare")
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm",
                                  viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    log_in(page, live_server.url, "utvecklare")
    label = "phone" if width == 390 else "desktop"

    page.goto(live_server("/admin/import/"))
    page.get_by_role("link", name="Ångra importen av tidigare.csv").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Ångra importen av tidigare.csv?").count() == 1
    summary = page.locator("#undo-summary")
    expect(summary).to_contain_text("Antal för 6 avvikelser ur rapporterna")
    expect(summary).to_contain_text("januari–mars 2016")
    assert_accessible(page)
    shot(page, f"import-undo-confirm-{label}")
    if width == 390:
        fits_a_phone(page)

    page.get_by_role("link", name="Avbryt").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Import av tidigare år").count() == 1
    row = page.locator(f"#import-{record.id}")
    expect(row).to_contain_text("Räknas")  # nothing changed

    page.get_by_role("link", name="Ångra importen av tidigare.csv").click()
    page.get_by_role("button", name="Ja, ångra importen").click()
    page.wait_for_load_state()
    assert page.get_by_text("Importen av tidigare.csv är ångrad").count() == 1
    expect(row).to_contain_text("Ångrad")
    assert_accessible(page)
    assert errors == []
    context.close()
