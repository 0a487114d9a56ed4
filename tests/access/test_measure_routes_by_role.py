"""Every route of Åtgärder, a measure's own page and the measures API x every role (and
nobody). A measure opens for the reviewers of its deviation's unit (and the roles that see
every deviation) and for its responsible person whatever their role and unit: here
`forste`, who reviews no deviation. Its owner may carry it out and follow it up; planning
and turning it down stay with the reviewers. The admin holds no measures.

Allowed commands are sent with a stale version: they reach the application and come back
as a conflict (page 422, API 409) without storing anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import ROLES, file_deviation, log_in, stored_events

from tracker.runtime import Runtime
from web.forms import CONFLICT_MESSAGE

CALLERS = [*ROLES, None]
HOLDERS = frozenset(ROLES) - {"admin"}
OPENS = frozenset({"chef", "utvecklare", "lexsarah", "forste"})  # in scope, or the owner
REVIEW = frozenset({"chef", "utvecklare"})
OWNER_ACTIONS = {"complete_measure", "schedule_follow_up", "follow_up_measure"}
FORMS: dict[str, dict[str, str]] = {
    "plan_measure": {},
    "reject_measure": {"reason": "Nej"},
    "complete_measure": {},
    "schedule_follow_up": {"follow_up_on": "2026-01-01"},
    "follow_up_measure": {"result": "Klart", "effect": "yes", "effect_text": "Bra"},
}
API: dict[str, tuple[str, dict[str, Any]]] = {
    "complete_measure": ("completion", {}),
    "schedule_follow_up": ("follow-up-date", {"follow_up_on": "2026-01-01"}),
    "follow_up_measure": ("follow-up", {"result": "Klart", "effect": "yes",
                                        "effect_text": "Bra"}),
}


@dataclass
class World:
    app: Flask
    runtime: Runtime
    clients: dict[str | None, FlaskClient]
    tokens: dict[str, str]
    case: str


@pytest.fixture(scope="module")
def world(sqlite_runtime: Runtime, shared_app: Flask) -> World:
    runtime, app = sqlite_runtime, shared_app
    clients: dict[str | None, FlaskClient] = {None: app.test_client()}
    for name in ROLES:
        clients[name] = app.test_client()
        log_in(clients[name], name)
    tokens = {name: runtime.accounts.create_token(name) for name in ROLES}
    case = file_deviation(runtime)  # Utredningsenheten: chef's unit
    runtime.app.add_measure(case.id, actor="chef", description="Ny rutin",
                            responsible="forste", due_on=runtime.app.today())
    return World(app, runtime, clients, tokens, str(case.id))


@dataclass(frozen=True)
class Case:
    rule: str
    method: str
    path: str
    allowed: frozenset[str]
    ok: int
    data: dict[str, Any] | None = None
    api: bool = False

    def expected(self, role: str | None) -> int:
        if role is None:
            return 401 if self.api else 302
        return self.ok if role in self.allowed else 403


def _cases() -> list[Case]:
    page = "/avvikelser/<uuid:deviation_id>/atgarder/<int:number>"
    api = "/api/v1/deviations/<uuid:deviation_id>/measures/<int:number>"
    cases = [
        Case("/atgarder", "GET", "/atgarder", HOLDERS, 200),
        Case("/atgarder.<any(csv, xlsx):kind>", "GET", "/atgarder.csv", HOLDERS, 200),
        Case("/atgarder.<any(csv, xlsx):kind>", "GET", "/atgarder.xlsx", HOLDERS, 200),
        Case(page, "GET", "/avvikelser/{case}/atgarder/1", OPENS, 200),
        Case("/api/v1/measures", "GET", "/api/v1/measures", HOLDERS, 200, api=True),
        Case(api, "GET", "/api/v1/deviations/{case}/measures/1", OPENS, 200, api=True),
    ]
    for action, fields in FORMS.items():
        allowed = REVIEW | ({"forste"} if action in OWNER_ACTIONS else set())
        form = {f"{action}_{key}": value for key, value in fields.items()} | {"version": "0"}
        cases.append(Case(f"{page}/<action>", "POST",
                          f"/avvikelser/{{case}}/atgarder/1/{action}",
                          frozenset(allowed), 422, form))
    for path, body in API.values():
        cases.append(Case(f"{api}/{path}", "POST",
                          f"/api/v1/deviations/{{case}}/measures/1/{path}",
                          REVIEW | {"forste"}, 409, body | {"expected_version": 0}, api=True))
    return cases


CASES = _cases()


@pytest.mark.parametrize("role", CALLERS, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
def test_route_answers_by_role(world: World, case: Case, role: str | None) -> None:
    path = case.path.format(case=world.case)
    before = stored_events(world.runtime)
    if case.api:
        headers = {"Authorization": f"Bearer {world.tokens[role]}"} if role else {}
        response = world.clients[None].open(
            path, method=case.method, headers=headers,
            json=case.data if case.method == "POST" else None)
        assert response.is_json
    else:
        response = world.clients[role].open(path, method=case.method, data=case.data)
    assert response.status_code == case.expected(role), response.get_data(as_text=True)[:500]
    if case.ok == 422 and role in case.allowed:
        assert CONFLICT_MESSAGE in response.get_data(as_text=True)
    assert stored_events(world.runtime) == before


def test_the_table_covers_every_measure_route(world: World) -> None:
    rules = {
        (rule.rule, method)
        for rule in world.app.url_map.iter_rules()
        if rule.endpoint.startswith(("measures.", "api.measures_"))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert rules == {(case.rule, case.method) for case in CASES}
