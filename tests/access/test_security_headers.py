"""The headers every answer carries: a Content-Security-Policy that also forbids framing,
forms posting elsewhere (but to the sign-in provider, where logging out ends) and a
changed base address; over https, HSTS and cookies the browser keeps to https."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from flask import Flask, make_response
from flask.testing import FlaskClient
from support import PASSWORD, make_app

from tracker.people.accounts import Account
from tracker.runtime import Runtime, open_runtime


def _directives(policy: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1]
            for part in (p.strip() for p in policy.split(";")) if part}


def test_the_csp_forbids_framing_foreign_forms_and_a_base_element(
    client: FlaskClient, client_for: Callable[[str], FlaskClient],
) -> None:
    for response in (client.get("/login"), client_for("chef").get("/"),
                     client.get("/api/openapi.json")):
        csp = _directives(response.headers["Content-Security-Policy"])
        assert csp["frame-ancestors"] == "'none'"
        assert csp["form-action"] == "'self'"
        assert csp["base-uri"] == "'none'"
        assert csp["default-src"] == "'self'" and csp["script-src"] == "'self'"


def test_with_a_sign_in_provider_forms_may_end_there(runtime: Runtime) -> None:
    """Logging out is a form POST answered with a redirect to the provider's end-session
    address; Chromium applies form-action to that redirect."""
    settings = dataclasses.replace(
        runtime.settings, oidc_issuer="https://login.kommun.example/realms/socialtjanst",
        oidc_client_id="tracker", oidc_client_secret="hemligt",
    )
    with_provider = open_runtime(settings)
    try:
        response = make_app(with_provider).test_client().get("/login")
    finally:
        with_provider.close()
    csp = _directives(response.headers["Content-Security-Policy"])
    assert csp["form-action"] == "'self' https://login.kommun.example"


def test_over_https_the_session_cookie_is_secure_and_hsts_is_sent(
    app: Flask, users: dict[str, Account],
) -> None:
    secure = app.test_client()
    login = secure.post("/login", base_url="https://localhost",
                        data={"username": "chef", "password": PASSWORD})
    assert login.status_code == 302
    (cookie,) = login.headers.getlist("Set-Cookie")
    assert cookie.startswith("tracker_session=") and "; Secure" in cookie
    assert login.headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = app.test_client().post("/login", data={"username": "chef", "password": PASSWORD})
    assert plain.status_code == 302
    (cookie,) = plain.headers.getlist("Set-Cookie")
    assert "Secure" not in cookie
    assert "Strict-Transport-Security" not in plain.headers


def test_over_https_every_cookie_is_secure(app: Flask) -> None:
    """Not only the session: any cookie a view or a hook sets (Flask-Login's remember
    cookie) is kept to https. (The answer of a view, through the app's after-request hooks:
    the app is shared by the worker's tests, so no route is added to it.)"""
    with app.test_request_context("/", base_url="https://localhost"):
        response = make_response("ok")
        response.set_cookie("remember_token", "x", httponly=True)
        answer = app.process_response(response)
    cookies = answer.headers.getlist("Set-Cookie")
    assert cookies and all("; Secure" in c for c in cookies), cookies
