"""Measures appear where their owner can act: someone named (by username) as responsible
for a measure in another unit's deviation opens that measure, and only it, to carry it out
and follow it up, on the page and in the API; the deviation and its other measures stay
closed to them. Att göra lists nothing its reader cannot open."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from flask.testing import FlaskClient
from support import ROLES, file_deviation

from tracker.runtime import Runtime

SECRET = "Knivar låg framme på köksbänken i Notgården."


@pytest.fixture
def other_units_case(runtime: Runtime, users: Any) -> UUID:
    """A deviation of HVB Notgården (chef reviews Utredningsenheten only) with a measure
    for `chef` (1) and one for a befattning (2)."""
    app = runtime.app
    deviation = file_deviation(runtime, unit="hvb-notgarden", category="genomforande",
                               subcategory=None, description=SECRET)
    app.add_measure(deviation.id, actor="chef_hvb", description="Gå igenom knivrutinen.",
                    responsible="chef", due_on=app.today() + timedelta(days=5))
    app.add_measure(deviation.id, actor="chef_hvb", description="Lås köket nattetid.",
                    responsible="Enhetschef HVB", due_on=app.today() + timedelta(days=5),
                    proposed=True)
    return deviation.id


def test_an_owner_in_another_unit_acts_on_exactly_their_measure(
    runtime: Runtime, client_for: Callable[[str], FlaskClient], api: Callable[..., Any],
    other_units_case: UUID,
) -> None:
    case = other_units_case
    chef = client_for("chef")
    assert chef.get(f"/avvikelser/{case}").status_code == 403
    page = chef.get(f"/avvikelser/{case}/atgarder/1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Gå igenom knivrutinen." in html
    assert SECRET not in html and "Lås köket nattetid." not in html
    assert f'href="/avvikelser/{case}"' not in html  # no way into the deviation
    assert chef.get(f"/avvikelser/{case}/atgarder/2").status_code == 403

    version = runtime.app.get_deviation(case).version
    # Deciding on the measures stays with the unit's reviewers.
    assert chef.post(f"/avvikelser/{case}/atgarder/2/plan_measure",
                     data={"version": version}).status_code == 403
    assert chef.post(f"/avvikelser/{case}/atgarder/1/reject_measure",
                     data={"version": version, "reject_measure_reason": "Nej"}).status_code == 403
    done = chef.post(f"/avvikelser/{case}/atgarder/1/complete_measure",
                     data={"version": version})
    assert done.status_code == 302
    assert runtime.app.get_deviation(case).measures[0].completed_on == runtime.app.today()

    # The API: the same measure only, answered without the deviation.
    assert api("chef", "GET", f"/api/v1/deviations/{case}").status_code == 403
    assert api("chef", "GET", f"/api/v1/deviations/{case}/measures/2").status_code == 403
    scheduled = api("chef", "POST", f"/api/v1/deviations/{case}/measures/1/follow-up-date",
                    json={"follow_up_on": (runtime.app.today() + timedelta(days=30))
                          .isoformat()})
    assert scheduled.status_code == 200, scheduled.get_json()
    body = scheduled.get_json()
    assert body["measure"]["follow_up_on"] and SECRET not in str(body)
    refused = api("chef", "POST", f"/api/v1/deviations/{case}/measures/1/follow-up",
                  json={"result": "x" * 6000, "effect": "yes", "effect_text": "Ja."})
    assert refused.status_code == 422 and "result" in refused.get_json()["errors"]
    other = api("chef_hvb", "POST", f"/api/v1/deviations/{case}/measures/2/completion",
                json={})
    assert other.status_code == 200  # the unit's own reviewer acts on every measure
    listed = api("chef", "GET", "/api/v1/measures?mine=true").get_json()
    assert [(m["deviation_number"], m["number"]) for m in listed] == [
        (runtime.app.get_deviation(case).number, 1)]


def test_att_gora_lists_nothing_its_reader_cannot_open(
    runtime: Runtime, client_for: Callable[[str], FlaskClient], other_units_case: UUID,
    lex_sarah_case: Callable[..., UUID],
) -> None:
    app = runtime.app
    today = app.today()
    # Something for every role: measures for people of every role in a unit not theirs,
    # with follow-ups due; a Lex Sarah investigator who may not open Lex Sarah cases.
    for who in ROLES:
        deviation = file_deviation(runtime, unit="stodboendet", category="genomforande",
                                   subcategory=None, actor="utvecklare",
                                   occurred_on=today - timedelta(days=20),
                                   reported_on=today - timedelta(days=20))
        app.add_measure(deviation.id, actor="utvecklare", description=f"Åtgärd för {who}.",
                        responsible=who, due_on=today - timedelta(days=15),
                        follow_up_on=today - timedelta(days=1))
        app.add_measure(deviation.id, actor="utvecklare", description=f"Öppen för {who}.",
                        responsible=who, due_on=today + timedelta(days=3))
        app.complete_measure(deviation.id, actor="utvecklare", measure=1,
                             completed_on=today - timedelta(days=15))
    app.assign_investigator(lex_sarah_case(), actor="lexsarah", investigator="chef")

    for who in ROLES:
        client = client_for(who)
        html = client.get("/").get_data(as_text=True)
        lines = re.findall(r'<span class="case">(.*?)</span>', html, re.S)
        assert all(line.startswith("<a href=") for line in lines), (who, lines)
        links = re.findall(r'<span class="case"><a href="([^"#]+)', html)
        if who == "admin":  # reads no case content, so holds no measure
            assert "Åtgärd för admin." not in html
        else:
            assert f"Åtgärd för {who}." in html and f"Öppen för {who}." in html, who
            assert "Åtgärder att följa upp" in html, who
        for href in links:
            assert client.get(href).status_code == 200, (who, href)
