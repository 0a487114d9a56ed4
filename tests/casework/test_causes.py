"""Structured causes: a cause analysis records codes from the organisation's cause list
beside its free text; the monthly report and the annual table count deviations per cause;
an analysis stored before causes existed still loads (upcast, no causes)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from uuid import UUID

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from events.causes import DEFAULT_CAUSES, Cause, CauseList
from events.deviation import Deviation
from events.errors import UnknownCode, ValidationFailed
from tracker.runtime import Runtime


def file(runtime: Runtime, unit: str = "utredning") -> UUID:
    return runtime.app.file_deviation(
        actor="rapportor", unit=unit, category="handlaggning", subcategory="forhandsbedomning",
        occurred_on=runtime.app.today(), description="Förhandsbedömningen blev inte klar i tid.",
    ).id


def cause_cells(html: str) -> dict[str, tuple[int, int, int]]:
    """{cause code: (IFO, HVB, total)} from the report's cause table."""
    rows = re.findall(
        r'<tr data-cause="([^"]+)"><th scope="row">[^<]*</th>'
        r'<td class="num">(\d+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td>',
        html,
    )
    return {code: (int(a), int(b), int(c)) for code, a, b, c in rows}


def test_the_monthly_report_counts_deviations_per_cause(
    client_for: Callable[[str], FlaskClient], runtime: Runtime, api: Callable[..., Any]
) -> None:
    # The source municipality's January: leave or sickness (2), nobody noticed the children
    # of a person taken into custody (2), the guardian did not turn up (1).
    app = runtime.app
    analyses = [
        ("utredning", ["franvaro_bemanning"]),
        ("utredning", ["franvaro_bemanning", "kommunikation"]),
        ("utredning", ["information_saknades"]),
        ("hvb-notgarden", ["information_saknades"]),
        ("utredning", ["enskildes_medverkan"]),
    ]
    for unit, causes in analyses:
        app.analyse_cause(file(runtime, unit), actor="utvecklare", analysis="Se orsakerna.",
                          causes=causes)
    withdrawn = file(runtime)
    app.analyse_cause(withdrawn, actor="utvecklare", analysis="Dubblett.",
                      causes=["franvaro_bemanning"])
    app.withdraw_deviation(withdrawn, actor="utvecklare", reason="Registrerad två gånger.")
    reanalysed = file(runtime)
    app.analyse_cause(reanalysed, actor="utvecklare", analysis="Först.", causes=["teknik"])
    app.analyse_cause(reanalysed, actor="utvecklare", analysis="Sedan.", causes=["annat"])
    file(runtime)  # not analysed yet: counted nowhere

    today = app.today()
    html = client_for("utvecklare").get(
        f"/rapporter/manad?year={today.year}&month={today.month}").get_data(as_text=True)
    cells = cause_cells(html)
    assert cells["franvaro_bemanning"] == (2, 0, 2)
    assert cells["information_saknades"] == (1, 1, 2)
    assert cells["kommunikation"] == (1, 0, 1)
    assert cells["enskildes_medverkan"] == (1, 0, 1)
    assert cells["annat"] == (1, 0, 1)
    assert cells["teknik"] == (0, 0, 0)  # the analysis was replaced
    assert set(cells) == set(DEFAULT_CAUSES.causes)  # every cause listed, zeros included
    assert "6 av avvikelserna" in html

    annual = client_for("utvecklare").get(f"/rapporter/ar?year={today.year}")
    assert cause_cells(annual.get_data(as_text=True))["franvaro_bemanning"] == (2, 0, 2)

    # The same counts in the downloads (linked under the table; in the report's Excel file
    # as the sheet "Orsaker") and the API.
    month = f"year={today.year}&month={today.month}"
    assert f'href="/rapporter/manad/orsaker.csv?{month}"'.replace("&", "&amp;") in html
    for path in (f"/rapporter/manad/orsaker.csv?{month}",
                 f"/rapporter/ar/orsaker.csv?year={today.year}"):
        lines = client_for("utvecklare").get(path).data.decode("utf-8-sig").splitlines()
        assert lines[0] == "Orsak (enligt orsaksanalyserna);IFO;HVB;Totalt"
        assert "Frånvaro eller bemanning;2;0;2" in lines
        assert "Information saknades;1;1;2" in lines and "Teknik eller system;0;0;0" in lines
        assert lines[-1].startswith("6 av avvikelserna")
    for path in (f"/rapporter/manad.xlsx?{month}", f"/rapporter/ar.xlsx?year={today.year}",
                 f"/rapporter/manad/orsaker.xlsx?{month}"):
        book = load_workbook(io.BytesIO(client_for("utvecklare").get(path).data))
        sheet = [row for row in book["Orsaker"].iter_rows(values_only=True) if row[0]]
        assert sheet[0] == ("Orsak (enligt orsaksanalyserna)", "IFO", "HVB", "Totalt")
        assert ("Information saknades", 1, 1, 2) in sheet
    for path in (f"/api/v1/reports/monthly?{month}", f"/api/v1/reports/annual?year={today.year}"):
        counted = api("utvecklare", "GET", path).get_json()["causes"]
        assert counted["analysed"] == 6
        by_code = {row["code"]: row for row in counted["rows"]}
        assert by_code["information_saknades"] == {
            "code": "information_saknades", "name": "Information saknades",
            "ifo": 1, "hvb": 1, "total": 2}
        assert by_code["teknik"]["total"] == 0 and set(by_code) == set(DEFAULT_CAUSES.causes)
    schemas = client_for("utvecklare").get("/api/openapi.json").get_json()["components"]
    assert "causes" in schemas["schemas"]["MonthlyReport"]["properties"]
    assert "causes" in schemas["schemas"]["AnnualReport"]["properties"]


