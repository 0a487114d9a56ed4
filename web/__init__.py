"""The web front: Flask app factory, server-rendered Swedish pages and the JSON API v1.

Controllers stay thin: parse (marshmallow, web.forms.parse_form / web.api.endpoint) ->
authorise (web.policy, web.auth.roles_required) -> call TrackerApplication or projections
-> render. No domain rules here; refused commands come back as DomainError and are shown.

Adding an area (the pattern to follow):

* Pages: a module in web/pages/ with a module-level `bp = Blueprint("name", __name__)` is
  registered automatically. Guard views with `@roles_required({Role.X, ...})`, read the
  user with `web.auth.current_account()`, the runtime with `web.runtime.runtime()` /
  `application()`, and call `web.runtime.fresh_views()` before reading projections.
  Add a menu entry with `web.navigation.register("Etikett", "name.view", roles, order)`.
  Templates extend "base.html" and use the macros in templates/macros/forms.html
  (`error_summary(form, labels)`, `input`, `textarea`, `select`, `hidden_version`), so
  every form gets the GOV.UK-style error summary, inline errors and kept input. A case's
  actions: `Action.form_schema()` (web.actions) names the inputs as the page's form does
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
from typing import Any

from flask import Flask
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

from tracker.runtime import Runtime

csrf = CSRFProtect()
log = logging.getLogger(__name__)


def create_app(runtime: Runtime) -> Flask:
    """The Flask app on the process's one Runtime (built by the composition root,
    tracker/cli/): its engine, accounts, organisation data and application."""
    from web import api as api_package
    from web import auth, display, i18n, navigation, pages
    from web.errors import register_error_handlers

    settings = runtime.settings
    app = Flask(__name__, instance_path=str(settings.instance_path))
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

    i18n.init_babel(app)
    display.init_app(app)
    csrf.init_app(app)
    auth.login_manager.init_app(app)
    # One read of the caches' generations per request; every lookup of units, taxonomy
    # and API tokens in the request trusts it (tracker/generations.py).
    app.before_request(runtime.generations.pin)
    app.teardown_request(lambda _error: runtime.generations.unpin())
    app.before_request(auth.enforce_password_change)

    app.register_blueprint(auth.bp)
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

    @app.after_request
    def security_headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'",
        )
        if current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")  # secrecy (OSL)
        return response

    return app
