""""När hände det?" takes today or earlier: the picker stops at today, and a later date is
refused with the same Swedish words on the page and in the API, nothing stored."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from support import Clients, stored_events, summary_links

from tracker.runtime import Runtime

NOT_AFTER_TODAY = "Datumet får inte vara senare än i dag."


def _form(day: str) -> dict[str, str]:
    return {"unit": "utredning", "category": "samverkan", "occurred_on": day,
            "description": "Mötet med skolan uteblev."}


def test_the_form_offers_dates_up_to_today_and_refuses_tomorrow(
    runtime: Runtime, client_for: Clients
) -> None:
    today = runtime.app.today()
    client = client_for("rapportor")
    page = client.get("/avvikelser/ny").get_data(as_text=True)
    field = re.search(r'<input type="date" id="occurred_on"[^>]*>', page)
    assert field and f'max="{today.isoformat()}"' in field.group(0)

    before = stored_events(runtime)
    refused = client.post("/avvikelser/ny",
                          data=_form((today + timedelta(days=1)).isoformat()))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert summary_links(html) == ["occurred_on"]
    assert html.count(NOT_AFTER_TODAY) == 2  # in the summary and by the field
    assert "mellan 1990-01-01" not in html
    assert stored_events(runtime) == before

    accepted = client.post("/avvikelser/ny", data=_form(today.isoformat()))
    assert accepted.status_code == 302


def test_the_api_answers_a_field_error_in_the_same_words(
    runtime: Runtime, api: Any
) -> None:
    before = stored_events(runtime)
    tomorrow = (runtime.app.today() + timedelta(days=1)).isoformat()
    response = api("rapportor", "POST", "/api/v1/deviations", json=_form(tomorrow),
                   headers={"Accept-Language": "sv"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"occurred_on": [NOT_AFTER_TODAY]}
    assert stored_events(runtime) == before
