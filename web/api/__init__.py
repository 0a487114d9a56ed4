"""JSON API v1 under /api/v1: bearer tokens (`tracker token create`), marshmallow for every
input, errors as {"errors": {field: [messages]}}, and an OpenAPI 3 document at
/api/openapi.json built from every endpoint registered with `endpoint` below.

Adding endpoints: create a module in web/api/ (it is imported automatically) and write

    from web.api import ApiError, endpoint

    @endpoint("/lex-sarah/<uuid:case_id>", method="GET", summary="En Lex Sarah-utredning",
              roles=policy.LEX_SARAH_ROLES, response=CaseSchema, tags=["lex-sarah"])
    def get_case(account: Account, case_id: UUID) -> dict: ...

The decorator authorises (403 outside `roles`), parses `body` (JSON) and `query` schemas
into `body=` / `query=` keyword arguments (422 with field errors; 400 for a body that is not
a JSON object or nests deeper than MAX_JSON_DEPTH), dumps the return value with `response`
(a schema class; `many=True` for lists) and documents all of it in the OpenAPI registry.
Return `data`, `(data, status)` or `(data, status, headers)`; a file download returns a
flask Response as it is and names its media types in `produces` (documented as binary).
DomainError -> 422 (ValidationFailed, with its field) or 409, ConflictError -> 409,
NotFound -> 404 (handlers in web.errors).

Each operation gets an operationId (its endpoint name) and OpenAPI links from the answers
that name its ids (web.api.openapi_links: derived from the paths; `creates` for an answer
naming a resource under another path). A body whose fields depend on one field's value
declares `OPENAPI_VARIANTS = (field, {value: step schema})`: a oneOf with a discriminator."""

from __future__ import annotations

import copy
import functools
import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Response, g, jsonify, request
from flask_babel import gettext
from marshmallow import Schema, ValidationError
from marshmallow import fields as ma_fields

from tracker.people.accounts import Account, Role
from web.api import openapi_links, rules
from web.i18n import validation_messages
from web.policy import EVERY_ROLE
from web.runtime import runtime
from web.schemas import BaseSchema, Text, _today

api = Blueprint("api", __name__, url_prefix="/api/v1")
spec_bp = Blueprint("openapi", __name__)

# A module's endpoints are named "<area>_<function>" and its clashing schemas "<Area><Class>",
# the area being the module's name; these were published under the module's earlier name.
PUBLISHED_AREAS = {"history_imports": "imports"}


def _area(module: str) -> str:
    name = module.rsplit(".", 1)[-1]
    return PUBLISHED_AREAS.get(name, name)

API_TITLE = "Avvikelse- och Lex Sarah-tracker API"
API_DESCRIPTION = (
    "Errors are always {\"errors\": {field: [messages]}} (400 a body that is not a JSON "
    "object, 401 no valid token, 403 not your role or unit, 404 no such case, 405 another "
    "method (the Allow header lists the allowed ones), 409 the case's state does not allow "
    "it or it was changed meanwhile, 413 too large, 415 not JSON, 422 invalid input, with "
    "the field). Every answer carries an X-Request-Id header (a caller's own id of 8-64 "
    "characters A-Z a-z 0-9 . _ - is kept), which the server's log lines name."
)
API_VERSION = "1.0.0"


