"""Implausible dates and control characters are refused by the domain - the same rule for
the API (field-level JSON) and the pages (Swedish) - and nothing is stored."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from support import stored_events

from tracker.runtime import Runtime

Api = Callable[..., Any]


def _deviation(runtime: Runtime, **overrides: Any) -> dict[str, Any]:
    today = runtime.app.today()
    return {
        "unit": "utredning", "category": "handlaggning", "subcategory": "sekretess",
        "occurred_on": today.isoformat(), "description": "Ett brev gick till fel adress.",
    } | overrides


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"occurred_on": "0145-09-15"}, "occurred_on"),
        ({"occurred_on": "1989-12-31"}, "occurred_on"),
        ({"reported_on": "9999-12-31"}, "reported_on"),
        ({"reported_on": "0145-09-15", "occurred_on": "0145-09-15"}, "reported_on"),
        ({"case_reference": "SN\u00042026"}, "case_reference"),
        ({"description": "Brev\x00 till fel adress"}, "description"),
        ({"description": "Brev\x1b[31m till fel adress"}, "description"),
        ({"immediate_actions": "Ringde\x7f"}, "immediate_actions"),
        ({"unit": "utred\x00ning"}, "unit"),
    ],
)
def test_implausible_deviation_is_refused_on_its_field(
    api: Api, runtime: Runtime, overrides: dict[str, str], field: str
) -> None:
    before = stored_events(runtime)
    user = "utvecklare" if "reported_on" in overrides else "rapportor"  # may backdate
    response = api(user, "POST", "/api/v1/deviations", json=_deviation(runtime, **overrides))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert stored_events(runtime) == before


def test_newlines_tabs_are_kept_and_text_is_normalised_to_nfc(api: Api, runtime: Runtime) -> None:
    decomposed = "Cafe\u0301et la\u030at\r\nbrevet\tligga"
    response = api("rapportor", "POST", "/api/v1/deviations",
                   json=_deviation(runtime, description=decomposed,
                                   occurred_on="1990-01-01"))
    assert response.status_code == 201, response.get_json()
    stored = runtime.app.get_deviation(UUID(response.get_json()["id"])).description
    assert stored == unicodedata.normalize("NFC", "Cafe\u0301et la\u030at\nbrevet\tligga")
    assert "é" in stored and "\r" not in stored


def test_filter_with_nul_is_a_field_error(api: Api) -> None:
    response = api("chef", "GET", "/api/v1/deviations?unit=utred%00ning")
    assert response.status_code == 422
    assert "unit" in response.get_json()["errors"]


@pytest.mark.parametrize(
    ("received_at", "accepted"),
    [
        ("0145-09-15T19:07:37Z", False),
        ("1989-12-31T12:00:00Z", False),
        ("9999-12-31T23:59:59Z", False),
        ("+10 minutes", False),
        ("+1 minutes", True),  # the sender's clock may run a little ahead
    ],
)
def test_child_report_received_at_is_plausible(
    api: Api, runtime: Runtime, received_at: str, accepted: bool
) -> None:
    if received_at.startswith("+"):
        ahead = timedelta(minutes=int(received_at.split()[0]))
        received_at = (runtime.app.now() + ahead).isoformat()
    before = stored_events(runtime)
    response = api("forste", "POST", "/api/v1/child-reports",
                   json={"unit": "utredning", "received_at": received_at,
                         "case_reference": "IFO-7"})
    if accepted:
        assert response.status_code == 201, response.get_json()
        return
    assert response.status_code == 422
    assert "received_at" in response.get_json()["errors"]
    assert stored_events(runtime) == before


def test_child_report_reference_with_control_character(api: Api, runtime: Runtime) -> None:
    response = api("forste", "POST", "/api/v1/child-reports",
                   json={"unit": "utredning", "received_at": "2026-01-05T09:00:00+01:00",
                         "case_reference": "IFO\u0004-7"})
    assert response.status_code == 422
    assert "case_reference" in response.get_json()["errors"]


def test_pages_refuse_the_same_in_swedish(
    client_for: Callable[[str], Any], runtime: Runtime
) -> None:
    client = client_for("rapportor")
    before = stored_events(runtime)
    form = _deviation(runtime, occurred_on="0145-09-15", description="Brev\x00 fel")
    response = client.post("/avvikelser/ny", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "styrtecken" in page
    assert stored_events(runtime) == before
    form = _deviation(runtime, occurred_on="0145-09-15")
    page = client.post("/avvikelser/ny", data=form).get_data(as_text=True)
    assert "Ange ett datum mellan 1990-01-01" in page
    assert stored_events(runtime) == before
