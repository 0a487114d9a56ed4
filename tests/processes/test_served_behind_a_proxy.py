"""`tracker serve` (waitress, one and two web processes) behind the municipality's reverse
proxy: with TRACKER_TRUSTED_PROXIES=1 the proxy's X-Forwarded-For reaches the access log
and its X-Forwarded-Proto: https makes the session cookie Secure and adds HSTS; with 0 the
same headers are anyone's claim and change nothing."""

from __future__ import annotations

import http.client
from uuid import UUID

import pytest
from served import Served

from tracker.people import access_log
from tracker.people.accounts import Account
from tracker.runtime import Runtime

pytestmark = pytest.mark.slow

READER = "192.0.2.44"
FORWARDED = {"X-Forwarded-For": READER, "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "avvikelser.kommun.example"}


def _get(served: Served, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def _session_cookie(response: http.client.HTTPResponse) -> list[str]:
    cookies = [c for c in response.headers.get_all("Set-Cookie") or []
               if c.startswith("tracker_session=")]
    assert len(cookies) == 1, response.headers
    return [part.strip().lower() for part in cookies[0].split(";")[1:]]


@pytest.mark.parametrize(("proxies", "processes"), [("1", 1), ("1", 2), ("0", 1)])
def test_the_proxys_headers_count_only_when_it_is_trusted(
    runtime: Runtime, environ: dict[str, str], users: dict[str, Account],
    tokens: dict[str, str], proxies: str, processes: int,
) -> None:
    deviation: UUID = runtime.app.file_deviation(
        actor="rapportor", unit="utredning", category="handlaggning", subcategory="sekretess",
        occurred_on=runtime.app.today(), description="Ett brev gick till fel adress.",
    ).id
    trusted = proxies == "1"
    extra = ("--workers", str(processes)) if processes > 1 else ()
    with Served(environ | {"TRACKER_TRUSTED_PROXIES": proxies,
                           "TRACKER_EMBEDDED_WORKERS": "false"}, *extra) as served:
        served.wait_ready()
        bearer = {"Authorization": f"Bearer {tokens['utvecklare']}"}
        # Several reads: with two web processes each may answer some of them.
        for _ in range(6):
            read = _get(served, f"/api/v1/deviations/{deviation}", bearer | FORWARDED)
            assert read.status == 200
        over_https = _get(served, "/login", FORWARDED)
        over_http = _get(served, "/login", {"X-Forwarded-For": READER,
                                            "X-Forwarded-Proto": "http"})
        output = served.output()

    entries = access_log.search(runtime.engine, case_id=str(deviation))[0]
    assert len(entries) == 6, output
    assert {e.remote_addr for e in entries} == {READER if trusted else "127.0.0.1"}
    assert over_https.status == 200
    assert ("secure" in _session_cookie(over_https)) is trusted
    assert (over_https.headers["Strict-Transport-Security"] == "max-age=31536000") is trusted
    # Plain http through the proxy: the browser must keep sending the cookie.
    assert "secure" not in _session_cookie(over_http)
    assert over_http.headers["Strict-Transport-Security"] is None
    assert "Traceback" not in output, output
