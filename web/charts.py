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
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, cast

import matplotlib

matplotlib.use("Agg")  # no display, no GUI toolkit; set before any figure exists

from markupsafe import Markup
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.typing import RcKeyType

MONTHS_SV = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")

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


def _render(figure: Figure, chart_id: str, title: str, description: str) -> Markup:
    buffer = io.StringIO()
    with _LOCK, matplotlib.rc_context(_RC | {"svg.hashsalt": f"avvikelse-tracker:{chart_id}"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = presentation_attributes(buffer.getvalue())
    return Markup(_accessible(svg, chart_id, title, description))  # noqa: S704 - built from escaped parts


# CSS properties matplotlib writes that are also SVG presentation attributes (SVG 1.1 / 2).
PRESENTATION = frozenset({
    "clip-path", "clip-rule", "color", "dominant-baseline", "fill", "fill-opacity",
    "fill-rule", "font-family", "font-size", "font-stretch", "font-style", "font-variant",
    "font-weight", "letter-spacing", "opacity", "stroke", "stroke-dasharray",
    "stroke-dashoffset", "stroke-linecap", "stroke-linejoin", "stroke-miterlimit",
    "stroke-opacity", "stroke-width", "text-anchor", "visibility",
})
_TAG_RE = re.compile(r"<[A-Za-z][^<>]*>")
_STYLE_ATTR_RE = re.compile(r'\sstyle="([^"]*)"')
_STYLE_ELEMENT_RE = re.compile(r"<style[^>]*>(.*?)</style>\s*", re.S)
_FONT_WEIGHTS = {"bold", "bolder", "lighter", "normal"}


def _declarations(css: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for declaration in css.split(";"):
        if not declaration.strip():
            continue
        name, _, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "font":  # shorthand: [style] [weight] size family
            found.extend(_font_shorthand(value))
            continue
        if name not in PRESENTATION:
            raise ValueError(f"no SVG presentation attribute for CSS property {name!r}")
        found.append((name, value))
    return found


def _font_shorthand(value: str) -> list[tuple[str, str]]:
    match = re.match(r"\s*((?:[\w-]+\s+)*?)([\d.]+(?:px|pt|em|%))\s+(.+)", value)
    if match is None:
        raise ValueError(f"cannot read the font shorthand {value!r}")
    found = [("font-size", match.group(2)), ("font-family", match.group(3).strip())]
    for word in match.group(1).split():
        if word in {"italic", "oblique"}:
            found.append(("font-style", word))
        elif word.isdigit() or word in _FONT_WEIGHTS:
            found.append(("font-weight", word))
    return found


def _attributes(declarations: list[tuple[str, str]]) -> str:
    def quoted(value: str) -> str:  # single quotes (font names) may stay as they are
        return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")

    return "".join(f' {name}="{quoted(value)}"' for name, value in declarations)


def _restyle_tag(tag: str) -> str:
    match = _STYLE_ATTR_RE.search(tag)
    if match is None:
        return tag
    declarations = _declarations(match.group(1))
    tag = tag[: match.start()] + tag[match.end():]
    for name, _ in declarations:  # the style attribute wins over an existing attribute
        tag = re.sub(rf'\s{re.escape(name)}="[^"]*"', "", tag)
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return tag[:end] + _attributes(declarations) + tag[end:]


def presentation_attributes(svg: str) -> str:
    """The same drawing with every `style` attribute turned into presentation attributes and
    matplotlib's `*{...}` <style> rule moved onto the root (the properties it sets are
    inherited, and each element's own attribute still overrides them)."""
    inherited: list[tuple[str, str]] = []
    for css in _STYLE_ELEMENT_RE.findall(svg):
        for rule in re.findall(r"\*\s*\{([^}]*)\}", css):
            inherited.extend(_declarations(rule))
        if re.sub(r"\*\s*\{[^}]*\}", "", css).strip():
            raise ValueError("matplotlib wrote a <style> rule other than '*{...}'")
    svg = _STYLE_ELEMENT_RE.sub("", svg)
    svg = re.sub(r"<defs>\s*</defs>\s*", "", svg)
    svg = _TAG_RE.sub(lambda m: _restyle_tag(m.group(0)), svg)
    if inherited:
        start = svg.index("<svg")
        end = svg.index(">", start)
        svg = svg[:end] + _attributes(inherited) + svg[end:]
    return svg


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
def _describe(pairs: Sequence[tuple[str, int]]) -> str:
    return "; ".join(f"{label}: {value}" for label, value in pairs)


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


@functools.lru_cache(maxsize=256)
def _bar_chart(
    chart_id: str, title: str, labels: tuple[str, ...], values: tuple[int, ...], value_label: str
) -> Markup:
    # Same numbers, same bytes: a past month's chart is drawn once per process.
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
    return _render(figure, chart_id, title, description)


def year_over_year_chart(
    chart_id: str,
    *,
    title: str,
    series: Mapping[int, Sequence[int]],
) -> Markup:
    """Deviations per month, one line per year, months on the x axis."""
    for year, counts in series.items():
        if len(counts) != 12:
            raise ValueError(f"year {year} must have 12 monthly counts")
    frozen = tuple(sorted((year, tuple(counts)) for year, counts in series.items()))
    return _year_over_year_chart(_safe_id(chart_id), title, frozen)


@functools.lru_cache(maxsize=64)
def _year_over_year_chart(
    chart_id: str, title: str, frozen: tuple[tuple[int, tuple[int, ...]], ...]
) -> Markup:
    series = dict(frozen)
    figure = _figure(8.0, 3.8, left=0.65, right=1.1, top=0.45, bottom=0.4)
    axes = figure.subplots()
    months = list(range(12))
    peak = 1
    for index, year in enumerate(sorted(series)):
        counts = list(series[year])
        peak = max(peak, *counts)
        axes.plot(
            months,
            counts,
            label=str(year),
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
        axes.legend(title="År", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    description = " ".join(
        f"{year}: "
        + ", ".join(f"{MONTHS_SV[m]} {n}" for m, n in enumerate(series[year]))
        + f" (totalt {sum(series[year])})."
        for year in sorted(series)
    ) or "Inga år att visa."
    return _render(figure, chart_id, title, description)
