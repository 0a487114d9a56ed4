"""Risk assessment: probability x consequence (1-4 each) with the municipality's labels,
recorded in review and changeable (each change in the history), shown as a matrix on the
deviation page; a score at or above TRACKER_RISK_LEX_SARAH_SCORE suggests a Lex Sarah
investigation (on the page and beside the recurrence rule); the inbox and the API filter
by score."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from support import file_deviation

from tracker.config import Settings
from tracker.runtime import Runtime

SUGGESTION = 'id="risk-lex-sarah"'


@pytest.fixture
def environ(environ: dict[str, str], request: pytest.FixtureRequest) -> dict[str, str]:
    score = getattr(request, "param", None)
    labels = {"TRACKER_RISK_CONSEQUENCE_LABELS": "Ringa,Lindrig,Allvarlig,Mycket allvarlig"}
    return environ | labels | ({"TRACKER_RISK_LEX_SARAH_SCORE": score} if score else {})


def assessed(runtime: Runtime, probability: int, consequence: int) -> Any:
    deviation = file_deviation(runtime)
    runtime.app.assess_risk(deviation.id, actor="chef", probability=probability,
                            consequence=consequence)
    return deviation.id


def test_a_4x4_is_suggested_for_lex_sarah_and_a_1x2_is_not(
    runtime: Runtime, client_for: Callable[[str], FlaskClient], api: Callable[..., Any],
) -> None:
    high, low = assessed(runtime, 4, 4), assessed(runtime, 1, 2)
    chef = client_for("chef")
    page = chef.get(f"/avvikelser/{high}").get_data(as_text=True)
    assert SUGGESTION in page and "riskpoäng 16" in page
    assert "konsekvens 4 (mycket allvarlig)" in page  # the municipality's own labels
    assert 'aria-current="true">16 <strong>(denna)</strong>' in page  # marked in the matrix
    low_page = chef.get(f"/avvikelser/{low}").get_data(as_text=True)
    assert "riskpoäng 2" in low_page and SUGGESTION not in low_page

    recurrence = client_for("utvecklare").get("/rapporter/aterkommande").get_data(as_text=True)
    high_risk = recurrence.split('id="hog-risk"')[1]
    assert runtime.app.get_deviation(high).number in high_risk
    assert runtime.app.get_deviation(low).number not in high_risk

    # The inbox and the API filter by "riskpoäng minst".
    inbox = chef.get("/inkorg?risk=12").get_data(as_text=True)
    assert runtime.app.get_deviation(high).number in inbox
    assert runtime.app.get_deviation(low).number not in inbox
    listed = api("chef", "GET", "/api/v1/deviations?min_risk=2").get_json()["items"]
    assert sorted(item["risk_score"] for item in listed) == [2, 16]
    assert chef.get("/inkorg?risk=5").status_code == 422  # no 4x4 score is 5

    # The monthly report counts the month's deviations per score.
    today = runtime.app.today()
    file_deviation(runtime)  # not assessed
    monthly = client_for("utvecklare").get(f"/rapporter/manad?year={today.year}&month="
                                           f"{today.month}").get_data(as_text=True)
    shown = dict(re.findall(r'<tr data-score="(\d*)"><th scope="row">[^<]+</th>'
                            r'<td class="num">(\d+)</td>', monthly))
    assert (shown["16"], shown["2"], shown["4"], shown[""]) == ("1", "1", "0", "1")
    report = api("utvecklare", "GET", f"/api/v1/reports/monthly?year={today.year}&month="
                 f"{today.month}").get_json()["risk"]
    assert (report["assessed"], report["not_assessed"]) == (2, 1)
    assert {row["score"]: row["count"] for row in report["rows"]}[16] == 1


@pytest.mark.parametrize("environ", ["2"], indirect=True)
def test_the_threshold_setting_moves_the_suggestion(
    runtime: Runtime, client_for: Callable[[str], FlaskClient],
) -> None:
    low = assessed(runtime, 1, 2)
    page = client_for("chef").get(f"/avvikelser/{low}").get_data(as_text=True)
    assert SUGGESTION in page and "gränsen är 2" in page


def test_the_assessment_changes_with_its_history_and_refuses_bad_input(
    runtime: Runtime, client_for: Callable[[str], FlaskClient], api: Callable[..., Any],
) -> None:
    deviation = assessed(runtime, 2, 2)
    chef = client_for("chef")
    version = runtime.app.get_deviation(deviation).version
    changed = chef.post(f"/avvikelser/{deviation}/assess_risk", data={
        "version": version, "assess_risk_probability": "3", "assess_risk_consequence": "4"})
    assert changed.status_code == 302
    assert runtime.app.get_deviation(deviation).risk == (3, 4)
    entries = [e for e in runtime.app.history(deviation) if e.type == "RiskAssessed"]
    assert [(e.data["probability"], e.data["consequence"], e.data["score"]) for e in entries] == [
        (2, 2, 4), (3, 4, 12)]
    version = runtime.app.get_deviation(deviation).version
    for bad in ({"probability": 5, "consequence": 1}, {"probability": "4", "consequence": 1},
                {"probability": True, "consequence": 1}, {"probability": 0, "consequence": 4}):
        answer = api("chef", "POST", f"/api/v1/deviations/{deviation}/risk-assessment",
                     json=bad | {"expected_version": version})
        assert answer.status_code == 422, bad
        assert "probability" in answer.get_json()["errors"], bad
    page = chef.post(f"/avvikelser/{deviation}/assess_risk", data={
        "version": version, "assess_risk_probability": "9", "assess_risk_consequence": "x"})
    assert page.status_code == 422 and 'href="#assess_risk_probability"' in page.get_data(
        as_text=True)
    assert runtime.app.get_deviation(deviation).version == version
    assert api("chef_hvb", "POST", f"/api/v1/deviations/{deviation}/risk-assessment",
               json={"probability": 1, "consequence": 1}).status_code == 403


def test_labels_must_be_four() -> None:
    with pytest.raises(ValueError, match="TRACKER_RISK_PROBABILITY_LABELS"):
        Settings.from_env({"TRACKER_RISK_PROBABILITY_LABELS": "Låg,Hög",
                           "TRACKER_SECRET_KEY": "x"})
    with pytest.raises(ValueError, match="TRACKER_RISK_LEX_SARAH_SCORE"):
        Settings.from_env({"TRACKER_RISK_LEX_SARAH_SCORE": "17", "TRACKER_SECRET_KEY": "x"})


def test_the_committee_reports_summary_names_the_months_risk(
    runtime: Runtime, client_for: Callable[[str], FlaskClient],
) -> None:
    assessed(runtime, 4, 4)
    assessed(runtime, 1, 2)
    file_deviation(runtime)
    today = runtime.app.today()
    page = client_for("utvecklare").get(f"/rapporter/namnd/{today.year}/{today.month}")
    assert page.status_code == 200
    assert "Två av dem är riskbedömda, varav en med hög risk (riskpoäng 12–16)." in \
        page.get_data(as_text=True)
