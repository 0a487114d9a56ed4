"""The timeline of a case's legal clocks as a PDF annex (to go with an anmälan to IVO or
an answer to an inquiry), rendered from the same document body as the page."""

from __future__ import annotations

from typing import Any

from flask import render_template

from web.display import CLOCK_STATUSES
from web.documents.pdf import render_pdf


def timeline_pdf(timeline: dict[str, Any], administration: str) -> bytes:
    return render_pdf(render_template(
        "timeline/pdf.html", timeline=timeline, administration=administration,
        clock_statuses=CLOCK_STATUSES,
    ))
