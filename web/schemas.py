"""marshmallow building blocks shared by the HTML forms and the JSON API. Messages with
parameters are lazy msgids ({max}-style, formatted by marshmallow after translation);
plain messages are translated when errors are collected (web.i18n.validation_messages)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, ClassVar

from flask import has_app_context
from flask_babel import gettext, lazy_gettext
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from events.base import (
    EARLIEST_DATE,
    LONG_TEXT,
    SHORT_TEXT,
    check_characters,
    check_text,
)
from events.causes import MAX_CAUSES
from events.clocks import local_date
from events.errors import ValidationFailed
from tracker.application import HistoryEntry
from web.i18n import domain_message
from web.runtime import application

__all__ = [
    "LONG_TEXT",
    "MAX_PAGE",
    "SHORT_TEXT",
    "Answer",
    "BaseSchema",
    "Code",
    "Day",
    "HistoryEntryOut",
    "Moment",
    "Text",
    "cause_codes",
    "code",
    "date_bounds",
    "history_dicts",
    "page_number",
    "text",
    "version",
]

EARLIEST_YEAR = EARLIEST_DATE.year  # the domain's rule: nothing recorded happened earlier
INCOMPLETE_DATE = "Enter a complete date, e.g. 2026-11-20."


_TOO_LONG = lazy_gettext("At most {max} characters are allowed.")
_TOO_MANY_CAUSES = lazy_gettext("Choose at most {max} causes.")


def _optional(required: bool) -> dict[str, Any]:
    return {"required": True} if required else {"load_default": None, "allow_none": True}


def _today() -> dt.date:
    if has_app_context():
        return application().today()
    return local_date(dt.datetime.now(dt.UTC))


def date_bounds(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The dates any form or API body may hold: 1990-01-01 to the end of next year (a
    typo such as 61120 or 202611 as the year is refused, not stored)."""
    year = (today or _today()).year
    return dt.date(EARLIEST_YEAR, 1, 1), dt.date(year + 1, 12, 31)


def day_bounds(day_field: Day, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """A date field's range: to today for something that happened (the domain's rule, so
    the form and the API document say it too), to the end of next year for a due date."""
    today = today or _today()
    earliest, latest = date_bounds(today)
    return earliest, latest if day_field.future else today


# The one written form of a date and of a moment (RFC 3339, offsets as the world uses them):
# what the API document's patterns say, so nothing else (20260105, week dates) gets in.
TIME = (
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?"
    r"(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
)
DATE_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MOMENT_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}" + TIME)


class Day(fields.Date):
    """A calendar date of a form or API body, YYYY-MM-DD (see `day_bounds`)."""

    def __init__(self, *, future: bool = False, **kwargs: Any) -> None:
        self.future = future
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str) and not DATE_FORM.fullmatch(value):
            raise self.make_error("invalid", obj_type=self.OBJ_TYPE)
        return super()._deserialize(value, attr, data, **kwargs)


