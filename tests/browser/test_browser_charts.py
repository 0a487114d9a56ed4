"""Every chart draws in Chromium with the app's real Content-Security-Policy in force, and no
page with a chart logs a console error or a CSP violation.

A chart whose styling the CSP blocked draws as a black box; one that failed to draw at all is
blank. Both are caught from a screenshot of the chart element: its pixels must be mostly the
white background, with some drawn in the chart's first series colour (the bars or lines) and
some dark ink (axes and labels)."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from browser_support import LiveServer, log_in
from PIL import Image
from playwright.sync_api import Browser, ConsoleMessage, Page

from web.charts import PALETTE

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
    assert pixels.series >= 0.003, f"{what}: no coloured bars or lines ({pixels})"
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


CHART_PAGES = ["/rapporter/manad", "/rapporter/ar-for-ar"]


def test_every_chart_is_drawn_under_the_apps_csp(
    watched: Watched, live_server: LiveServer, deviations: None
) -> None:
    page = watched.page
    seen = 0
    for path in CHART_PAGES:
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
    assert seen >= 3  # two operations on the monthly page, one year-over-year chart
    assert watched.problems == []


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
