"""What every test folder shares besides fixtures: the users, their password and small
helpers. Import it as `from support import ...` (tests/ is on sys.path: pytest puts the
root conftest's folder there). The fixtures themselves live in tests/conftest.py."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient

from tracker.people.accounts import Account, Role
from tracker.runtime import Runtime
from web import create_app

PASSWORD = "korrekt-hast-batteri"
# The one user table, each user with an address (address(name)). The reporter and the 1:e
# socialsekreterare work at Utredningsenheten (the staff form preselects a reporter's own
# unit); only an enhetschef's units limit what they see.
USERS: dict[str, tuple[Role, frozenset[str]]] = {
    "rapportor": (Role.RAPPORTOR, frozenset({"utredning"})),
    "chef": (Role.ENHETSCHEF, frozenset({"utredning"})),
    "chef2": (Role.ENHETSCHEF, frozenset({"utredning", "oppenvard"})),
    "chef_hvb": (Role.ENHETSCHEF, frozenset({"hvb-notgarden"})),
    "forste": (Role.FORSTE_SOCIALSEKRETERARE, frozenset({"utredning"})),
    "handlaggare.anna": (Role.RAPPORTOR, frozenset({"utredning"})),
    "handlaggare.bo": (Role.RAPPORTOR, frozenset({"utredning"})),
    "utvecklare": (Role.VERKSAMHETSUTVECKLARE, frozenset()),
    "lexsarah": (Role.LEX_SARAH_ANSVARIG, frozenset()),
    "lexsarah2": (Role.LEX_SARAH_ANSVARIG, frozenset()),
    "admin": (Role.ADMIN, frozenset()),
}
# One user per role, and a second enhetschef for another unit: the users the tables of
# routes x roles go through (the others are there for the notifications' recipients).
ROLES = ["rapportor", "chef", "chef_hvb", "forste", "utvecklare", "lexsarah", "admin"]
Clients = Callable[[str], FlaskClient]  # the type of the client_for fixture


def iso(day: date) -> str:
    return day.isoformat()


def make_app(runtime: Runtime, *, csrf: bool = False) -> Flask:
    app = create_app(runtime=runtime)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=csrf)
    return app


def address(username: str) -> str:
    return f"{username}@kommun.example"


def add_users(runtime: Runtime) -> dict[str, Account]:
    return {
        name: runtime.accounts.add(name, role, PASSWORD, units=units, email=address(name))
        for name, (role, units) in USERS.items()
    }


def log_in(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)


def stored_events(runtime: Runtime) -> int:
    """The event log's head: unchanged means nothing was stored."""
    return runtime.app.recorder.max_notification_id() or 0


def file_deviation(runtime: Runtime, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "actor": "rapportor",
        "unit": "utredning",
        "category": "handlaggning",
        "subcategory": "sekretess",
        "occurred_on": runtime.app.today(),
        "description": "Ett brev skickades till fel adress.",
    }
    values.update(overrides)
    return runtime.app.file_deviation(**values)


def summary_links(html: str) -> list[str]:
    """The field ids a page's error summary links to."""
    match = re.search(r'<div class="error-summary" role="alert".*?</div>', html, re.S)
    assert match, "no error summary"
    return re.findall(r'href="#([\w-]+)"', match.group(0))


class TrackerRunner:
    """The `tracker` command run in-process against this test's store."""

    def __init__(self, environ: dict[str, str]) -> None:
        self.environ = environ

    def invoke(self, args: Sequence[str], **kwargs: Any) -> Result:
        from tracker.cli import main

        env = self.environ | kwargs.pop("env", {})
        return CliRunner().invoke(main, list(args), env=env, **kwargs)
def close_deviation(runtime: Runtime, deviation_id: Any, actor: str = "chef") -> None:
    """Close it the way the closing rules allow: analysis, why no measure, feedback."""
    app = runtime.app
    app.analyse_cause(deviation_id, actor=actor, analysis="Rutinen följdes inte.",
                      causes=["rutin_foljs_inte"])
    if not app.get_deviation(deviation_id).measures:
        app.record_no_measures_needed(deviation_id, actor=actor, reason="Rättat direkt.")
    app.give_feedback(deviation_id, actor=actor, message="Tack för rapporten.")
    app.close_deviation(deviation_id, actor=actor, summary="Klart")
