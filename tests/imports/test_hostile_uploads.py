"""Uploads whose cost is bounded and whose refusals are clear: a zip bomb is refused
before it is inflated (memory measured in a subprocess), an XML part with a DTD or
entities is refused naming the part, a damaged workbook or a NUL in a cell is a problem
with its row and column (the preview says what the confirm would), never a 500; the
16 MB limit holds on the page as in the API. Nothing is stored."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from import_sheets import ROWS_HEADER, csv_bytes, upload, xlsx_bytes
from support import PASSWORD, make_app, stored_events

from tracker.people.accounts import Account
from tracker.runtime import Runtime

GOOD_ROW = ["2016-03-04", "2016-03-01", "utredning", "handlaggning", "sekretess",
            "Brev till fel adress.", "avslutad", "nej", "IFO 2016-12"]
SHEET = "xl/worksheets/sheet1.xml"
MB = 1024 * 1024


def _workbook() -> bytes:
    return xlsx_bytes(ROWS_HEADER, [GOOD_ROW])


def _replace(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item.filename, change(content) if item.filename == name else content)
    return out.getvalue()


def write_bomb(path: Path, inflated: int) -> None:
    """A real workbook whose sheet is padded with `inflated` bytes of spaces inside
    <sheetData>, deflated (about 1 KB per MB), written in chunks."""
    source = zipfile.ZipFile(io.BytesIO(_workbook()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename != SHEET:
                target.writestr(item.filename, content)
                continue
            head, tail = content.split(b"<sheetData>", 1)
            with target.open(SHEET, "w", force_zip64=True) as sheet:
                sheet.write(head + b"<sheetData>")
                chunk = b" " * MB
                for _ in range(inflated // MB):
                    sheet.write(chunk)
                sheet.write(tail)


MEASURE = """
import json, resource, sys
from datetime import date
from events.history_import import ImportKind
from events.taxonomy import DEFAULT_TAXONOMY
from tracker.history_import import preview
import openpyxl  # loaded before the baseline: its import is not the upload's cost
data = open(sys.argv[1], "rb").read()
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result = preview(ImportKind.ROWS, data, "bomb.xlsx", taxonomy=DEFAULT_TAXONOMY, units={},
                 today=date.today())
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"grown_kb": peak - baseline, "size": len(data),
                  "problems": [p.message for p in result.problems]}))
