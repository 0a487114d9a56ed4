"""Every chart draws in Chromium with the app's real Content-Security-Policy in force, and no
page with a chart logs a console error or a CSP violation.

A chart whose styling the CSP blocked draws as a black box; one that failed to draw at all is
blank. Both are caught from a screenshot of the chart element: its pixels must be mostly the
white background, with some drawn in the chart's first series colour (the bars or lines) and
some dark ink (axes and labels). Which pages have a chart is found by following every link
from the start page, so a page that gains a chart cannot be left out of the check."""

from __future__ import annotations

import io
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from browser_support import LiveServer, assert_accessible, log_in
from PIL import Image
from playwright.sync_api import Browser, ConsoleMessage, Page

from web.documents.charts import PALETTE

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("TRACKER_TEST_SCREENSHOTS")  # a folder to keep the screenshots in

# Collects CSP violations as the page reports them to itself (besides the console).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', event => {
  window.__cspViolations.push(event.violatedDirective + ' ' + (event.blockedURI || 'inline'));
});
"""


@dataclass
class Pixels:
    total: int
    background: float  # near-white
    ink: float  # near-black (axes, text)
    series: float  # saturated: the palette's bars and lines, not grey ink or background
    colours: int


def analyse(png: bytes) -> Pixels:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    counts = image.getcolors(maxcolors=image.width * image.height) or []
    total = image.width * image.height

    def share(test: Any) -> float:
        return sum(n for n, colour in counts if test(colour)) / total

    return Pixels(
        total=total,
        background=share(lambda c: min(c) >= 235),
        ink=share(lambda c: max(c) <= 90),
        series=share(lambda c: max(c) - min(c) >= 60),
        colours=len(counts),
    )


def assert_drawn(pixels: Pixels, what: str) -> None:
    assert pixels.total > 10_000, f"{what}: the chart is tiny ({pixels.total} px)"
    assert pixels.colours >= 8, f"{what}: near-uniform ({pixels.colours} colours)"
    assert pixels.background >= 0.4, f"{what}: not a drawn chart on white ({pixels})"
    assert pixels.ink <= 0.4, f"{what}: mostly black: a blocked style? ({pixels})"
    assert pixels.series >= 0.002, f"{what}: no coloured bars or lines ({pixels})"
    assert pixels.ink >= 0.002, f"{what}: no axes or labels ({pixels})"


@dataclass
class Watched:
    page: Page
    problems: list[str] = field(default_factory=list)


@pytest.fixture
def watched(browser: Browser, live_server: LiveServer) -> Iterator[Watched]:
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    result = Watched(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type in {"error", "warning"}:
            result.problems.append(f"console {message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: result.problems.append(f"page error: {error}"))
    page.on(
        "response",
        lambda response: response.status >= 400
        and result.problems.append(f"{response.status} {response.url}"),
    )
    log_in(page, live_server.url, "utvecklare")
    yield result
    context.close()


@pytest.fixture
def deviations(live_server: LiveServer) -> None:
    """Deviations in both operations this month and last, so every chart has something."""
    app = live_server.runtime.app
    today = app.today()
    filed = [
        ("utredning", "handlaggning", "forhandsbedomning", 0),
        ("utredning", "handlaggning", "forhandsbedomning", 0),
        ("utredning", "handlaggning", "sekretess", 0),
        ("hvb-notgarden", "genomforande", None, 0),
        ("utredning", "samverkan", None, 35),
    ]
    for unit, category, subcategory, days_ago in filed:
        day = today - timedelta(days=days_ago)
        app.file_deviation(
            actor="rapportor", unit=unit, category=category, subcategory=subcategory,
            occurred_on=day, reported_on=day, description="Händelse.",
        )


def chart_pages(live_server: LiveServer) -> list[str]:
    today = live_server.runtime.app.today()
    return [
        "/rapporter/manad", "/rapporter/ar-for-ar", "/rapporter/kvalitetsberattelse/",
        # the report to the committee: the generated preview, then the stored draft
        f"/rapporter/namnd/{today.year}/{today.month}",
    ]


LINK = re.compile(r'href="(/[^"#]*)"')
CHART = re.compile(r'<svg[^>]*\bclass="chart"')
NOT_PAGES = re.compile(r"^/static/|\.(csv|xlsx|pdf|docx|ico|svg|css|js)(\?|$)|^/api/")


def shape(path: str) -> str:
    """A page's route, without its query and with ids and numbers as placeholders."""
    path = path.split("?", 1)[0].replace("&amp;", "&")
    path = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "{id}", path)
    return re.sub(r"\d+", "{n}", path)


