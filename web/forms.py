"""HTML form handling: parse with a marshmallow schema, keep what the user typed, and turn
validation, domain and conflict errors into field errors for the error summary
(templates/macros/forms.html). Nothing is stored unless parsing and the command succeed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFProtect
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from events.errors import DomainError, ValidationFailed
from tracker.application import ConflictError, NotFound
from web.i18n import domain_message, validation_messages
from web.schemas import INCOMPLETE_DATE, Code

INCOMPLETE_DATES = "_incomplete_dates"  # added by static/forms.js, one per half-typed date

# marshmallow's "required" messages; on a page the field's own label stands beside the message
# (error summary: "Kvalitetsområde: Välj ett alternativ."), so it says what to do in it instead
MISSING = {"Missing data for required field.", "Field may not be null.",
           "This field is required."}

GENERAL = "_schema"  # errors about the whole form, shown in the summary without a link
CONFLICT_MESSAGE = (
    "Någon annan har ändrat ärendet medan du arbetade med det, så ingenting sparades. "
    "Din text finns kvar nedan: läs igenom ärendets senaste händelser och skicka igen."
)


@dataclass
class Form:
    """One form's state for a template: typed values, errors per field, parsed data."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    conflict: bool = False
    keys: dict[str, str] = field(default_factory=dict)  # schema field -> form input name

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def value(self, name: str, default: Any = "") -> Any:
        return self.values.get(name, default)

    def fail(self, error: Exception, field_map: dict[str, str] | None = None) -> None:
        """Record a refused command as form errors. `field_map` renames domain fields to
        this form's fields (e.g. the domain's `summary` is the form's `close_summary`)."""
        if isinstance(error, ConflictError):
            self.conflict = True
            self.values.pop("version", None)  # resubmitting applies to the current version
            self.add(GENERAL, CONFLICT_MESSAGE)
        elif isinstance(error, ValidationFailed):
            name = (field_map or self.keys).get(error.field, error.field)
            known = name in self.values or name in self.keys.values()
            self.add(name if known else GENERAL, domain_message(error))
        elif isinstance(error, DomainError):
            reasons = getattr(error, "reasons", None)
            for reason in reasons or [error]:  # closing lists every missing piece
                self.add(GENERAL, domain_message(reason))
        elif isinstance(error, NotFound):
            self.add(GENERAL, "Ärendet finns inte.")
        else:  # pragma: no cover - only the errors above are expected
            raise error


def parse_form(schema: Schema, formdata: MultiDict[str, str] | None = None) -> Form:
    """Only the schema's fields are read (the CSRF token and buttons are ignored); empty
    inputs count as not given, so optional fields become None and required ones are missing."""
    formdata = request.form if formdata is None else formdata
    values: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    for name, schema_field in schema.fields.items():
        key = schema_field.data_key or name
        if key not in formdata:
            continue
        if isinstance(schema_field, fields.List):  # checkboxes: one input per chosen value
            chosen = [v.strip() for v in formdata.getlist(key) if v.strip()]
            values[key] = chosen
            if chosen:
                raw[key] = chosen
            continue
        value = formdata.get(key, "")
        values[key] = value
        if value.strip() != "":
            raw[key] = value.strip() if "\n" not in value else value
    form = Form(
        values=values, keys={n: f.data_key or n for n, f in schema.fields.items()}
    )
    g.setdefault("forms", []).append(form)  # the page title says "Fel: " when any failed
    try:
        form.data = schema.load(raw)
    except ValidationError as error:
        form.errors = validation_messages(_what_to_do(schema, error.messages))
    # A half-typed date reaches us as "": static/forms.js names such inputs, so the person
    # is told to finish the date rather than that the field is empty (or, worse, that an
    # optional date silently became today).
    incomplete = set(formdata.getlist(INCOMPLETE_DATES))
    for key in form.keys.values():
        if key in incomplete:
            form.errors[key] = [gettext(INCOMPLETE_DATE)]
    return form


def _what_to_do(schema: Schema, messages: Any) -> Any:
    """Each missing field's message says what to do in it: pick, enter a date or write."""
    if not isinstance(messages, dict):
        return messages
    told = dict(messages)
    for key, found in messages.items():
        schema_field = next((f for n, f in schema.fields.items() if (f.data_key or n) == key),
                            None)
        if schema_field is None or not isinstance(found, list):
            continue
        told[key] = [_missing_message(schema_field) if str(m) in MISSING else m for m in found]
    return told


def _missing_message(schema_field: fields.Field) -> str:
    if isinstance(schema_field, fields.List):
        return "Choose at least one."
    if isinstance(schema_field, fields.Date):
        return "Enter a date."
    if isinstance(schema_field, fields.DateTime):
        return "Enter a date and time."
    if isinstance(schema_field, fields.Time):
        return "Enter a time."
    if isinstance(schema_field, Code | fields.Boolean | fields.Enum) or any(
        isinstance(v, validate.OneOf) for v in schema_field.validators
    ):
        return "Choose one."
    return "Fill in this field."


csrf = CSRFProtect()


def accept_upload(limit: int) -> bool:
    """The app parses every form under its 1 MB limit (web/__init__.py), in CSRFProtect's
    before_request hook, before a view could raise it: an upload view is exempt from that
    hook (`csrf.exempt`) and calls this, which checks the token after raising the limit for
    this request. False: the request is larger than `limit` (nothing of it was read into
    memory)."""
    request.max_content_length = limit
    request.max_form_memory_size = limit
    try:
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()
        request.files  # noqa: B018  # parse now, so a 413 is answered here
    except RequestEntityTooLarge:
        return False
    return True
