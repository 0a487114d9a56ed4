"""What /api/openapi.json promises beyond field rules: a body whose fields depend on a value
says so per value, and every operation that needs an id is linked from an answer that gives
one (schemathesis' stateful phase follows these links; test_schemathesis proves they work)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import jsonschema
from flask.testing import FlaskClient

from tracker.runtime import Runtime

INVESTIGATION = "/child-reports/{report_id}/investigation"
FINDINGS = "/lex-sarah/{case_id}/findings/batch"


def _document(client: FlaskClient) -> dict[str, Any]:
    document = client.get("/api/openapi.json").get_json()
    assert isinstance(document, dict)
    return document


def _body_validator(document: dict[str, Any], path: str) -> jsonschema.Draft4Validator:
    schema = document["paths"][path]["post"]["requestBody"]["content"]["application/json"][
        "schema"]
    # The components travel along so the $refs resolve; `nullable` is OpenAPI's, ignored here.
    return jsonschema.Draft4Validator({**schema, "components": document["components"]})


def test_an_extension_of_the_investigation_needs_a_reason_by_the_document(
    client: FlaskClient, runtime: Runtime,
) -> None:
    validator = _body_validator(_document(client), INVESTIGATION)
    next_year = dt.date(runtime.app.today().year + 1, 6, 1).isoformat()
    extend = {"action": "extend", "reason": "Särskilda skäl.", "new_deadline": next_year,
              "decided_by": "nämnden"}
    assert validator.is_valid(extend)
    assert not validator.is_valid({**extend, "reason": ""})
    assert not validator.is_valid({**extend, "reason": "  "})
    assert not validator.is_valid({"action": "extend", "on": "2024-01-01"})
    assert validator.is_valid({"action": "open", "on": "2024-01-01"})
    assert not validator.is_valid({"action": "open"})


def test_an_investigation_item_is_a_finding_or_the_reason_its_kind_does_not_apply_by_the_document(
    client: FlaskClient,
) -> None:
    validator = _body_validator(_document(client), FINDINGS)

    def valid(*items: dict[str, Any]) -> bool:
        return validator.is_valid(
            {"author": "Anna Berg", "author_title": "Utredare", "items": list(items)})

    finding = {"kind": "ovrigt", "text": "Rutinen saknades.", "source": "Journal",
               "nature": "assessment"}
    reason = {"kind": "tidigare", "not_applicable_reason": "Inga tidigare händelser."}
    assert valid(finding, reason)
    assert valid({**finding, "not_applicable_reason": ""}, {**reason, "text": "", "source": ""})
    assert not valid({"kind": "orsak"})  # neither
    assert not valid({**finding, "text": " "})
    assert not valid({**finding, "nature": None})
    assert not valid({**finding, "not_applicable_reason": "Gäller inte."})  # both
    assert not valid({**reason, "date": "2024-01-01"})
    assert not valid({**reason, "kind": "ovrigt"})  # only a required kind can be left out


def test_an_email_address_goes_with_the_wish_for_an_email_by_the_document(
    client: FlaskClient,
) -> None:
    validator = _body_validator(_document(client), "/public/complaints")
    complaint = {"kind": "klagomal", "sender": "brukare", "text": "Ingen svarade."}
    assert validator.is_valid({**complaint, "contact_wish": "e-post", "email": "a@b.se"})
    assert validator.is_valid({**complaint, "contact_wish": "kod", "email": " "})
    assert not validator.is_valid({**complaint, "contact_wish": "kod", "email": "a@b.se"})
    assert not validator.is_valid({**complaint, "contact_wish": "e-post", "email": "ab.se"})
    assert not validator.is_valid({**complaint, "contact_wish": "e-post"})


def test_the_document_and_the_form_agree_on_every_odd_email_address(
    client: FlaskClient, runtime: Runtime,
) -> None:
    # Control and separator characters are where Python's \\s and the document's differ:
    # schemathesis once sent an address with U+001F inside, valid by the document, refused.
    validator = _body_validator(_document(client), "/public/complaints")
    complaint = {"kind": "klagomal", "sender": "brukare", "text": "Ingen svarade.",
                 "contact_wish": "e-post"}
    for email in ["a@b.se", " a@b.se\t\x0b\x0c\r\n", "a@b\x1f.se", "\x1fa@b.se", "a\x85@b.se",
                  "a@b.se\ufeff", "\u00a0a@b.se", "a @b.se", "a@b.s\u200be", "\x1c"]:
        answer = client.post("/api/v1/public/complaints", json={**complaint, "email": email})
        assert (answer.status_code == 201) == validator.is_valid({**complaint, "email": email}), (
            email, answer.get_json())


def test_no_pattern_in_the_document_leans_on_a_class_the_two_regex_dialects_read_apart(
    client: FlaskClient,
) -> None:
    # \\s, \\w, \\d and \\b mean one thing in Python (the validators) and another in the
    # document's ECMA dialect (what schemathesis and other clients generate from).
    def patterns(node: object) -> list[str]:
        if isinstance(node, dict):
            own = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
            return own + [p for value in node.values() for p in patterns(value)]
        if isinstance(node, list):
            return [p for value in node for p in patterns(value)]
        return []

    found = patterns(_document(client))
    assert len(found) > 20
    shorthand = re.compile(r"(?<!\\)(?:\\\\)*\\[sSwWdDbB]")
    assert [p for p in found if shorthand.search(p)] == []


def test_every_operation_that_needs_an_id_is_linked_from_an_answer_giving_it(
    client: FlaskClient,
) -> None:
    document = _document(client)
    operations = {op["operationId"]: (path, op) for path, ops in document["paths"].items()
                  for op in ops.values()}
    linked = {
        link["operationId"]
        for _, op in operations.values() for answer in op["responses"].values()
        for link in answer.get("links", {}).values()
    }
    needing_ids = {name for name, (path, _) in operations.items() if "{" in path}
    assert needing_ids - linked == set()
    escalate = document["paths"]["/deviations/{deviation_id}/lex-sarah"]["post"]
    to_case = escalate["responses"]["201"]["links"]["lex_sarah_complete_ivo_report"]
    assert to_case["parameters"] == {"path.case_id": "$response.body#/lex_sarah_case_id"}
    undo = document["paths"]["/imports"]["get"]["responses"]["200"]["links"]
    assert undo["imports_undo_import"]["parameters"] == {
        "path.import_id": "$response.body#/0/id"}
    adding = document["paths"]["/deviations/{deviation_id}/measures"]["post"]
    to_measure = adding["responses"]["201"]["links"]["measures_get_measure"]
    assert to_measure["parameters"] == {  # the answer is the deviation: its measures' numbers
        "path.deviation_id": "$request.path.deviation_id",
        "path.number": "$response.body#/measures/0/number"}