def pages_with_charts(page: Page, live_server: LiveServer) -> dict[str, str]:
    """Every page reachable by links from the start page (one address per route), and of
    those the ones that draw a chart: {route: first address seen}."""
    queue, routes, charts = ["/"], {shape("/")}, {}
    while queue:
        path = queue.pop(0)
        response = page.request.get(live_server(path))
        assert response.status < 500, path
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        html = response.text()
        if CHART.search(html):
            charts[shape(path)] = path
        for link in LINK.findall(html):
            link = link.replace("&amp;", "&")
            if NOT_PAGES.search(link) or shape(link) in routes:
                continue
            routes.add(shape(link))
            queue.append(link)
    # the crawl reached the app, not only the login page
    assert {"/rapporter/", "/rapporter/namnd/", "/avvikelser/{id}", "/atgarder"} <= routes, routes
    return charts


def test_every_chart_is_drawn_under_the_apps_csp(
    watched: Watched, live_server: LiveServer, deviations: None
) -> None:
    page = watched.page
    seen = 0
    paths = chart_pages(live_server)
    # the pages below are all the pages with a chart: a new one must be added to the list
    found = pages_with_charts(page, live_server)
    assert set(found) <= {shape(path) for path in paths}, found
    for path in paths:
        response = page.goto(live_server(path))
        assert response is not None
        assert "style-src 'self'" in response.headers["content-security-policy"]
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        charts = page.locator("svg.chart")
        assert charts.count() >= 1, path
        for index in range(charts.count()):
            chart = charts.nth(index)
            chart.scroll_into_view_if_needed()
            png = chart.screenshot()
            if SHOTS:
                name = re.sub(r"\W+", "-", path).strip("-")
                with open(os.path.join(SHOTS, f"{name}-{index + 1}.png"), "wb") as handle:
                    handle.write(png)
            assert_drawn(analyse(png), f"{path} chart {index + 1}")
            seen += 1
        violations = page.evaluate("window.__cspViolations")
        assert violations == [], f"{path}: CSP violations {violations}"
    # monthly (2), year over year (1), annual section (1), committee report (3)
    assert seen >= 7
    # the stored draft draws the same
    page.goto(live_server(paths[-1]))
    page.get_by_role("button", name="Skapa utkast").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Utkast, version 1").count() == 1
    charts = page.locator("svg.chart")
    assert charts.count() == 3
    for index in range(charts.count()):
        assert_drawn(analyse(charts.nth(index).screenshot()), f"draft chart {index + 1}")
    assert page.evaluate("window.__cspViolations") == []
    assert watched.problems == []


WIDER_THAN_SCREEN = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.table-scroll'))
  .slice(0, 5)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


# Table cells whose one word runs over more than one line ("M/å/n/a/d"): a narrow table
# must scroll in its region instead.
BROKEN_WORDS = """() => [...document.querySelectorAll('table th, table td')]
  .filter(cell => cell.textContent.trim() && !/\\s/.test(cell.textContent.trim()))
  .filter(cell => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1;
  })
  .slice(0, 5).map(cell => cell.textContent.trim())"""


