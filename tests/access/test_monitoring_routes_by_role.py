"""The monitoring routes by role: /healthz and /readyz answer everyone alike, signed in or
not, and show no case data; /metrics answers the loopback address only, or, with
TRACKER_METRICS_TOKEN set, only that bearer token, from anywhere; it names no case either."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import ROLES, file_deviation

from tracker.runtime import Runtime

TOKEN = "metrics-token-for-the-test-0123456789"
MONITORING = ["/healthz", "/readyz", "/metrics"]


def _case_data(runtime: Runtime) -> list[str]:
    deviation = file_deviation(runtime, description="Hemlig-markör-i-ärendet.",
                               case_reference="DNR-2026-4711")
    return ["Hemlig-markör", "DNR-2026-4711", deviation.number, str(deviation.id)]


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_role_gets_the_same_answers_and_no_case_data(
    app: Flask, runtime: Runtime, users: object, client_for: Callable[[str], FlaskClient],
    role: str | None,
) -> None:
    secrets = _case_data(runtime)
    client = client_for(role) if role else app.test_client()
    for path in MONITORING:
        response = client.get(path)
        assert response.status_code in (200, 503), path  # 503: no scheduler leads here
        assert response.location is None  # never a redirect to the login page
        body = response.get_data(as_text=True)
        assert not [secret for secret in secrets if secret in body], path
        assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/metrics").status_code == 200  # from 127.0.0.1, no token set


def test_metrics_from_another_address_without_a_token_are_refused(
    app: Flask, runtime: Runtime
) -> None:
    client = app.test_client()
    refused = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"})
    assert refused.status_code == 403
    assert "TRACKER_METRICS_TOKEN" in refused.get_data(as_text=True)
    assert client.get("/healthz", environ_base={"REMOTE_ADDR": "10.20.30.40"}).status_code == 200


class TestWithATokenSet:
    @pytest.fixture
    def environ(self, environ: dict[str, str]) -> dict[str, str]:
        return environ | {"TRACKER_METRICS_TOKEN": TOKEN}

    @pytest.mark.parametrize(
        ("authorization", "status"),
        [(None, 401), ("Bearer wrong", 401), (f"Basic {TOKEN}", 401), (f"Bearer {TOKEN}", 200)],
    )
    @pytest.mark.parametrize("address", ["127.0.0.1", "10.20.30.40"])
    def test_metrics_need_the_token_from_everywhere(
        self, app: Flask, runtime: Runtime, authorization: str | None, status: int,
        address: str,
    ) -> None:
        headers = {"Authorization": authorization} if authorization else {}
        response = app.test_client().get(
            "/metrics", headers=headers, environ_base={"REMOTE_ADDR": address}
        )
        assert response.status_code == status
        if status == 401:
            assert response.headers["WWW-Authenticate"] == "Bearer"
