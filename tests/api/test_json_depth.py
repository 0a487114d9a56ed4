"""A JSON body nested deeper than the API's limit (32 levels) is a 400 with the error on
_schema, however deep: 5000 levels made the json module raise RecursionError (a 500)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from support import stored_events

from tracker.runtime import Runtime

GOOD = {"unit": "utredning", "category": "handlaggning", "subcategory": "ekonomi",
        "occurred_on": "2026-01-02", "description": "Utbetalningen blev försenad."}


def _nested(levels: int, opening: str, closing: str) -> str:
    return opening * levels + ("1" if opening.endswith(":") else "") + closing * levels


@pytest.mark.parametrize("body", [
    _nested(5000, "[", "]"),
    _nested(5000, '{"a":', "}"),
    '{"description": ' + _nested(5000, "[", "]") + "}",
    '{"description": ' + _nested(40, "[", "]") + "}",
    _nested(33, '{"a":', "}"),
    "[" * 200_000,  # not even well-formed
])
def test_deeply_nested_json_is_a_400_never_a_500(
    api: Callable[..., Any], runtime: Runtime, body: str
) -> None:
    before = stored_events(runtime)
    response = api("rapportor", "POST", "/api/v1/deviations", data=body,
                   content_type="application/json", headers={"Accept-Language": "sv"})
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert list(errors) == ["_schema"]
    assert errors["_schema"] == ["JSON-kroppen är nästlad djupare än 32 nivåer."] or (
        body.startswith("[" * 200_000)
        and errors["_schema"] == ["Innehållet måste vara ett JSON-objekt."]), errors
    assert stored_events(runtime) == before


def test_the_depth_limit_names_itself_and_shallow_bodies_pass(
    api: Callable[..., Any]
) -> None:
    deep = api("rapportor", "POST", "/api/v1/deviations",
               data=_nested(5000, "[", "]"), content_type="application/json")
    assert deep.get_json() == {
        "errors": {"_schema": ["The JSON body nests deeper than 32 levels."]}}
    # 30 levels in a field: within the limit, so the field's own validation answers.
    shallow = api("rapportor", "POST", "/api/v1/deviations",
                  json=GOOD | {"description": _nested_list(30)})
    assert shallow.status_code == 422
    assert "description" in shallow.get_json()["errors"]


def _nested_list(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value
