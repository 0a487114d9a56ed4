"""An import cannot be undone while one of its deviations has since been escalated to
Lex Sarah: such a deviation cannot be withdrawn, and an undo would withdraw it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from import_sheets import ROWS_HEADER, csv_bytes, deviations_2016, upload

from events.deviation import DeviationStatus
from projections import queries
from projections.runner import catch_up
from tracker.runtime import Runtime


def test_undo_is_refused_naming_the_escalated_deviations_and_changes_nothing(
    runtime: Runtime, api: Callable[..., Any], client_for: Callable[[str], Any],
) -> None:
    rows = deviations_2016(8)  # rows 0, 4 (file rows 2, 6) are open
    response = api("utvecklare", "POST", "/api/v1/imports?kind=rows&dry_run=false",
                   **upload(csv_bytes(ROWS_HEADER, rows), "avvikelser-2016.csv"))
    assert response.status_code == 201, response.get_json()
    import_id = response.get_json()["import"]["id"]
    catch_up(runtime)
    imported = queries.list_deviations(runtime.engine, page=1, per_page=100).items
    open_ones = sorted((d for d in imported if d["status"] == DeviationStatus.OPEN.value),
                       key=lambda d: d["number"])
    assert len(open_ones) == 2
    for deviation in open_ones:
        runtime.app.escalate_to_lex_sarah(
            deviation["id"], actor="utvecklare", reason="Återkommande brist."
        )
    catch_up(runtime)
    before = queries.annual_report(runtime.engine, 2016, organisation=runtime.organisation)
    versions = {d["id"]: runtime.app.get_deviation(d["id"]).version for d in imported}
    numbers = [d["number"] for d in open_ones]

    refused = api("utvecklare", "POST", f"/api/v1/imports/{import_id}/undo",
                  headers={"Accept-Language": "sv"})
    assert refused.status_code == 409
    message = refused.get_json()["errors"]["deviations"][0]
    assert message.startswith("Importen kan inte ångras")
    assert all(number in message for number in numbers)

    page = client_for("admin").post(f"/admin/import/{import_id}/angra")
    assert page.status_code == 409
    html = page.get_data(as_text=True)
    assert "<title>Fel: Import av tidigare år" in html
    assert f'href="#import-{import_id}"' in html and f'id="import-{import_id}"' in html
    assert all(number in html for number in numbers)

    # Nothing changed: the import still counts, no deviation gained an event.
    catch_up(runtime)
    assert runtime.app.get_import(UUID(import_id)).undone_at is None
    assert {d: runtime.app.get_deviation(d).version for d in versions} == versions
    after = queries.annual_report(runtime.engine, 2016, organisation=runtime.organisation)
    assert after == before and after["total"]["total"] == 8
    listed = api("utvecklare", "GET", "/api/v1/imports").get_json()
    assert listed[0]["undone_at"] is None
