"""Every route of the deviation pages (with "Hantera och avsluta"), the deviation API and the
case search (Sök ärendenummer: every signed-in role, each within their own scope) x every role
(and nobody).

Allowed commands are sent with a stale version, so they get as far as the application and
come back as a conflict (HTML 422 with the conflict message, API 409) without storing
anything; refused ones answer 403. SQLite only: the same code runs on PostgreSQL in the
workflow tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import ROLES, file_deviation, log_in, stored_events

from tracker.runtime import Runtime
from web.forms import CONFLICT_MESSAGE

CALLERS = [*ROLES, None]  # None = not logged in / no token
REVIEW = {"chef", "chef_hvb", "utvecklare"}
SEE_ALL = {"utvecklare", "lexsarah"}
# The enhetschef reviewing each deviation's unit (utredning / hvb-notgarden).
IN_SCOPE = {"own": {"chef"}, "other": {"chef_hvb"}}


@dataclass
class World:
    app: Flask
    runtime: Runtime
    clients: dict[str | None, FlaskClient]
    tokens: dict[str, str]
    own: str  # a deviation in the chef's unit, reported by `rapportor`
    other: str  # a deviation in another unit, reported by someone else


@pytest.fixture(scope="module")
def world(sqlite_runtime: Runtime, shared_app: Flask) -> World:
    runtime, app = sqlite_runtime, shared_app
    clients: dict[str | None, FlaskClient] = {None: app.test_client()}
    for name in ROLES:
        clients[name] = app.test_client()
        log_in(clients[name], name)
    tokens = {name: runtime.accounts.create_token(name) for name in ROLES}
    own = file_deviation(runtime)
    runtime.app.add_measure(
        own.id, actor="chef", description="Rutin", responsible="chef", due_on=runtime.app.today()
    )
    other = file_deviation(runtime, actor="personal.x", unit="hvb-notgarden",
                           category="genomforande", subcategory=None)
    return World(app, runtime, clients, tokens, str(own.id), str(other.id))


TODAY = "2026-01-01"  # only reaches the stale-version check
ACTION_FIELDS: dict[str, dict[str, str]] = {
    "reclassify": {"category": "personal"},
    "analyse": {"analysis": "Orsak", "causes": "annat"},
    "add_measure": {"description": "Åtgärd", "responsible": "chef", "due_on": TODAY},
    "complete_measure": {"measure": "1"},
    "no_measures": {"reason": "Behövs inte"},
    "feedback": {"message": "Tack"},
    "no_feedback": {"reason": "Anonym"},
    "escalate": {"reason": "Allvarligt"},
    "close": {"summary": "Klart"},
    "reopen": {"reason": "Igen"},
    "withdraw": {"reason": "Fel"},
    "plan_measure": {"measure": "1"},
    "reject_measure": {"measure": "1", "reason": "För dyrt"},
    "schedule_follow_up": {"measure": "1", "follow_up_on": TODAY},
    "follow_up_measure": {"measure": "1", "result": "Klart", "effect": "yes",
                          "effect_text": "Inga fler"},
    "assess_risk": {"probability": "2", "consequence": "3"},
    "move_to_unit": {"unit": "hvb-notgarden", "reason": "Fel enhet"},
}
HANDLED = {"causes": "annat", "analysis": "Orsak", "measure": "atgard", "description": "Åtgärd",
           "responsible": "chef", "due_on": TODAY, "message": "Tack", "summary": "Klart",
           "expected_version": "0"}
ACTION_ROLES = {
    "reclassify": {"utvecklare"},
    "escalate": {"utvecklare"},
    "move_to_unit": {"utvecklare"},
    **{action: REVIEW for action in
       ("analyse", "add_measure", "complete_measure", "no_measures", "feedback", "no_feedback",
        "close", "reopen", "withdraw", "plan_measure", "reject_measure", "schedule_follow_up",
        "follow_up_measure", "assess_risk")},
}
API_PATHS = {
    "reclassify": "classification", "analyse": "cause-analysis", "add_measure": "measures",
    "complete_measure": "measure-completions", "feedback": "feedback", "escalate": "lex-sarah",
    "close": "closure", "reopen": "reopening", "withdraw": "withdrawal",
    "no_measures": "no-measures", "no_feedback": "no-feedback",
    "plan_measure": "measure-plans", "reject_measure": "measure-rejections",
    "schedule_follow_up": "measure-follow-up-dates", "follow_up_measure": "measure-follow-ups",
    "assess_risk": "risk-assessment", "move_to_unit": "unit",
}


@dataclass(frozen=True)
class Case:
    rule: str  # the Flask rule, to check that the table covers every route
    method: str
    path: str  # with {own}/{other} placeholders
    allowed: frozenset[str]
    ok: int  # status when allowed
    data: dict[str, Any] | None = None
    api: bool = False

    def expected(self, role: str | None) -> int:
        if role is None:
            return 401 if self.api else 302
        return self.ok if role in self.allowed else 403


EVERYONE = frozenset(ROLES)
NUMBERS = {"measure", "probability", "consequence"}  # integers in an API body


def _cases() -> list[Case]:
    dev = "/avvikelser/<uuid:deviation_id>"
    api = "/api/v1/deviations/<uuid:deviation_id>"
    cases = [
        Case("/", "GET", "/", EVERYONE, 200),
        Case("/konto/losenord", "GET", "/konto/losenord", EVERYONE, 200),
        Case("/avvikelser/ny", "GET", "/avvikelser/ny", EVERYONE, 200),
        Case("/avvikelser/ny", "POST", "/avvikelser/ny", EVERYONE, 422, {}),
        Case("/mina-rapporter", "GET", "/mina-rapporter", EVERYONE, 200),
        Case("/inkorg", "GET", "/inkorg", frozenset(REVIEW), 200),
        Case("/api/v1/units", "GET", "/api/v1/units", EVERYONE, 200, api=True),
        Case("/api/v1/deviations", "GET", "/api/v1/deviations", EVERYONE, 200, api=True),
        Case("/api/v1/deviations", "POST", "/api/v1/deviations", EVERYONE, 422, {}, api=True),
        Case("/sok", "GET", "/sok?q=AV", EVERYONE, 200),
        Case("/api/v1/search", "GET", "/api/v1/search?q=AV", EVERYONE, 200, api=True),
    ]
    # Who sees which deviation: the reporter, reviewers in scope, the see-all roles.
    sees = {"own": frozenset({"rapportor", "chef"} | SEE_ALL),
            "other": frozenset({"chef_hvb"} | SEE_ALL)}
    for which, viewers in sees.items():
        for suffix in ("", "/kvitto"):
            cases.append(Case(f"{dev}{suffix}", "GET", f"/avvikelser/{{{which}}}{suffix}",
                              viewers, 200))
        cases.append(Case(api, "GET", f"/api/v1/deviations/{{{which}}}", viewers, 200, api=True))
        for action, fields in ACTION_FIELDS.items():
            roles = frozenset(ACTION_ROLES[action] & (IN_SCOPE[which] | SEE_ALL))
            form = {f"{action}_{key}": value for key, value in fields.items()} | {"version": "0"}
            cases.append(Case(f"{dev}/<action>", "POST", f"/avvikelser/{{{which}}}/{action}",
                              roles, 422, form))
            body = {key: int(v) if key in NUMBERS else [v] if key == "causes" else v
                    for key, v in fields.items()}
            cases.append(Case(f"{api}/{API_PATHS[action]}", "POST",
                              f"/api/v1/deviations/{{{which}}}/{API_PATHS[action]}", roles, 409,
                              body | {"expected_version": 0}, api=True))
        # "Hantera och avsluta": whoever may run every step (analyse, measure, feedback, close).
        handlers = frozenset(REVIEW & (IN_SCOPE[which] | SEE_ALL))
        handle, at = f"{dev}/hantera", f"/avvikelser/{{{which}}}/hantera"
        cases += [
            Case(handle, "GET", at, handlers, 200),
            Case(handle, "POST", at, handlers, 200, {"analysis": "Orsak"}),  # "Ändra"
            Case(f"{handle}/granska", "POST", f"{at}/granska", handlers, 422, {}),
            Case(f"{handle}/spara", "POST", f"{at}/spara", handlers, 409, HANDLED),
        ]
    return cases


CASES = _cases()


@pytest.mark.parametrize("role", CALLERS, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
def test_route_answers_by_role(world: World, case: Case, role: str | None) -> None:
    path = case.path.format(own=world.own, other=world.other)
    before = stored_events(world.runtime)
    if case.api:
        headers = {"Authorization": f"Bearer {world.tokens[role]}"} if role else {}
        client = world.clients[None]
        response = client.open(path, method=case.method, headers=headers,
                               json=case.data if case.method == "POST" else None)
        assert response.is_json
        if response.status_code >= 400:
            assert "errors" in response.get_json()
    else:
        response = world.clients[role].open(path, method=case.method, data=case.data)
    assert response.status_code == case.expected(role), response.get_data(as_text=True)[:500]
    if role is None and not case.api:
        assert "/login" in response.location
    if case.ok in (409, 422) and role in case.allowed and not case.api and case.data:
        assert CONFLICT_MESSAGE in response.get_data(as_text=True)
    if response.status_code == 403 and not case.api:
        assert "Du har inte behörighet" in response.get_data(as_text=True)
    assert stored_events(world.runtime) == before  # nothing in the table stores anything


def test_the_table_covers_every_deviation_route(world: World) -> None:
    ours = ("auth.", "home.", "deviations.", "api.deviations_", "api.units_", "search.",
            "api.search_", "deviation_handling.")
    rules = {
        (rule.rule, method)
        for rule in world.app.url_map.iter_rules()
        if rule.endpoint.startswith(ours)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    covered = {(case.rule, case.method) for case in CASES}
    # Login and logout are tested with their own flows (test_web_accounts.py).
    login_logout = {("/login", "GET"), ("/login", "POST"), ("/logout", "POST"),
                    ("/konto/losenord", "POST")}
    assert rules - login_logout == covered


def test_openapi_document_is_public(world: World) -> None:
    response = world.clients[None].get("/api/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.")
