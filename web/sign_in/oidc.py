"""Signing in with the municipality's account: OpenID Connect through Authlib's Flask
client (authorization code flow with PKCE; state and nonce checked; the ID token's
signature checked against the provider's JWKS, and its issuer, audience and expiry).

Configured by TRACKER_OIDC_* (tracker.config.Settings). The redirect URI to register at
the provider is <TRACKER_BASE_URL>/login/oidc/callback. A person signing in for the first
time gets an account as rapportör without units (tracker.admin.changes.provision); with
TRACKER_OIDC_ROLE_CLAIM the provider's groups decide the role at every sign-in."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)

from events.errors import ValidationFailed
from tracker.admin import change_log
from tracker.admin.changes import Administration
from tracker.config import Settings
from tracker.people.accounts import RESERVED_USERNAMES, USERNAME, Account, Role
from web.forms import GENERAL, Form
from web.runtime import runtime
from web.settings_view import base_url
from web.sign_in.users import ID_TOKEN_KEY, _safe_next, start_session

log = logging.getLogger(__name__)

bp = Blueprint("oidc", __name__)
CLIENT = "municipality"
SCOPES = "openid profile email"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
LEEWAY_SECONDS = 60  # clock skew allowed between us and the provider
TIMEOUT_SECONDS = 10
# Highest first: a person in several mapped groups gets the strongest role.
ROLE_ORDER = (
    Role.ADMIN, Role.VERKSAMHETSUTVECKLARE, Role.LEX_SARAH_ANSVARIG,
    Role.FORSTE_SOCIALSEKRETERARE, Role.ENHETSCHEF, Role.RAPPORTOR,
)
NEXT_KEY = "oidc_next"

AGAIN = " Du är inte inloggad. Försök igen, eller kontakta IT om det upprepas."
MESSAGES = {
    "state": "Inloggningen kunde inte slutföras: svaret från inloggningstjänsten hör inte "
             "till någon inloggning som påbörjades här (fel eller gammalt state-värde).",
    "code": "Inloggningstjänsten godtog inte inloggningen: koden har redan använts eller "
            "gått ut.",
    "denied": "Inloggningen avbröts hos inloggningstjänsten.",
    "audience": "Inloggningstjänstens intyg (ID-token) är utfärdat för en annan tjänst än "
                "den här.",
    "expired": "Inloggningstjänstens intyg (ID-token) har gått ut.",
    "issuer": "Inloggningstjänstens intyg (ID-token) är utfärdat av en annan "
              "inloggningstjänst än den som är inställd.",
    "signature": "Inloggningstjänstens intyg (ID-token) har ingen giltig signatur.",
    "nonce": "Inloggningstjänstens intyg (ID-token) hör inte till den här inloggningen.",
    "token": "Inloggningstjänstens intyg (ID-token) kunde inte godkännas.",
    "username": "Inloggningstjänsten skickade inget användarnamn som tjänsten kan använda.",
    "inactive": "Ditt konto i tjänsten är inaktiverat. Kontakta administratören.",
    "taken": "Det finns redan ett konto med ditt användarnamn i tjänsten, men det är inte "
             "kopplat till ditt konto hos inloggningstjänsten. Be administratören att koppla "
             "det (knappen ”Bara kommunens konto” på kontots sida) och logga sedan in igen.",
    "unreachable": "Inloggningstjänsten svarar inte just nu.",
}


class SignInRefused(Exception):
    def __init__(self, reason: str, status: int = 401) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def check_issuer(issuer: str) -> None:
    """https://, or http:// on loopback only (the tests' provider)."""
    parts = urlsplit(issuer)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in LOOPBACK:
        return
    raise ValueError(
        f"TRACKER_OIDC_ISSUER must be an https:// address (http:// only on loopback): {issuer}"
    )


def role_map(settings: Settings) -> dict[str, Role]:
    """TRACKER_OIDC_ROLE_MAP 'group=role,...' with the roles checked at start."""
    mapped = {}
    for group, name in settings.oidc_role_map.items():
        try:
            mapped[group] = Role(name)
        except ValueError:
            raise ValueError(
                f"TRACKER_OIDC_ROLE_MAP: unknown role {name!r} for group {group!r}"
            ) from None
    return mapped


def check_settings(settings: Settings) -> None:
    """The sign-in settings, checked before anything is served (ValueError naming the
    variable)."""
    if not settings.oidc_enabled:
        return
    assert settings.oidc_issuer is not None
    check_issuer(settings.oidc_issuer)
    role_map(settings)


