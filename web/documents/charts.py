"""Server-rendered SVG charts (matplotlib, Agg/SVG backend, no pyplot state).

Every chart is returned as inline SVG markup with role="img", a <title> and a <desc> it is
labelled by, and ids prefixed by the chart id so several charts can share one page. Styling
is carried by SVG presentation attributes (fill=, stroke=, font-size=, ...), never by
`style` attributes or a <style> element: the app's Content-Security-Policy (style-src 'self',
no 'unsafe-inline') blocks those, and a blocked chart draws as a black box. The
output is deterministic (fixed hash salt, no date in the metadata): the same numbers give
the same bytes, which keeps tests honest and lets caches work. Pages always show the same
numbers in a table beside the chart; the chart is never the only carrier of a number.
"""

from __future__ import annotations

import functools
import io
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, cast

import matplotlib

matplotlib.use("Agg")  # no display, no GUI toolkit; set before any figure exists

from markupsafe import Markup
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.typing import RcKeyType

from events.calendar import MONTH_NAMES
from web.documents.chart_svg import presentation_attributes

MONTHS_SV = tuple(name[:3] for name in MONTH_NAMES)  # jan, feb … dec

# Colours with at least 3:1 contrast against white (WCAG 1.4.11 non-text contrast), and
# distinct also in greyscale; series are further told apart by marker and line style.
PALETTE = ("#1f4e79", "#b35900", "#2e7d32", "#6a1b9a", "#8b1a1a", "#00695c", "#4a4a4a")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
LINESTYLES = ("-", "--", "-.", ":", "-", "--", "-.")

_RC: dict[RcKeyType, Any] = {
    "svg.hashsalt": "avvikelse-tracker",
    "svg.fonttype": "none",  # text stays text: smaller and selectable
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.edgecolor": "#333333",
    "axes.labelcolor": "#1a1a1a",
    "xtick.color": "#1a1a1a",
    "ytick.color": "#1a1a1a",
}

def _integer_ticks(axis: Axis) -> None:
    """Whole numbers only on a count axis (the default locator is a MaxNLocator)."""
    cast(MaxNLocator, axis.get_major_locator()).set_params(integer=True)


# rc_context changes process-wide rcParams: serialise rendering across request threads.
_LOCK = threading.Lock()

_ID_RE = re.compile(r'\bid="([^"]+)"')
_REF_RE = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')
_SAFE_ID_RE = re.compile(r"[^A-Za-z0-9_-]")


def _safe_id(chart_id: str) -> str:
    cleaned = _SAFE_ID_RE.sub("-", chart_id).strip("-") or "chart"
    return cleaned if cleaned[0].isalpha() else f"c-{cleaned}"


def _render(chart_id: str, title: str, build: Callable[[], tuple[Figure, str]]) -> Markup:
    buffer = io.StringIO()
    # Built inside the rc context too: text takes its font when it is created.
    with _LOCK, matplotlib.rc_context(_RC | {"svg.hashsalt": f"avvikelse-tracker:{chart_id}"}):
        figure, description = build()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = presentation_attributes(buffer.getvalue())
    return Markup(_accessible(svg, chart_id, title, description))  # noqa: S704 - built from escaped parts


PNG_DPI = 150


def alternative_text(title: str, description: str) -> str:
    """What stands for a chart where it cannot be seen (a PDF's Figure /Alt, a Word
    picture's description): its title, then its numbers."""
    name = title.strip().rstrip(".")
    return f"{name}. {description}" if name else description


@dataclass(frozen=True)
class ChartImage:
    """A chart as PNG (Word documents take images, not SVG) with its alternative text."""

    png: bytes
    alt: str


def _render_png(title: str, build: Callable[[], tuple[Figure, str]]) -> ChartImage:
    buffer = io.BytesIO()
    with _LOCK, matplotlib.rc_context(_RC):
        figure, description = build()
        figure.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return ChartImage(buffer.getvalue(), alternative_text(title, description))


def _accessible(svg: str, chart_id: str, title: str, description: str) -> str:
    """Strip the XML prologue, namespace every id, and label the root element."""
    start = svg.index("<svg")
    svg = svg[start:]
    ids = set(_ID_RE.findall(svg))
    # One pass over definitions and references, so no id is ever prefixed twice.
    svg = _REF_RE.sub(
        lambda m: m.group(1) + (f"{chart_id}-{m.group(2)}" if m.group(2) in ids else m.group(2)),
        svg,
    )
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    root_end = svg.index(">") + 1
    root = svg[:root_end]
    # Fixed pixel sizes would overflow narrow screens; the viewBox keeps the aspect ratio.
    root = re.sub(r'\s(width|height)="[^"]*"', "", root)
    root = root[:-1] + (
        f' role="img" aria-labelledby="{title_id} {desc_id}" class="chart"'
        f' id="{chart_id}" focusable="false">'
    )
    labels = (
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<desc id="{desc_id}">{escape(description)}</desc>'
    )
    # The metadata block only repeats generator information; drop it.
    rest = re.sub(r"<metadata>.*?</metadata>\s*", "", svg[root_end:], flags=re.S)
    return root + labels + rest


