"""Moving a case filed under the wrong unit (verksamhetsutvecklare): an event with the
reason; the report stays as written; from the move on the case belongs to the new unit
(its reviewers, the inbox, the counts per unit and operation, the recurrence rule, the
measures); the history shows both units."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from support import file_deviation

from projections import queries
from projections import tables as t
from projections.runner import catch_up
from tracker.runtime import Runtime

DESCRIPTION = "Knivar låg framme på köksbänken."


def counts(runtime: Runtime) -> dict[str, Any]:
    """What the read side counts per unit: the monthly counts, the annual table's
    operations and the recurrence rule's rows."""
    catch_up(runtime)
    today = runtime.app.today()
    with runtime.engine.connect() as connection:
        monthly = dict(connection.execute(
            sa.select(t.monthly_counts.c.unit, sa.func.sum(t.monthly_counts.c.count))
            .group_by(t.monthly_counts.c.unit)).all())
        annual = dict(connection.execute(
            sa.select(t.annual_counts.c.operation, sa.func.sum(t.annual_counts.c.deviations))
            .where(t.annual_counts.c.year == today.year)
            .group_by(t.annual_counts.c.operation)).all())
    recurrence = {row["unit"]: row["count"] for row in queries.recurrence(runtime.engine, today)}
    return {"monthly": {k: int(v) for k, v in monthly.items() if v},
            "annual": {k: int(v) for k, v in annual.items() if v}, "recurrence": recurrence}


def test_a_moved_case_counts_under_its_new_unit_and_keeps_its_report(
    runtime: Runtime, client_for: Callable[[str], FlaskClient], api: Callable[..., Any],
) -> None:
    app = runtime.app
    moved = file_deviation(runtime, category="genomforande", subcategory=None,
                           description=DESCRIPTION).id
    file_deviation(runtime, unit="hvb-notgarden", category="genomforande", subcategory=None)
    app.add_measure(moved, actor="chef", description="Lås in knivarna.", responsible="Personal",
                    due_on=app.today())
    assert counts(runtime) == {
        "monthly": {"utredning": 1, "hvb-notgarden": 1}, "annual": {"IFO": 1, "HVB": 1},
        "recurrence": {"utredning": 1, "hvb-notgarden": 1},
    }
    chef, chef_hvb = client_for("chef"), client_for("chef_hvb")
    number = app.get_deviation(moved).number
    assert number in chef.get("/inkorg").get_data(as_text=True)
    assert chef_hvb.get(f"/avvikelser/{moved}").status_code == 403

    # Only the verksamhetsutvecklare moves; a bad unit or reason stores nothing.
    version = app.get_deviation(moved).version
    assert chef.post(f"/avvikelser/{moved}/move_to_unit", data={
        "version": version, "move_to_unit_unit": "hvb-notgarden",
        "move_to_unit_reason": "Fel enhet"}).status_code == 403
    developer = client_for("utvecklare")
    for unit, reason in (("utredning", "Samma enhet"), ("finns-inte", "Okänd"),
                         ("hvb-notgarden", "Gäller 19900101-1239"),
                         ("hvb-notgarden", "x" * 5001)):
        refused = developer.post(f"/avvikelser/{moved}/move_to_unit", data={
            "version": version, "move_to_unit_unit": unit, "move_to_unit_reason": reason})
        assert refused.status_code == 422, (unit, reason)
    assert app.get_deviation(moved).version == version
    done = developer.post(f"/avvikelser/{moved}/move_to_unit", data={
        "version": version, "move_to_unit_unit": "hvb-notgarden",
        "move_to_unit_reason": "Händelsen var på Notgården, inte på utredningsenheten."})
    assert done.status_code == 302

    assert counts(runtime) == {
        "monthly": {"hvb-notgarden": 2}, "annual": {"HVB": 2},
        "recurrence": {"hvb-notgarden": 2},
    }
    assert chef.get(f"/avvikelser/{moved}").status_code == 403
    assert number not in chef.get("/inkorg").get_data(as_text=True)
    assert number in chef_hvb.get("/inkorg").get_data(as_text=True)
    assert "Lås in knivarna." in chef_hvb.get("/atgarder").get_data(as_text=True)
    page = chef_hvb.get(f"/avvikelser/{moved}").get_data(as_text=True)
    assert "rapporterad för Utredningsenheten, flyttad" in page and DESCRIPTION in page
    assert "Flyttad till rätt enhet" in page  # the history names it

    body = api("utvecklare", "GET", f"/api/v1/deviations/{moved}").get_json()
    assert (body["unit"], body["operation"], body["original_unit"]) == (
        "hvb-notgarden", "HVB", "utredning")
    assert body["description"] == DESCRIPTION
    (entry,) = [e for e in body["history"] if e["type"] == "MovedToUnit"]
    assert (entry["data"]["previous_unit"], entry["data"]["unit"]) == (
        "utredning", "hvb-notgarden")
    assert body["history"][0]["data"]["unit"] == "utredning"  # the report as filed