def test_the_report_pages_on_a_phone_and_in_print(
    browser: Browser, live_server: LiveServer, deviations: None, tmp_path: Path
) -> None:
    """390 px wide: no sideways scrolling, the charts fit; printed: only the document."""
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm",
                                  viewport={"width": 390, "height": 844})
    phone = context.new_page()
    log_in(phone, live_server.url, "utvecklare")
    for path in chart_pages(live_server):
        phone.goto(live_server(path))
        if SHOTS:
            name = re.sub(r"\W+", "-", path).strip("-")
            phone.screenshot(path=os.path.join(SHOTS, f"phone-{name}.png"), full_page=True)
        width = phone.evaluate("document.documentElement.scrollWidth")
        wide = phone.evaluate(WIDER_THAN_SCREEN)
        assert width <= 390, f"{path} scrolls sideways on a phone ({width} px): {wide}"
        for index in range(phone.locator("svg.chart").count()):
            box = phone.locator("svg.chart").nth(index).bounding_box()
            assert box is not None
            assert box["width"] <= 390
        assert phone.evaluate(BROKEN_WORDS) == [], f"{path}: words broken in table cells"
    report = chart_pages(live_server)[-1]
    phone.goto(live_server(report))
    phone.emulate_media(media="print")
    assert not phone.locator("header.site-header").is_visible()
    assert not phone.locator(".doc-actions").is_visible()
    assert phone.locator("article.document").is_visible()
    assert phone.locator("article.document svg.chart").count() == 3
    headings = phone.locator("article.document :is(h1, h2, h3, caption)").all_inner_texts()
    # printed from the browser (Chromium's own PDF of the print layout): A4 pages numbered
    # "Sida n(N)", every chart whole on one page, no heading left alone at a page's foot
    pages = _pdf_pages(phone.pdf(), tmp_path)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"Sida {number}({len(pages)})" in text, number
        assert "UTKAST" in text, number  # the unsaved proposal: UTKAST on every printed page
    ends = [[line.strip() for line in text.splitlines() if line.strip()][-1]
            for text in pages[:-1]]
    assert not [end for end in ends if any(h.startswith(end) for h in headings)], ends
    context.close()


def _pdf_pages(body: bytes, folder: Path) -> list[str]:
    path = folder / "printed.pdf"
    path.write_bytes(body)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    return [page for page in text.split("\f") if page.strip()]


def test_the_check_sees_a_chart_the_csp_blocked(page: Page, live_server: LiveServer) -> None:
    """The same check fails for matplotlib's own output (inline styles) under the CSP: the
    test above would notice a regression."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 2), dpi=72)
    figure.subplots().barh([0, 1], [3, 1], color=PALETTE[0])
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    raw = buffer.getvalue()
    svg = raw[raw.index("<svg") :].replace("<svg ", '<svg class="chart" ', 1)
    page.route(
        live_server("/prov"),
        lambda route: route.fulfill(
            body=f"<!doctype html><html lang='sv'><title>Prov</title><body>{svg}</body></html>",
            content_type="text/html",
            headers={"Content-Security-Policy": "default-src 'self'; style-src 'self'"},
        ),
    )
    page.goto(live_server("/prov"))
    pixels = analyse(page.locator("svg.chart").screenshot())
    with pytest.raises(AssertionError):
        assert_drawn(pixels, "blocked chart")


def test_the_favicon_is_served(page: Page, live_server: LiveServer) -> None:
    response = page.request.get(live_server("/favicon.ico"))
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/")
    icon = Image.open(io.BytesIO(response.body()))
    assert icon.size[0] >= 16
    svg = page.request.get(live_server("/static/favicon.svg"))
    assert svg.status == 200
    page.goto(live_server("/login"))
    assert page.locator("link[rel=icon]").get_attribute("href") == "/static/favicon.svg"


def test_the_new_report_pages_have_no_wcag_violations(
    watched: Watched, live_server: LiveServer, deviations: None
) -> None:
    page = watched.page
    today = live_server.runtime.app.today()
    report = f"/rapporter/namnd/{today.year}/{today.month}"
    page.goto(live_server(report))
    page.get_by_role("button", name="Skapa utkast").click()
    page.wait_for_load_state()
    for path in ["/rapporter/namnd/", report, f"{report}/redigera",
                 "/rapporter/kvalitetsberattelse/", "/rapporter/namnd/?month=13",
                 "/rapporter/kvalitetsberattelse/?year=1"]:
        page.goto(live_server(path))
        assert_accessible(page)
        if SHOTS:
            name = re.sub(r"\W+", "-", path).strip("-")
            page.screenshot(path=os.path.join(SHOTS, f"desktop-{name}.png"), full_page=True)
    # the finalise form in its error state
    page.goto(live_server(report))
    page.get_by_role("button", name="Fastställ rapporten").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 1
    assert_accessible(page)
    assert page.evaluate("window.__cspViolations") == []
    # nothing logged but the three refusals this test asked for (each is also a console line)
    refused = [p for p in watched.problems if p.startswith("422 ")]
    assert [p.split("/", 3)[-1] for p in refused] == [
        "rapporter/namnd/?month=13", "rapporter/kvalitetsberattelse/?year=1",
        f"{report.lstrip('/')}/faststall"]
    others = [p for p in watched.problems if p not in refused]
    assert others == ["console error: Failed to load resource: the server responded with a "
                      "status of 422 (UNPROCESSABLE ENTITY)"] * 3, others
