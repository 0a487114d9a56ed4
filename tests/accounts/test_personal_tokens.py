"""Personal API tokens on Mina inställningar: shown once, stored only as a hash, named, with
the date last used, revoked by their owner or by the admin (who sees every token)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from support import ROLES, TrackerRunner

from tracker.admin import change_log
from tracker.people.accounts import Account
from tracker.runtime import Runtime
from tracker.storage.tables import api_tokens


def make_token(client: FlaskClient, name: str) -> str:
    response = client.post("/installningar/nycklar", data={"name": name})
    assert response.status_code == 200
    found = re.search(r'<code class="secret">(trk_[\w-]+)</code>', response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)
    return found.group(1)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_the_page(client_for: Callable[[str], FlaskClient], role: str) -> None:
    page = client_for(role).get("/installningar")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Mina inställningar" in text and "API-nycklar" in text and "Skapa API-nyckel" in text


def test_the_page_needs_a_login(app: Flask) -> None:
    response = app.test_client().get("/installningar")
    assert response.status_code == 302 and "/login" in response.location


def test_a_token_is_shown_once_stored_hashed_and_works_until_revoked(
    client_for: Callable[[str], FlaskClient], runtime: Runtime, app: Flask,
) -> None:
    chef = client_for("chef")
    token = make_token(chef, "Rapportskript")
    listing = chef.get("/installningar").get_data(as_text=True)
    assert "Rapportskript" in listing and token not in listing and "Aldrig" in listing
    with runtime.engine.connect() as connection:
        stored = connection.execute(sa.select(api_tokens)).all()
    assert token not in {value for row in stored for value in row if isinstance(value, str)}
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/units", headers=headers).status_code == 200
    (mine,) = runtime.accounts.tokens("chef")
    assert mine.name == "Rapportskript" and mine.last_used_at is not None
    assert "Aldrig" not in chef.get("/installningar").get_data(as_text=True)
    # Someone else cannot revoke it; the owner can.
    assert client_for("rapportor").post(
        f"/installningar/nycklar/{mine.id}/aterkalla").status_code == 404
    assert api.get("/api/v1/units", headers=headers).status_code == 200
    assert chef.post(f"/installningar/nycklar/{mine.id}/aterkalla").status_code == 302
    assert api.get("/api/v1/units", headers=headers).status_code == 401
    assert "Återkallad" in chef.get("/installningar").get_data(as_text=True)
    actions = [(c.action, c.actor, c.subject) for c in change_log.changes(runtime.engine)[0]]
    assert actions == [("token.revoked", "chef", "chef"), ("token.created", "chef", "chef")]


def test_the_admin_sees_and_revokes_every_token(
    client_for: Callable[[str], FlaskClient], runtime: Runtime, app: Flask,
) -> None:
    token = make_token(client_for("rapportor"), "Min laptop")
    make_token(client_for("utvecklare"), "Excel")
    admin = client_for("admin")
    listing = admin.get("/admin/nycklar").get_data(as_text=True)
    assert "Min laptop" in listing and "Excel" in listing and token not in listing
    (mine,) = runtime.accounts.tokens("rapportor")
    assert admin.post(f"/admin/nycklar/{mine.id}/aterkalla").status_code == 302
    assert app.test_client().get(
        "/api/v1/units", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert not runtime.accounts.tokens("rapportor")[0].active
    assert runtime.accounts.tokens("utvecklare")[0].active


def test_a_token_needs_a_name_and_nothing_is_stored_without_one(
    client_for: Callable[[str], FlaskClient], runtime: Runtime,
) -> None:
    response = client_for("chef").post("/installningar/nycklar", data={"name": ""})
    assert response.status_code == 422
    assert 'href="#name"' in response.get_data(as_text=True)
    assert runtime.accounts.tokens("chef") == []


def test_a_token_name_with_a_personnummer_is_refused_and_nothing_stored(
    client_for: Callable[[str], FlaskClient], runtime: Runtime,
) -> None:
    response = client_for("chef").post("/installningar/nycklar",
                                       data={"name": "Nyckel 900101\u2013 1239"})
    assert response.status_code == 422
    assert "personnummer" in response.get_data(as_text=True)
    assert runtime.accounts.tokens("chef") == []


def test_the_admin_makes_no_token_for_someone_else(
    client_for: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    """A token acts as its owner and the access log names the owner: an admin-made token
    would let the admin read any case in someone else's name (S6)."""
    admin = client_for("admin")
    page = admin.get("/admin/anvandare/lexsarah").get_data(as_text=True)
    assert "Skapa API-nyckel" not in page and "Mina inställningar" in page
    answer = admin.post("/admin/anvandare/lexsarah/nycklar", data={"name": "admin-made"})
    assert answer.status_code in {404, 405}
    assert runtime.accounts.tokens("lexsarah") == []


def test_a_token_made_on_the_command_line_is_in_the_change_list(
    runner: TrackerRunner, runtime: Runtime, users: dict[str, Account]
) -> None:
    """The operator of the machine may make one (an integration's account); the change
    list says so, under the operating-system user, from the command line."""
    import getpass

    made = runner.invoke(["token", "create", "chef", "--name", "integration"])
    assert made.exit_code == 0 and made.output.startswith("trk_")
    (change,) = change_log.changes(runtime.engine, subject="chef")[0]
    assert (change.action, change.actor, change.source) == (
        "token.created", getpass.getuser(), "cli")