"""


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlsx"
    write_bomb(bomb, 520 * MB)
    assert zipfile.ZipFile(bomb).getinfo(SHEET).file_size >= 500 * MB
    done = subprocess.run([sys.executable, "-c", MEASURE, str(bomb)], capture_output=True,
                          text=True, timeout=120, check=True)
    measured = json.loads(done.stdout)
    assert measured["size"] < 2 * MB
    assert len(measured["problems"]) == 1
    assert "xl/worksheets/sheet1.xml" in measured["problems"][0]
    assert "mer än gränsen 50 MB" in measured["problems"][0]
    assert measured["grown_kb"] < 150 * 1024, measured


def test_a_small_sheet_packed_far_too_well_is_refused(
    api: Callable[..., Any], runtime: Runtime
) -> None:
    padded = _replace(_workbook(), SHEET,
                      lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + b" " * 5 * MB))
    before = stored_events(runtime)
    response = api("utvecklare", "POST", "/api/v1/imports?kind=rows&dry_run=true",
                   **upload(padded, "packad.xlsx"))
    assert response.status_code == 422
    [problem] = response.get_json()["preview"]["problems"]
    assert "packad.xlsx" in problem["message"] and SHEET in problem["message"]
    assert "packad" in problem["message"] and "högst 100" in problem["message"]
    assert stored_events(runtime) == before


DTD = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
       b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n')


def _with_dtd(xml: bytes) -> bytes:
    return DTD + re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml).replace(
        b"</sheetData>", b"<row r=\"9\"><c r=\"A9\" t=\"inlineStr\"><is><t>&lol2;</t></is></c>"
        b"</row></sheetData>")


@pytest.mark.parametrize("part", [SHEET, "xl/workbook.xml", "[Content_Types].xml"])
def test_xml_with_a_dtd_is_refused_naming_the_part(
    api: Callable[..., Any], client_for: Callable[[str], FlaskClient], runtime: Runtime,
    part: str,
) -> None:
    data = _replace(_workbook(), part, _with_dtd)
    before = stored_events(runtime)
    for dry_run in ("true", "false"):
        response = api("utvecklare", "POST", f"/api/v1/imports?kind=rows&dry_run={dry_run}",
                       **upload(data, "entiteter.xlsx"))
        assert response.status_code == 422, response.get_json()
        [problem] = response.get_json()["preview"]["problems"]
        assert part in problem["message"] and "DTD" in problem["message"]
    page = client_for("utvecklare").post(
        "/admin/import/forhandsgranska", content_type="multipart/form-data",
        data={"kind": "rows", "file": (io.BytesIO(data), "entiteter.xlsx")})
    assert page.status_code == 422
    assert f"Delen {part} i arbetsboken innehåller en DTD" in page.get_data(as_text=True)
    assert stored_events(runtime) == before


@pytest.mark.parametrize("damage", [
    lambda xml: xml[: len(xml) // 2],  # cut off: not well-formed
    lambda xml: xml.replace(b"<sheetData>", b"<sheetData><row><c r=\"A2\"><v>1</c></row>"),
    lambda xml: xml.decode("utf-8").encode("utf-16"),
])
def test_a_damaged_sheet_is_a_problem_not_an_error(
    api: Callable[..., Any], damage: Callable[[bytes], bytes]
) -> None:
    data = _replace(_workbook(), SHEET, damage)
    response = api("utvecklare", "POST", "/api/v1/imports?kind=rows&dry_run=true",
                   **upload(data, "trasig.xlsx"))
    assert response.status_code == 422
    [problem] = response.get_json()["preview"]["problems"]
    assert problem["message"].startswith("trasig.xlsx: ")


def test_a_nul_in_a_cell_is_reported_by_the_preview_as_by_the_confirm(
    api: Callable[..., Any], runtime: Runtime
) -> None:
    bad = [*GOOD_ROW[:5], "Brev\x00till fel adress.", *GOOD_ROW[6:]]
    data = csv_bytes(ROWS_HEADER, [[*GOOD_ROW[:8], "IFO 2016-13"], bad])
    before = stored_events(runtime)
    answers = []
    for dry_run in ("true", "false"):
        response = api("utvecklare", "POST", f"/api/v1/imports?kind=rows&dry_run={dry_run}",
                       data=data, content_type="text/csv")
        assert response.status_code == 422
        answers.append(response.get_json()["preview"]["problems"])
    assert answers[0] == answers[1] == [{
        "row": 3, "column": "beskrivning (F)",
        "message": "Cellen innehåller ett styrtecken (till exempel NUL); bara radbrytningar "
                   "och tabbar är tillåtna."}]
    assert stored_events(runtime) == before


def _csrf(client: FlaskClient, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def test_the_page_takes_the_16_mb_the_readme_promises_with_its_csrf_check(
    runtime: Runtime, users: dict[str, Account]
) -> None:
    """CSRF on (as in production): the app's 1 MB form limit must not stop a 2.2 MB file,
    and the exempt upload views still refuse a request without the token."""
    app = make_app(runtime, csrf=True)
    client = app.test_client()
    client.post("/login", data={"csrf_token": _csrf(client, "/login"),
                                "username": "utvecklare", "password": PASSWORD})
    token = _csrf(client, "/admin/import/")
    extra = [f"anteckning{n}" for n in range(22)]  # columns the import ignores
    data = csv_bytes([*ROWS_HEADER, *extra], [[*GOOD_ROW, *["x" * 100_000] * len(extra)]])
    assert len(data) > 2 * MB

    refused = client.post("/admin/import/forhandsgranska", content_type="multipart/form-data",
                          data={"kind": "rows", "file": (io.BytesIO(data), "stor.csv")})
    assert refused.status_code == 400  # no token: the CSRF check holds
    shown = client.post("/admin/import/forhandsgranska", content_type="multipart/form-data",
                        data={"csrf_token": token, "kind": "rows",
                              "file": (io.BytesIO(data), "stor.csv")})
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    stored = client.post("/admin/import/spara", content_type="multipart/form-data",
                         data={"csrf_token": token, **{k: fields[k] for k in (
                             "kind", "file_name", "sha256", "payload")}})
    assert stored.status_code == 302, stored.get_data(as_text=True)[:2000]

    too_large = csv_bytes(ROWS_HEADER, [GOOD_ROW]) + b"x" * (16 * MB)
    answer = client.post("/admin/import/forhandsgranska", content_type="multipart/form-data",
                         data={"csrf_token": token, "kind": "rows",
                               "file": (io.BytesIO(too_large), "för-stor.csv")})
    assert answer.status_code == 413
    assert "Filen är större än 16 MB" in answer.get_data(as_text=True)


def test_the_api_takes_16_mb_and_no_more(api: Callable[..., Any]) -> None:
    too_large = csv_bytes(ROWS_HEADER, [GOOD_ROW]) + b"x" * (16 * MB)
    response = api("utvecklare", "POST", "/api/v1/imports?kind=rows",
                   **upload(too_large, "för-stor.csv"))
    assert response.status_code == 413
    response = api("utvecklare", "POST", "/api/v1/imports?kind=rows",
                   data=too_large, content_type="text/csv")
    assert response.status_code == 413
