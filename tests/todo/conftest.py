"""Fixtures for the "Att göra" tests: the real app on the store-parametrised runtime, one
user per role, and logged-in clients."""

from __future__ import annotations

from collections.abc import Callable

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
