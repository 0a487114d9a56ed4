"""The authorisation matrix of the case file (questions to the reporter, answers, the outcome,
attachments) on the pages and in the API, for deviations, Lex Sarah cases and child reports:
every route x every role. Allowed roles get past authorisation to validation (an empty form
or body: 422; an unknown attachment: 404); the others are refused (403) and nothing is
stored.

Deviation (unit utredning, reported by rapportor): its handlers (enhetschef of the unit,
verksamhetsutvecklare) ask, record the outcome and handle attachments; the Lex Sarah-ansvarig
reads it; the reporter answers and attaches their own files. Lex Sarah case: its roles handle
it; the deviation's reporter answers. Child report (unit utredning): its roles in the unit."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from PIL import Image
from support import ROLES, file_deviation

from tracker.runtime import Runtime

NO_FILE = "0" * 64
HANDLES = {
    "deviation": {"chef", "utvecklare"},
    "lex_sarah": {"lexsarah", "utvecklare"},
    "child_report": {"forste", "chef", "utvecklare"},
}
READS = {
    "deviation": HANDLES["deviation"] | {"lexsarah"},
    "lex_sarah": HANDLES["lex_sarah"],
    "child_report": HANDLES["child_report"],
}
# Whose role may handle the kind at all (the enhetschef: in their own units).
ROLE_OF_HANDLERS = {
    "deviation": {"chef", "chef_hvb", "utvecklare"},
    "lex_sarah": {"lexsarah", "utvecklare"},
    "child_report": {"forste", "chef", "chef_hvb", "utvecklare"},
}
REPORTER = {"deviation": {"rapportor"}, "lex_sarah": {"rapportor"}, "child_report": set()}
PAGES = {"deviation": "/avvikelser", "lex_sarah": "/lex-sarah", "child_report": "/anmalningar"}
API = {"deviation": "/api/v1/deviations", "lex_sarah": "/api/v1/lex-sarah",
       "child_report": "/api/v1/child-reports"}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (3, 3), (1, 2, 3)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def cases(
    runtime: Runtime, users: Any, lex_sarah_case: Callable[..., UUID],
    child_report: Callable[..., UUID],
) -> dict[str, tuple[UUID, str]]:
    """Each kind of case with one attachment its handler added: (case id, its SHA-256)."""
    found = {
        "deviation": file_deviation(runtime).id,
        "lex_sarah": lex_sarah_case(),
        "child_report": child_report("utredning"),
    }
    handler = {"deviation": "chef", "lex_sarah": "lexsarah", "child_report": "forste"}
    from tracker.casework.attachments import Attachments

    store = Attachments(runtime.engine, runtime.app, limit=runtime.settings.attachment_max_bytes)
    return {
        kind: (case_id, store.add(kind, case_id, data=_png(), file_name="bild.png",
                                  actor=handler[kind]).sha256)
        for kind, case_id in found.items()
    }


@pytest.mark.parametrize("user", ROLES)
def test_case_file_pages_by_role(
    user: str, client_for: Callable[[str], Any], cases: dict[str, tuple[UUID, str]],
    runtime: Runtime,
) -> None:
    head = runtime.app.recorder.max_notification_id()
    client = client_for(user)
    for kind, (case_id, sha) in cases.items():
        base = f"{PAGES[kind]}/{case_id}"
        handles, reads = user in HANDLES[kind], user in READS[kind]
        reporter = user in REPORTER[kind]
        opens = reads or reporter
        expected = {
            ("GET", f"{base}/bilagor/{sha}"): 200 if reads else 403,
            ("GET", f"{base}/bilagor/{NO_FILE}"): 404 if opens else 403,
            ("POST", f"{base}/bilagor/{NO_FILE}/ta-bort"): 404 if opens else 403,
            ("POST", f"{base}/bilagor"):
                422 if handles or (reporter and kind == "deviation") else 403,
        }
        if REPORTER[kind]:  # a conversation: the kinds with a reporter in the tracker
            expected |= {
                ("POST", f"{base}/fraga"): 422 if handles else 403,
                ("POST", f"{base}/utfall"): 422 if handles else 403,
                ("POST", f"{base}/svar"): 422 if reporter else 403,
            }
        for (method, path), status in expected.items():
            answer = client.open(path, method=method, data={})
            assert answer.status_code == status, (user, method, path, answer.status_code)
        if reporter and not reads:  # opens the file, but not what the handler attached
            assert client.post(f"{base}/bilagor/{sha}/ta-bort").status_code == 403
    assert runtime.app.recorder.max_notification_id() == head


@pytest.mark.parametrize("user", ROLES)
def test_case_file_api_by_role(
    user: str, api: Callable[..., Any], cases: dict[str, tuple[UUID, str]], runtime: Runtime,
) -> None:
    head = runtime.app.recorder.max_notification_id()
    for kind, (case_id, sha) in cases.items():
        base = f"{API[kind]}/{case_id}"
        handles, reads = user in HANDLES[kind], user in READS[kind]
        reporter = user in REPORTER[kind]
        opens = reads or reporter
        expected = {
            ("GET", f"{base}/attachments"): 200 if opens else 403,
            ("GET", f"{base}/attachments/{sha}"): 200 if reads else 403,
            ("DELETE", f"{base}/attachments/{NO_FILE}"): 404 if opens else 403,
            ("POST", f"{base}/attachments"):
                422 if handles or (reporter and kind == "deviation") else 403,
        }
        if REPORTER[kind]:
            expected[("GET", f"{base}/thread")] = 200 if opens else 403
        for (method, path), status in expected.items():
            answer = api(user, method, path)
            assert answer.status_code == status, (user, method, path, answer.status_code)
            if status == 403:
                assert "_schema" in answer.get_json()["errors"]
        if not REPORTER[kind]:
            continue
        # The thread's steps: a role that never may is refused before the body is read
        # (403); one whose role may, outside its unit or not the reporter, gets past the
        # role to the body (an empty one: 422) and with a valid body is refused (403).
        in_role = user in ROLE_OF_HANDLERS[kind]
        for step, allowed, role_ok in (
            ("questions", handles, in_role), ("outcome", handles, in_role),
            ("answers", reporter, True),
        ):
            path = f"{base}/thread/{step}"
            empty = api(user, "POST", path, json={}).status_code
            assert empty == (422 if role_ok else 403), (user, path, empty)
            if not allowed:
                valid = api(user, "POST", path, json={"text": "Vilken dag?"}).status_code
                assert valid == 403, (user, path, valid)
    assert runtime.app.recorder.max_notification_id() == head


def test_the_admin_reads_no_attachment(
    client_for: Callable[[str], Any], cases: dict[str, tuple[UUID, str]]
) -> None:
    admin = client_for("admin")
    for kind, (case_id, sha) in cases.items():
        answer = admin.get(f"{PAGES[kind]}/{case_id}/bilagor/{sha}")
        assert answer.status_code == 403 and b"PNG" not in answer.data
