"""A measure's own page: the evidence beside the effect judgement is counted from real
deviations (same unit and classification, the same length of time before and after the
measure was completed), on the page and in the API; the follow-up is recorded there."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

from flask.testing import FlaskClient
from support import file_deviation

from tracker.runtime import Runtime


def counted(html: str) -> dict[str, int]:
    return {
        period: int(n) for period, n in re.findall(
            r'<tr data-period="(\w+)">.*?<td class="num">(\d+)</td>', html, re.S)
    }


def same_kind(runtime: Runtime, days_ago: int, **overrides: Any) -> UUID:
    day = runtime.app.today() - timedelta(days=days_ago)
    values = {"actor": "utvecklare", "occurred_on": day, "reported_on": day} | overrides
    return file_deviation(runtime, **values).id


def test_the_effect_page_counts_the_same_kind_before_and_after_the_measure(
    runtime: Runtime, client_for: Callable[[str], FlaskClient],
    api: Callable[..., Any],
) -> None:
    app = runtime.app
    today = app.today()
    case = same_kind(runtime, 50)
    app.add_measure(case, actor="chef", description="Dubbelkolla adressen före utskick.",
                    goal="Inga brev till fel adress.", responsible="chef",
                    due_on=today - timedelta(days=31), follow_up_on=today - timedelta(days=1))
    app.complete_measure(case, actor="chef", measure=1, completed_on=today - timedelta(days=30))
    # The 30 days up to the completion (today-59 .. today-30) and the 30 after (.. today).
    same_kind(runtime, 40)
    same_kind(runtime, 35)
    same_kind(runtime, 30)  # the completion day counts as before
    same_kind(runtime, 10)
    same_kind(runtime, 70)  # before the "before" period: not counted
    same_kind(runtime, 12, unit="oppenvard")  # another unit
    same_kind(runtime, 12, category="personal", subcategory=None)  # another kind
    withdrawn = same_kind(runtime, 5)
    app.withdraw_deviation(withdrawn, actor="utvecklare", reason="Dubblett.")

    chef = client_for("chef")
    page = chef.get(f"/avvikelser/{case}/atgarder/1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert counted(html) == {"before": 3, "after": 1}
    assert "Inga brev till fel adress." in html and "uppföljningen ska göras nu" in html

    answer = api("chef", "GET", f"/api/v1/deviations/{case}/measures/1")
    assert answer.status_code == 200, answer.get_json()
    evidence = answer.get_json()["evidence"]
    assert (evidence["before"], evidence["after"], evidence["days"]) == (3, 1, 30)

    # The judgement is recorded beside the evidence; "ja" ends the follow-up, and the
    # evidence then stops at the follow-up day.
    version = app.get_deviation(case).version
    saved = chef.post(f"/avvikelser/{case}/atgarder/1/follow_up_measure", data={
        "version": version, "follow_up_measure_result": "Rutinen följs.",
        "follow_up_measure_effect": "yes",
        "follow_up_measure_effect_text": "Färre felskick efter åtgärden.",
    })
    assert saved.status_code == 302
    html = chef.get(f"/avvikelser/{case}/atgarder/1").get_data(as_text=True)
    assert "Hade åtgärden effekt? Ja." in html and counted(html) == {"before": 3, "after": 1}
    assert "Åtgärd följd upp" in html  # the measure's own history


def test_a_refused_follow_up_keeps_the_text_and_names_the_field(
    runtime: Runtime, client_for: Callable[[str], FlaskClient],
) -> None:
    app = runtime.app
    case = same_kind(runtime, 20)
    app.add_measure(case, actor="chef", description="Ny rutin.", responsible="chef",
                    due_on=app.today() - timedelta(days=10))
    app.complete_measure(case, actor="chef", measure=1)
    before = app.get_deviation(case).version
    page = client_for("chef").post(f"/avvikelser/{case}/atgarder/1/follow_up_measure", data={
        "version": before, "follow_up_measure_result": "Delvis.",
        "follow_up_measure_effect": "too_early", "follow_up_measure_effect_text": "Kort tid.",
    })
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'href="#follow_up_measure_next_follow_up_on"' in html and "Delvis." in html
    assert app.get_deviation(case).version == before
    personnummer = client_for("chef").post(
        f"/avvikelser/{case}/atgarder/1/follow_up_measure", data={
            "version": before, "follow_up_measure_result": "Gäller 19900101-1239.",
            "follow_up_measure_effect": "yes", "follow_up_measure_effect_text": "Ja.",
        })
    assert personnummer.status_code == 422 and app.get_deviation(case).version == before
