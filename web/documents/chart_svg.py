"""matplotlib's SVG made drawable under a strict Content-Security-Policy.

matplotlib styles its SVG with `style` attributes and a <style> element; a CSP without
'unsafe-inline' in style-src blocks both, and the chart draws as a black box. The same
properties written as SVG presentation attributes are not CSS as far as CSP is concerned,
draw the same in every browser, in print and in WeasyPrint."""

from __future__ import annotations

import re

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
