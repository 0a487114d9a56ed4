"""Logging in and out: hashed passwords, the forced change of a one-time password, cookie
flags, CSRF and where a login may send you. The throttling of failed logins is in
test_login_throttling.py, sessions ending in test_sessions.py."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from support import PASSWORD, file_deviation, make_app, stored_events

from tracker.people.accounts import Account, Role
from tracker.runtime import Runtime
from tracker.storage.tables import users as users_table


def test_wrong_password_is_refused_without_saying_which_part(
    client: FlaskClient, users: dict[str, Account]
) -> None:
    for username in ("chef", "nobody"):
        response = client.post("/login", data={"username": username, "password": "fel-fel-fel"})
        html = response.get_data(as_text=True)
        assert response.status_code == 401
        assert "Fel användarnamn eller lösenord." in html and 'role="alert"' in html
        assert "fel-fel-fel" not in html  # a password is never echoed back
        assert client.get("/").status_code == 302
    empty = client.post("/login", data={"username": "", "password": ""})
    assert empty.status_code == 422
    assert 'href="#username"' in empty.get_data(as_text=True)


def test_one_time_password_must_be_changed_first(client: FlaskClient, runtime: Runtime) -> None:
    runtime.accounts.add("ny", Role.RAPPORTOR, "engangs-losen", must_change_password=True)
    login = client.post("/login", data={"username": "ny", "password": "engangs-losen"})
    assert login.location == "/konto/losenord"
    for path in ("/", "/avvikelser/ny", "/mina-rapporter"):
        assert client.get(path).location == "/konto/losenord"
    page = client.get("/konto/losenord").get_data(as_text=True)
    assert "engångslösenord" in page
    once = {"current_password": "engangs-losen"}
    short = client.post("/konto/losenord",
                        data=once | {"password": "kort", "password_again": "kort"})
    assert short.status_code == 422
    assert "Lösenordet måste ha minst 10 tecken." in short.get_data(as_text=True)
    differ = client.post("/konto/losenord", data=once | {
        "password": "ett-langt-losen", "password_again": "ett-annat-losen"})
    assert "Lösenorden är inte lika." in differ.get_data(as_text=True)
    # The one-time password is asked for, and may not be kept as one's own.
    kept = client.post("/konto/losenord", data=once | {
        "password": "engangs-losen", "password_again": "engangs-losen"})
    assert kept.status_code == 422
    assert "Det nya lösenordet får inte vara samma som det nuvarande." in kept.get_data(
        as_text=True)
    done = client.post("/konto/losenord", data=once | {
        "password": "ett-langt-losen", "password_again": "ett-langt-losen"})
    assert done.status_code == 302
    assert client.get("/").status_code == 200
    assert runtime.accounts.authenticate("ny", "ett-langt-losen") is not None
    assert runtime.accounts.authenticate("ny", "engangs-losen") is None
    assert not runtime.accounts.get("ny").must_change_password


def test_passwords_are_stored_hashed(runtime: Runtime, users: dict[str, Account]) -> None:
    with runtime.engine.connect() as connection:
        hashes = connection.execute(sa.select(users_table.c.password_hash)).scalars().all()
    assert hashes and all(PASSWORD not in value and ":" in value for value in hashes)


@pytest.mark.real_password_hashing
def test_a_password_is_stored_as_an_scrypt_hash_and_checked_against_it(runtime: Runtime) -> None:
    runtime.accounts.add("ny", Role.RAPPORTOR, "ett-langt-losen-2026")
    with runtime.engine.connect() as connection:
        stored = connection.execute(sa.select(users_table.c.password_hash).where(
            users_table.c.username == "ny")).scalar_one()
    assert stored.startswith("scrypt:") and "ett-langt-losen-2026" not in stored
    assert runtime.accounts.authenticate("ny", "ett-langt-losen-2026") is not None
    assert runtime.accounts.authenticate("ny", "ett-langt-losen-2025") is None


def test_session_cookie_flags_and_logout(client: FlaskClient, users: dict[str, Account]) -> None:
    response = client.post("/login", data={"username": "chef", "password": PASSWORD})
    cookie = next(v for k, v in response.headers.items()
                  if k == "Set-Cookie" and v.startswith("tracker_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/logout").status_code == 405  # logging out changes state: POST only
    assert client.post("/logout").location == "/login"
    assert client.get("/").status_code == 302


def test_inactive_users_cannot_log_in_or_stay_logged_in(
    app: Flask, users: dict[str, Account], runtime: Runtime
) -> None:
    client = app.test_client()
    client.post("/login", data={"username": "chef", "password": PASSWORD})
    runtime.accounts.set_active("chef", False)
    assert client.get("/").status_code == 302
    assert app.test_client().post(
        "/login", data={"username": "chef", "password": PASSWORD}).status_code == 401


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [("/inkorg", "/inkorg"), ("https://evil.example/", "/"), ("//evil.example/x", "/"),
     ("", "/")],
)
def test_login_only_redirects_within_the_site(
    shared_app: Flask, next_url: str, lands_on: str
) -> None:
    response = shared_app.test_client().post(
        "/login", data={"username": "chef", "password": PASSWORD, "next": next_url}
    )
    assert response.location == lands_on


def test_posts_without_a_csrf_token_are_refused(
    runtime: Runtime, users: dict[str, Account]
) -> None:
    app = make_app(runtime, csrf=True)
    client = app.test_client()
    refused_login = client.post("/login", data={"username": "chef", "password": PASSWORD})
    assert refused_login.status_code == 400
    assert "säkerhetskod" in refused_login.get_data(as_text=True)

    # With the token from the page, logging in works.
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/login", data={"username": "rapportor", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302

    form = {"unit": "utredning", "category": "personal",
            "occurred_on": runtime.app.today().isoformat(), "description": "Ingen token."}
    before = stored_events(runtime)
    refused = client.post("/avvikelser/ny", data=form)
    assert refused.status_code == 400
    assert stored_events(runtime) == before
    deviation = file_deviation(runtime)
    chef = app.test_client()
    page = chef.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    chef.post("/login", data={"username": "chef", "password": PASSWORD, "csrf_token": token})
    before = stored_events(runtime)
    assert chef.post(f"/avvikelser/{deviation.id}/feedback",
                     data={"feedback_message": "x", "version": "1"}).status_code == 400
    assert chef.post("/logout").status_code == 400
    assert stored_events(runtime) == before
    # With the page's token the same request goes through.
    page = chef.get(f"/avvikelser/{deviation.id}").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert chef.post(f"/avvikelser/{deviation.id}/feedback",
                     data={"feedback_message": "x", "version": "1", "csrf_token": token}
                     ).status_code == 302
    # The API uses bearer tokens, not cookies, so CSRF does not apply there.
    api_token = runtime.accounts.create_token("rapportor")
    assert app.test_client().post(
        "/api/v1/deviations", json=form, headers={"Authorization": f"Bearer {api_token}"}
    ).status_code == 201
