"""Every command has one row in its aggregate's action table, and the page's form and the
API route parse it with the same schema: the same data from the same input, the same
fields required (a page-only field lives in a subclass). Iterates the tables, so a new
action is checked as soon as it is added."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from marshmallow import Schema, ValidationError

from events.child_report import ChildReport
from events.complaint import Complaint
from events.deviation import Deviation
from events.lex_sarah import LexSarahCase
from web.api import REGISTRY
from web.cases import child_reports, complaints, deviations, lex_sarah
from web.cases.actions import Action
from web.pages import child_reports as child_report_pages
from web.pages import complaints as complaint_pages
from web.pages import deviations as deviation_pages
from web.pages import lex_sarah as lex_sarah_pages

DAY = "2026-05-04"
CASE = "00000000-0000-4000-8000-000000000001"
TABLES: list[tuple[str, type, dict[str, Action], str, str, dict[str, Action]]] = [
    ("/deviations/<uuid:deviation_id>", Deviation, deviations.ACTIONS, "/avvikelser",
     "deviations.act", deviation_pages.PAGE_ACTIONS),
    ("/lex-sarah/<uuid:case_id>", LexSarahCase, lex_sarah.ACTIONS, "/lex-sarah",
     "lex_sarah.act", lex_sarah_pages.PAGE_ACTIONS),
    ("/child-reports/<uuid:report_id>", ChildReport, child_reports.ACTIONS, "/anmalningar",
     "child_reports.act", child_report_pages.PAGE_ACTIONS),
    ("/complaints/<uuid:complaint_id>", Complaint, complaints.ACTIONS, "/klagomal",
     "complaints.act", complaint_pages.PAGE_ACTIONS),
]
ROWS = [
    (api_prefix, aggregate, action, page_prefix, page_endpoint, page_actions)
    for api_prefix, aggregate, table, page_prefix, page_endpoint, page_actions in TABLES
    for action in table.values()
]
# A valid API body for each command, by its one name.
BODIES: dict[str, dict[str, Any]] = {
    "reclassify": {"category": "handlaggning", "subcategory": "sekretess"},
    "analyse_cause": {"analysis": "Rutinen var okänd.", "causes": ["rutin_saknas"]},
    "record_no_measures_needed": {"reason": "Rättat direkt."},
    "record_feedback_impossible": {"reason": "Anonym pappersrapport."},
    "add_measure": {"description": "Ny rutin.", "responsible": "chef", "due_on": DAY,
                    "goal": "Inga fel.", "follow_up_on": DAY, "proposed": True},
    "complete_measure": {"measure": 1, "completed_on": DAY},
    "plan_measure": {"measure": 1},
    "reject_measure": {"measure": 1, "reason": "För dyrt."},
    "schedule_follow_up": {"measure": 1, "follow_up_on": DAY},
    "follow_up_measure": {"measure": 1, "result": "Rutinen följs.", "effect": "too_early",
                          "effect_text": "Kort tid.", "followed_up_on": DAY,
                          "next_follow_up_on": DAY},
    "assess_risk": {"probability": 4, "consequence": 3},
    "move_to_unit": {"unit": "hvb-notgarden", "reason": "Fel enhet vid rapporten."},
    "give_feedback": {"message": "Tack för rapporten."},
    "escalate": {"reason": "Allvarlig risk.", "opened_on": DAY},
    "close": {"summary": "Klart."},
    "reopen": {"reason": "Ny uppgift."},
    "withdraw": {"reason": "Dubbelregistrerad."},
    "record_protective_action": {"description": "Knivarna låstes in.", "taken_on": DAY},
    "assign_investigator": {"investigator": "lexsarah"},
    "document_finding": {"kind": "handelse", "text": "Det hände.", "date": DAY,
                         "source": "Journal", "nature": "fact", "author": "lexsarah",
                         "author_title": "Socialsekreterare"},
    "mark_not_applicable": {"kind": "tidigare", "reason": "Inga tidigare.",
                            "author": "lexsarah", "author_title": "Socialsekreterare"},
    "propose_grade": {"grade": "missforhallande", "reasoning": "Skäl."},
    "decide": {"grade": "missforhallande", "reasoning": "Skäl.", "decided_on": DAY},
    "report_to_ivo": {"sent_on": DAY, "ivo_reference": "IVO 1", "diary_number": "SN 1",
                      "investigation": "kompletteras"},
    "complete_ivo_report": {"completed_on": DAY},
    "record_informed": {"who": "individual", "on": DAY},
    "assess_protection": {"assessed_at": f"{DAY}T10:30:00+02:00",
                          "immediate_protection_needed": False},
    "assign_handler": {"handler": "forste"},
    "extend_deadline": {"reason": "Synnerliga skäl.", "new_deadline": DAY,
                        "decided_by": "nämnden", "decided_on": DAY},
    "open_investigation": {"on": DAY},
    "complete_investigation": {"on": DAY},
    "extend_investigation": {"reason": "Särskilda skäl.", "new_deadline": DAY,
                             "decided_by": "nämnden", "decided_on": DAY},
    "record_reporter_category": {"category": "myndighet"},
    "request_feedback": {"requested_on": DAY},
    "decline_feedback": {"declined_on": DAY, "reason": "Olämpligt med hänsyn till barnet."},
    "record_investigation_information": {"informed_on": DAY},
}
# Lex Sarah and child reports both have a `decide`, deviations and child reports a
# `give_feedback`; the child report's bodies:
CHILD_BODIES = {
    "decide": {"decision": "open_investigation", "decided_on": DAY},
    "give_feedback": {"given_on": DAY, "how": "Telefon"},
}
# A complaint's actions, where a name is also a deviation's (escalate, close).
COMPLAINT_BODIES: dict[str, dict[str, Any]] = {
    "acknowledge": {},
    "route": {"unit": "hvb-notgarden", "category": "genomforande"},
    "answer": {"text": "Vi har ändrat rutinen."},
    "link_deviation": {"category": "genomforande", "description": "Det hände."},
    "escalate": {"reason": "Missförhållande."},
    "close": {"outcome": "atgardat", "summary": "Klart.", "closed_on": DAY},
}
# The page's own inputs where the page asks differently (a date and a time for a moment).
PAGE_ONLY: dict[str, dict[str, Any]] = {
    "assess_protection": {"assessed_date": DAY, "assessed_time": "10:30"},
}
# The API's investigation route names its step.
STEP = {"open_investigation": "open", "complete_investigation": "complete",
        "extend_investigation": "extend"}


def body_for(aggregate: type, action: Action) -> dict[str, Any]:
    if aggregate is ChildReport and action.name in CHILD_BODIES:
        return dict(CHILD_BODIES[action.name])
    if aggregate is Complaint:
        return dict(COMPLAINT_BODIES[action.name])
    return dict(BODIES[action.name])


def page_input(schema: Schema, api_schema: Schema, body: dict[str, Any], name: str) -> dict:
    """The same input as the page's form sends it: each field under its page name."""
    api_keys = {n: f.data_key or n for n, f in api_schema.fields.items()}
    form = dict(PAGE_ONLY.get(name, {}))
    for field_name, schema_field in schema.fields.items():
        key = api_keys.get(field_name, field_name)
        if key in body:
            value = body[key]
            if isinstance(value, bool):  # a form sends the words (a select, a checkbox)
                value = "true" if value else "false"
            form[schema_field.data_key or field_name] = value
    return form


