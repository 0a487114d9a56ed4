"""OpenAPI links for the document: from each answer that names a resource to every operation
that needs its id, so that a client (and schemathesis' stateful phase) can follow them.
Derived from the paths, so a new operation under an existing resource is linked without
being named anywhere:

- a collection's answers name its items: `POST /things` answering an object with `id` (or a
  field named like the parameter) links to every `/things/{thing_id}...`; `GET /things`
  answering a list links through its first row (`/0/id`);
- an item's operations link to the item (`GET /things/{thing_id}`), which links to each of
  them, with the same id (n links each way, not n squared: a client's next step stays likely);
- an answer naming a resource elsewhere says so with `endpoint(..., creates={pointer: rule})`
  (`POST /deviations/{id}/lex-sarah` answers `/lex_sarah_case_id`, a `/lex-sarah/{case_id}`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Linkable:
    """What the links need to know about one documented operation."""

    path: str  # the document's template: /things/{thing_id}/x
    method: str
    operation_id: str
    status: int  # the success answer, which carries the links
    fields: frozenset[str]  # the success answer's top-level JSON fields
    many: bool  # the success answer is a list of those
    creates: tuple[tuple[str, str], ...]  # (JSON pointer, resource path template)


def _params(path: str) -> list[str]:
    return _PARAM.findall(path)


def _under(path: str, resource: str) -> bool:
    return path == resource or path.startswith(resource + "/")


def _id_field(param: str, source: Linkable) -> str | None:
    if param in source.fields:
        return param
    return "id" if param.endswith("id") and "id" in source.fields else None


def links(operations: list[Linkable]) -> dict[tuple[str, str], dict[str, Any]]:
    """(path, method) of a source -> its success answer's `links` object."""
    found: dict[tuple[str, str], dict[str, Any]] = {}

    def add(source: Linkable, target: Linkable, parameters: dict[str, str]) -> None:
        name = target.operation_id
        found.setdefault((source.path, source.method), {})[name] = {
            "operationId": name,
            "parameters": {f"path.{p}": expression for p, expression in parameters.items()},
        }

    for target in operations:
        params = _params(target.path)
        if not params:
            continue
        last = params[-1]
        item = target.path[: target.path.index("{" + last + "}") + len(last) + 2]
        collection = item[: item.rindex("/")]
        same_id = {p: f"$request.path.{p}" for p in params}
        for source in operations:
            if _under(source.path, item) and (  # the same resource: through its GET
                    (source.method == "GET" and source.path == item) or source == target
                    or (target.method == "GET" and target.path == item)):
                add(source, target, same_id)
            elif source.path == collection and (field := _id_field(last, source)):
                pointer = f"/0/{field}" if source.many else f"/{field}"
                add(source, target, {**same_id, last: f"$response.body#{pointer}"})
            for pointer, resource in source.creates:
                resource_params = _params(resource)
                if _under(target.path, resource) and resource_params and all(
                        p in _params(source.path) for p in params if p != resource_params[-1]):
                    add(source, target, {**same_id,
                                         resource_params[-1]: f"$response.body#{pointer}"})
    return found