class Moment(fields.AwareDateTime):
    """A moment with its UTC offset (a child report's arrival, an assessment), RFC 3339;
    the domain refuses one ahead of its clock."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str) and not MOMENT_FORM.fullmatch(value):
            raise self.make_error("invalid", obj_type=self.OBJ_TYPE)
        return super()._deserialize(value, attr, data, **kwargs)


class Text(fields.String):
    """Free text: no control characters but newline and tab; `required` ones not blank."""

    def __init__(self, *, blank: bool, **kwargs: Any) -> None:
        self.blank = blank
        super().__init__(**kwargs)


class Code(fields.String):
    """A code; `codes` names the organisation list it must be in ("unit", "category",
    "subcategory", "cause"), which the API document lists as its enum."""

    def __init__(self, *, codes: str | None = None, **kwargs: Any) -> None:
        self.codes = codes
        super().__init__(**kwargs)


class BaseSchema(Schema):
    """Unknown keys are refused (marshmallow's default RAISE): a typo in an API client's
    field name must not be silently dropped. Every date and time is kept within
    `date_bounds`, the same bounds the date inputs carry as min/max."""

    @validates_schema(skip_on_field_errors=False)
    def dates_within_bounds(self, data: dict[str, Any], **_: Any) -> None:
        today = _today()
        errors: dict[str, list[str]] = {}
        for name, schema_field in self.fields.items():
            value = data.get(name)
            if not isinstance(schema_field, fields.Date | fields.DateTime) or value is None:
                continue
            day = value.date() if isinstance(value, dt.datetime) else value
            earliest, latest = date_bounds(today)
            if isinstance(schema_field, Day):
                earliest, latest = day_bounds(schema_field, today)
                if latest < day <= date_bounds(today)[1]:  # a plausible date, but ahead
                    errors[schema_field.data_key or name] = [
                        gettext("The date cannot be in the future.")
                    ]
                    continue
            if not earliest <= day <= latest:
                message = gettext("Enter a date between {min} and {max}.")
                errors[schema_field.data_key or name] = [
                    message.format(min=earliest.isoformat(), max=latest.isoformat())
                ]
        if errors:
            raise ValidationError(errors)


def _personal_data_free(value: str) -> None:
    """The domain's own personnummer check, run while parsing so that the form lists it
    together with every other error (the domain would stop at its first refusal)."""
    try:
        check_text("text", value, required=False, max_length=max(len(value), 1))
    except ValidationFailed as error:
        raise ValidationError(domain_message(error)) from None


def _plain_characters(value: str) -> None:
    """Codes and filters reach SQL: a NUL there is a driver error, not a field error."""
    try:
        check_characters("text", value)
    except ValidationFailed as error:
        raise ValidationError(domain_message(error)) from None


# marshmallow's own words for a missing value (the same Swedish as the domain's "This field
# is required."): clients, and tools reading marshmallow's error shape, know them.
MISSING = "Missing data for required field."


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(MISSING)


def text(
    max_length: int = LONG_TEXT, *, required: bool = True, **kwargs: Any
) -> fields.String:
    """Free text. Emptiness, personnummer and the domain's own limits are checked again by
    the domain; checking them here lists them with the other errors (and as the API
    document states them: minLength 1 and a pattern)."""
    checks: list[Any] = [validate.Length(max=max_length, error=_TOO_LONG), _personal_data_free]
    return Text(
        blank=not required,
        **_optional(required),
        validate=[_not_blank, *checks] if required else checks,
        **kwargs,
    )


def code(*, required: bool = True, codes: str | None = None, **kwargs: Any) -> fields.String:
    """A code from organisation data (unit, category); unknown codes are the domain's call."""
    return Code(
        codes=codes,
        **_optional(required),
        validate=[validate.Length(max=64, error=_TOO_LONG), _plain_characters],
        **kwargs,
    )


def _distinct(values: list[Any]) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Choose each cause once.")


def cause_codes() -> fields.List:
    """The causes a cause analysis names: one to MAX_CAUSES distinct codes of the cause list."""
    choose = "Choose at least one cause."
    return fields.List(
        code(codes="cause"),
        required=True,
        validate=[
            validate.Length(min=1, error=choose),
            validate.Length(max=MAX_CAUSES, error=_TOO_MANY_CAUSES),
            _distinct,
        ],
        error_messages={"required": choose},
        metadata={"description": "Cause codes from the organisation's cause list (GET /causes)",
                  "uniqueItems": True},
    )


# Every integer input is bounded: an unbounded one reaches SQL as an overflow (a 500).
MAX_VERSION = 2**31 - 1
MAX_PAGE = 100_000


def version() -> fields.Integer:
    """The case version a client read; every command takes it (pages from a hidden input)."""
    return fields.Integer(
        load_default=None, allow_none=True,
        validate=validate.Range(min=0, max=MAX_VERSION),
        metadata={"description": "The version you read; a stale one answers 409."},
    )


def page_number() -> fields.Integer:
    """A 1-based page of a paged list."""
    return fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))


def date(*, required: bool = True, future: bool = False, **kwargs: Any) -> fields.Date:
    """A date of something that happened (not after today), or with `future` a due date or
    deadline (to the end of next year); never before 1990-01-01."""
    if required:
        return Day(future=future, required=True, **kwargs)
    return Day(future=future, load_default=None, allow_none=True, **kwargs)


class Flag(fields.Boolean):
    """A JSON body's true or false, and nothing else (marshmallow would take 1, "yes", ...;
    and 0 == False in Python)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def flag(**kwargs: Any) -> fields.Boolean:
    return Flag(**kwargs)


def form_flag(**kwargs: Any) -> fields.Boolean:
    """A form's or a query string's "true" or "false" (a checkbox, a select, ?dry_run=)."""
    return fields.Boolean(truthy={"true"}, falsy={"false"}, **kwargs)


def moment(**kwargs: Any) -> fields.AwareDateTime:
    return Moment(required=True, **kwargs)


def history_dicts(entries: list[HistoryEntry]) -> list[dict[str, Any]]:
    """A case's audit trail as every page and endpoint shows it."""
    return [
        {"type": e.type, "at": e.at.isoformat(), "by": e.by, "data": e.data, "version": e.version}
        for e in entries
    ]


class Answer(Schema):
    """An answer's shape: every field is always in it, so the API document marks each one
    required (and `nullable` where it may be null), except those named in OPTIONAL."""

    OPTIONAL: ClassVar[frozenset[str]] = frozenset()

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        field_obj.required = field_name not in self.OPTIONAL


class HistoryEntryOut(Answer):
    """One event of a case's audit trail, as every case endpoint returns it."""

    type = fields.String(metadata={"description": "Past-tense event name, e.g. Reported"})
    at = fields.String(metadata={"format": "date-time"})
    by = fields.String(allow_none=True)
    data = fields.Dict()
    version = fields.Integer()


# --- Sök ärendenummer (page and API) -----------------------------------------------------

SEARCH_MAX_LENGTH = 100
# Translated where the errors are gathered (web.i18n.validation_messages).
_ONE_LINE = "Write the search on one line, without control characters."
# Every control character, newline and tab too: a search is one line.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _search_text(value: str) -> None:
    if _CONTROL.search(value):
        raise ValidationError(_ONE_LINE)
    _personal_data_free(value)  # refused before it is searched or logged


class SearchQuery(BaseSchema):
    q = Text(
        blank=False,
        required=True,
        validate=[
            _not_blank,
            validate.Length(max=SEARCH_MAX_LENGTH, error=_TOO_LONG),
            _search_text,
        ],
        metadata={"description": "A case number (AV-2026-0042, or a part of one) or a case "
                  "reference (diarienummer), or a part of one"},
    )
