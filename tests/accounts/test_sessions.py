"""Sessions end on the server, not just in the browser: a kept cookie is worth nothing
after logout, after the password is changed elsewhere, after deactivation (also once the
account is active again), a role change or the admin's password reset, and after the idle
time or the longest lifetime. Signing in starts a new session with a new CSRF token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from support import PASSWORD, log_in, make_app

from tracker.admin import change_log
from tracker.admin.changes import Administration
from tracker.people.accounts import Account, Role
from tracker.runtime import Runtime

COOKIE = "tracker_session"
PAGE = "/mina-rapporter"


def signed_in(app: Flask, username: str = "chef") -> FlaskClient:
    client = app.test_client()
    log_in(client, username)
    assert client.get(PAGE).status_code == 200
    return client


def replay(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of CLIENT's session cookie."""
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie.value)
    return thief


def refused(client: FlaskClient) -> bool:
    answer = client.get(PAGE)
    return answer.status_code == 302 and "/login" in answer.location


def test_a_kept_cookie_is_refused_after_logout(app: Flask, users: dict[str, Account]) -> None:
    client = signed_in(app)
    copy = replay(app, client)
    assert copy.get(PAGE).status_code == 200
    client.post("/logout")
    assert refused(copy)


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(
    app: Flask, users: dict[str, Account]
) -> None:
    elsewhere = signed_in(app)
    here = signed_in(app)
    changed = here.post("/konto/losenord", data={
        "current_password": PASSWORD, "password": "nytt-langt-losenord",
        "password_again": "nytt-langt-losenord"})
    assert changed.status_code == 302
    assert here.get(PAGE).status_code == 200
    assert refused(elsewhere)


def test_deactivation_ends_sessions_for_good(
    app: Flask, users: dict[str, Account], runtime: Runtime
) -> None:
    client = signed_in(app, "rapportor")
    admin = Administration.of(runtime, actor="admin", source="web")
    admin.set_user_active("rapportor", False)
    assert refused(client)
    admin.set_user_active("rapportor", True)
    assert refused(client)  # coming back does not bring the old session back
    assert signed_in(app, "rapportor").get(PAGE).status_code == 200


def test_a_role_change_ends_sessions(app: Flask, users: dict[str, Account],
                                     runtime: Runtime) -> None:
    client = signed_in(app, "rapportor")
    Administration.of(runtime, actor="admin", source="web").change_user(
        "rapportor", role=Role.ENHETSCHEF)
    assert refused(client)


def test_the_admins_password_reset_ends_sessions_and_revokes_tokens(
    app: Flask, users: dict[str, Account], runtime: Runtime
) -> None:
    """A reset is what follows a suspected compromise: nothing the old password opened
    stays open (S13), and the change list says which tokens went."""
    client = signed_in(app, "rapportor")
    token = runtime.accounts.create_token("rapportor", "integration")
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/deviations", headers=headers).status_code == 200
    admin = signed_in(app, "admin")
    page = admin.post("/admin/anvandare/rapportor/losenord")
    assert page.status_code == 200
    assert "utloggat överallt och dess API-nycklar är återkallade (1 st)" in page.get_data(
        as_text=True)
    assert refused(client)
    assert api.get("/api/v1/deviations", headers=headers).status_code == 401
    actions = [(c.action, c.actor) for c in change_log.changes(
        runtime.engine, subject="rapportor")[0]]
    assert actions[:2] == [("token.revoked", "admin"), ("user.password_reset", "admin")]


def test_an_idle_session_ends(app: Flask, users: dict[str, Account], runtime: Runtime) -> None:
    idle = timedelta(minutes=runtime.settings.session_idle_minutes)
    assert idle == timedelta(hours=8)  # TRACKER_SESSION_IDLE_MINUTES' default
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        busy = signed_in(app)
        clock.shift(timedelta(hours=5))
        assert busy.get(PAGE).status_code == 200  # used in time: the idle time restarts
        clock.shift(timedelta(hours=5))
        assert busy.get(PAGE).status_code == 200
        left = signed_in(app)
        clock.shift(idle + timedelta(minutes=1))
        assert refused(left)


def test_a_session_ends_at_its_longest_lifetime_however_busy(
    runtime: Runtime, users: dict[str, Account]
) -> None:
    assert runtime.settings.session_max_hours == 12
    app = make_app(runtime)
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        client = signed_in(app)
        for hour in range(11):
            clock.shift(timedelta(hours=1))
            assert client.get(PAGE).status_code == 200, hour
        clock.shift(timedelta(hours=1, minutes=1))
        assert refused(client)


def test_signing_in_starts_a_new_session_and_csrf_token(
    runtime: Runtime, users: dict[str, Account]
) -> None:
    app = make_app(runtime, csrf=True)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    before = page.split('name="csrf_token" value="')[1].split('"')[0]
    cookie_before = client.get_cookie(COOKIE)
    assert cookie_before is not None
    signed = client.post("/login", data={"username": "chef", "password": PASSWORD,
                                         "csrf_token": before})
    assert signed.status_code == 302
    form = client.get("/konto/losenord").get_data(as_text=True)
    after = form.split('name="csrf_token" value="')[1].split('"')[0]
    with app.test_request_context():
        from itsdangerous import URLSafeTimedSerializer

        raw = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")  # type: ignore[arg-type]
        assert raw.loads(before) != raw.loads(after)
    # The cookie from before the login (a fixated session) signs no one in.
    fixated = app.test_client()
    fixated.set_cookie(COOKIE, cookie_before.value)
    assert refused(fixated)
