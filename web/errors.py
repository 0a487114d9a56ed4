"""Error answers: an HTML page for people, JSON {"errors": {...}} under /api."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from events.errors import DomainError, Inconsistent, ValidationFailed
from tracker.application import ConflictError, NotFound
from web.api import ApiError
from web.i18n import domain_message
from web.runtime import runtime

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-Id"
# A caller's own id is kept (so a proxy's id follows the request) when it is short and plain.
_CALLER_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

PAGE_TITLES = {
    400: "Felaktig begäran",
    401: "Inloggning krävs",
    403: "Du har inte behörighet",
    404: "Sidan finns inte",
    405: "Metoden är inte tillåten",
    409: "Ärendet har ändrats",
    413: "För mycket data",
    415: "Fel innehållstyp",
    429: "För många försök",
    500: "Något gick fel",
}
PAGE_TEXTS = {
    403: "Din roll eller dina enheter ger inte tillgång till den här sidan eller ärendet.",
    404: "Kontrollera adressen, eller gå tillbaka till startsidan.",
    409: "Någon annan har ändrat ärendet. Ladda om sidan och försök igen.",
    500: "Ett oväntat fel inträffade. Försök igen; kontakta administratören om det upprepas.",
}
API_TEXTS = {
    400: "Bad request.",
    401: "A valid bearer token is required.",
    403: "Your role may not do this.",
    404: "Not found.",
    405: "Method not allowed.",
    409: "The case was changed by someone else; reload it and try again.",
    413: "The request is too large.",
    415: "The body must be JSON (Content-Type: application/json).",
    500: "Internal error.",
}

REBUILDING_PAGE = (
    "Den här sidan kan inte visas förrän listorna har byggts om efter uppdateringen. "
    "Ladda om sidan om en stund."
)
REBUILDING_API = "The lists are being rebuilt after an upgrade; try again shortly."


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _views_rebuilding() -> bool:
    from projections.runner import views_rebuilding  # the read side, only when failing

    try:
        return views_rebuilding(runtime())
    except Exception:  # the store itself failing: the ordinary error answer
        return False


def request_id() -> str:
    """This request's id: in the X-Request-Id answer header and in every error log line."""
    if "request_id" not in g:
        asked = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = asked if _CALLER_ID.match(asked) else uuid.uuid4().hex
    return str(g.request_id)


def _json(status: int, errors: dict[str, list[str]], headers: dict[str, str] | None = None) -> Any:
    response = jsonify({"errors": errors})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    response.headers.update(headers or {})
    return response


def _page(
    status: int,
    text: str | None = None,
    headers: dict[str, str] | None = None,
    title: str | None = None,
) -> Any:
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=title or PAGE_TITLES.get(status, "Fel"),
            text=text or PAGE_TEXTS.get(status, ""),
        ),
        status,
        headers or {},
    )


def _kept_headers(error: HTTPException) -> dict[str, str]:
    # 405 must say which methods are allowed (RFC 9110 15.5.6); werkzeug puts them in Allow.
    return {key: value for key, value in error.get_headers() if key == "Allow"}


def register_error_handlers(app: Flask) -> None:
    @app.after_request
    def tag_request(response: Any) -> Any:
        response.headers[REQUEST_ID_HEADER] = request_id()
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        if request.method in ("GET", "HEAD") and _views_rebuilding():
            # After an upgrade the new code may not read a view's old tables until the
            # rebuilt ones are switched in (projections/schema.py): not a fault, and it
            # passes by itself, so the page answers and says so. (A failed change, a POST,
            # still answers as an error: it must not look done.)
            log.warning(
                "page read views being rebuilt request_id=%s %s %s (%s)", request_id(),
                request.method, request.path, type(error).__name__,
            )
            if _is_api():
                return _json(503, {"_schema": [REBUILDING_API]}, {"Retry-After": "30"})
            g.views_rebuilding = True
            return _page(200, REBUILDING_PAGE, title="Listorna byggs om")
        # Anything no other handler knows: logged with the request id, answered as a 500 page
        # or the JSON error shape, never a traceback. Tests (TESTING) see the exception itself.
        propagate = current_app.config["PROPAGATE_EXCEPTIONS"]
        if propagate or (propagate is None and (current_app.testing or current_app.debug)):
            raise error
        log.error(
            "unexpected error request_id=%s %s %s", request_id(), request.method, request.path,
            exc_info=error,
        )
        if _is_api():
            return _json(500, {"_schema": [gettext(API_TEXTS[500])]})
        return _page(500)

    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Any:
        return _json(error.status, error.errors, error.headers)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        if _is_api():
            return _json(400, {"_schema": [gettext("Bad request.")]})
        return _page(
            400,
            "Formuläret hade gått ut eller saknade sin säkerhetskod, så ingenting sparades. "
            "Gå tillbaka, ladda om sidan och skicka igen.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        status = error.code or 500
        if status >= 500:
            log.error(
                "server error request_id=%s %s %s", request_id(), request.method, request.path,
                exc_info=getattr(error, "original_exception", None) or error,
            )
        if _is_api():
            return _json(
                status, {"_schema": [gettext(API_TEXTS.get(status, "Error."))]},
                _kept_headers(error),
            )
        return _page(status, headers=_kept_headers(error))

    @app.errorhandler(NotFound)
    def not_found(error: NotFound) -> Any:
        if _is_api():
            return _json(404, {"_schema": [gettext("Not found.")]})
        return _page(404, "Ärendet finns inte.")

    @app.errorhandler(ConflictError)
    def conflict(error: ConflictError) -> Any:
        if _is_api():
            return _json(409, {"_schema": [gettext(API_TEXTS[409])]})
        return _page(409)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Any:
        # ValidationFailed is bad input (422 on its field), unless the value is well formed
        # but does not fit the case (Inconsistent: 409 on its field); the rest are state
        # conflicts (409).
        if isinstance(error, ValidationFailed):
            if _is_api():
                status = 409 if isinstance(error, Inconsistent) else 422
                return _json(status, {error.field: [domain_message(error)]})
            return _page(400, domain_message(error))
        if _is_api():
            reasons = getattr(error, "reasons", None) or [error]
            return _json(409, {"_schema": [domain_message(reason) for reason in reasons]})
        return _page(409, domain_message(error))