def test_the_analysis_form_offers_the_cause_list_and_requires_a_cause(
    client_for: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    deviation = file(runtime)
    chef = client_for("chef")
    html = chef.get(f"/avvikelser/{deviation}").get_data(as_text=True)
    for cause in DEFAULT_CAUSES.causes.values():
        assert f'value="{cause.code}"' in html and cause.name in html
    refused = chef.post(f"/avvikelser/{deviation}/analyse",
                        data={"analyse_analysis": "Rutinen följdes inte.", "version": "1"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'href="#analyse_causes">Orsaker: Välj minst en orsak.' in page
    assert page.count("<title>Fel: ") == 1
    assert "Rutinen följdes inte." in page  # the text is kept
    assert runtime.app.get_deviation(deviation).cause_analysis is None


def test_a_new_cause_list_version_renames_without_rewriting_history(
    client_for: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    organisation = runtime.organisation
    deviation = file(runtime)
    runtime.app.analyse_cause(deviation, actor="chef", analysis="Systemet låg nere.",
                              causes=["teknik"])
    causes = dict(DEFAULT_CAUSES.causes)
    causes["teknik"] = Cause("teknik", "It-stöd och system")
    causes["annat"] = replace(causes["annat"], active=False)
    published = organisation.publish_causes(CauseList(0, causes), actor="admin")
    assert published.version == DEFAULT_CAUSES.version + 1
    html = client_for("chef").get(f"/avvikelser/{deviation}").get_data(as_text=True)
    assert "It-stöd och system" in html
    assert 'value="annat"' not in html  # deactivated: no longer offered
    with pytest.raises(UnknownCode):
        runtime.app.analyse_cause(deviation, actor="chef", analysis="x", causes=["annat"])
    with pytest.raises(ValidationFailed):  # codes are never removed
        organisation.publish_causes(CauseList(0, {"teknik": causes["teknik"]}), actor="admin")


def test_an_analysis_stored_before_causes_existed_still_loads(runtime: Runtime) -> None:
    app = runtime.app
    deviation = file(runtime)
    app.analyse_cause(deviation, actor="chef", analysis="Rutinen var okänd.", causes=["annat"])
    stored = next(
        item for item in app.recorder.select_events(deviation)
        if item.topic.endswith("CauseAnalysed")
    )
    state: dict[str, Any] = json.loads(stored.state)
    assert state.pop("class_version") == 2
    del state["causes"]  # as version 1 wrote it
    old = replace(stored, state=json.dumps(state).encode())
    event = app.mapper.to_domain_event(old)
    assert isinstance(event, Deviation.CauseAnalysed)
    assert event.causes == [] and event.analysis == "Rutinen var okänd."


def test_the_api_lists_the_active_causes(api: Callable[..., Any], runtime: Runtime) -> None:
    response = api("rapportor", "GET", "/api/v1/causes")
    assert response.status_code == 200
    assert [c["code"] for c in response.get_json()] == list(DEFAULT_CAUSES.causes)
