"""Flask-Babel set-up and the translation of messages that come from outside web/:
domain errors (English msgid templates with %(name)s parameters) and marshmallow's
validation messages. The Swedish catalogue is web/translations/sv/LC_MESSAGES/messages.po;
its compiled messages.mo is committed (tests check it matches the .po). After editing the
.po run: .venv/bin/pybabel compile -d web/translations"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_babel import Babel, gettext

from events.errors import DomainError

TRANSLATIONS = Path(__file__).parent / "translations"
LOCALES = ("sv", "en")


def select_locale() -> str:
    """Swedish for people. The JSON API answers in English unless the client asks for
    Swedish: integrating systems log these messages, people read the pages."""
    if request.path.startswith("/api"):
        return request.accept_languages.best_match(LOCALES) or "en"
    return "sv"


def init_babel(app: Flask) -> Babel:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "sv")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Stockholm")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    return Babel(app, locale_selector=select_locale)


def _translated_param(value: Any) -> Any:
    # Some parameters are English phrases ("the reported date"); the catalogue has them.
    if isinstance(value, tuple):  # several phrases (events.errors.Phrases), each translated
        return ", ".join(str(_translated_param(item)) for item in value)
    return gettext(value) if isinstance(value, str) and value.isascii() and " " in value else value


def domain_message(error: DomainError) -> str:
    """The error's English template translated to the request's locale, then filled in."""
    params = {key: _translated_param(value) for key, value in error.params.items()}
    translated = gettext(error.template)
    return translated % params if params else translated


def validation_messages(errors: Any) -> dict[str, list[str]]:
    """marshmallow's nested error dict -> {field: [translated messages]}."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(prefix, item)
        else:
            flat.setdefault(prefix or "_schema", []).append(gettext(str(value)))

    walk("", errors)
    return flat
