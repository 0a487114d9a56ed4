"""Hostile requests get a 4xx in the API's JSON error shape (or the error page), never a 500;
an unexpected failure is answered in the same shape and logged under the request id the
answer carries."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from support import file_deviation, stored_events

from tracker.runtime import Runtime
from web import create_app

HUGE = str(10**20)


def _errors(response: Any) -> dict[str, list[str]]:
    body = response.get_json()
    assert set(body) == {"errors"}, body
    return body["errors"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (f"page={HUGE}", "page"),
        ("page=0", "page"),
        (f"per_page={HUGE}", "per_page"),
        (f"year={HUGE}", "year"),
        ("page=abc", "page"),
    ],
)
def test_integer_query_parameters_are_bounded(
    api: Callable[..., Any], query: str, field: str
) -> None:
    response = api("chef", "GET", f"/api/v1/deviations?{query}")
    assert response.status_code == 422
    assert field in _errors(response)


def test_huge_page_numbers_on_pages_do_not_fail(
    client_for: Callable[[str], Any],
) -> None:
    assert client_for("chef").get(f"/inkorg?sida={HUGE}").status_code == 422
    assert client_for("rapportor").get(f"/mina-rapporter?sida={HUGE}").status_code == 200


def test_huge_expected_version_is_a_field_error(api: Callable[..., Any], runtime: Runtime) -> None:
    deviation = file_deviation(runtime)
    before = stored_events(runtime)
    response = api(
        "chef", "POST", f"/api/v1/deviations/{deviation.id}/reopening",
        json={"reason": "Fel", "expected_version": int(HUGE)},
    )
    assert response.status_code == 422
    assert "expected_version" in _errors(response)
    assert stored_events(runtime) == before


def test_wrong_content_type_is_415_and_nothing_stored(
    api: Callable[..., Any], runtime: Runtime
) -> None:
    before = stored_events(runtime)
    response = api(
        "rapportor", "POST", "/api/v1/deviations", data="unit=utredning",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415
    assert _errors(response)["_schema"]
    assert api("rapportor", "POST", "/api/v1/deviations", data="{}").status_code == 415
    assert stored_events(runtime) == before


def test_ten_megabyte_body_is_413(api: Callable[..., Any], runtime: Runtime) -> None:
    before = stored_events(runtime)
    body = '{"description": "' + "a" * (10 * 1024 * 1024) + '"}'
    response = api(
        "rapportor", "POST", "/api/v1/deviations", data=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert _errors(response)["_schema"]
    assert stored_events(runtime) == before


def test_json_that_is_not_an_object_is_400(api: Callable[..., Any]) -> None:
    response = api(
        "rapportor", "POST", "/api/v1/deviations", data="[1, 2",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert _errors(response)["_schema"]


@pytest.mark.parametrize("method", ["TRACE", "PUT", "DELETE"])
def test_other_methods_are_405_with_allow(api: Callable[..., Any], method: str) -> None:
    response = api("rapportor", method, "/api/v1/deviations")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert "TRACE" not in response.headers["Allow"]
    assert _errors(response)["_schema"]


def test_trace_on_a_page_is_refused(client: Any) -> None:
    response = client.open("/login", method="TRACE")
    assert response.status_code == 405
    assert "Allow" in response.headers and "TRACE" not in response.headers["Allow"]


def test_every_answer_carries_a_request_id(api: Callable[..., Any]) -> None:
    first = api("chef", "GET", "/api/v1/deviations").headers["X-Request-Id"]
    second = api("chef", "GET", "/api/v1/deviations").headers["X-Request-Id"]
    assert first and second and first != second
    kept = api("chef", "GET", "/api/v1/deviations", headers={"X-Request-Id": "proxy-12345678"})
    assert kept.headers["X-Request-Id"] == "proxy-12345678"


@pytest.fixture(scope="module")
def production_like(sqlite_runtime: Runtime) -> Flask:
    app = create_app(runtime=sqlite_runtime)  # not TESTING: errors are handled, not raised

    @app.route("/api/v1/kaputt", methods=["GET"])
    @app.route("/kaputt", methods=["GET"])
    def broken() -> str:
        raise KeyError("secret-detail")

    return app


@pytest.mark.parametrize(("path", "mimetype"), [("/api/v1/kaputt", "application/json"),
                                                ("/kaputt", "text/html")])
def test_unexpected_error_is_logged_under_the_answered_request_id(
    production_like: Flask, caplog: pytest.LogCaptureFixture, path: str, mimetype: str
) -> None:
    with caplog.at_level(logging.ERROR, logger="web.errors"):
        response = production_like.test_client().get(path)
    assert response.status_code == 500
    assert response.mimetype == mimetype
    assert "secret-detail" not in response.get_data(as_text=True)
    if mimetype == "application/json":
        assert _errors(response)["_schema"]
    request_id = response.headers["X-Request-Id"]
    lines = [r for r in caplog.records if request_id in r.getMessage()]
    assert len(lines) == 1 and lines[0].exc_info is not None
    assert "secret-detail" in str(lines[0].exc_info[1])
