"""The SVG charts: accessible, deterministic, and carrying the numbers they show."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from markupsafe import Markup

from web.documents.charts import MONTHS_SV, bar_chart, monthly_bars_chart, year_over_year_chart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - our own rendered output


def test_bar_chart_is_labelled_for_assistive_technology() -> None:
    svg = _parse(
        bar_chart("ifo", title="IFO januari 2026", labels=["Sekretess", "Samverkan"], values=[3, 1])
    )
    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby", "").split()
    title = svg.find(f"{SVG}title")
    desc = svg.find(f"{SVG}desc")
    assert title is not None
    assert title.get("id") == title_id
    assert desc is not None
    assert desc.get("id") == desc_id
    assert title.text == "IFO januari 2026"
    assert desc.text == "Sekretess: 3; Samverkan: 1"
    # title and desc come first, where screen readers look for them
    assert [child.tag for child in svg][:2] == [f"{SVG}title", f"{SVG}desc"]


def test_bar_chart_draws_the_values_as_text_labels() -> None:
    markup = str(bar_chart("hvb", title="HVB", labels=["Personal", "Samverkan"], values=[7, 12]))
    texts = "".join(_parse(markup).itertext())
    assert "Personal" in texts
    assert "Samverkan" in texts
    assert "7" in texts
    assert "12" in texts


def test_output_is_deterministic_and_dateless() -> None:
    def render() -> str:
        return str(year_over_year_chart("yoy", title="Per månad", series={2025: [1] * 12}))

    first, second = render(), render()
    assert first == second
    assert "dc:date" not in first
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", first)
    assert not first.startswith("<?xml")


def test_different_numbers_give_a_different_chart() -> None:
    one = bar_chart("c", title="T", labels=["A"], values=[1])
    two = bar_chart("c", title="T", labels=["A"], values=[2])
    assert one != two


def test_two_charts_on_one_page_share_no_id() -> None:
    ifo = str(bar_chart("chart-ifo", title="IFO", labels=["A", "B"], values=[1, 2]))
    hvb = str(bar_chart("chart-hvb", title="HVB", labels=["A", "B"], values=[1, 2]))
    ids_ifo = set(re.findall(r'\bid="([^"]+)"', ifo))
    ids_hvb = set(re.findall(r'\bid="([^"]+)"', hvb))
    assert ids_ifo
    assert ids_hvb
    assert not ids_ifo & ids_hvb
    # every internal reference still resolves inside its own chart
    for markup, ids in ((ifo, ids_ifo), (hvb, ids_hvb)):
        for ref in re.findall(r'(?:url\(#|href="#)([^")]+)', markup):
            assert ref in ids


def test_chart_id_is_made_safe_for_html() -> None:
    svg = _parse(bar_chart("2026 jan/IFO", title="T", labels=["A"], values=[1]))
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", svg.get("id", ""))


def test_year_over_year_description_lists_every_month_of_every_year() -> None:
    series = {2024: list(range(12)), 2025: [2] * 12, 2026: [0] * 11 + [5]}
    svg = _parse(year_over_year_chart("yoy", title="År för år", series=series))
    desc = svg.find(f"{SVG}desc")
    assert desc is not None
    assert desc.text is not None
    assert "2024: jan 0, feb 1" in desc.text
    assert "dec 11 (totalt 66)" in desc.text
    assert "2026:" in desc.text
    assert "dec 5 (totalt 5)" in desc.text
    legend = "".join(svg.itertext())
    for year in ("2024", "2025", "2026"):
        assert year in legend
    for month in MONTHS_SV:
        assert month in legend


def test_empty_inputs_still_render_a_labelled_chart() -> None:
    bar = _parse(bar_chart("empty", title="Inga", labels=[], values=[]))
    assert bar.find(f"{SVG}desc").text == "Inga avvikelser."  # type: ignore[union-attr]
    yoy = _parse(year_over_year_chart("empty-yoy", title="Inga", series={}))
    assert yoy.get("role") == "img"


def _texts(markup: str) -> list[str]:
    svg = _parse(markup)
    return [t.strip() for t in svg.itertext() if t.strip() and t.strip() != svg.findtext(
        f"{SVG}title") and t.strip() != svg.findtext(f"{SVG}desc")]


@pytest.mark.parametrize("chart", [year_over_year_chart, monthly_bars_chart])
def test_years_without_a_single_figure_are_drawn_as_uppgift_saknas(
    chart: Callable[..., Markup],
) -> None:
    """Before the tracker was taken into use: the plot says so and its count axis has no 0,
    so empty axes are not read as months of zeros."""
    nothing = {2016: [None] * 12, 2017: [None] * 12}
    texts = _texts(str(chart("none", title="Inga", series=nothing)))
    assert "Uppgift saknas" in texts
    assert "0" not in texts and "1" not in texts
    assert "2017 (uppgift saknas)" in texts
    some = {2017: [None] * 12, 2018: [13, 0] + [None] * 10}
    texts = _texts(str(chart("some", title="Några", series=some)))
    assert "Uppgift saknas" not in texts
    assert "0" in texts  # a month with data and no deviations is a 0 on the axis


@pytest.mark.parametrize(
    ("labels", "values"), [(["A", "B"], [1]), (["A"], [1, 2])]
)
def test_mismatched_bar_input_is_refused(labels: list[str], values: list[int]) -> None:
    with pytest.raises(ValueError, match="same length"):
        bar_chart("x", title="T", labels=labels, values=values)


def test_year_series_must_have_twelve_months() -> None:
    with pytest.raises(ValueError, match="12 monthly counts"):
        year_over_year_chart("x", title="T", series={2025: [1, 2, 3]})


def test_text_is_escaped_in_title_and_description() -> None:
    markup = str(bar_chart("x", title="<script>&", labels=["a<b"], values=[1]))
    assert "<script>" not in markup
    svg = _parse(markup)
    assert svg.find(f"{SVG}title").text == "<script>&"  # type: ignore[union-attr]
