"""One action table per aggregate (web/cases/deviations.py, web/cases/lex_sarah.py,
web/cases/child_reports.py): each command has one name - its aggregate method's - and one row that
ties it to the application command, the API route and the page action. The API parses its body with
`schema`, the page its form with the same schema (form_schema: input names renamed, and
page-only fields in a subclass), so a rule cannot differ between the two."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from flask_babel import lazy_gettext
from marshmallow import Schema, fields

from events.errors import DomainError, StepOutOfOrder
from tracker.application import ConflictError, TrackerApplication
from web.forms import Form, parse_form
from web.runtime import application

CHOOSE = lazy_gettext("Choose one of the options in the list.")


@dataclass(frozen=True)
class Action:
    name: str  # the aggregate method the command calls: the command's one name
    schema: type[Schema]  # the API body; the page form parses with it too
    command: Callable[..., Any]  # a TrackerApplication method (or a check before one)
    api_path: str  # URL segment under the case in /api/v1 (URLs stay as published)
    page: str  # URL segment of the page's form action
    done: str  # Swedish confirmation for the page
    # Page input names: schema field -> input name. Unnamed fields keep their name, or
    # `<prefix>_<field>` when a prefix is set (several forms share a page).
    inputs: Mapping[str, str] = field(default_factory=dict)
    prefix: str | None = None
    page_schema: type[Schema] | None = None  # a subclass of `schema` with page-only fields
    # Fields the domain names differently from the form: domain field -> page input.
    domain_fields: Mapping[str, str] = field(default_factory=dict)

    def run(self, app: TrackerApplication, case_id: UUID, actor: str, data: dict[str, Any]) -> Any:
        return self.command(app, case_id, actor=actor, **data)

    def form_schema(self) -> Schema:
        """The page's variant: the same rules, inputs named as the page's form names them,
        the version read from the hidden `version` input, Swedish choice errors."""
        instance = (self.page_schema or self.schema)()
        for name, schema_field in instance.fields.items():
            if name == "expected_version":
                schema_field.data_key = "version"
            elif name in self.inputs:
                schema_field.data_key = self.inputs[name]
            elif self.prefix is not None:
                schema_field.data_key = f"{self.prefix}_{name}"
            if isinstance(schema_field, fields.Enum):
                schema_field.error_messages = {**schema_field.error_messages, "unknown": CHOOSE}
        return instance

    def error_fields(self, schema: Schema) -> dict[str, str]:
        """Domain field -> page input, for showing a refusal next to its input."""
        names = {name: f.data_key or name for name, f in schema.fields.items()}
        return names | dict(self.domain_fields)


def by_page(actions: Mapping[str, Action]) -> dict[str, Action]:
    return {action.page: action for action in actions.values()}


def submit(action: Action, case_id: UUID, actor: str) -> tuple[Form, int]:
    """A case page's form: parse it with the action's schema and run the command. Returns
    the form and the status to re-show it with when it failed (422 bad input, 409 a step
    taken too early or someone else's change: the state is the conflict)."""
    schema = action.form_schema()
    form = parse_form(schema)
    status = 422
    if form.ok:
        try:
            action.run(application(), case_id, actor, form.data)
        except (DomainError, ConflictError) as error:
            form.fail(error, action.error_fields(schema))
            if isinstance(error, StepOutOfOrder | ConflictError):
                status = 409
    if form.conflict:
        form.values.pop("version", None)  # the re-shown form carries the current version
    return form, status
