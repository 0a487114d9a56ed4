"""Need-to-know on one's own report: the person who filed a deviation (and reads it only as
its reporter) sees their own text, the status, the feedback and the outcome — on the page
and through the API —, never the cause analysis, the measures and who is responsible for
them, the reasons given, or the Lex Sarah escalation's reason. Reviewers still see it all,
and the API document says which fields are left out."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from flask.testing import FlaskClient
from support import file_deviation

from tracker.people.accounts import Account
from tracker.runtime import Runtime

DESCRIPTION = "Ett brev skickades till fel adress."
FEEDBACK = "Tack! Adressboken är rättad."
HANDLING = {
    "analysis": "Adressregistret var inaktuellt sedan flytten.",
    "measure": "Gå igenom adressregistret varje månad.",
    "responsible": "Kerstin Nilsson, registrator",
    "escalation": "Kan vara ett missförhållande: uppgifter om barnet röjdes.",
}


@pytest.fixture
def handled(runtime: Runtime, users: dict[str, Account]) -> UUID:
    """Filed by rapportor; analysed, a measure, feedback (enhetschef); escalated."""
    app = runtime.app
    deviation = file_deviation(runtime, description=DESCRIPTION).id
    app.analyse_cause(deviation, actor="chef", analysis=HANDLING["analysis"],
                      causes=["teknik"])
    app.add_measure(deviation, actor="chef", description=HANDLING["measure"],
                    responsible=HANDLING["responsible"],
                    due_on=app.today() + timedelta(days=30))
    app.give_feedback(deviation, actor="chef", message=FEEDBACK)
    app.escalate_to_lex_sarah(deviation, actor="utvecklare", reason=HANDLING["escalation"])
    return deviation


def test_the_reporters_page_shows_the_feedback_and_outcome_not_the_handling(
    client_for: Callable[[str], FlaskClient], handled: UUID,
) -> None:
    page = client_for("rapportor").get(f"/avvikelser/{handled}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert DESCRIPTION in text and FEEDBACK in text
    assert "Lyft till Lex Sarah-utredning" in text  # the outcome, as a fact
    assert "Öppen" in text  # the status
    for secret in HANDLING.values():
        assert secret not in text, secret
    assert "Orsaksanalys" not in text and "Ansvarig" not in text

    for reviewer in ("chef", "utvecklare", "lexsarah"):
        full = client_for(reviewer).get(f"/avvikelser/{handled}").get_data(as_text=True)
        for secret in HANDLING.values():
            assert secret in full, (reviewer, secret)


def test_the_reporters_api_answer_leaves_the_handling_out(
    api: Callable[..., Any], handled: UUID,
) -> None:
    answer = api("rapportor", "GET", f"/api/v1/deviations/{handled}")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["description"] == DESCRIPTION and body["status"] == "open"
    assert body["feedback"] == [{"by": "chef", "message": FEEDBACK}]
    assert body["escalated_to_lex_sarah"] is True
    assert not {"cause_analysis", "causes", "measures", "lex_sarah_case_id", "assignee",
                "no_measures_reason", "no_feedback_reason", "closing_summary"} & set(body)
    assert [h["type"] for h in body["history"]] == [
        "Reported", "FeedbackGiven", "EscalatedToLexSarah"]
    assert body["history"][2]["data"] == {}
    everything = json.dumps(body, ensure_ascii=False)
    for secret in HANDLING.values():
        assert secret not in everything, secret

    (row,) = api("rapportor", "GET", "/api/v1/deviations").get_json()["items"]
    assert row["id"] == str(handled) and row["status"] == "open"
    assert "lex_sarah_case_id" not in row and "assignee" not in row
    (reviewed,) = api("chef", "GET", "/api/v1/deviations").get_json()["items"]
    assert reviewed["lex_sarah_case_id"]

    full = api("chef", "GET", f"/api/v1/deviations/{handled}").get_json()
    assert full["cause_analysis"] == HANDLING["analysis"]
    assert full["measures"][0]["responsible"] == HANDLING["responsible"]
    assert full["lex_sarah_case_id"] and full["escalated_to_lex_sarah"] is True
    assert any(h["data"].get("reason") == HANDLING["escalation"] for h in full["history"])


def test_a_reviewer_who_reported_it_sees_the_handling(
    api: Callable[..., Any], runtime: Runtime, users: dict[str, Account],
) -> None:
    """An enhetschef's own report in their own unit: they read it as its reviewer."""
    deviation = file_deviation(runtime, actor="chef").id
    runtime.app.analyse_cause(deviation, actor="chef", analysis=HANDLING["analysis"],
                              causes=["teknik"])
    body = api("chef", "GET", f"/api/v1/deviations/{deviation}").get_json()
    assert body["cause_analysis"] == HANDLING["analysis"]


def test_the_api_document_says_which_fields_a_reporter_does_not_get(
    client: FlaskClient,
) -> None:
    spec = client.get("/api/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    (name,) = [n for n in schemas if n.startswith("Deviation") and "cause_analysis"
               in schemas[n].get("properties", {})]
    deviation = schemas[name]
    for field in ("cause_analysis", "measures", "lex_sarah_case_id", "closing_summary"):
        assert field not in deviation["required"], field
        assert "only as the person who reported it" in deviation["properties"][field][
            "description"], field
    assert {"description", "feedback", "status", "escalated_to_lex_sarah",
            "history"} <= set(deviation["required"])