def init_app(app: Flask) -> None:
    settings: Settings = app.extensions["tracker"].settings
    if not settings.oidc_enabled:
        return
    check_settings(settings)
    assert settings.oidc_issuer is not None
    oauth = OAuth(app)
    oauth.register(
        CLIENT,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=settings.oidc_issuer + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": SCOPES,
            "code_challenge_method": "S256",
            "default_timeout": TIMEOUT_SECONDS,
        },
    )
    app.extensions["tracker_oidc"] = oauth


@bp.record_once
def _install(state: BlueprintSetupState) -> None:
    init_app(state.app)  # type: ignore[arg-type]  # Sansio App: a Flask here


def enabled() -> bool:
    return "tracker_oidc" in current_app.extensions


def client() -> Any:
    return current_app.extensions["tracker_oidc"].create_client(CLIENT)


def redirect_uri() -> str:
    return base_url(runtime().settings) + url_for("oidc.callback")


def _metadata() -> dict[str, Any]:
    """The provider's discovery document, checked once: same issuer, no plain http."""
    try:
        metadata: dict[str, Any] = client().load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        log.warning("OIDC discovery failed: %s", error)
        raise SignInRefused("unreachable", 503) from None
    issuer = runtime().settings.oidc_issuer
    if metadata.get("issuer", "").rstrip("/") != issuer:
        log.error("OIDC: the provider names itself %r, configured %r",
                  metadata.get("issuer"), issuer)
        raise SignInRefused("issuer")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        check_issuer(str(metadata.get(key, "")))
    return metadata


@bp.route("/login/oidc")
def start() -> Any:
    if not enabled():
        abort(404)
    try:
        _metadata()
    except SignInRefused as refused:
        return refused_page(refused)
    session[NEXT_KEY] = request.args.get("next") or ""
    return client().authorize_redirect(redirect_uri())


def _claims_options(metadata: dict[str, Any]) -> dict[str, Any]:
    # Authlib checks the audience only through azp; ask for it outright.
    return {
        "iss": {"essential": True, "value": metadata["issuer"]},
        "aud": {"essential": True, "value": runtime().settings.oidc_client_id},
    }


def _token() -> dict[str, Any]:
    """Exchange the code (state, PKCE verifier and nonce from this browser's session) and
    validate the ID token; every failure is a SignInRefused with the reason."""
    metadata = _metadata()
    try:
        return dict(client().authorize_access_token(
            claims_options=_claims_options(metadata), leeway=LEEWAY_SECONDS
        ))
    except MismatchingStateError:
        raise SignInRefused("state", 400) from None
    except OAuthError as error:
        if error.error in {"invalid_grant", "invalid_request"}:
            raise SignInRefused("code") from None
        if error.error in {"access_denied", "login_required", "consent_required"}:
            raise SignInRefused("denied") from None
        log.warning("OIDC: %s %s", error.error, error.description)
        raise SignInRefused("token") from None
    except ExpiredTokenError:
        raise SignInRefused("expired") from None
    except BadSignatureError:
        raise SignInRefused("signature") from None
    except (InvalidClaimError, MissingClaimError) as error:
        claim = getattr(error, "claim", "")
        reason = {"aud": "audience", "azp": "audience", "iss": "issuer", "exp": "expired",
                  "nonce": "nonce"}.get(claim, "token")
        raise SignInRefused(reason) from None
    except JoseError as error:
        log.warning("OIDC: ID token refused: %s", error)
        raise SignInRefused("token") from None
    except requests.RequestException as error:
        log.warning("OIDC: token endpoint failed: %s", error)
        raise SignInRefused("unreachable", 503) from None


def _claims(token: dict[str, Any]) -> dict[str, Any]:
    """The ID token's claims, completed from the userinfo endpoint when the username or
    e-mail is only there (providers that keep ID tokens minimal)."""
    claims = dict(token.get("userinfo") or {})
    username_claim = runtime().settings.oidc_username_claim
    wanted = [username_claim, "email", runtime().settings.oidc_role_claim]
    if any(name and name not in claims for name in wanted):
        try:
            extra = dict(client().userinfo(token=token))
        except (requests.RequestException, OAuthError, ValueError) as error:
            log.warning("OIDC: userinfo failed: %s", error)
            extra = {}
        if extra.get("sub") == claims.get("sub"):  # the same person, or nothing
            claims = extra | claims
    return claims


