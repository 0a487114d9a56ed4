"""HTML to PDF with WeasyPrint: A4, Swedish, page numbers "Sida 1(3)" by CSS counters
(static/document.css), charts as the page's own inline SVG, so they stay vector.

Every PDF is tagged as PDF/UA-1 (WeasyPrint's `pdf/ua-1` variant): a structure tree with the
HTML's headings, paragraphs, tables (TH/TD, each data cell naming its headers) and figures,
the title shown as the window title, the language from `<html lang>`, XMP metadata. A chart
(inline SVG) becomes a Figure whose alternative text is its `<title>` and `<desc>` together,
so it states the chart's numbers, not only its name."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

from matplotlib.font_manager import FontProperties
from matplotlib.path import Path as Outline
from matplotlib.textpath import TextPath
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from web.documents.charts import alternative_text

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "document.css"
PDF_VARIANT = "pdf/ua-1"
DRAFT_MARK = "UTKAST"
_SVG = "{http://www.w3.org/2000/svg}"
A4_POINTS = (595, 842)


def _outline(text: str, size: float) -> tuple[str, float, float]:
    """The text as an SVG path (DejaVu Sans Bold glyph outlines, y upwards) and its centre."""
    path = TextPath((0, 0), text, size=size,
                    prop=FontProperties(family="DejaVu Sans", weight="bold"))
    letters = {Outline.MOVETO: "M", Outline.LINETO: "L", Outline.CURVE3: "Q",
               Outline.CURVE4: "C"}
    commands = []
    for points, code in path.iter_segments(simplify=False, curves=True):
        if code == Outline.CLOSEPOLY:
            commands.append("Z")
        else:
            commands.append(letters[code] + " ".join(f"{v:.1f}" for v in points))
    box = path.get_extents()
    return "".join(commands), (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2


@functools.cache
def _watermark() -> str:
    """The page named "utkast" (a draft's body, static/document.css) carries DRAFT_MARK
    diagonally in light grey behind the text. Drawn as outlines, not text: copied or
    extracted text never gets its letters in the middle of a sentence, and as a page
    background it is an artifact, outside the structure tree."""
    d, centre_x, centre_y = _outline(DRAFT_MARK, 100)
    page_width, page_height = A4_POINTS
    svg = (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{page_width}' height='{page_height}' "
        f"viewBox='0 0 {page_width} {page_height}'><path fill='#ececec' "
        f"transform='translate({page_width / 2} {page_height / 2}) rotate(-50) scale(1 -1) "
        f"translate({-centre_x:.1f} {-centre_y:.1f})' d='{d}'/></svg>"
    )
    return f'@page utkast {{ background: url("data:image/svg+xml,{quote(svg)}") ' \
           "center / contain no-repeat; }"


@functools.cache
def _stylesheet() -> CSS:
    return CSS(string=STYLESHEET.read_text(encoding="utf-8") + "\n" + _watermark())


def _alternative_texts(root: Any) -> None:
    """WeasyPrint takes a chart's alternative text from the SVG's <title> alone; the numbers
    are in its <desc>. Joined here, on the parsed tree, so the Figure's /Alt carries both."""
    for svg in root.iter(f"{_SVG}svg"):
        title = svg.find(f"{_SVG}title")
        desc = svg.find(f"{_SVG}desc")
        if title is None or desc is None or not (desc.text or "").strip():
            continue
        title.text = alternative_text(title.text or "", desc.text.strip())


def _header_scopes(_document: Any, pdf: Any) -> None:
    """PDF/UA: a table header cell says what it heads. WeasyPrint links each data cell to its
    headers but writes no /Scope on the TH itself: a header in the table's head row heads
    its column, a header first in a body row heads its row (as the HTML's scope says)."""
    def parent(element: Any) -> Any:
        return pdf.objects[int(element["P"].split()[0])]

    for element in pdf.objects:
        if not isinstance(element, dict) or element.get("S") != "/TH":
            continue
        row = parent(element)
        first = bool(row.get("K")) and row["K"][0] == cast(Any, element).reference
        in_head = parent(row).get("S") == "/THead"
        element["A"]["Scope"] = "/Row" if first and not in_head else "/Column"


def render_pdf(html: str) -> bytes:
    # A document under secrecy fetches nothing from anywhere: the HTML carries its charts
    # inline and the stylesheet is read here.
    fetcher = URLFetcher(allowed_protocols=("data",))
    document = HTML(string=html, url_fetcher=fetcher)
    _alternative_texts(document.etree_element)
    pdf = document.write_pdf(stylesheets=[_stylesheet()], pdf_variant=PDF_VARIANT,
                              finisher=_header_scopes)
    assert pdf is not None
    return pdf