def _figure(
    width: float, height: float, *, left: float, right: float, top: float, bottom: float
) -> Figure:
    """A figure with margins in inches. Fixed margins instead of matplotlib's constrained
    layout, which measured every label and took most of the rendering time."""
    figure = Figure(figsize=(width, height), dpi=72)
    figure.patch.set_facecolor("white")
    figure.subplots_adjust(
        left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height
    )
    return figure


# Average advance of a DejaVu Sans character at 10 pt, in inches: sizes the label margin.
CHAR_WIDTH = 0.075
MISSING = "uppgift saknas"


def _describe(pairs: Sequence[tuple[str, int]]) -> str:
    return "; ".join(f"{label}: {value}" for label, value in pairs)


def _count(n: int | None) -> str:
    return MISSING if n is None else str(n)


def bar_chart(
    chart_id: str,
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[int],
    value_label: str = "Antal",
) -> Markup:
    """Horizontal bars (long Swedish category names read better sideways)."""
    if len(labels) != len(values):
        raise ValueError("labels and values must have the same length")
    return _bar_chart(_safe_id(chart_id), title, tuple(labels), tuple(values), value_label)


def bar_chart_png(
    *, title: str, labels: Sequence[str], values: Sequence[int], value_label: str = "Antal"
) -> ChartImage:
    return _render_png(title, functools.partial(_bar_figure, title, tuple(labels),
                                                tuple(values), value_label))


@functools.lru_cache(maxsize=256)
def _bar_chart(
    chart_id: str, title: str, labels: tuple[str, ...], values: tuple[int, ...], value_label: str
) -> Markup:
    # Same numbers, same bytes: a past month's chart is drawn once per process.
    return _render(chart_id, title,
                   functools.partial(_bar_figure, title, labels, values, value_label))


def _bar_figure(
    title: str, labels: tuple[str, ...], values: tuple[int, ...], value_label: str
) -> tuple[Figure, str]:
    height = max(1.8, 0.4 * len(labels) + 1.1)
    label_width = min(4.0, 0.25 + CHAR_WIDTH * max((len(label) for label in labels), default=0))
    figure = _figure(8.0, height, left=label_width, right=0.4, top=0.45, bottom=0.5)
    axes = figure.subplots()
    positions = list(range(len(labels)))
    bars = axes.barh(positions, values, color=PALETTE[0])
    axes.set_yticks(positions, labels=list(labels))
    axes.invert_yaxis()  # first label on top, as in the table beside it
    axes.set_xlabel(value_label)
    _integer_ticks(axes.xaxis)
    axes.set_xlim(0, max([*values, 1]) * 1.15)
    axes.bar_label(bars, labels=[str(v) for v in values], padding=3)
    axes.spines[["top", "right"]].set_visible(False)
    figure.suptitle(title, x=0.01, y=0.98, ha="left", va="top", fontsize=11)
    if not labels:
        axes.text(0.5, 0.5, "Inga avvikelser", transform=axes.transAxes, ha="center")
    description = _describe(list(zip(labels, values, strict=True))) or "Inga avvikelser."
    return figure, description


Series = Mapping[int, Sequence[int | None]]


def _frozen(series: Series) -> tuple[tuple[int, tuple[int | None, ...]], ...]:
    for year, counts in series.items():
        if len(counts) != 12:
            raise ValueError(f"year {year} must have 12 monthly counts")
    return tuple(sorted((year, tuple(counts)) for year, counts in series.items()))


def _series_description(series: dict[int, tuple[int | None, ...]]) -> str:
    parts = []
    for year in sorted(series):
        counts = series[year]
        known = [n for n in counts if n is not None]
        if not known:
            parts.append(f"{year}: {MISSING}.")
            continue
        parts.append(
            f"{year}: " + ", ".join(f"{MONTHS_SV[m]} {_count(n)}" for m, n in enumerate(counts))
            + f" (totalt {sum(known)})."
        )
    return " ".join(parts) or "Inga år att visa."


def year_over_year_chart(
    chart_id: str, *, title: str, series: Series, imported: Iterable[int] = ()
) -> Markup:
    """Deviations per month, one line per year, months on the x axis; months without data
    (None) are gaps in the line, never drawn as 0. Years in `imported` (their figures come
    from imported data) say so in the legend."""
    return _year_over_year_chart(
        _safe_id(chart_id), title, _frozen(series), tuple(sorted(set(imported)))
    )


def year_over_year_png(
    *, title: str, series: Series, imported: Iterable[int] = ()
) -> ChartImage:
    return _render_png(title, functools.partial(
        _year_over_year_figure, title, _frozen(series), tuple(sorted(set(imported)))
    ))


@functools.lru_cache(maxsize=64)
def _year_over_year_chart(
    chart_id: str, title: str, frozen: tuple[tuple[int, tuple[int | None, ...]], ...],
    imported: tuple[int, ...] = (),
) -> Markup:
    return _render(
        chart_id, title, functools.partial(_year_over_year_figure, title, frozen, imported)
    )