def errors(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    try:
        schema.load(data)
    except ValidationError as error:
        return dict(error.messages)
    return {}


def test_every_command_is_covered_here() -> None:
    names = {row[2].name for row in ROWS if row[1] is not Complaint}
    assert names <= set(BODIES), names - set(BODIES)
    assert set(complaints.ACTIONS) == set(COMPLAINT_BODIES)


@pytest.mark.parametrize(
    ("api_prefix", "aggregate", "action", "page_prefix", "page_endpoint", "page_actions"),
    ROWS, ids=[f"{row[1].__name__}.{row[2].name}" for row in ROWS],
)
def test_page_action_and_api_route_parse_with_one_schema(
    app: Flask, api_prefix: str, aggregate: type, action: Action, page_prefix: str,
    page_endpoint: str, page_actions: dict[str, Action],
) -> None:
    # One name: the aggregate's own method, the table row the page and the API both use.
    assert callable(getattr(aggregate, action.name))
    assert page_actions[action.page] is action
    adapter = app.url_map.bind("localhost")
    endpoint, _ = adapter.match(f"{page_prefix}/{CASE}/{action.page}", method="POST")
    assert endpoint == page_endpoint

    route = REGISTRY[(f"{api_prefix}/{action.api_path}", "POST")]
    form_schema = action.form_schema()
    assert isinstance(form_schema, action.schema)  # the same class, or a page subclass
    body = body_for(aggregate, action)
    with app.test_request_context():
        if action.name in STEP:  # one route for three steps: it hands over to the step
            assert route.body is child_reports.InvestigationBody
            assert child_reports.INVESTIGATION_STEPS[STEP[action.name]] is action
            routed = route.body().load({"action": STEP[action.name], **body})
            assert routed.pop("action") is action
        else:
            assert route.body is action.schema
            routed = route.body().load(body)
        api_schema = action.schema()
        from_page = form_schema.load(page_input(form_schema, api_schema, body, action.name))
        assert from_page == routed == api_schema.load(body)

        # The same fields are required on both sides (each reported under its own name).
        api_keys = {n: f.data_key or n for n, f in api_schema.fields.items()}
        form_keys = {n: f.data_key or n for n, f in form_schema.fields.items()}
        for field_name, key in api_keys.items():
            if key not in body or field_name not in form_keys:
                continue
            without = {k: v for k, v in body.items() if k != key}
            page_without = page_input(form_schema, api_schema, without, action.name)
            api_refuses = key in errors(api_schema, without)
            assert api_refuses == (form_keys[field_name] in errors(form_schema, page_without)), (
                field_name
            )
