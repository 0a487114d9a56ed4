"""The start page: what the logged-in person can do from here."""

from __future__ import annotations

from flask import Blueprint, render_template

from tracker.accounts import Role
from web import navigation
from web.auth import current_account, roles_required

bp = Blueprint("home", __name__)


@bp.route("/")
@roles_required(Role)
def index() -> str:
    account = current_account()
    return render_template(
        "home.html", account=account, shortcuts=navigation.items_for(account.role)
    )
