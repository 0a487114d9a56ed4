"""No workbook the tracker writes holds a formula, even where an admin named a unit or a
category '=HYPERLINK(...)': the import templates write names as text (openpyxl's append
would make them formulas), as every other Excel download does (web/documents/xlsx_export.py)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from events.taxonomy import Operation
from tracker.admin.changes import Administration
from tracker.runtime import Runtime

NAMES = ['=HYPERLINK("http://evil.example/u","u")', "+1+2", "-2+3", "@SUM(A1:A2)",
         "=1+2 <b>fet</b>"]


@pytest.fixture
def hostile_names(runtime: Runtime) -> None:
    admin = Administration.of(runtime, actor="admin", source="cli")
    for n, name in enumerate(NAMES):
        admin.add_unit(f"inj{n}", name, Operation.IFO)
        admin.add_category(f"injcat{n}", name)
    runtime.app.file_deviation(
        actor="rapportor", unit="inj0", category="injcat0", subcategory=None,
        occurred_on=runtime.app.today(), description="Avvikelse i en enhet med konstigt namn.")


def _assert_text_only(data: bytes, where: str) -> list[str]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    for name in archive.namelist():
        if name.endswith(".xml"):
            xml = archive.read(name)
            assert b"<f>" not in xml and b"<f " not in xml, (where, name)
    book = load_workbook(io.BytesIO(data))
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (where, cell.coordinate, cell.value)
                values.append(str(cell.value))
    return values


@pytest.mark.parametrize("path", [
    "/admin/import/mall/rows.xlsx", "/admin/import/mall/counts.xlsx", "/admin/import/koder.xlsx",
])
def test_import_templates_write_names_as_text(
    client_for: Callable[[str], FlaskClient], hostile_names: None, path: str
) -> None:
    response = client_for("utvecklare").get(path)
    assert response.status_code == 200
    values = _assert_text_only(response.data, path)
    for name in NAMES:
        assert name in values, (path, name)  # written, as the text it is


def test_report_workbooks_write_names_as_text(
    client_for: Callable[[str], FlaskClient], hostile_names: None, runtime: Runtime
) -> None:
    year = runtime.app.today().year
    client = client_for("utvecklare")
    for path in (f"/rapporter/ar.xlsx?year={year}", f"/rapporter/kvalitetsberattelse/{year}.xlsx",
                 "/atgarder.xlsx"):
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_text_only(response.data, path)
