"""Error answers: an HTML page for people, JSON {"errors": {...}} under /api."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from events.errors import DomainError, ValidationFailed
from tracker.application import ConflictError, NotFound
from web.api import ApiError
from web.i18n import domain_message

PAGE_TITLES = {
    400: "Felaktig begäran",
    401: "Inloggning krävs",
    403: "Du har inte behörighet",
    404: "Sidan finns inte",
    405: "Metoden är inte tillåten",
    409: "Ärendet har ändrats",
    413: "För mycket data",
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
    500: "Internal error.",
}


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _json(status: int, errors: dict[str, list[str]]) -> Any:
    response = jsonify({"errors": errors})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _page(status: int, text: str | None = None) -> Any:
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=PAGE_TITLES.get(status, "Fel"),
            text=text or PAGE_TEXTS.get(status, ""),
        ),
        status,
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Any:
        return _json(error.status, error.errors)

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
        if _is_api():
            return _json(status, {"_schema": [gettext(API_TEXTS.get(status, "Error."))]})
        return _page(status)

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
        # ValidationFailed is bad input (422 on its field); the rest are state conflicts (409).
        if isinstance(error, ValidationFailed):
            if _is_api():
                return _json(422, {error.field: [domain_message(error)]})
            return _page(400, domain_message(error))
        if _is_api():
            return _json(409, {"_schema": [domain_message(error)]})
        return _page(409, domain_message(error))