def _legend_label(year: int, counts: Sequence[int | None], imported: bool = False) -> str:
    if all(n is None for n in counts):
        return f"{year} ({MISSING})"
    return f"{year} (importerad)" if imported else str(year)


def _year_over_year_figure(
    title: str, frozen: tuple[tuple[int, tuple[int | None, ...]], ...],
    imported: tuple[int, ...] = (),
) -> tuple[Figure, str]:
    series = dict(frozen)
    figure = _figure(8.0, 4.0, left=0.65, right=0.3, top=0.45, bottom=0.85)
    axes = figure.subplots()
    months = list(range(12))
    peak = 1
    for index, year in enumerate(sorted(series)):
        counts = series[year]
        peak = max(peak, *(n for n in counts if n is not None), 0)
        axes.plot(
            months,
            [float("nan") if n is None else n for n in counts],
            label=_legend_label(year, counts, year in imported),
            color=PALETTE[index % len(PALETTE)],
            marker=MARKERS[index % len(MARKERS)],
            linestyle=LINESTYLES[index % len(LINESTYLES)],
            linewidth=2,
        )
    axes.set_xticks(months, labels=list(MONTHS_SV))
    axes.set_ylim(0, peak * 1.15)
    _integer_ticks(axes.yaxis)
    axes.set_ylabel("Antal avvikelser")
    axes.grid(axis="y", color="#dddddd")
    axes.spines[["top", "right"]].set_visible(False)
    figure.suptitle(title, x=0.01, y=0.98, ha="left", va="top", fontsize=11)
    if series:
        _legend_below(axes, len(series))
    _say_when_nothing_is_known(axes, series)
    return figure, _series_description(series)


def _legend_below(axes: Any, columns: int) -> None:
    axes.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=columns)


def _say_when_nothing_is_known(axes: Any, series: dict[int, tuple[int | None, ...]]) -> None:
    """Years on the chart but not one month with a figure: say so in the plot, so empty axes
    are not read as a row of zeros."""
    if series and all(n is None for counts in series.values() for n in counts):
        axes.set_yticks([])  # no 0 on the count axis either
        axes.text(0.5, 0.5, "Uppgift saknas", transform=axes.transAxes, ha="center",
                  va="center", fontsize=14, color="#1a1a1a")


def monthly_bars_chart(chart_id: str, *, title: str, series: Series) -> Markup:
    """Deviations per month with the years side by side (bars per month, a colour and a
    hatch per year): the committee report's appendix. No bar for a month without data."""
    return _monthly_bars_chart(_safe_id(chart_id), title, _frozen(series))


def monthly_bars_png(*, title: str, series: Series) -> ChartImage:
    return _render_png(title, functools.partial(_monthly_bars_figure, title, _frozen(series)))


@functools.lru_cache(maxsize=64)
def _monthly_bars_chart(
    chart_id: str, title: str, frozen: tuple[tuple[int, tuple[int | None, ...]], ...]
) -> Markup:
    return _render(chart_id, title, functools.partial(_monthly_bars_figure, title, frozen))


HATCHES = ("", "//", "..", "xx", "\\\\", "++", "oo")


def _monthly_bars_figure(
    title: str, frozen: tuple[tuple[int, tuple[int | None, ...]], ...]
) -> tuple[Figure, str]:
    series = dict(frozen)
    figure = _figure(8.0, 4.0, left=0.65, right=0.3, top=0.45, bottom=0.85)
    axes = figure.subplots()
    years = sorted(series)
    # Only years with some data take a slot beside the others: wider bars, and a year
    # without any data is named in the legend instead.
    slotted = [y for y in years if any(n is not None for n in series[y])]
    width = 0.8 / max(1, len(slotted))
    peak = 1
    for index, year in enumerate(years):
        counts = series[year]
        slot = slotted.index(year) if year in slotted else 0
        positions = [m - 0.4 + width * (slot + 0.5) for m in range(12)]
        known = [(p, n) for p, n in zip(positions, counts, strict=True) if n is not None]
        peak = max(peak, *(n for _, n in known), 0)
        axes.bar(
            [p for p, _ in known] or [0], [n for _, n in known] or [0], width=width,
            color=PALETTE[index % len(PALETTE)], hatch=HATCHES[index % len(HATCHES)],
            edgecolor="white", linewidth=0.5, label=_legend_label(year, counts),
        )
    axes.set_xticks(list(range(12)), labels=list(MONTHS_SV))
    axes.set_xlim(-0.6, 11.6)
    axes.set_ylim(0, peak * 1.15)
    _integer_ticks(axes.yaxis)
    axes.set_ylabel("Antal avvikelser")
    axes.grid(axis="y", color="#dddddd")
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    figure.suptitle(title, x=0.01, y=0.98, ha="left", va="top", fontsize=11)
    if years:
        _legend_below(axes, len(series))
    _say_when_nothing_is_known(axes, series)
    return figure, _series_description(series)
