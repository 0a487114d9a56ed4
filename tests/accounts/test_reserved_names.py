"""The names the system writes into events as its own actors (the scheduler files
deviations as "scheduler") are no one's username: not on the admin page, not on the command
line, not at a first sign-in through the provider (test_sign_in_with_provider.py). And an
account that bears such a name anyway (made before the rule) is not the reporter of what
the system filed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from support import TrackerRunner, file_deviation, log_in

from tracker.application import SCHEDULER_ACTOR
from tracker.people.accounts import RESERVED_USERNAMES, Account, Role
from tracker.runtime import Runtime
from tracker.storage.tables import users as users_table


def test_the_system_actors_are_reserved() -> None:
    assert {SCHEDULER_ACTOR, "system", "import"} <= RESERVED_USERNAMES


def test_the_admin_page_refuses_a_reserved_name(
    client_for: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    answer = client_for("admin").post(
        "/admin/anvandare", data={"username": "Scheduler", "role": "rapportor"})
    assert answer.status_code == 422
    assert "Användarnamnet scheduler är reserverat för systemet" in answer.get_data(as_text=True)
    assert runtime.accounts.find("scheduler") is None


def test_the_command_line_refuses_a_reserved_name(
    runner: TrackerRunner, runtime: Runtime
) -> None:
    result = runner.invoke(
        ["user", "add", "scheduler", "--role", "rapportor", "--password-stdin"],
        input="scheduler-pass-123\n",
    )
    assert result.exit_code == 1
    assert "reserved for the system" in result.output
    assert runtime.accounts.find("scheduler") is None


def test_an_account_named_like_the_scheduler_is_not_its_deviations_reporter(
    app: Flask, runtime: Runtime, users: dict[str, Account]
) -> None:
    filed = file_deviation(runtime, actor=SCHEDULER_ACTOR)
    with runtime.engine.begin() as connection:  # as an older release let one be made
        old_hash = connection.execute(sa.select(users_table.c.password_hash).where(
            users_table.c.username == "rapportor")).scalar_one()  # knows the test password
        connection.execute(users_table.insert().values(
            username=SCHEDULER_ACTOR, password_hash=old_hash, role=Role.RAPPORTOR.value,
            must_change_password=False, active=True, created_at=datetime.now(UTC)))
    client = app.test_client()
    log_in(client, SCHEDULER_ACTOR)
    assert client.get(f"/avvikelser/{filed.id}").status_code in {403, 404}
    # Nor are they listed as its own reports, on the page or in the API.
    assert filed.number not in client.get("/mina-rapporter").get_data(as_text=True)
    token = runtime.accounts.create_token(SCHEDULER_ACTOR, "gammal")
    listed = app.test_client().get(
        "/api/v1/deviations", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200 and listed.get_json()["items"] == []
    # The reporter of an ordinary deviation still opens it.
    mine = file_deviation(runtime)
    reporter = app.test_client()
    log_in(reporter, "rapportor")
    assert reporter.get(f"/avvikelser/{mine.id}").status_code == 200
