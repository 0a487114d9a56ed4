"""Charts carry their styling as SVG presentation attributes: the app's CSP (style-src 'self')
blocks `style` attributes and <style> elements, and a blocked chart draws as a black box."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from web.documents.charts import bar_chart, presentation_attributes, year_over_year_chart

SVG = "{http://www.w3.org/2000/svg}"


def _charts() -> list[str]:
    return [
        str(bar_chart("a", title="Bar", labels=["Sekretess", "Samverkan"], values=[3, 0])),
        str(bar_chart("b", title="Tom", labels=[], values=[])),
        str(year_over_year_chart("c", title="År", series={2024: [0] * 12, 2025: [1, 2] * 6})),
    ]


@pytest.mark.parametrize("index", range(3))
def test_no_chart_has_inline_css(index: int) -> None:
    markup = _charts()[index]
    assert not re.search(r"\sstyle=", markup)
    assert "<style" not in markup
    root = ET.fromstring(markup)  # noqa: S314 - our own rendered output
    fills = {element.get("fill") for element in root.iter()}
    assert "#1f4e79" in fills or index == 1  # the first series colour reached an attribute
    texts = [element for element in root.iter(f"{SVG}text")]
    assert texts
    assert all(text.get("font-size") for text in texts)


def test_styles_become_attributes_and_the_style_rule_moves_to_the_root() -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg"><defs><style type="text/css">'
        "*{stroke-linejoin: round; stroke-linecap: butt}</style></defs>"
        '<path d="M0 0" fill="red" style="fill: #ffffff; stroke: #000; stroke-width: 0.8"/>'
        "<text style=\"font: bold 10px 'DejaVu Sans'; text-anchor: end\">x</text></svg>"
    )
    out = presentation_attributes(svg)
    root = ET.fromstring(out)  # noqa: S314
    assert root.get("stroke-linejoin") == "round"
    assert root.get("stroke-linecap") == "butt"
    path = root.find(f"{SVG}path")
    assert path is not None
    assert path.attrib == {"d": "M0 0", "fill": "#ffffff", "stroke": "#000", "stroke-width": "0.8"}
    text = root.find(f"{SVG}text")
    assert text is not None
    assert text.get("font-size") == "10px"
    assert text.get("font-family") == "'DejaVu Sans'"
    assert text.get("font-weight") == "bold"
    assert text.get("text-anchor") == "end"


def test_a_property_without_a_presentation_attribute_is_refused() -> None:
    with pytest.raises(ValueError, match="mix-blend-mode"):
        presentation_attributes('<svg><g style="mix-blend-mode: multiply"/></svg>')
