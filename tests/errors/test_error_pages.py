"""Errors answer people with a Swedish page and API clients with JSON."""

from __future__ import annotations

import pytest
from flask import Flask

from tracker.people.accounts import Role
from tracker.runtime import Runtime
from web import create_app


@pytest.fixture(scope="module")
def production_like(sqlite_runtime: Runtime) -> Flask:
    app = create_app(runtime=sqlite_runtime)  # not TESTING: errors are handled, not raised

    @app.route("/trasig")
    @app.route("/api/v1/trasig")
    def broken() -> str:
        raise RuntimeError("boom")

    return app


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [("/finns-inte", 404, "Sidan finns inte"), ("/trasig", 500, "Något gick fel")],
)
def test_pages(production_like: Flask, path: str, status: int, text: str) -> None:
    response = production_like.test_client().get(path)
    assert response.status_code == status
    assert response.mimetype == "text/html" and text in response.get_data(as_text=True)
    assert "boom" not in response.get_data(as_text=True)


def test_api(production_like: Flask, sqlite_runtime: Runtime) -> None:
    sqlite_runtime.accounts.add("fel", Role.ADMIN, "ett-langt-losen")
    headers = {"Authorization": f"Bearer {sqlite_runtime.accounts.create_token('fel')}"}
    client = production_like.test_client()
    for path, status in (("/api/v1/finns-inte", 404), ("/api/v1/trasig", 500)):
        response = client.get(path, headers=headers)
        assert response.status_code == status
        assert set(response.get_json()) == {"errors"}
        assert "boom" not in response.get_data(as_text=True)
