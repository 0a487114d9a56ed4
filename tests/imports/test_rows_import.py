"""A rows file of 30 deviations from 2016, then the January 2018 example filed in the
tracker: year over year shows 2016 (imported), 2017 (uppgift saknas) and 2018 side by side."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from import_sheets import JANUARY_2018, ROWS_HEADER, deviations_2016, upload, xlsx_bytes

from events.deviation import DeviationStatus, Source
from projections import queries
from projections.runner import catch_up
from tracker.runtime import Runtime

MISSING = "uppgift saknas"
IN_FEBRUARY_2018 = datetime(2018, 2, 6, 9, 30, tzinfo=UTC)


def year_over_year_csv(client: Any) -> dict[str, list[str]]:
    response = client.get("/rapporter/ar-for-ar.csv?first=2016&last=2018")
    assert response.status_code == 200
    text = response.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    return {row[0]: row[1:] for row in rows[1:] if row}


def file_january_2018(runtime: Runtime) -> None:
    for unit, category, subcategory, day in JANUARY_2018:
        runtime.app.file_deviation(
            actor="rapportor", unit=unit, category=category, subcategory=subcategory,
            occurred_on=date(2018, 1, day), reported_on=date(2018, 1, day),
            description="Som i januarirapporten 2018.",
        )


def test_rows_from_2016_and_january_2018_side_by_side(
    runtime: Runtime, api: Callable[..., Any], client_for: Callable[[str], Any],
    time_machine: Any,
) -> None:
    time_machine.move_to(IN_FEBRUARY_2018, tick=True)
    rows = deviations_2016()
    data = xlsx_bytes(ROWS_HEADER, rows)
    response = api("utvecklare", "POST", "/api/v1/imports?kind=rows&dry_run=false",
                   **upload(data, "avvikelser-2016.xlsx"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["preview"]["rows_read"] == 30
    assert body["import"]["deviations"] == 30
    import_id = body["import"]["id"]
    file_january_2018(runtime)
    catch_up(runtime)

    series = queries.monthly_series(runtime.engine, [2016])[2016]
    assert sum(series) == 30
    assert all(n >= 2 for n in series)  # two or three every month of 2016
    page_client = client_for("utvecklare")
    table = year_over_year_csv(page_client)
    assert table["2016"] == [str(n) for n in series] + ["30"]
    assert table["2017"] == [MISSING] * 13
    assert table["2018"] == ["13", "0", *[MISSING] * 10, "13"]
    assert "Från importerade uppgifter: 2016 januari–december." in table
    page = page_client.get("/rapporter/ar-for-ar?first=2016&last=2018").get_data(as_text=True)
    assert "Från importerade uppgifter: 2016 januari–december." in page
    assert "2016 (importerad)" in page and "2017 (uppgift saknas)" in page  # the legend

    # The imported rows are deviations marked importerad, closed ones closed.
    listed = queries.list_deviations(runtime.engine, page=1, per_page=100)
    imported = [d for d in listed.items if d["source"] == Source.IMPORT.value]
    assert len(imported) == 30
    statuses = sorted(d["status"] for d in imported)
    assert statuses.count(DeviationStatus.OPEN.value) == sum(1 for r in rows if r[6] == "öppen")
    first = runtime.app.get_deviation(imported[0]["id"])
    assert first.import_row is not None and first.import_row >= 2
    annual = queries.annual_report(runtime.engine, 2016, organisation=runtime.organisation)
    assert annual["total"]["total"] == 30 and annual["total"]["lex_sarah"] == 1
    detail = page_client.get(f"/avvikelser/{first.id}").get_data(as_text=True)
    assert f"Importerad (rad {first.import_row}" in detail

    # Undo: the 2016 deviations stop counting, 2016 has no data again.
    undone = api("utvecklare", "POST", f"/api/v1/imports/{import_id}/undo")
    assert undone.status_code == 200, undone.get_json()
    assert undone.get_json()["undone_by"] == "utvecklare"
    catch_up(runtime)
    table = year_over_year_csv(page_client)
    assert table["2016"] == [MISSING] * 13
    assert table["2018"] == ["13", "0", *[MISSING] * 10, "13"]
    history = [e.type for e in runtime.app.history(first.id)]
    assert history[:2] == ["Reported", "ImportRecorded"] and history[-1] == "Withdrawn"
    assert [e.type for e in runtime.app.history(UUID(import_id))] == ["Imported", "Undone"]

    # The same file again after the undo: new deviations (new ids and numbers) that count,
    # the undone ones stay withdrawn with their history.
    summary = page_client.get(f"/admin/import/{import_id}/angra").get_data(as_text=True)
    assert "30 importerade avvikelser" in summary and "Importen ångrades redan" in summary
    anew = api("utvecklare", "POST", "/api/v1/imports?kind=rows&dry_run=false",
               **upload(data, "avvikelser-2016.xlsx"))
    assert anew.status_code == 201, anew.get_json()
    catch_up(runtime)
    again = runtime.app.get_import(UUID(anew.get_json()["import"]["id"]))
    undone_ids = set(runtime.app.get_import(UUID(import_id)).deviation_ids)
    assert len(again.deviation_ids) == 30 and not undone_ids & set(again.deviation_ids)
    assert queries.monthly_series(runtime.engine, [2016])[2016] == series
    assert runtime.app.history(first.id)[-1].type == "Withdrawn"
    numbers = {runtime.app.get_deviation(d).number for d in again.deviation_ids}
    assert first.number not in numbers
