"""Tillgänglighetsredogörelse: the accessibility statement the law on accessibility of
digital public services (2018:1937, DOS-lagen) requires of every public-sector web service,
in the structure DIGG prescribes (compliance status, what is not accessible, how to get it
another way, how to report a shortcoming, the supervisory authority, how it was tested).
Open to everyone, signed in or not, and linked from the footer of every page; the
municipality's name and contact details come from the settings."""

from __future__ import annotations

from flask import Blueprint, render_template

from web.runtime import runtime

bp = Blueprint("accessibility", __name__)

# Where the supervisory authority takes complaints about a service's accessibility.
DIGG_REPORT_URL = "https://www.digg.se/tdosanmalan"


@bp.route("/tillganglighet")
def statement() -> str:
    settings = runtime().settings
    return render_template(
        "accessibility/statement.html",
        organisation=settings.municipality_name or settings.administration_name,
        email=settings.accessibility_email, phone=settings.accessibility_phone,
        reviewed_on=settings.accessibility_reviewed_on, digg_url=DIGG_REPORT_URL,
    )
