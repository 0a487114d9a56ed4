"""The favicon at the address browsers ask for on every page (templates also link the SVG)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, send_from_directory

bp = Blueprint("assets", __name__)


@bp.route("/favicon.ico")
def favicon() -> Any:
    response = send_from_directory(
        current_app.static_folder or "static", "favicon.ico", mimetype="image/vnd.microsoft.icon"
    )
    response.cache_control.max_age = 86400
    response.cache_control.public = True
    return response
