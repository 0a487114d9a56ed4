"""A personnummer (or samordningsnummer), in any written form the guard knows, is refused
wherever text enters: the staff form, the API, an import cell, an import file's name (page
and API), and the names an admin gives units and categories. Nothing is stored."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from personnummer_forms import written_personnummer
from support import Clients, file_deviation, stored_events

from tracker.admin import change_log
from tracker.people.accounts import Account
from tracker.runtime import Runtime

# A few examples per channel and store keep the whole file well under 20 s; the guard's own
# test (tests/domain/test_personal_data_guard.py) runs thousands.
CHANNEL = settings(max_examples=12, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])
ROWS_HEADER = ["rapporterad", "inträffad", "enhet", "kvalitetsområde", "underkategori",
               "beskrivning", "status", "lex_sarah", "diarienummer"]
GOOD_ROW = ["2016-03-04", "2016-03-01", "utredning", "handlaggning", "sekretess",
            "Brev till fel adress.", "avslutad", "nej", "IFO 2016-12"]


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(ROWS_HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _organisation(runtime: Runtime) -> tuple[Any, ...]:
    changes, _ = change_log.changes(runtime.engine, limit=1000)
    return (runtime.organisation.units(include_inactive=True),
            runtime.organisation.taxonomy().version, len(changes))


@CHANNEL
@given(text=written_personnummer(),
       field=st.sampled_from(["description", "immediate_actions", "case_reference"]))
def test_the_staff_form(
    client_for: Clients, runtime: Runtime, text: str, field: str
) -> None:
    form = {"unit": "utredning", "category": "handlaggning", "subcategory": "sekretess",
            "occurred_on": runtime.app.today().isoformat(),
            "description": "Ett brev fick fel adress.", "immediate_actions": "",
            "case_reference": "SN 2026/123"} | {field: text}
    before = stored_events(runtime)
    response = client_for("rapportor").post("/avvikelser/ny", data=form)
    assert response.status_code == 422, text
    assert "Det här ser ut som ett personnummer." in response.get_data(as_text=True)
    assert stored_events(runtime) == before


@CHANNEL
@given(text=written_personnummer(), field=st.sampled_from(["description", "case_reference"]))
def test_the_api(
    api: Callable[..., Any], runtime: Runtime, text: str, field: str
) -> None:
    body = {"unit": "utredning", "category": "handlaggning", "subcategory": "ekonomi",
            "occurred_on": runtime.app.today().isoformat(),
            "description": "Utbetalningen blev försenad."} | {field: text}
    before = stored_events(runtime)
    response = api("rapportor", "POST", "/api/v1/deviations", json=body)
    assert response.status_code == 422, text
    assert list(response.get_json()["errors"]) == [field]
    assert stored_events(runtime) == before


@CHANNEL
@given(text=written_personnummer(), column=st.sampled_from([5, 8]))
def test_an_import_cell(
    api: Callable[..., Any], runtime: Runtime, text: str, column: int
) -> None:
    row = list(GOOD_ROW)
    row[column] = text
    data = _csv([GOOD_ROW, row])
    before = stored_events(runtime)
    for dry_run in ("true", "false"):
        response = api("utvecklare", "POST",
                       f"/api/v1/imports?kind=rows&dry_run={dry_run}",
                       data=data, content_type="text/csv")
        assert response.status_code == 422, text
        problems = response.get_json()["preview"]["problems"]
        assert [(p["row"], p["column"][:6]) for p in problems] == [
            (3, ROWS_HEADER[column][:6])], problems
        assert "personnummer" in problems[0]["message"]
    assert stored_events(runtime) == before


@CHANNEL
@given(text=written_personnummer())
def test_an_import_file_name(
    api: Callable[..., Any], client_for: Clients, runtime: Runtime, text: str
) -> None:
    name = "avvikelser " + text.replace("\n", " ") + ".csv"
    data = _csv([GOOD_ROW])
    before = stored_events(runtime)
    response = api("utvecklare", "POST", "/api/v1/imports",
                   query_string={"kind": "rows", "dry_run": "false", "file_name": name},
                   data=data, content_type="text/csv")
    assert response.status_code == 422, name
    assert list(response.get_json()["errors"]) == ["file_name"]
    page = client_for("utvecklare").post(
        "/admin/import/forhandsgranska", content_type="multipart/form-data",
        data={"kind": "rows", "file": (io.BytesIO(data), name)})
    assert page.status_code == 422, name
    html = page.get_data(as_text=True)
    # A tab in the name is refused as a control character first: refused all the same.
    assert ("Filnamnet ser ut att innehålla ett personnummer" in html
            or "Filnamnet innehåller ett styrtecken" in html), name
    assert stored_events(runtime) == before


@CHANNEL
@given(text=written_personnummer(), where=st.sampled_from(["unit", "category", "rename"]))
def test_an_admin_name(
    client_for: Clients, runtime: Runtime, users: dict[str, Account], text: str, where: str
) -> None:
    post, data = {
        "unit": ("/admin/enheter", {"code": "nyenhet", "name": text, "operation": "IFO"}),
        "category": ("/admin/kategorier", {"category_code": "nytt", "category_name": text}),
        "rename": ("/admin/kategorier/samverkan", {"name": text}),
    }[where]
    before = _organisation(runtime)
    response = client_for("admin").post(post, data=data)
    assert response.status_code == 422, text
    assert "ser ut som ett personnummer" in response.get_data(as_text=True)
    assert _organisation(runtime) == before


@CHANNEL
@given(text=written_personnummer())
def test_a_legal_hold_reason(client_for: Clients, runtime: Runtime, text: str) -> None:
    number = file_deviation(runtime).number
    before = stored_events(runtime)
    page = client_for("admin").post("/admin/gallring/sparr",
                                    data={"number": number, "reason": text})
    assert page.status_code == 422, text
    assert 'href="#reason"' in page.get_data(as_text=True)
    assert stored_events(runtime) == before
