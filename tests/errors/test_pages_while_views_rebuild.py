"""While views an upgrade changed are rebuilt, a page the new code cannot read from the old
rows answers with the rebuilding notice, not an error; a change that fails still fails."""

from __future__ import annotations

import pytest
from flask import Flask

from projections import tables
from tracker.people.accounts import Role
from tracker.runtime import Runtime
from web import create_app


@pytest.fixture
def upgrading(runtime: Runtime) -> Flask:
    versions = tables.view_schemas
    with runtime.engine.begin() as connection:  # a view left by the release before
        connection.execute(
            versions.update().where(versions.c.projection_name == "deviation_list")
            .values(schema=1)
        )
    app = create_app(runtime=runtime)  # not TESTING: errors are handled, not raised
    app.config["WTF_CSRF_ENABLED"] = False

    @app.route("/gammal-lista", methods=["GET", "POST"])
    @app.route("/api/v1/gammal-lista", methods=["GET", "POST"])
    def unreadable() -> str:
        raise LookupError("a column of the old shape")

    return app


def test_a_read_answers_with_the_notice_and_a_failed_change_as_an_error(
    upgrading: Flask, runtime: Runtime
) -> None:
    client = upgrading.test_client()
    page = client.get("/gammal-lista")
    assert page.status_code == 200
    assert "Listorna byggs om" in page.get_data(as_text=True)

    runtime.accounts.add("fel", Role.ADMIN, "ett-langt-losen")
    headers = {"Authorization": f"Bearer {runtime.accounts.create_token('fel')}"}
    api = client.get("/api/v1/gammal-lista", headers=headers)
    assert api.status_code == 503 and api.headers["Retry-After"] == "30"
    assert set(api.get_json()["errors"]) == {"_schema"}
    change = client.post("/gammal-lista", data={"x": "1"})
    assert change.status_code == 500
    assert "Listorna byggs om" not in change.get_data(as_text=True)
