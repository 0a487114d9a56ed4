"""marshmallow building blocks shared by the HTML forms and the JSON API. Messages with
parameters are lazy msgids ({max}-style, formatted by marshmallow after translation);
plain messages are translated when errors are collected (web.i18n.validation_messages)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext
from marshmallow import Schema, fields, validate

from events.base import LONG_TEXT, SHORT_TEXT

__all__ = ["LONG_TEXT", "SHORT_TEXT", "BaseSchema", "code", "text"]


_TOO_LONG = lazy_gettext("At most {max} characters are allowed.")


def _optional(required: bool) -> dict[str, Any]:
    return {"required": True} if required else {"load_default": None, "allow_none": True}


class BaseSchema(Schema):
    """Unknown keys are refused (marshmallow's default RAISE): a typo in an API client's
    field name must not be silently dropped."""


def text(
    max_length: int = LONG_TEXT, *, required: bool = True, **kwargs: Any
) -> fields.String:
    """Free text. Emptiness, personnummer and the domain's own limits are checked again by
    the domain; the length check here keeps oversize input from reaching it at all."""
    return fields.String(
        **_optional(required),
        validate=validate.Length(
            max=max_length, error=_TOO_LONG
        ),
        **kwargs,
    )


def code(*, required: bool = True, **kwargs: Any) -> fields.String:
    """A code from organisation data (unit, category); unknown codes are the domain's call."""
    return fields.String(
        **_optional(required),
        validate=validate.Length(max=64, error=_TOO_LONG),
        **kwargs,
    )
