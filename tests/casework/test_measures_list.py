"""Åtgärder: every measure with owner, due date and state, filtered by unit, overdue and
due this month, limited to an enhetschef's units, and downloadable as CSV and Excel."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import openpyxl
from flask.testing import FlaskClient

from events.clocks import add_months
from tracker.runtime import Runtime


def measure(runtime: Runtime, unit: str, description: str, due_on: date,
            reported_on: date) -> UUID:
    app = runtime.app
    deviation = app.file_deviation(
        actor="utvecklare", unit=unit, category="genomforande", subcategory=None,
        occurred_on=reported_on, reported_on=reported_on,
        description="Knivar låg framme på köksbänken.",
    )
    app.add_measure(deviation.id, actor="utvecklare", description=description,
                    responsible="Enhetschef HVB", due_on=due_on)
    return deviation.id


def listed(client: FlaskClient, query: str = "") -> list[str]:
    html = client.get(f"/atgarder{query}").get_data(as_text=True)
    return re.findall(r'<tr class="measure-\w+" data-measure="[^"]+">\s*<td data-label="Åtgärd">'
                      r"([^<]+)</td>", html)


def test_measures_listed_soonest_due_first_with_filters(
    client_for: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    app = runtime.app
    today = app.today()
    long_ago = today - timedelta(days=90)
    first_of_month = today.replace(day=1)
    last_of_month = add_months(first_of_month, 1) - timedelta(days=1)
    overdue = measure(runtime, "hvb-notgarden", "Lås in knivarna", today - timedelta(days=10),
                      long_ago)
    measure(runtime, "hvb-notgarden", "Inventera knivlådan", last_of_month, long_ago)
    measure(runtime, "utredning", "Gå igenom rutinen på APT", add_months(today, 2), long_ago)
    done = measure(runtime, "utredning", "Skriv knivrutinen", today, long_ago)
    app.complete_measure(done, actor="utvecklare", measure=1)
    # Closed with its measure still open: it stays on the list.
    app.analyse_cause(overdue, actor="utvecklare", analysis="Rutin saknades.",
                      causes=["rutin_saknas"])
    app.give_feedback(overdue, actor="utvecklare", message="Tack.")
    app.close_deviation(overdue, actor="utvecklare", summary="Rutin beslutad.")

    developer = client_for("utvecklare")
    assert listed(developer) == ["Lås in knivarna", "Inventera knivlådan",
                                 "Gå igenom rutinen på APT"]
    assert listed(developer, "?lage=completed") == ["Skriv knivrutinen"]
    assert listed(developer, "?forfallo=overdue") == ["Lås in knivarna"]
    due_this_month = listed(developer, "?forfallo=this_month&lage=alla")
    assert "Inventera knivlådan" in due_this_month and "Skriv knivrutinen" in due_this_month
    assert "Gå igenom rutinen på APT" not in due_this_month
    if (today - timedelta(days=10)).month == today.month:
        assert "Lås in knivarna" in due_this_month
    assert listed(developer, "?unit=utredning") == ["Gå igenom rutinen på APT"]
    page = developer.get("/atgarder").get_data(as_text=True)
    assert "Enhetschef HVB" in page and "Försenad" in page and "(10 dagar)" in page

    # An enhetschef sees their own units only (chef: utredning).
    assert listed(client_for("chef")) == ["Gå igenom rutinen på APT"]
    # Someone who reviews no unit lists only the measures they are responsible for: none.
    assert listed(client_for("rapportor")) == []
    assert listed(client_for("rapportor"), "?lage=alla&unit=hvb-notgarden") == []
    assert developer.get("/atgarder?forfallo=sometime").status_code == 422


def test_measures_download_as_csv_and_excel(
    client_for: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    today = runtime.app.today()
    measure(runtime, "hvb-notgarden", "=Lås in knivarna", today + timedelta(days=3),
            today - timedelta(days=5))
    developer = client_for("utvecklare")
    csv = developer.get("/atgarder.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.get_data(as_text=True)
    assert "Avvikelse;Åtgärd nr;Åtgärd;Ansvarig;Klar senast" in text
    assert "'=Lås in knivarna" in text  # never a formula
    xlsx = developer.get("/atgarder.xlsx?lage=alla")
    assert xlsx.status_code == 200
    sheet: Any = openpyxl.load_workbook(io.BytesIO(xlsx.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Avvikelse", "Åtgärd nr", "Åtgärd", "Ansvarig", "Klar senast")
    assert rows[1][2] == "=Lås in knivarna" and rows[1][3] == "Enhetschef HVB"
    assert rows[1][4].date() == today + timedelta(days=3)
    assert developer.get("/atgarder.xlsx?lage=nonsense").status_code == 422
