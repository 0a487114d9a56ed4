"""The start page: "Att göra", what the logged-in person must do next (web/pages/todo.py)."""

from __future__ import annotations

from flask import Blueprint

from tracker.people.accounts import Role
from web import navigation
from web.pages.todo import render_todo
from web.sign_in.users import current_account, roles_required

bp = Blueprint("home", __name__)
navigation.register("Att göra", "home.index", Role, order=1)


@bp.route("/")
@roles_required(Role)
def index() -> str:
    return render_todo(current_account())