def _mapped_role(claims: dict[str, Any]) -> Role | None:
    settings = runtime().settings
    if not settings.oidc_role_claim:
        return None
    groups: Any = claims.get(settings.oidc_role_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    mapping = role_map(settings)
    roles = {mapping[g] for g in groups if isinstance(g, str) and g in mapping}
    return next((role for role in ROLE_ORDER if role in roles), Role.RAPPORTOR)


def account_for(claims: dict[str, Any]) -> Account:
    """The person's account, found by the provider's (issuer, subject): a username claim
    can change or be given to someone else, the subject cannot. At the first sign-in the
    subject is linked to a new account, or to an existing one of that username that has no
    password of its own (made for the provider); an account with a password is someone's
    local account and is never taken over by a name alone. The role follows the provider's
    groups when TRACKER_OIDC_ROLE_CLAIM is set."""
    rt = runtime()
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise SignInRefused("token")
    issuer = rt.settings.oidc_issuer
    assert issuer is not None
    role = _mapped_role(claims)
    account = rt.accounts.account_for_identity(issuer, subject)
    if account is None:
        account = _first_sign_in(claims, issuer, subject, role)
    elif role is not None and role is not account.role and account.active:
        admin = Administration.of(rt, actor=account.username, source="oidc")
        account = admin.change_user(account.username, role=role,
                                    action="user.role_from_provider")
    if not account.active:
        raise SignInRefused("inactive", 403)
    return account


def _first_sign_in(
    claims: dict[str, Any], issuer: str, subject: str, role: Role | None
) -> Account:
    rt = runtime()
    raw = claims.get(rt.settings.oidc_username_claim)
    username = str(raw or "").strip().lower()
    if not USERNAME.match(username) or username in RESERVED_USERNAMES:
        raise SignInRefused("username")
    admin = Administration.of(rt, actor=username, source="oidc")
    account = rt.accounts.find(username)
    if account is None:
        email = claims.get("email") if isinstance(claims.get("email"), str) else None
        try:
            return admin.provision(username, email=email, role=role or Role.RAPPORTOR,
                                   identity=(issuer, subject))
        except ValidationFailed:
            # A bad e-mail claim must not keep the person out: without it, then.
            return admin.provision(username, email=None, role=role or Role.RAPPORTOR,
                                   identity=(issuer, subject))
    if rt.accounts.identities(username, issuer) or not _made_for_provider(username):
        log.warning("OIDC: %s (subject %s) refused: the account is not linked to it",
                    username, subject)
        raise SignInRefused("taken", 403)
    admin.link_identity(username, issuer, subject)
    account = rt.accounts.get(username)
    if role is not None and role is not account.role and account.active:
        account = admin.change_user(username, role=role, action="user.role_from_provider")
    return account


def _made_for_provider(username: str) -> bool:
    """No password of its own; or made by a sign-in through the provider before accounts
    were linked by subject (those kept a random password nobody knew)."""
    rt = runtime()
    if not rt.accounts.has_password(username):
        return True
    made, _ = change_log.changes(rt.engine, subject=username, limit=1_000)
    return any(change.action == "user.signed_in_first" for change in made)


@bp.route("/login/oidc/callback")
def callback() -> Any:
    if not enabled():
        abort(404)

    next_url = session.pop(NEXT_KEY, "")
    try:
        token = _token()
        account = account_for(_claims(token))
    except SignInRefused as refused:
        session.clear()  # no half-made session survives a refused sign-in
        return refused_page(refused)
    start_session(account, via="oidc")  # a fresh session for the signed-in person
    session[ID_TOKEN_KEY] = token.get("id_token")
    current_app.logger.info("login %s (oidc)", account.username)
    return redirect(_safe_next(next_url))


def refused_page(refused: SignInRefused) -> Any:
    form = Form()
    form.add(GENERAL, MESSAGES[refused.reason] + AGAIN)
    return render_template("auth/login.html", form=form, next_url=None), refused.status


def logout_url(id_token: str | None, post_logout: str) -> str | None:
    """The provider's end-session address (RP-initiated logout), when it has one."""
    if not enabled():
        return None
    try:
        metadata = _metadata()
    except SignInRefused:
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    check_issuer(metadata["end_session_endpoint"])
    result: dict[str, Any] = client().create_logout_url(
        post_logout_redirect_uri=post_logout, id_token_hint=id_token,
        client_id=runtime().settings.oidc_client_id,
    )
    return str(result["url"])


@bp.app_context_processor
def login_options() -> dict[str, Any]:
    """For the login page and the header: which ways of signing in there are."""
    settings = current_app.extensions["tracker"].settings
    return {"oidc_enabled": enabled(), "local_login": settings.local_login}
