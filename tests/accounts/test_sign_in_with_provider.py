"""Signing in with the municipality's account against a real OpenID Connect provider
(oidc-provider on loopback, driven through its own login and consent forms): the first
sign-in makes a rapportör without units, a broken or replayed answer is refused with a
clear message and no session, logging out ends the provider's session too, and with
TRACKER_LOCAL_LOGIN=false there is no password form to use."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from accounts.oidc_provider.harness import Provider, query, running_provider, sign_in_at_provider
from flask import Flask
from flask.testing import FlaskClient

from tracker.admin import change_log
from tracker.config import Settings
from tracker.people.accounts import Role
from tracker.runtime import Runtime, open_runtime
from web import create_app

BASE = "http://127.0.0.1:5555"  # TRACKER_BASE_URL: where the provider sends people back
HOST = urlsplit(BASE).netloc


@pytest.fixture(scope="module")
def provider_process() -> Iterator[Provider]:
    with running_provider() as provider:
        yield provider


@pytest.fixture
def provider(provider_process: Provider) -> Iterator[Provider]:
    provider_process.mode("none")
    yield provider_process
    provider_process.mode("none")


@pytest.fixture
def store() -> str:
    return "sqlite"  # accounts are plain rows; the store-backed suites cover PostgreSQL


@pytest.fixture
def make_app(
    environ: dict[str, str], provider: Provider, tmp_path: Path
) -> Iterator[Callable[..., tuple[Flask, Runtime]]]:
    opened: list[Runtime] = []

    def make(**extra: str) -> tuple[Flask, Runtime]:
        settings = Settings.from_env(
            environ | provider.environ | {"TRACKER_BASE_URL": BASE} | extra
        )
        runtime = open_runtime(settings)
        opened.append(runtime)
        app = create_app(runtime)
        app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
        return app, runtime

    yield make
    for runtime in opened:
        runtime.close()


def sign_in(client: FlaskClient, login: str = "anna.andersson") -> tuple[object, str]:
    """The whole round trip; returns the tracker's answer to the callback and its URL."""
    start = client.get("/login/oidc?next=/mina-rapporter")
    assert start.status_code == 302, start.get_data(as_text=True)
    callback = sign_in_at_provider(start.location, login, HOST)
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}"), callback


def refusal(response: object) -> str:
    text = html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]
    assert 'class="error-summary"' in text
    return text


def assert_signed_out(client: FlaskClient) -> None:
    answer = client.get("/")
    assert answer.status_code == 302 and "/login" in answer.location


def test_the_authorization_request_asks_for_code_with_pkce_state_and_nonce(
    make_app: Callable[..., tuple[Flask, Runtime]], provider: Provider
) -> None:
    app, _ = make_app()
    start = app.test_client().get("/login/oidc")
    asked = query(start.location)
    assert start.location.startswith(provider.issuer + "/")
    assert asked["response_type"] == "code" and asked["client_id"] == "tracker"
    assert asked["scope"] == "openid profile email"
    assert asked["redirect_uri"] == f"{BASE}/login/oidc/callback"
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) >= 43
    assert len(asked["state"]) >= 20 and len(asked["nonce"]) >= 16


def test_first_sign_in_makes_a_reporter_without_units_who_can_file(
    make_app: Callable[..., tuple[Flask, Runtime]],
) -> None:
    app, runtime = make_app()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "Logga in med kommunens konto" in page and 'name="password"' in page
    response, _ = sign_in(client)
    assert response.status_code == 302 and response.location == "/mina-rapporter"
    account = runtime.accounts.get("anna.andersson")
    assert account.role is Role.RAPPORTOR and account.units == frozenset()
    assert account.email == "anna.andersson@kommun.example" and account.active
    assert "anna.andersson" in client.get("/").get_data(as_text=True)
    filed = client.post("/avvikelser/ny", data={
        "unit": "utredning", "category": "personal", "occurred_on": runtime.app.today().isoformat(),
        "description": "Ingen vikarie fanns på plats.",
    })
    assert filed.status_code == 302 and filed.location.endswith("/kvitto")
    (change,) = change_log.changes(runtime.engine)[0]
    assert (change.action, change.subject, change.actor, change.source) == (
        "user.signed_in_first", "anna.andersson", "anna.andersson", "oidc")
    assert change.after == {"role": "rapportor", "units": [], "email":
                            "anna.andersson@kommun.example", "active": True}
    # A second sign-in finds the account; the role an admin gave stays.
    runtime.accounts.set_role("anna.andersson", Role.ENHETSCHEF)
    client.post("/logout")
    second, _ = sign_in(app.test_client())
    assert second.status_code == 302
    assert runtime.accounts.get("anna.andersson").role is Role.ENHETSCHEF
    assert change_log.changes(runtime.engine)[1] == 1


