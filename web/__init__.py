"""The web front: Flask app factory, server-rendered Swedish pages and the JSON API v1.

Controllers stay thin: parse (marshmallow, web.forms.parse_form / web.api.endpoint) ->
authorise (web.policy, web.sign_in.users.roles_required) -> call TrackerApplication or projections
-> render. No domain rules here; refused commands come back as DomainError and are shown.

Adding an area (the pattern to follow):

* Pages: a module in web/pages/ with a module-level `bp = Blueprint("name", __name__)` is
  registered automatically. Guard views with `@roles_required(policy.X)` (a role set named
  in web/policy.py), read the user with `web.sign_in.users.current_account()`, the runtime
  with `web.runtime.runtime()` / `application()`, and call `web.runtime.fresh_views()`
  before reading projections.
  Add a menu entry with `web.navigation.register("Etikett", "name.view", roles, order)`.
  Templates extend "base.html" and use the macros in templates/macros/forms.html
  (`error_summary(form, labels)`, `input`, `textarea`, `select`, `hidden_version`), so
  every form gets the GOV.UK-style error summary, inline errors and kept input. A case's
  actions: `Action.form_schema()` (web.cases.actions) names the inputs as the page's form does
  and maps the domain's field names back. Parse other POSTs with
  `form = parse_form(Schema())`, call the command in `try: ... except (DomainError,
  ConflictError) as e: form.fail(e)`, and re-render with status 422 when `not form.ok`.
* API: a module in web/api/ using `@endpoint(...)` from web.api (see its docstring); it is
  imported automatically and appears in /api/openapi.json.
* Swedish text: templates are written in Swedish. English msgids that reach people
  (domain errors, marshmallow messages) are translated through the catalogue in
  web/translations (see web.i18n for how to recompile it).
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, has_request_context, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import current_user

from tracker.config import Settings
from tracker.runtime import Runtime
from web import api as api_package
from web import display, i18n, navigation, pages
from web.errors import register_error_handlers
from web.forms import csrf
from web.sign_in import local, users

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HSTS = ("Strict-Transport-Security", "max-age=31536000")


def security_headers_for(settings: Settings) -> tuple[tuple[str, str], ...]:
    """The headers every answer carries. Chromium applies form-action to the redirects
    after a form's POST too: logging out (a POST) ends at the provider's end-session
    address, so the provider's origin is allowed when sign-in through it is configured."""
    csp = CSP
    if settings.oidc_enabled and settings.oidc_issuer:
        issuer = urlsplit(settings.oidc_issuer)
        csp += f" {issuer.scheme}://{issuer.netloc}"
    return (
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Content-Security-Policy", csp),
    )


def _is_api(request: Request) -> bool:
    return request.path.startswith("/api/")


def _with_secure(cookie: str) -> str:
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    return cookie if "secure" in attributes else cookie + "; Secure"


class _SessionInterface(SecureCookieSessionInterface):
    """The signed session cookie, not opened for the API: it authenticates by bearer
    token, and reading the cookie was a noticeable share of a filing's time. Secure when
    the request came over https (behind a trusted proxy: as the proxy says), so the
    browser never sends it over plain http."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if _is_api(request):
            return self.make_null_session(app)
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


class TrackerFlask(Flask):
    session_interface = _SessionInterface()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        # Flask asks, for every hook and view on every request, whether it is a coroutine
        # function; the answer for a given function never changes.
        found = self._sync.get(func)
        if found is None:
            found = self._sync[func] = super().ensure_sync(func)
        return found


def create_app(runtime: Runtime) -> Flask:
    """The Flask app on the process's one Runtime (built by the composition root,
    tracker/cli/): its engine, accounts, organisation data and application."""
    settings = runtime.settings
    app = TrackerFlask(__name__, instance_path=str(settings.instance_path))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="tracker_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=1024 * 1024,  # no form or JSON body here needs more
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]  # Flask's default provider has it
    app.extensions["tracker"] = runtime
    if settings.trusted_proxies:
        # Behind the municipality's reverse proxy: the reader's own address (access log,
        # rate limits, the session's binding) and the address people used (redirect URI).
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n
        )

    # First registered, so it runs after every other after_request hook (Flask runs them in
    # reverse): it sees the cookies they set (Flask-Login's remember cookie). The session
    # cookie is written after the hooks and marks itself (_SessionInterface).
    @app.after_request
    def https_only(response: Any) -> Any:
        if request.is_secure:
            response.headers[HSTS[0]] = HSTS[1]
            cookies = response.headers.getlist("Set-Cookie")
            if cookies:
                response.headers.setlist("Set-Cookie", [_with_secure(c) for c in cookies])
        return response

    i18n.init_babel(app)
    display.init_app(app)
    csrf.init_app(app)
    users.login_manager.init_app(app)
    # One read of the caches' generations per request; every lookup of units, taxonomy
    # and API tokens in the request trusts it (tracker/storage/generations.py).
    app.before_request(runtime.generations.pin)
    app.teardown_request(lambda _error: runtime.generations.unpin())
    app.before_request(local.enforce_password_change)

    app.register_blueprint(local.bp)
    for module in pkgutil.iter_modules(pages.__path__):
        page_module = importlib.import_module(f"{pages.__name__}.{module.name}")
        blueprint = getattr(page_module, "bp", None)
        if blueprint is not None:
            app.register_blueprint(blueprint)
    api_package.load_modules()
    csrf.exempt(api_package.api)  # bearer tokens, no cookies: nothing for CSRF to steal
    app.register_blueprint(api_package.api)
    app.register_blueprint(api_package.spec_bp)
    register_error_handlers(app)

    @app.context_processor
    def layout() -> dict[str, Any]:
        items = navigation.items_for(current_user.role) if current_user.is_authenticated else []
        return {"nav_items": items}

    security = security_headers_for(settings)

    @app.after_request
    def security_headers(response: Any) -> Any:
        headers = response.headers
        present = {key.lower() for key, _ in headers}  # one pass, not one per header
        for key, value in security:
            if key.lower() not in present:
                headers.add(key, value)
        # Secrecy (OSL): nothing a signed-in person or an API token reads is cached. The API
        # is answered without asking for the session's user, which it never has.
        if "cache-control" not in present and (_is_api(request) or current_user.is_authenticated):
            headers.add("Cache-Control", "no-store")
        return response

    return app
