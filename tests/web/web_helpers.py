"""Helpers for the web tests (fixtures are in conftest.py)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tracker.accounts import Account, Role
from tracker.runtime import Runtime
from web import create_app

PASSWORD = "correct-horse-battery"
# One user per role; the enhetschef manages only Utredningsenheten.
USERS: dict[str, tuple[Role, frozenset[str]]] = {
    "rapportor": (Role.RAPPORTOR, frozenset({"utredning"})),
    "chef": (Role.ENHETSCHEF, frozenset({"utredning"})),
    "forste": (Role.FORSTE_SOCIALSEKRETERARE, frozenset({"utredning"})),
    "utvecklare": (Role.VERKSAMHETSUTVECKLARE, frozenset()),
    "lexsarah": (Role.LEX_SARAH_ANSVARIG, frozenset()),
    "admin": (Role.ADMIN, frozenset()),
}


def make_app(runtime: Runtime, *, csrf: bool = False) -> Flask:
    app = create_app(runtime=runtime)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=csrf)
    return app


def add_users(runtime: Runtime) -> dict[str, Account]:
    return {
        name: runtime.accounts.add(name, role, PASSWORD, units=units)
        for name, (role, units) in USERS.items()
    }


def log_in(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)


def stored_events(runtime: Runtime) -> int:
    """The event log's head: unchanged means nothing was stored."""
    return runtime.app.recorder.max_notification_id() or 0


def file_deviation(runtime: Runtime, **overrides: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "actor": "rapportor",
        "unit": "utredning",
        "category": "handlaggning",
        "subcategory": "sekretess",
        "occurred_on": runtime.app.today(),
        "description": "Ett brev skickades till fel adress.",
    }
    values.update(overrides)
    return runtime.app.file_deviation(**values)  # type: ignore[arg-type]
