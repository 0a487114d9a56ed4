"""HTML to PDF with WeasyPrint: A4, Swedish, page numbers "Sida 1(3)" by CSS counters
(static/document.css), charts as the page's own inline SVG, so they stay vector."""

from __future__ import annotations

import functools
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "document.css"


@functools.cache
def _stylesheet() -> CSS:
    return CSS(string=STYLESHEET.read_text(encoding="utf-8"))


def render_pdf(html: str) -> bytes:
    # A document under secrecy fetches nothing from anywhere: the HTML carries its charts
    # inline and the stylesheet is read here.
    fetcher = URLFetcher(allowed_protocols=("data",))
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[_stylesheet()])
    assert pdf is not None
    return pdf
