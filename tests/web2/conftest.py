"""Fixtures for the part-2 web tests: the real app on the store-parametrised runtime,
one user per role (two unit managers with different units), logged-in clients, API tokens,
and small builders for cases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tracker.accounts import Account, Role
from tracker.runtime import Runtime
from web import create_app

PASSWORD = "korrekt-hast-batteri"
USERS: dict[str, tuple[Role, frozenset[str]]] = {
    "rapportor": (Role.RAPPORTOR, frozenset()),
    "chef": (Role.ENHETSCHEF, frozenset({"utredning"})),
    "chef_hvb": (Role.ENHETSCHEF, frozenset({"hvb-notgarden"})),
    "forste": (Role.FORSTE_SOCIALSEKRETERARE, frozenset()),
    "utvecklare": (Role.VERKSAMHETSUTVECKLARE, frozenset()),
    "lexsarah": (Role.LEX_SARAH_ANSVARIG, frozenset()),
    "admin": (Role.ADMIN, frozenset()),
}
ROLES = list(USERS)


@pytest.fixture
def web_app(runtime: Runtime) -> Flask:
    app = create_app(runtime=runtime)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app


@pytest.fixture
def users(runtime: Runtime) -> dict[str, Account]:
    return {
        name: runtime.accounts.add(name, role, PASSWORD, units=units)
        for name, (role, units) in USERS.items()
    }


@pytest.fixture
def client_for(web_app: Flask, users: dict[str, Account]) -> Callable[[str], FlaskClient]:
    def make(username: str) -> FlaskClient:
        client = web_app.test_client()
        response = client.post("/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return make


@pytest.fixture
def api(
    web_app: Flask, runtime: Runtime, users: dict[str, Account]
) -> Callable[..., Any]:
    """api(user, method, path, json=...) -> response, with that user's bearer token."""
    tokens = {name: runtime.accounts.create_token(name) for name in users}
    client = web_app.test_client()

    def call(user: str | None, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {tokens[user]}"} if user else {}
        headers |= kwargs.pop("headers", {})
        return client.open(path, method=method, headers=headers, **kwargs)

    return call


@pytest.fixture
def lex_sarah_case(runtime: Runtime) -> Callable[..., UUID]:
    """A Lex Sarah case opened from a fresh deviation (filed some days ago)."""

    def make(unit: str = "utredning") -> UUID:
        app = runtime.app
        today = app.today()
        deviation = app.file_deviation(
            actor="rapportor", unit=unit, category="genomforande", subcategory=None,
            occurred_on=today - timedelta(days=3), description="Knivar låg framme i köket.",
            reported_on=today - timedelta(days=2),
        )
        case = app.escalate_to_lex_sarah(
            deviation.id, actor="utvecklare", reason="Allvarlig risk för de unga.",
            opened_on=today - timedelta(days=1),
        )
        return case.id

    return make


@pytest.fixture
def child_report(runtime: Runtime) -> Callable[..., UUID]:
    """A child report received `days_ago` days ago in `unit`."""

    def make(unit: str = "utredning", days_ago: int = 2, **kwargs: Any) -> UUID:
        received = datetime.now(UTC) - timedelta(days=days_ago)
        report = runtime.app.receive_child_report(
            actor="forste", unit=unit, received_at=received,
            case_reference=kwargs.pop("case_reference", "IFO-2026-123"), **kwargs,
        )
        return report.id

    return make


def iso(day: date) -> str:
    return day.isoformat()
