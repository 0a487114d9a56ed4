"""Hostile input across the API's operations: each answer is a 4xx the OpenAPI document lists
for that operation, in the JSON error shape, naming the field where there is one, and
nothing is stored. (The per-field tables are in test_hostile_requests.py and
test_implausible_input.py; this checks the answers against the document.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from support import file_deviation, stored_events

from tracker.runtime import Runtime

Api = Callable[..., Any]
TEN_MB = '{"description": "' + "a" * (10 * 1024 * 1024) + '"}'
JSON = {"Content-Type": "application/json"}


def _cases(deviation: str, case: str, report: str) -> list[tuple[str, str, str, dict[str, Any],
                                                                 int, str | None]]:
    """(user, method, path, request, status, field)"""
    return [
        ("rapportor", "POST", "/api/v1/deviations",
         {"json": {"unit": "utredning", "category": "personal", "occurred_on": "0145-09-15",
                   "description": "Fel år"}}, 422, "occurred_on"),
        ("utvecklare", "POST", f"/api/v1/deviations/{deviation}/measures",
         {"json": {"description": "x", "responsible": "y", "due_on": "9999-12-31"}}, 422,
         "due_on"),
        ("lexsarah", "POST", f"/api/v1/lex-sarah/{case}/findings",
         {"json": {"kind": "handelse", "text": "Det hände", "date": "0145-09-15",
                   "source": "Journal", "nature": "fact", "author": "A",
                   "author_title": "Utredare"}}, 422, "date"),
        ("lexsarah", "POST", f"/api/v1/lex-sarah/{case}/investigator",
         {"json": {"investigator": "Anna\x00"}}, 422, "investigator"),
        ("forste", "POST", f"/api/v1/child-reports/{report}/handler",
         {"json": {"handler": "anna\u0007"}}, 422, "handler"),
        ("forste", "POST", "/api/v1/child-reports",
         {"json": {"unit": "utredning", "received_at": "9999-01-01T00:00:00Z",
                   "case_reference": "IFO-1"}}, 422, "received_at"),
        ("forste", "GET", "/api/v1/child-reports?handler=an%00na", {}, 422, "handler"),
        ("utvecklare", "GET", f"/api/v1/deviations?page={10**20}", {}, 422, "page"),
        ("utvecklare", "GET", "/api/v1/reports/annual?year=0145", {}, 422, "year"),
        ("utvecklare", "POST", f"/api/v1/deviations/{deviation}/feedback",
         {"data": TEN_MB, "headers": JSON}, 413, None),
        ("utvecklare", "POST", f"/api/v1/deviations/{deviation}/closure",
         {"data": "summary=Klart", "headers": {"Content-Type": "text/plain"}}, 415, None),
        ("lexsarah", "POST", f"/api/v1/lex-sarah/{case}/decision",
         {"data": "[]", "headers": JSON}, 400, None),
    ]


def _operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    """The document's operation for a concrete path (ids in place of {parameters})."""
    concrete = path.split("?", 1)[0].removeprefix("/api/v1").split("/")
    for template, operations in document["paths"].items():
        parts = template.split("/")
        if len(parts) == len(concrete) and all(
            p == c or p.startswith("{") for p, c in zip(parts, concrete, strict=True)
        ) and method.lower() in operations:
            return dict(operations[method.lower()])
    raise AssertionError(f"{method} {path} is not in the document")


def test_each_refusal_is_a_documented_4xx_and_stores_nothing(
    api: Api, runtime: Runtime, lex_sarah_case: Callable[..., UUID],
    child_report: Callable[..., UUID],
) -> None:
    document = api(None, "GET", "/api/openapi.json").get_json()
    cases = _cases(str(file_deviation(runtime).id), str(lex_sarah_case()), str(child_report()))
    before = stored_events(runtime)
    for user, method, path, request, status, field in cases:
        response = api(user, method, path, **request)
        label = f"{method} {path[:80]}"
        assert response.status_code == status, (label, response.get_json())
        assert str(status) in _operation(document, method, path)["responses"], label
        errors = response.get_json()["errors"]
        assert set(errors) == {field or "_schema"}, (label, errors)
        assert all(isinstance(m, str) and m for m in errors[field or "_schema"])
        assert response.headers["X-Request-Id"]
    assert stored_events(runtime) == before


@pytest.mark.parametrize("path", ["/api/v1/deviations", "/api/v1/units",
                                  "/api/v1/reports/annual"])
def test_trace_is_405_with_the_documented_methods_in_allow(api: Api, path: str) -> None:
    document = api(None, "GET", "/api/openapi.json").get_json()
    documented = {m.upper() for m in document["paths"][path.removeprefix("/api/v1")]}
    response = api("utvecklare", "TRACE", path)
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert documented <= allowed <= documented | {"HEAD", "OPTIONS"}
    assert response.get_json()["errors"]["_schema"]