def test_the_username_comes_from_the_configured_claim(
    make_app: Callable[..., tuple[Flask, Runtime]],
) -> None:
    app, runtime = make_app(TRACKER_OIDC_USERNAME_CLAIM="email")
    response, _ = sign_in(app.test_client())
    assert response.status_code == 302
    assert runtime.accounts.find("anna.andersson@kommun.example") is not None
    assert runtime.accounts.find("anna.andersson") is None
    # A claim whose value is no username (a display name with a space) lets nobody new in.
    app, runtime = make_app(TRACKER_OIDC_USERNAME_CLAIM="name")
    client = app.test_client()
    refused, _ = sign_in(client, "karin.karlsson")
    assert refused.status_code == 401
    assert "skickade inget användarnamn som tjänsten kan använda" in refusal(refused)
    assert_signed_out(client)
    assert [a.username for a in runtime.accounts.all()] == ["anna.andersson@kommun.example"]
    # Someone already linked is found by the subject, whatever the username claim says.
    again, _ = sign_in(app.test_client())
    assert again.status_code == 302
    assert [a.username for a in runtime.accounts.all()] == ["anna.andersson@kommun.example"]


def test_without_a_base_url_the_redirect_uri_is_the_address_asked_for(
    environ: dict[str, str], provider: Provider,
) -> None:
    runtime = open_runtime(Settings.from_env(environ | provider.environ))
    try:
        app = create_app(runtime)
        start = app.test_client().get("/login/oidc", base_url="http://127.0.0.1:8123")
        assert query(start.location)["redirect_uri"] == "http://127.0.0.1:8123/login/oidc/callback"
    finally:
        runtime.close()


def test_the_providers_groups_decide_the_role_when_configured(
    make_app: Callable[..., tuple[Flask, Runtime]],
) -> None:
    app, runtime = make_app(
        TRACKER_OIDC_ROLE_CLAIM="groups",
        TRACKER_OIDC_ROLE_MAP="kvalitet=verksamhetsutvecklare,alla-anstallda=rapportor",
    )
    response, _ = sign_in(app.test_client(), "karin.karlsson")
    assert response.status_code == 302
    assert runtime.accounts.get("karin.karlsson").role is Role.VERKSAMHETSUTVECKLARE
    runtime.accounts.set_role("karin.karlsson", Role.RAPPORTOR)  # the provider wins
    sign_in(app.test_client(), "karin.karlsson")
    assert runtime.accounts.get("karin.karlsson").role is Role.VERKSAMHETSUTVECKLARE
    latest = change_log.changes(runtime.engine)[0][0]
    assert (latest.action, latest.before, latest.after) == (
        "user.role_from_provider", {"role": "rapportor"}, {"role": "verksamhetsutvecklare"})


def test_a_wrong_state_is_refused_without_a_session(
    make_app: Callable[..., tuple[Flask, Runtime]],
) -> None:
    app, runtime = make_app()
    client = app.test_client()
    start = client.get("/login/oidc")
    callback = sign_in_at_provider(start.location, "anna.andersson", HOST)
    parts = urlsplit(callback)
    state = query(callback)["state"]
    forged = parts.query.replace(f"state={state}", "state=nagon-annans")
    response = client.get(f"{parts.path}?{forged}")
    assert response.status_code == 400
    assert "hör inte till någon inloggning som påbörjades här" in refusal(response)
    assert "Du är inte inloggad." in refusal(response)
    assert_signed_out(client)
    assert runtime.accounts.find("anna.andersson") is None
    # The right state after a wrong one is no good either: the attempt is spent.
    again = client.get(f"{parts.path}?{parts.query}")
    assert again.status_code == 400
    assert_signed_out(client)


def test_a_replayed_code_is_refused(make_app: Callable[..., tuple[Flask, Runtime]]) -> None:
    app, _ = make_app()
    first = app.test_client()
    response, callback = sign_in(first)
    assert response.status_code == 302
    # Someone else replays the code within a sign-in of their own (a fresh, valid state).
    other = app.test_client()
    state = query(other.get("/login/oidc").location)["state"]
    code = query(callback)["code"]
    replay = other.get(f"/login/oidc/callback?code={code}&state={state}")
    assert replay.status_code == 401
    assert "koden har redan använts eller gått ut" in refusal(replay)
    assert_signed_out(other)


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("wrong_audience", "är utfärdat för en annan tjänst än den här"),
        ("expired", "har gått ut"),
        ("wrong_issuer", "är utfärdat av en annan inloggningstjänst än den som är inställd"),
        ("bad_signature", "har ingen giltig signatur"),
        ("wrong_nonce", "hör inte till den här inloggningen"),
    ],
)
def test_a_bad_id_token_is_refused_without_a_session(
    make_app: Callable[..., tuple[Flask, Runtime]], provider: Provider, mode: str, message: str,
) -> None:
    app, runtime = make_app()
    provider.mode(mode)
    client = app.test_client()
    response, _ = sign_in(client)
    assert response.status_code == 401
    text = refusal(response)
    assert f"Inloggningstjänstens intyg (ID-token) {message}." in text
    assert "Du är inte inloggad." in text
    assert_signed_out(client)
    assert runtime.accounts.find("anna.andersson") is None


