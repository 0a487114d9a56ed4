"""JSON API v1 for units and deviations: the contract other municipal systems integrate
against. Happy paths on SQLite and PostgreSQL; the table of bad input on SQLite."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from flask import Flask
from support import file_deviation, stored_events

from tracker.runtime import Runtime

# Future but within the bounds every date field keeps (1990 to the end of next year).
NEXT_YEAR = f"{date.today().year + 1}-06-01"

Api = Callable[..., Any]


def test_units(api: Api) -> None:
    response = api("rapportor", "GET", "/api/v1/units")
    assert response.status_code == 200
    units = {u["code"]: u for u in response.get_json()}
    assert units["hvb-notgarden"] == {"code": "hvb-notgarden", "name": "HVB Notgården",
                                      "operation": "HVB"}
    assert units["utredning"]["operation"] == "IFO"


def test_file_and_read_a_deviation(api: Api, runtime: Runtime) -> None:
    today = runtime.app.today()
    created = api("rapportor", "POST", "/api/v1/deviations", json={
        "unit": "hvb-notgarden", "category": "genomforande",
        "occurred_on": (today - timedelta(days=1)).isoformat(),
        "description": "Knivar låg framme på köksbänken.",
        "immediate_actions": "Knivarna låstes in.", "case_reference": "HVB 2026/17",
    })
    assert created.status_code == 201
    body = created.get_json()
    assert body["operation"] == "HVB" and body["number"].startswith(f"AV-{today.year}-")
    assert body["reported_on"] == today.isoformat()  # defaults to today
    assert created.headers["Location"] == f"/api/v1/deviations/{body['id']}"

    read = api("rapportor", "GET", created.headers["Location"]).get_json()
    assert read["status"] == "open" and read["escalated_to_lex_sarah"] is False
    assert read["description"] == "Knivar låg framme på köksbänken."
    assert [h["type"] for h in read["history"]] == ["Reported"]
    assert read["history"][0]["by"] == "rapportor" and read["history"][0]["at"]

    listed = api("utvecklare", "GET", f"/api/v1/deviations?year={today.year}"
                                      f"&month={today.month}&operation=HVB&status=open")
    assert listed.status_code == 200
    page = listed.get_json()
    assert page["total"] == 1 and page["items"][0]["number"] == body["number"]
    assert page["page"] == 1 and page["per_page"] == 50


def test_list_is_scoped_by_role(api: Api, runtime: Runtime, tokens: dict[str, str]) -> None:
    mine = file_deviation(runtime)  # utredning, by rapportor
    other_staff = file_deviation(runtime, actor="personal.x")  # utredning, someone else
    hvb = file_deviation(runtime, actor="personal.y", unit="hvb-notgarden",
                         category="samverkan", subcategory=None)

    def numbers(user: str, query: str = "") -> set[str]:
        return {i["number"] for i in api(user, "GET", f"/api/v1/deviations{query}")
                .get_json()["items"]}

    assert numbers("utvecklare") == {mine.number, other_staff.number, hvb.number}
    assert numbers("chef") == {mine.number, other_staff.number}  # the chef's unit only
    assert numbers("rapportor") == {mine.number}  # staff: what they reported
    assert numbers("utvecklare", "?unit=hvb-notgarden") == {hvb.number}
    assert numbers("utvecklare", "?category=samverkan") == {hvb.number}
    assert numbers("utvecklare", "?per_page=1&page=2") <= {mine.number, other_staff.number,
                                                            hvb.number}
    assert len(numbers("utvecklare", "?per_page=1&page=2")) == 1


def test_every_action(api: Api, runtime: Runtime) -> None:
    deviation = file_deviation(runtime, category="genomforande", subcategory=None)
    base = f"/api/v1/deviations/{deviation.id}"
    today = runtime.app.today().isoformat()

    def post(user: str, path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
        response = api(user, "POST", f"{base}/{path}", json=body)
        assert response.status_code == status, response.get_json()
        return response.get_json()  # type: ignore[no-any-return]

    assert post("utvecklare", "classification",
                {"category": "handlaggning", "subcategory": "registrering"})["subcategory"] \
        == "registrering"
    post("chef", "cause-analysis", {"analysis": "Rutinen var okänd.",
                                    "causes": ["information_saknades"]})
    measures = post("chef", "measures", {"description": "Utbildning", "responsible": "chef",
                                         "due_on": today}, 201)["measures"]
    assert measures == [{"number": 1, "description": "Utbildning", "responsible": "chef",
                         "due_on": today, "completed_on": None, "goal": None,
                         "status": "planned", "rejected_reason": None, "follow_up_on": None,
                         "follow_ups": []}]
    assert post("chef", "measure-completions", {"measure": 1})["measures"][0]["completed_on"] \
        == today
    assert post("chef", "feedback", {"message": "Tack!"})["feedback"] == [
        {"by": "chef", "message": "Tack!"}]
    closed = post("chef", "closure", {"summary": "Klart.", "expected_version": 6})
    assert closed["status"] == "closed" and closed["closing_summary"] == "Klart."
    assert post("chef", "reopening", {"reason": "Igen."})["status"] == "open"
    opened = api("utvecklare", "POST", f"{base}/lex-sarah", json={"reason": "Allvarligt."})
    assert opened.status_code == 201
    case_id = opened.get_json()["lex_sarah_case_id"]
    assert opened.headers["Location"] == f"/api/v1/lex-sarah/{case_id}"
    assert runtime.app.get_lex_sarah_case(UUID(case_id)).deviation_id == deviation.id
    history = api("utvecklare", "GET", base).get_json()
    assert history["lex_sarah_case_id"] == case_id
    assert [h["type"] for h in history["history"]] == [
        "Reported", "Reclassified", "CauseAnalysed", "MeasureAdded", "MeasureCompleted",
        "FeedbackGiven", "Closed", "Reopened", "EscalatedToLexSarah",
    ]
    # A deviation that led to Lex Sarah cannot be withdrawn: 409 with the reason.
    refused = api("chef", "POST", f"{base}/withdrawal", json={"reason": "Fel"})
    assert refused.status_code == 409
    assert "cannot be withdrawn" in refused.get_json()["errors"]["_schema"][0]
    other = file_deviation(runtime)
    withdrawn = api("chef", "POST", f"/api/v1/deviations/{other.id}/withdrawal",
                    json={"reason": "Dubblett"})
    assert withdrawn.get_json()["status"] == "withdrawn"


def test_stale_version_is_a_conflict(api: Api, runtime: Runtime) -> None:
    deviation = file_deviation(runtime)
    base = f"/api/v1/deviations/{deviation.id}"
    assert api("chef", "POST", f"{base}/feedback",
               json={"message": "Först", "expected_version": 1}).status_code == 200
    before = stored_events(runtime)
    stale = api("utvecklare", "POST", f"{base}/closure",
                json={"summary": "Klart", "expected_version": 1})
    assert stale.status_code == 409
    assert stale.get_json() == {"errors": {"_schema": [
        "The case was changed by someone else; reload it and try again."]}}
    assert stored_events(runtime) == before


def test_reported_on_is_for_the_quality_developer_and_admin(api: Api, runtime: Runtime) -> None:
    past = runtime.app.today() - timedelta(days=500)
    body = {"unit": "utredning", "category": "personal", "occurred_on": past.isoformat(),
            "reported_on": past.isoformat(), "description": "Pappersrapport från i fjol."}
    before = stored_events(runtime)
    for role in ("rapportor", "chef", "forste", "lexsarah"):
        refused = api(role, "POST", "/api/v1/deviations", json=body)
        assert refused.status_code == 403
        assert "reported_on" in refused.get_json()["errors"]
    assert stored_events(runtime) == before
    for role in ("utvecklare", "admin"):
        created = api(role, "POST", "/api/v1/deviations", json=body)
        assert created.status_code == 201
        assert created.get_json()["reported_on"] == past.isoformat()
        assert created.get_json()["number"].startswith(f"AV-{past.year}-")


def test_escalation_dates(api: Api, runtime: Runtime) -> None:
    deviation = file_deviation(runtime)
    base = f"/api/v1/deviations/{deviation.id}/lex-sarah"
    before = stored_events(runtime)
    early = api("utvecklare", "POST", base, json={
        "reason": "x", "opened_on": (deviation.reported_on - timedelta(days=1)).isoformat()})
    # Valid on its own, but before the deviation's own date: the case refuses it (409).
    assert early.status_code == 409 and "opened_on" in early.get_json()["errors"]
    future = api("utvecklare", "POST", base, json={
        "reason": "x", "opened_on": (runtime.app.today() + timedelta(days=1)).isoformat()})
    assert future.status_code == 422 and "opened_on" in future.get_json()["errors"]
    assert stored_events(runtime) == before


# --- bad input: a clear error and nothing stored (SQLite) --------------------------------

GOOD = {"unit": "utredning", "category": "handlaggning", "subcategory": "ekonomi",
        "occurred_on": "2026-01-02", "description": "Utbetalningen blev försenad."}


def _without(key: str) -> dict[str, Any]:
    return {k: v for k, v in GOOD.items() if k != key}


BAD_NEW: list[tuple[str, Any, int, str, str]] = [
    ("missing unit", _without("unit"), 422, "unit", "Missing data for required field."),
    ("missing category", _without("category"), 422, "category", "Missing data"),
    ("missing occurred_on", _without("occurred_on"), 422, "occurred_on", "Missing data"),
    ("missing description", _without("description"), 422, "description", "Missing data"),
    ("empty description", GOOD | {"description": "  "}, 422, "description",
     "Missing data for required field."),
    ("number as unit", GOOD | {"unit": 7}, 422, "unit", "Not a valid string."),
    ("list as description", GOOD | {"description": ["a"]}, 422, "description", "Not a valid"),
    ("null category", GOOD | {"category": None}, 422, "category", "Field may not be null."),
    ("not a date", GOOD | {"occurred_on": "2. januari"}, 422, "occurred_on",
     "Not a valid date."),
    ("date as number", GOOD | {"occurred_on": 20260102}, 422, "occurred_on", "Not a valid date."),
    ("unknown unit", GOOD | {"unit": "okand"}, 422, "unit", "Unknown unit code: okand"),
    ("unknown category", GOOD | {"category": "okand"}, 422, "category", "Unknown category"),
    ("unknown subcategory", GOOD | {"subcategory": "okand"}, 422, "subcategory",
     "Unknown subcategory code: okand"),
    ("subcategory missing", _without("subcategory"), 422, "subcategory",
     "requires a subcategory"),
    ("subcategory not allowed", GOOD | {"category": "samverkan"}, 422, "subcategory",
     "takes no subcategory"),
    ("future occurred_on", GOOD | {"occurred_on": NEXT_YEAR}, 422, "occurred_on",
     "cannot be in the future"),
    ("year out of bounds", GOOD | {"occurred_on": "2999-01-01"}, 422, "occurred_on",
     "Enter a date between 1990-01-01 and"),
    ("oversize description", GOOD | {"description": "x" * 5001}, 422, "description",
     "At most 5000 characters are allowed."),
    ("oversize actions", GOOD | {"immediate_actions": "x" * 5001}, 422, "immediate_actions",
     "At most 5000"),
    ("oversize case reference", GOOD | {"case_reference": "x" * 65}, 422, "case_reference",
     "At most 64"),
    ("personnummer", GOOD | {"description": "Gäller 850101-1236."}, 422, "description",
     "personal identity number"),
    ("unknown field", GOOD | {"name": "Anna"}, 422, "name", "Unknown field."),
    ("not an object", ["a"], 400, "_schema", "must be a JSON object"),
]


@pytest.mark.parametrize(("body", "status", "field", "message"),
                         [case[1:] for case in BAD_NEW], ids=[case[0] for case in BAD_NEW])
def test_bad_new_deviation(
    shared_app: Flask, sqlite_runtime: Runtime, body: Any, status: int, field: str, message: str
) -> None:
    token = sqlite_runtime.accounts.create_token("utvecklare")
    before = stored_events(sqlite_runtime)
    response = shared_app.test_client().post(
        "/api/v1/deviations", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == status
    errors = response.get_json()["errors"]
    assert any(message in text for text in errors[field]), errors
    assert stored_events(sqlite_runtime) == before


def test_body_that_is_not_json(shared_app: Flask, sqlite_runtime: Runtime) -> None:
    token = sqlite_runtime.accounts.create_token("rapportor")
    response = shared_app.test_client().post(
        "/api/v1/deviations", data="unit=utredning", content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.get_json() == {
        "errors": {"_schema": ["The request body must be a JSON object."]}
    }


# Values valid on their own that do not fit the case answer 409 on their field (the API
# document cannot know the case); the rest are 422.
CONFLICTING = {"classification-same", "measures-before report", "measure-completions-no such"}
BAD_ACTIONS: list[tuple[str, str, dict[str, Any], str, str]] = [
    ("classification", "no category", {}, "category", "Missing data"),
    ("classification", "unknown", {"category": "okand"}, "category", "Unknown category"),
    ("classification", "same", {"category": "handlaggning", "subcategory": "sekretess"},
     "category", "already has that classification"),
    ("cause-analysis", "empty", {"analysis": "", "causes": ["annat"]}, "analysis",
     "Missing data for required field."),
    ("cause-analysis", "no cause", {"analysis": "Orsak"}, "causes",
     "Choose at least one cause."),
    ("cause-analysis", "unknown cause", {"analysis": "Orsak", "causes": ["okand"]}, "causes",
     "Unknown cause code: okand"),
    ("measures", "missing", {"description": "x"}, "responsible", "Missing data"),
    ("measures", "bad date", {"description": "x", "responsible": "y", "due_on": "snart"},
     "due_on", "Not a valid date."),
    ("measures", "before report", {"description": "x", "responsible": "y",
                                   "due_on": "2000-01-01"}, "due_on", "cannot be before"),
    ("measures", "oversize", {"description": "x", "responsible": "y" * 201,
                              "due_on": "2999-01-01"}, "responsible", "At most 200"),
    ("measure-completions", "no such", {"measure": 9}, "measure", "no measure number 9"),
    ("measure-completions", "zero", {"measure": 0}, "measure", "greater than or equal to 1"),
    ("measure-completions", "text", {"measure": "första"}, "measure", "Not a valid integer."),
    ("feedback", "personnummer", {"message": "Ring 850101-1236"}, "message",
     "personal identity number"),
    ("feedback", "wrong type", {"message": {"text": "hej"}}, "message", "Not a valid string."),
    ("closure", "missing", {}, "summary", "Missing data"),
    ("closure", "version text", {"summary": "x", "expected_version": "ny"}, "expected_version",
     "Not a valid integer."),
    ("withdrawal", "oversize", {"reason": "x" * 5001}, "reason", "At most 5000"),
    ("reopening", "extra", {"reason": "x", "why": "y"}, "why", "Unknown field."),
    ("lex-sarah", "missing", {}, "reason", "Missing data"),
    ("lex-sarah", "future", {"reason": "x", "opened_on": NEXT_YEAR}, "opened_on",
     "cannot be in the future"),
    ("lex-sarah", "bounds", {"reason": "x", "opened_on": "1989-12-31"}, "opened_on",
     "Enter a date between 1990-01-01 and"),
]


@pytest.mark.parametrize(("path", "body", "field", "message"),
                         [(c[0], *c[2:]) for c in BAD_ACTIONS],
                         ids=[f"{c[0]}-{c[1]}" for c in BAD_ACTIONS])
def test_bad_action_input(
    shared_app: Flask, sqlite_runtime: Runtime, path: str, body: dict[str, Any], field: str,
    message: str, request: pytest.FixtureRequest,
) -> None:
    expected = 409 if request.node.callspec.id in CONFLICTING else 422
    deviation = file_deviation(sqlite_runtime)
    if path == "measure-completions":
        sqlite_runtime.app.add_measure(deviation.id, actor="chef", description="x",
                                       responsible="y", due_on=deviation.reported_on)
    token = sqlite_runtime.accounts.create_token("utvecklare")
    before = stored_events(sqlite_runtime)
    response = shared_app.test_client().post(
        f"/api/v1/deviations/{deviation.id}/{path}", json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == expected, response.get_json()
    errors = response.get_json()["errors"]
    assert any(message in text for text in errors[field]), errors
    assert stored_events(sqlite_runtime) == before


@pytest.mark.parametrize(
    ("query", "field"),
    [("year=abc", "year"), ("month=13&year=2026", "month"), ("year=1989", "year"),
     ("year=9999&month=12", "year"),
     ("operation=XYZ", "operation"), ("status=pending", "status"), ("page=0", "page"),
     ("per_page=10000", "per_page"), ("colour=red", "colour")],
)
def test_bad_list_queries(
    shared_app: Flask, sqlite_runtime: Runtime, query: str, field: str
) -> None:
    token = sqlite_runtime.accounts.create_token("utvecklare")
    response = shared_app.test_client().get(
        f"/api/v1/deviations?{query}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_a_month_without_a_year_is_that_month_this_year(api: Api, runtime: Runtime) -> None:
    today = runtime.app.today()
    this_year = file_deviation(runtime)
    last_year = date(today.year - 1, today.month, 1)
    file_deviation(runtime, reported_on=last_year, occurred_on=last_year)
    listed = api("utvecklare", "GET", f"/api/v1/deviations?month={today.month}").get_json()
    assert [item["number"] for item in listed["items"]] == [this_year.number]


def test_auth_errors_and_unknown_ids(shared_app: Flask, sqlite_runtime: Runtime) -> None:
    client = shared_app.test_client()
    missing = client.get("/api/v1/units")
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/api/v1/units", headers={"Authorization": "Bearer trk_nope"}
                      ).status_code == 401
    assert client.get("/api/v1/units", headers={"Authorization": "Basic dXNlcjpwYXNz"}
                      ).status_code == 401
    token = sqlite_runtime.accounts.create_token("utvecklare")
    headers = {"Authorization": f"Bearer {token}"}
    unknown = client.get(f"/api/v1/deviations/{UUID(int=1)}", headers=headers)
    assert unknown.status_code == 404
    assert unknown.get_json() == {"errors": {"_schema": ["Not found."]}}
    assert client.post(f"/api/v1/deviations/{UUID(int=1)}/feedback", headers=headers,
                       json={"message": "x"}).status_code == 404
    assert client.get("/api/v1/no-such-thing", headers=headers).status_code == 404
    assert client.delete("/api/v1/units", headers=headers).get_json()["errors"]
    sqlite_runtime.accounts.revoke_tokens("utvecklare")
    assert client.get("/api/v1/units", headers=headers).status_code == 401
    # Swedish on request.
    swedish = client.get("/api/v1/units", headers={"Accept-Language": "sv"})
    assert swedish.get_json()["errors"]["_schema"] == ["En giltig API-nyckel (Bearer-token) krävs."]


def test_openapi_covers_every_endpoint(shared_app: Flask) -> None:
    document = shared_app.test_client().get("/api/openapi.json").get_json()
    documented = {(path, method.upper()) for path, ops in document["paths"].items()
                  for method in ops}
    routes = set()
    for rule in shared_app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule.removeprefix("/api/v1")
            for part in rule.arguments:
                path = path.replace(f"<uuid:{part}>", f"{{{part}}}").replace(
                    f"<int:{part}>", f"{{{part}}}").replace(f"<{part}>", f"{{{part}}}")
            routes |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented
    new = document["paths"]["/deviations"]["post"]
    schema_name = new["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][schema_name.rsplit("/", 1)[1]]
    assert set(schema["required"]) == {"unit", "category", "occurred_on", "description"}
    assert schema["properties"]["description"]["maxLength"] == 5000
    assert {"201", "401", "403", "422"} <= set(new["responses"])
    assert "/deviations/{deviation_id}/lex-sarah" in document["paths"]


def test_openapi_document_is_valid_openapi_3(shared_app: Flask) -> None:
    from openapi_spec_validator import validate

    document = shared_app.test_client().get("/api/openapi.json").get_json()
    validate(document)  # raises with the offending path if the document is invalid
