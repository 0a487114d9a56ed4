"""Fixtures for the web tests: an app on the store-parametrised runtime (SQLite, and
PostgreSQL when configured), users per role, logged-in clients and API tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_helpers import add_users, log_in, make_app

from tracker.accounts import Account
from tracker.config import Settings
from tracker.runtime import Runtime, open_runtime


@pytest.fixture
def web_app(runtime: Runtime) -> Flask:
    return make_app(runtime)


@pytest.fixture
def users(runtime: Runtime) -> dict[str, Account]:
    return add_users(runtime)


@pytest.fixture
def client_for(web_app: Flask, users: dict[str, Account]) -> Callable[[str], FlaskClient]:
    """A logged-in test client for one of USERS."""

    def make(username: str) -> FlaskClient:
        client = web_app.test_client()
        log_in(client, username)
        return client

    return make


@pytest.fixture
def tokens(runtime: Runtime, users: dict[str, Account]) -> dict[str, str]:
    return {name: runtime.accounts.create_token(name) for name in users}


@pytest.fixture
def api(web_app: Flask, tokens: dict[str, str]) -> Callable[..., object]:
    """api(user, method, path, json=...) -> response, with that user's bearer token."""
    client = web_app.test_client()

    def call(user: str | None, method: str, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"Bearer {tokens[user]}"} if user else {}
        return client.open(path, method=method, headers=headers, **kwargs)

    return call


@pytest.fixture(scope="module")
def sqlite_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """One SQLite runtime for a whole module: the big tables of cases run here only."""
    folder: Path = tmp_path_factory.mktemp("web")
    settings = Settings.from_env(
        {
            "TRACKER_DATABASE_URL": f"sqlite:///{folder / 'tracker.sqlite3'}",
            "TRACKER_INSTANCE_PATH": str(folder / "instance"),
            "TRACKER_SECRET_KEY": "test-secret",
        }
    )
    rt = open_runtime(settings)
    yield rt
    rt.close()


def _quick_hash(password: str) -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method="pbkdf2:sha256:1")


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """scrypt takes ~0.2 s a hash by design; the web tests make many users, so they hash
    with a cheap method (the stored hash names its method, so checking still works)."""
    monkeypatch.setattr("tracker.accounts.generate_password_hash", _quick_hash)


@pytest.fixture(scope="module")
def shared_app(sqlite_runtime: Runtime) -> Flask:
    """An app with USERS on the module's SQLite runtime, for tables of cases that store
    nothing (or nothing the other cases look at)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("tracker.accounts.generate_password_hash", _quick_hash)
        add_users(sqlite_runtime)
    return make_app(sqlite_runtime)