def test_a_deactivated_account_cannot_sign_in(
    make_app: Callable[..., tuple[Flask, Runtime]],
) -> None:
    app, runtime = make_app()
    sign_in(app.test_client())
    runtime.accounts.set_active("anna.andersson", False)
    client = app.test_client()
    response, _ = sign_in(client)
    assert response.status_code == 403
    assert "Ditt konto i tjänsten är inaktiverat." in refusal(response)
    assert_signed_out(client)


def test_logout_ends_the_local_session_and_the_providers(
    make_app: Callable[..., tuple[Flask, Runtime]], provider: Provider,
) -> None:
    app, runtime = make_app()
    client = app.test_client()
    sign_in(client)
    out = client.post("/logout")
    assert out.status_code == 302
    assert out.location.startswith(provider.issuer + "/session/end")
    asked = query(out.location)
    assert asked["post_logout_redirect_uri"] == f"{BASE}/login"
    assert asked["client_id"] == "tracker" and asked["id_token_hint"].count(".") == 2
    assert_signed_out(client)
    # A password login has no provider session to end.
    runtime.accounts.add("lokal", Role.RAPPORTOR, "korrekt-hast-batteri")
    local = app.test_client()
    local.post("/login", data={"username": "lokal", "password": "korrekt-hast-batteri"})
    assert local.post("/logout").location == "/login"
    assert_signed_out(local)


def test_without_local_login_there_is_no_password_form_and_post_is_refused(
    make_app: Callable[..., tuple[Flask, Runtime]],
) -> None:
    app, runtime = make_app(TRACKER_LOCAL_LOGIN="false")
    runtime.accounts.add("lokal", Role.RAPPORTOR, "korrekt-hast-batteri")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert 'name="password"' not in page and 'name="username"' not in page
    assert "Logga in med kommunens konto" in page
    refused = client.post("/login", data={"username": "lokal", "password": "korrekt-hast-batteri"})
    assert refused.status_code == 403
    assert "Inloggning med lösenord är avstängd." in refusal(refused)
    assert_signed_out(client)
    response, _ = sign_in(client)  # the provider still lets people in
    assert response.status_code == 302
    assert "Byt lösenord" not in client.get("/").get_data(as_text=True)


def test_the_first_admin_made_on_the_command_line_signs_in_with_the_provider(
    make_app: Callable[..., tuple[Flask, Runtime]], environ: dict[str, str], provider: Provider,
) -> None:
    """Without local login the first administrator is made before anyone signs in, under
    the provider's username and without a password; the first sign-in under that name is
    linked to it."""
    from click.testing import CliRunner

    from tracker.cli import main

    app, runtime = make_app(TRACKER_LOCAL_LOGIN="false")
    made = CliRunner().invoke(main, ["user", "add", "anna.andersson", "--role", "admin"],
                              env=environ | provider.environ | {"TRACKER_LOCAL_LOGIN": "false"})
    assert made.exit_code == 0, made.output
    assert "No password" in made.output and "One-time password" not in made.output
    client = app.test_client()
    response, _ = sign_in(client)
    assert response.status_code == 302 and response.location == "/mina-rapporter"
    assert client.get("/admin/").status_code == 200
    assert runtime.accounts.get("anna.andersson").role is Role.ADMIN


def test_the_redirect_uri_is_on_the_admin_settings_page(
    make_app: Callable[..., tuple[Flask, Runtime]],
) -> None:
    app, runtime = make_app(TRACKER_OIDC_CLIENT_SECRET="mycket-hemligt-varde")
    runtime.accounts.add("admin", Role.ADMIN, "korrekt-hast-batteri")
    client = app.test_client()
    client.post("/login", data={"username": "admin", "password": "korrekt-hast-batteri"})
    page = client.get("/admin/installningar").get_data(as_text=True)
    assert f'<code class="secret" id="redirect-uri">{BASE}/login/oidc/callback</code>' in page
    assert "mycket-hemligt-varde" not in page and "test-secret" not in page
    assert "Inloggning med kommunens konto är påslagen." in page


