"""Closing a deviation: refused until it has a cause analysis, a measure (or a recorded
reason none is needed) and feedback to the reporter (or a reason it cannot be given), each
missing piece named; open measures stay visible and can be completed after closing."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from uuid import UUID

from flask.testing import FlaskClient

from events.deviation import Source
from tracker.runtime import Runtime

MISSING_ANALYSIS = "Orsaksanalys saknas"
MISSING_MEASURE = "Åtgärd saknas"
MISSING_FEEDBACK = "Återkoppling saknas"


def file(runtime: Runtime, **overrides: Any) -> UUID:
    values: dict[str, Any] = {
        "actor": "rapportor", "unit": "utredning", "category": "handlaggning",
        "subcategory": "sekretess", "occurred_on": runtime.app.today(),
        "description": "Ett brev om begäran av handlingar gick till ekonomienheten.",
    } | overrides
    return runtime.app.file_deviation(**values).id


def post(client: FlaskClient, runtime: Runtime, deviation_id: UUID, action: str,
         **fields: str | list[str]) -> Any:
    version = runtime.app.get_deviation(deviation_id).version
    data: dict[str, Any] = {f"{action}_{k}": v for k, v in fields.items()}
    return client.post(f"/avvikelser/{deviation_id}/{action}",
                       data=data | {"version": str(version)})


def summary_items(html: str) -> list[str]:
    match = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert match, "no error summary on the page"
    return [re.sub(r"<[^>]+>", "", item).strip()
            for item in re.findall(r"<li>(.*?)</li>", match.group(0), re.S)]


def close(client: FlaskClient, runtime: Runtime, deviation_id: UUID) -> Any:
    return post(client, runtime, deviation_id, "close", summary="Brevrutinen är ändrad.")


def test_each_missing_piece_is_named_and_nothing_is_stored(
    client_for: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    deviation = file(runtime)
    chef = client_for("chef")

    refused = close(chef, runtime, deviation)
    assert refused.status_code == 422
    items = summary_items(refused.get_data(as_text=True))
    assert any(MISSING_ANALYSIS in item for item in items)
    assert any(MISSING_MEASURE in item for item in items)
    assert any(MISSING_FEEDBACK in item for item in items)
    assert runtime.app.get_deviation(deviation).status.value == "open"

    assert post(chef, runtime, deviation, "analyse", analysis="Fel fack valdes i adressboken.",
                causes=["rutin_foljs_inte", "mansklig_faktor"]).status_code == 302
    items = summary_items(close(chef, runtime, deviation).get_data(as_text=True))
    assert not any(MISSING_ANALYSIS in item for item in items)
    assert any(MISSING_MEASURE in item for item in items)
    assert any(MISSING_FEEDBACK in item for item in items)

    assert post(chef, runtime, deviation, "add_measure", description="Adressboken rättas.",
                responsible="chef", due_on=runtime.app.today().isoformat()).status_code == 302
    items = summary_items(close(chef, runtime, deviation).get_data(as_text=True))
    assert items == [next(i for i in items if MISSING_FEEDBACK in i)]

    assert post(chef, runtime, deviation, "feedback",
                message="Tack! Adressboken är rättad.").status_code == 302
    assert close(chef, runtime, deviation).status_code == 302
    assert runtime.app.get_deviation(deviation).status.value == "closed"


def test_recorded_reasons_stand_in_for_a_measure_and_for_feedback(
    client_for: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    deviation = file(runtime)
    chef = client_for("chef")
    post(chef, runtime, deviation, "analyse", analysis="Handläggaren var sjuk.",
         causes=["franvaro_bemanning"])
    assert post(chef, runtime, deviation, "no_measures",
                reason="Engångshändelse, rutinen finns och fungerar.").status_code == 302
    assert post(chef, runtime, deviation, "no_feedback",
                reason="Anonym pappersrapport.").status_code == 302
    assert close(chef, runtime, deviation).status_code == 302
    found = runtime.app.get_deviation(deviation)
    assert found.no_measures_reason == "Engångshändelse, rutinen finns och fungerar."
    assert found.no_feedback_reason == "Anonym pappersrapport."


def test_a_reason_for_no_measures_is_refused_once_there_are_measures(
    client_for: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    deviation = file(runtime)
    chef = client_for("chef")
    post(chef, runtime, deviation, "add_measure", description="Ny rutin.", responsible="chef",
         due_on=runtime.app.today().isoformat())
    refused = post(chef, runtime, deviation, "no_measures", reason="Behövs inte.")
    assert refused.status_code == 422
    assert "Avvikelsen har redan åtgärder." in refused.get_data(as_text=True)


def test_a_deviation_the_tracker_filed_itself_needs_no_feedback(runtime: Runtime) -> None:
    app = runtime.app
    deviation = file(runtime, actor="scheduler", source=Source.SCHEDULER)
    app.analyse_cause(deviation, actor="chef", analysis="Handläggaren var på semester.",
                      causes=["franvaro_bemanning"])
    app.add_measure(deviation, actor="chef", description="Ersättare utses vid frånvaro.",
                    responsible="chef", due_on=app.today())
    app.close_deviation(deviation, actor="chef", summary="Ersättarrutin införd.")
    assert app.get_deviation(deviation).status.value == "closed"


def test_open_measures_stay_visible_and_completable_after_closing(
    client_for: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    app = runtime.app
    deviation = file(runtime)
    app.analyse_cause(deviation, actor="chef", analysis="Rutin saknades.",
                      causes=["rutin_saknas"])
    app.add_measure(deviation, actor="chef", description="Skriv en rutin för knivlådan.",
                    responsible="chef", due_on=app.today())
    app.give_feedback(deviation, actor="chef", message="Tack, vi skriver en rutin.")
    app.close_deviation(deviation, actor="chef", summary="Rutin beslutad.")

    chef = client_for("chef")
    html = chef.get(f"/avvikelser/{deviation}").get_data(as_text=True)
    assert "Skriv en rutin för knivlådan." in html
    assert 'id="action-complete_measure" open' in html  # the step still to finish
    done = post(chef, runtime, deviation, "complete_measure", measure="1")
    assert done.status_code == 302
    found = app.get_deviation(deviation)
    assert found.status.value == "closed" and found.measures[0].completed_on == app.today()


def test_the_api_lists_every_missing_piece(
    api: Callable[..., Any], runtime: Runtime
) -> None:
    deviation = file(runtime)
    refused = api("chef", "POST", f"/api/v1/deviations/{deviation}/closure",
                  json={"summary": "Klart"})
    assert refused.status_code == 409
    assert len(refused.get_json()["errors"]["_schema"]) == 3
    body = {"analysis": "Information saknades om barnen.", "causes": ["information_saknades"]}
    assert api("chef", "POST", f"/api/v1/deviations/{deviation}/cause-analysis",
               json=body).status_code == 200
    assert api("chef", "POST", f"/api/v1/deviations/{deviation}/no-measures",
               json={"reason": "Rättat direkt."}).status_code == 200
    assert api("chef", "POST", f"/api/v1/deviations/{deviation}/no-feedback",
               json={"reason": "Anonym."}).status_code == 200
    closed = api("chef", "POST", f"/api/v1/deviations/{deviation}/closure",
                 json={"summary": "Klart"})
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["causes"] == ["information_saknades"]
