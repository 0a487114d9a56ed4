"""The harness itself: the browser runs offline and axe really reports violations, so a
green accessibility test means something."""

from __future__ import annotations

import pytest
from browser_support import assert_accessible, axe_violations
from playwright.sync_api import Page

from web.documents.charts import bar_chart

pytestmark = pytest.mark.browser

GOOD = """<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Prov</title></head>
<body><main><h1>Prov</h1><form><label for="x">Namn</label><input id="x" name="x">
<button type="submit">Skicka</button></form>{chart}</main></body></html>"""

BAD = """<!doctype html><html><head><title>Prov</title></head><body><main>
<input name="x"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p style="color:#bbb;background:#fff">svag kontrast</p></main></body></html>"""


def test_axe_passes_a_clean_page_with_an_inline_chart(page: Page) -> None:
    chart = bar_chart("prov", title="Prov", labels=["A", "B"], values=[1, 2])
    page.set_content(GOOD.format(chart=chart))
    assert_accessible(page)
    svg = page.get_by_role("img", name="Prov")
    assert svg.count() == 1


def test_axe_reports_the_violations_of_a_broken_page(page: Page) -> None:
    page.set_content(BAD)
    found = {violation["id"] for violation in axe_violations(page)}
    assert {"html-has-lang", "label", "image-alt", "color-contrast"} <= found
    with pytest.raises(AssertionError, match="html-has-lang"):
        assert_accessible(page)


def test_the_browser_makes_no_network_requests_of_its_own(page: Page) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.set_content(GOOD.format(chart=""))
    assert [url for url in requests if url.startswith(("http:", "https:"))] == []
