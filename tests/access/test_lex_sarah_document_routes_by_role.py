"""The authorisation matrix of the Lex Sarah investigation document: the draft, the frozen
versions and the anmälan's content (pages, downloads and API), every route x every role.
Like the case itself: the Lex Sarah-ansvarig and the verksamhetsutvecklare; everyone else
gets 403 and nothing is stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from flask.testing import FlaskClient
from support import ROLES

from tracker.runtime import Runtime

LEX = {"lexsarah", "utvecklare"}


@pytest.fixture
def case(users: Any, lex_sarah_case: Callable[..., UUID], runtime: Runtime) -> UUID:
    """A case with one frozen version."""
    case_id = lex_sarah_case()
    runtime.app.assign_investigator(case_id, actor="lexsarah", investigator="Karin Berg")
    return case_id


def _freeze(client_for: Callable[[str], Any], case: UUID) -> None:
    response = client_for("lexsarah").post(f"/lex-sarah/{case}/utredning/versioner",
                                           data={"purpose": "ivo"})
    assert response.status_code == 302


@pytest.mark.parametrize("user", ROLES)
def test_document_pages_by_role(
    user: str, client_for: Callable[[str], Any], case: UUID, runtime: Runtime
) -> None:
    _freeze(client_for, case)
    client = client_for(user)
    for path in [f"/lex-sarah/{case}/utredning.pdf", f"/lex-sarah/{case}/utredning.docx",
                 f"/lex-sarah/{case}/utredning/version/1.pdf",
                 f"/lex-sarah/{case}/utredning/version/1.docx",
                 f"/lex-sarah/{case}/anmalan", f"/lex-sarah/{case}/anmalan.pdf",
                 f"/lex-sarah/{case}/anmalan.docx"]:
        response = client.get(path)
        assert response.status_code == (200 if user in LEX else 403), (user, path)
        if user not in LEX:
            assert b"Karin Berg" not in response.get_data()
    before = runtime.app.get_lex_sarah_case(case)
    runtime.app.record_protective_action(case, actor="lexsarah", description="Inlåst.",
                                         taken_on=runtime.app.today())
    response = client.post(f"/lex-sarah/{case}/utredning/versioner", data={"purpose": "ivo"})
    assert response.status_code == (302 if user in LEX else 403), user
    after = runtime.app.get_lex_sarah_case(case)
    assert len(after.document_versions) == 1 + (user in LEX)
    assert after.version == before.version + 1 + (user in LEX)


@pytest.mark.parametrize("user", ROLES)
def test_document_api_by_role(
    user: str, api: Callable[..., Any], client_for: Callable[[str], Any], case: UUID,
    runtime: Runtime,
) -> None:
    _freeze(client_for, case)
    base = f"/api/v1/lex-sarah/{case}/document"
    for path in [f"{base}?format=pdf", f"{base}?format=docx", f"{base}/versions/1?format=pdf",
                 f"{base}/versions/1?format=docx"]:
        response = api(user, "GET", path)
        assert response.status_code == (200 if user in LEX else 403), (user, path)
        if user not in LEX:
            assert "_schema" in response.get_json()["errors"]
    runtime.app.record_protective_action(case, actor="lexsarah", description="Inlåst.",
                                         taken_on=runtime.app.today())
    response = api(user, "POST", f"{base}/versions", json={"purpose": "decision"})
    assert response.status_code == (201 if user in LEX else 403), user
    assert len(runtime.app.get_lex_sarah_case(case).document_versions) == 1 + (user in LEX)


def test_document_routes_need_a_login_or_token(client: FlaskClient, case: UUID) -> None:
    for path in [f"/lex-sarah/{case}/utredning.pdf", f"/lex-sarah/{case}/anmalan"]:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.get(f"/api/v1/lex-sarah/{case}/document?format=pdf")
    assert response.status_code == 401
    response = client.post(f"/api/v1/lex-sarah/{case}/document/versions", json={})
    assert response.status_code == 401