@pytest.mark.parametrize(
    ("issuer", "accepted"),
    [("http://idp.kommun.example", False), ("https://idp.kommun.example", True),
     ("http://localhost:8080", True), ("ftp://127.0.0.1", False)],
)
def test_plain_http_issuers_are_refused_except_on_loopback(
    environ: dict[str, str], issuer: str, accepted: bool,
) -> None:
    settings = Settings.from_env(environ | {
        "TRACKER_OIDC_ISSUER": issuer, "TRACKER_OIDC_CLIENT_ID": "tracker",
        "TRACKER_OIDC_CLIENT_SECRET": "s",
    })
    runtime = open_runtime(settings)
    try:
        if accepted:
            create_app(runtime)
        else:
            with pytest.raises(ValueError, match="https://"):
                create_app(runtime)
    finally:
        runtime.close()


@pytest.mark.parametrize(
    ("setting", "message"),
    [({"TRACKER_OIDC_ISSUER": "http://idp.kommun.example"},
      "TRACKER_OIDC_ISSUER must be an https:// address (http:// only on loopback): "
      "http://idp.kommun.example"),
     ({"TRACKER_OIDC_ROLE_CLAIM": "groups", "TRACKER_OIDC_ROLE_MAP": "kvalitet=kung"},
      "TRACKER_OIDC_ROLE_MAP: unknown role 'kung' for group 'kvalitet'")],
)
def test_serve_stops_at_start_on_bad_sign_in_settings(
    environ: dict[str, str], setting: dict[str, str], message: str,
) -> None:
    """One line naming the variable, no traceback, nothing started."""
    from click.testing import CliRunner

    from tracker.cli import main

    env = environ | {"TRACKER_OIDC_ISSUER": "https://idp.kommun.example",
                     "TRACKER_OIDC_CLIENT_ID": "tracker", "TRACKER_OIDC_CLIENT_SECRET": "s",
                     "TRACKER_PORT": "1"} | setting
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code == 1
    assert result.output == f"Error: {message}\n"
    assert not result.exception or isinstance(result.exception, SystemExit)


def test_a_one_time_password_is_still_asked_for_at_a_password_login(
    make_app: Callable[..., tuple[Flask, Runtime]],
) -> None:
    """Only the provider's sign-in skips it; a password login in the same browser after a
    provider session whose account went away does not inherit that."""
    app, runtime = make_app()
    client = app.test_client()
    sign_in(client)
    runtime.accounts.set_active("anna.andersson", False)  # the session ends, its cookie stays
    runtime.accounts.add("lokal", Role.RAPPORTOR, "korrekt-hast-batteri",
                         must_change_password=True)
    client.post("/login", data={"username": "lokal", "password": "korrekt-hast-batteri"})
    answer = client.get("/mina-rapporter")
    assert answer.status_code == 302 and answer.location == "/konto/losenord"


def test_a_provider_user_does_not_take_over_a_local_account_by_its_name(
    make_app: Callable[..., tuple[Flask, Runtime]],
) -> None:
    """An account with a password of its own is someone's local account: a provider user
    of the same username is refused, until the admin makes the account the provider's
    (it loses its password); then the first sign-in links it, and only that person's
    subject signs in to it from then on."""
    app, runtime = make_app()
    runtime.accounts.add("anna.andersson", Role.LEX_SARAH_ANSVARIG, "korrekt-hast-batteri")
    runtime.accounts.add("admin", Role.ADMIN, "korrekt-hast-batteri")
    client = app.test_client()
    refused, _ = sign_in(client)
    assert refused.status_code == 403
    assert "inte kopplat till ditt konto hos inloggningstjänsten" in refusal(refused)
    assert_signed_out(client)

    admin = app.test_client()
    admin.post("/login", data={"username": "admin", "password": "korrekt-hast-batteri"})
    page = admin.get("/admin/anvandare/anna.andersson").get_data(as_text=True)
    assert "Bara kommunens konto" in page
    assert admin.post("/admin/anvandare/anna.andersson/losenord/bort").status_code == 302
    assert runtime.accounts.authenticate("anna.andersson", "korrekt-hast-batteri") is None

    linked, _ = sign_in(client)
    assert linked.status_code == 302
    assert "anna.andersson" in client.get("/").get_data(as_text=True)
    actions = [c.action for c in change_log.changes(runtime.engine, subject="anna.andersson")[0]]
    assert actions == ["user.provider_linked", "user.password_removed"]
    # Another provider subject that claims the same username is someone else.
    other = app.test_client()
    stranger, _ = sign_in(other, "anna-0001")
    assert stranger.status_code == 403
    assert "inte kopplat" in refusal(stranger)
    assert_signed_out(other)


def test_reserved_names_cannot_sign_in_first_time(
    make_app: Callable[..., tuple[Flask, Runtime]],
) -> None:
    from web.sign_in.oidc import SignInRefused, account_for

    app, runtime = make_app()
    with app.test_request_context():
        for name in ("scheduler", "system"):
            with pytest.raises(SignInRefused) as refused:
                account_for({"sub": f"sub-{name}", "preferred_username": name})
            assert refused.value.reason == "username"
    assert runtime.accounts.find("scheduler") is None