class ApiError(Exception):
    """Answered as JSON {"errors": {...}} with `status` (web.errors)."""

    def __init__(self, status: int, errors: dict[str, list[str]] | str,
                 headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.errors = {"_schema": [errors]} if isinstance(errors, str) else errors
        self.headers = headers or {}  # e.g. Retry-After with a 429
        super().__init__(status, self.errors)


class ErrorSchema(Schema):
    errors = ma_fields.Dict(
        keys=ma_fields.String(), values=ma_fields.List(ma_fields.String()), required=True
    )


@dataclass
class Operation:
    rule: str
    method: str
    summary: str
    description: str
    tags: list[str]
    roles: frozenset[Role]
    body: type[Schema] | None
    query: type[Schema] | None
    response: type[Schema] | None
    many: bool
    status: int
    error_statuses: list[int] = field(default_factory=list)
    produces: list[str] = field(default_factory=list)
    request_body: dict[str, Any] | None = None  # documented as is: a body that is not JSON
    error_schemas: dict[int, type[Schema]] = field(default_factory=dict)  # besides Error
    location: bool = False  # the success answer names the new resource in Location
    public: bool = False  # no token: anyone may call it (the public e-service)
    name: str = ""  # the Flask endpoint, the document's operationId
    # JSON pointer in the success answer -> the path (a rule) of the resource it names
    creates: dict[str, str] = field(default_factory=dict)
    also: list[int] = field(default_factory=list)  # other success statuses, the same answer


REGISTRY: dict[tuple[str, str], Operation] = {}
# Endpoints anyone may call without a token (`endpoint(..., public=True)`).
PUBLIC_ENDPOINTS: set[str] = set()


def current_api_account() -> Account:
    return g.api_account


@api.before_request
def authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        g.api_account = None  # nobody: nothing is read as anyone's, nothing logged as read
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    account = None
    if scheme.lower() == "bearer" and token.strip():
        account = runtime().accounts.account_for_token(token.strip())
    if account is None:
        raise ApiError(401, gettext("A valid bearer token is required."))
    g.api_account = account


# No body of this API nests deeper than a few levels; deeper ones are refused before the
# schemas walk them. Far deeper ones (about 1000 levels) make the json module's C decoder
# raise RecursionError, which is not the ValueError Flask's get_json(silent=True) swallows.
MAX_JSON_DEPTH = 32


def _depth(value: Any) -> int:
    """How deeply lists and objects nest (a scalar: 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(
            item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if level <= MAX_JSON_DEPTH:  # deeper is refused anyway: stop walking
            stack.extend((child, level + 1) for child in children)
    return deepest


def _too_deep() -> ApiError:
    # Translated only when refused (it was done for every body: ~0.2 ms of CPU each).
    return ApiError(400, gettext("The JSON body nests deeper than %(n)d levels.")
                    % {"n": MAX_JSON_DEPTH})


def _load_body(schema: Schema) -> Any:
    if not request.is_json:
        raise ApiError(415, gettext("The body must be JSON (Content-Type: application/json)."))
    try:
        payload = request.get_json(silent=True)  # 413 above MAX_CONTENT_LENGTH still raises
    except RecursionError:
        raise _too_deep() from None
    if _depth(payload) > MAX_JSON_DEPTH:
        raise _too_deep()
    if not isinstance(payload, dict):
        raise ApiError(400, gettext("The request body must be a JSON object."))
    try:
        return schema.load(payload)
    except ValidationError as error:
        raise ApiError(422, validation_messages(error.messages)) from None


def _load_query(schema: Schema) -> Any:
    # An empty value is a value: `?status=` is not a status (the document's enum says so).
    raw = dict(request.args.items())
    try:
        return schema.load(raw)
    except ValidationError as error:
        raise ApiError(422, validation_messages(error.messages)) from None


def endpoint(
    rule: str,
    *,
    method: str = "GET",
    summary: str,
    description: str = "",
    roles: Iterable[Role] = EVERY_ROLE,
    body: type[Schema] | None = None,
    query: type[Schema] | None = None,
    response: type[Schema] | None = None,
    many: bool = False,
    status: int = 200,
    tags: Iterable[str] = (),
    produces: Iterable[str] = (),
    request_body: dict[str, Any] | None = None,
    error_schemas: dict[int, type[Schema]] | None = None,
    location: bool = False,
    public: bool = False,
    creates: dict[str, str] | None = None,
    also: Iterable[int] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`public`: no token; the view gets account=None, and the document says so (no
    security, no 401/403; 429 for the per-address limits those endpoints keep)."""
    method = method.upper()
    allowed = frozenset(roles)

    # Built once, not per request (marshmallow schemas keep no state between loads).
    body_schema = body() if body is not None else None
    query_schema = query() if query is not None else None
    response_schema = response(many=many) if response is not None else None

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(**kwargs: Any) -> Any:
            account = current_api_account()
            if not public and account.role not in allowed:
                raise ApiError(403, gettext("Your role may not do this."))
            if body_schema is not None:
                kwargs["body"] = _load_body(body_schema)
            if query_schema is not None:
                kwargs["query"] = _load_query(query_schema)
            result = view(account=account, **kwargs)
            if isinstance(result, Response):  # a file download
                return result
            data, code = result, status
            headers: dict[str, str] = {}
            if isinstance(result, tuple):
                data, code = result[0], result[1]
                headers = result[2] if len(result) > 2 else {}
            if response_schema is not None:
                data = response_schema.dump(data)
            return jsonify(data), code, headers

        name = f"{_area(view.__module__)}_{view.__name__}"
        api.add_url_rule(rule, endpoint=name, view_func=wrapped, methods=[method])
        if public:
            PUBLIC_ENDPOINTS.add(f"{api.name}.{name}")
        errors = [429] if public else [401, 403]
        errors += ([400, 413, 415, 422] if body else []) + ([422] if query else [])
        errors += [413, 422] if request_body else []
        if "<" in rule:
            errors.append(404)
        if method != "GET":
            errors.append(409)
        errors += list(error_schemas or {})  # a status with a schema of its own is answered
        REGISTRY[(rule, method)] = Operation(
            rule, method, summary, description or (view.__doc__ or "").strip(), list(tags),
            allowed, body, query, response, many, status, sorted(set(errors)), list(produces),
            request_body, dict(error_schemas or {}), location, public, name,
            dict(creates or {}), list(also),
        )
        return wrapped

    return decorator


# --- OpenAPI ----------------------------------------------------------------------------

_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_PARAM_TYPES = {"uuid": {"type": "string", "format": "uuid"}, "int": {"type": "integer"}}
REQUEST_ID_HEADER = {"X-Request-Id": {
    "description": "This request's id, as the server's log lines name it",
    "required": True, "schema": {"type": "string"},
}}
_ERROR_TEXT = {
    400: f"The body is not a JSON object, or nests deeper than {MAX_JSON_DEPTH} levels",
    401: "Missing or invalid bearer token",
    403: "The token's role may not do this (or not in this unit)",
    404: "No such case",
    409: "The case's state does not allow this, it was changed meanwhile, or a value that "
    "is valid on its own does not fit the case (a date before its own dates, a measure it "
    "does not have, the classification it already has, an unknown handler); field errors "
    "name the field",
    413: "The body is larger than the limit (1 MB)",
    415: "The body is not sent as application/json",
    422: "Invalid input: {\"errors\": {field: [messages]}}; nothing was stored",
    429: "Too many from this address for now: wait the seconds in Retry-After",
}


def _schema_names(taken: dict[str, type]) -> Any:
    """Schema names for the document: the class name, qualified by its module where two
    modules use the same class name (each area defines its own DecisionBody, ...).
    `taken` collects name -> class."""

    def resolve(schema: Any) -> str:
        cls = schema if isinstance(schema, type) else type(schema)
        name = cls.__name__.removesuffix("Schema") or cls.__name__
        if taken.setdefault(name, cls) is not cls:
            module = _area(cls.__module__)
            name = "".join(part.title() for part in module.split("_")) + name
            taken.setdefault(name, cls)
        return name

    return resolve


def _codes() -> dict[str, list[str]]:
    """The organisation's code lists as they are now: the enums of the body fields."""
    organisation = runtime().organisation
    taxonomy = organisation.taxonomy()
    categories = [c for c in taxonomy.categories.values() if c.active]
    return {
        "unit": [unit.code for unit in organisation.units()],
        "category": [c.code for c in categories],
        "subcategory": [sub for c in categories for sub in c.offered],
        "cause": [cause.code for cause in organisation.causes().active()],
    }


def build_spec() -> dict[str, Any]:
    classes: dict[str, type] = {}
    plugin = MarshmallowPlugin(schema_name_resolver=_schema_names(classes))
    spec = APISpec(
        title=API_TITLE,
        version=API_VERSION,
        openapi_version="3.0.3",
        plugins=[plugin],
        info={"description": API_DESCRIPTION},
        servers=[{"url": "/api/v1"}],
    )
    today, codes = _today(), _codes()

    def validator_rules(self: Any, field: Any, **_: Any) -> dict[str, Any]:
        return rules.field_rules(field, today=today, codes=codes)

    assert plugin.converter is not None
    plugin.converter.add_attribute_function(validator_rules)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    paths: dict[str, dict[str, Any]] = {}
    links = openapi_links.links([
        openapi_links.Linkable(
            _template(op.rule), op.method, op.name, op.status, _fields(op.response), op.many,
            tuple((pointer, _template(rule)) for pointer, rule in op.creates.items()))
        for op in REGISTRY.values()
    ])
    for op in sorted(REGISTRY.values(), key=lambda o: (o.rule, o.method)):
        path = _template(op.rule)
        parameters: list[dict[str, Any]] = [
            {"in": "path", "name": name, "required": True,
             "schema": _PARAM_TYPES.get(converter or "", {"type": "string"})}
            for converter, name in _PARAM.findall(op.rule)
        ]
        if op.query is not None:
            parameters.append({"in": "query", "schema": op.query})
        roles = ("anyone, without a token" if op.public
                 else ", ".join(sorted(role.value for role in op.roles)))
        success_headers = dict(REQUEST_ID_HEADER)
        if op.location:
            success_headers["Location"] = {
                "description": "The new resource's path", "schema": {"type": "string"},
            }
        success: dict[str, Any] = {
            "description": "OK",
            "headers": success_headers,
            **({"content": {
                kind: {"schema": {"type": "string", "format": "binary"}}
                for kind in op.produces
            }} if op.produces else {}),
            **(
                {"content": {"application/json": {"schema": (
                    {"type": "array", "items": op.response} if op.many else op.response
                )}}}
                if op.response is not None else {}
            ),
        }
        operation: dict[str, Any] = {
            "operationId": op.name,
            "summary": op.summary,
            "description": f"{op.description}\n\nRoles: {roles}.".strip(),
            "tags": op.tags,
            "security": [] if op.public else [{"bearer": []}],
            "parameters": parameters,
            "responses": {
                str(op.status): {**success, **(
                    {"links": links[path, op.method]} if (path, op.method) in links else {})},
                **{str(code): copy.deepcopy(success) for code in op.also},
                **{
                    str(code): {
                        "description": _ERROR_TEXT[code],
                        "headers": {**REQUEST_ID_HEADER, **(
                            {"WWW-Authenticate": {"schema": {"type": "string"}}}
                            if code == 401 else {}), **(
                            {"Retry-After": {"description": "Seconds to wait",
                                             "required": True, "schema": {"type": "integer"}}}
                            if code == 429 else {})},
                        "content": {"application/json": {
                            "schema": op.error_schemas.get(code, "Error")}},
                    }
                    for code in op.error_statuses
                },
            },
        }
        if op.body is not None:
            operation["requestBody"] = {
                "required": True, "content": {"application/json": {"schema": op.body}},
            }
        elif op.request_body is not None:
            operation["requestBody"] = op.request_body
        paths.setdefault(path, {})[op.method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    branches = rules.classification_branches(runtime().organisation.taxonomy())
    for name, schema in document["components"]["schemas"].items():
        cls = classes.get(name)
        if cls is None or not issubclass(cls, BaseSchema):
            continue  # answers: only request bodies carry the cross-field rules
        # A body classifying a deviation: which subcategory goes with which category.
        if {"category", "subcategory"} <= set(schema.get("properties", {})):
            schema["anyOf"] = branches
        schema.update(getattr(cls, "OPENAPI", {}))
    for name, cls in list(classes.items()):
        if name in document["components"]["schemas"] and hasattr(cls, "OPENAPI_VARIANTS"):
            _variants(document["components"]["schemas"], name, cls, plugin)
        if name in document["components"]["schemas"] and hasattr(cls, "OPENAPI_SHAPES"):
            _shapes(document["components"]["schemas"][name], cls)
    return document


def _template(rule: str) -> str:
    """/things/<uuid:thing_id> -> /things/{thing_id}"""
    return _PARAM.sub(r"{\2}", rule)


def _fields(schema: type[Schema] | None) -> frozenset[str]:
    """The top-level JSON fields of an answer."""
    if schema is None:
        return frozenset()
    return frozenset(f.data_key or name for name, f in schema._declared_fields.items())


def _variants(schemas: dict[str, Any], name: str, cls: type[Schema],
              plugin: MarshmallowPlugin) -> None:
    """A body whose rules depend on one field's value (`OPENAPI_VARIANTS = (field,
    {value: schema of that step})`) becomes oneOf a variant per value, told apart by a
    discriminator: the variant is the body with that step's fields (their own rules, required
    as the step requires them) and the field fixed to the value. The other fields keep the
    body's rules: they are still checked, then ignored."""
    key, steps = cls.OPENAPI_VARIANTS  # type: ignore[attr-defined]
    body = schemas[name]
    mapping: dict[str, str] = {}
    assert plugin.converter is not None
    for value, step in steps.items():
        converted = plugin.converter.schema2jsonschema(step)
        variant = copy.deepcopy(body)
        variant["properties"].update(converted["properties"])
        variant["properties"][key] = {"type": "string", "enum": [value]}
        variant["required"] = sorted({key, *converted.get("required", [])})
        variant_name = name + "".join(part.title() for part in re.split(r"[-_]", value))
        schemas[variant_name] = variant
        mapping[value] = f"#/components/schemas/{variant_name}"
    schemas[name] = {
        "oneOf": [{"$ref": ref} for ref in mapping.values()],
        "discriminator": {"propertyName": key, "mapping": mapping},
        **({"description": body["description"]} if "description" in body else {}),
    }


def _shapes(schema: dict[str, Any], cls: type[Schema]) -> None:
    """A body that is one of a few shapes by which of its fields are given (`OPENAPI_SHAPES =
    [{"filled": [...], "empty": [...], "only": {field: [values]}, "patterns": {field: re}}]`)
    becomes oneOf them: a filled field is present and not null (text not blank), an empty one
    absent, null or "", a field in `only` takes only those values, and a field in `patterns`
    (filled or empty) is a string matching it instead. The body's own field rules still hold."""
    texts = {f.data_key or name for name, f in cls._declared_fields.items()
             if isinstance(f, Text)}
    shapes = []
    for shape in cls.OPENAPI_SHAPES:  # type: ignore[attr-defined]
        patterns: dict[str, str] = shape.get("patterns", {})
        properties: dict[str, Any] = {}
        for name in shape["filled"]:
            own = schema["properties"][name]
            properties[name] = (
                {"type": "string", "pattern": patterns[name]} if name in patterns else
                {"type": "string", "minLength": 1, "pattern": rules.REQUIRED_TEXT_PATTERN}
                if name in texts else
                {"enum": [value for value in own["enum"] if value is not None]}
                if "enum" in own else {"type": own["type"]})
        for name in shape["empty"]:
            properties[name] = (
                {"pattern": patterns[name]} if name in patterns else
                {"maxLength": 0} if name in texts else {"enum": [None], "nullable": True})
        for name, values in shape.get("only", {}).items():
            properties[name] = {"enum": values}
        filled = {"required": sorted(shape["filled"])} if shape["filled"] else {}
        shapes.append({**filled, "properties": properties})
    schema["oneOf"] = shapes


@spec_bp.route("/api/openapi.json")
def openapi() -> Any:
    return jsonify(build_spec())


def load_modules() -> None:
    """Import every module in web/api/ so their endpoints register (once per process)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
