"""/admin/import: upload, preview (what the file adds, or every problem), confirm, undo;
the templates download and import as they are."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from import_sheets import COUNTS_HEADER, csv_bytes, table_32_rows
from openpyxl import load_workbook

from projections import queries
from projections.runner import catch_up
from tracker.runtime import Runtime


def _form(data: bytes, name: str, kind: str = "counts") -> dict[str, Any]:
    return {"data": {"kind": kind, "file": (io.BytesIO(data), name)},
            "content_type": "multipart/form-data"}


def _hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def test_preview_confirm_and_undo_on_the_page(
    client_for: Callable[[str], Any], runtime: Runtime
) -> None:
    client = client_for("utvecklare")
    index = client.get("/admin/import/")
    assert index.status_code == 200 and "Inga importer ännu." in index.get_data(as_text=True)
    assert 'href="/admin/import/"' in client.get("/").get_data(as_text=True)  # in the menu

    data = csv_bytes(COUNTS_HEADER, table_32_rows(), encoding="cp1252")
    preview = client.post("/admin/import/forhandsgranska", **_form(data, "tabell32.csv"))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert "16 rader lästa" in html and "2017: 252 avvikelser, varav Lex Sarah 5" in html
    catch_up(runtime)
    assert queries.imports(runtime.engine) == []  # nothing stored by a preview

    stored = client.post("/admin/import/spara", data=_hidden(html), follow_redirects=True)
    page = stored.get_data(as_text=True)
    assert stored.status_code == 200 and "Importen av tabell32.csv är sparad" in page
    assert "Räknas" in page
    yearly = queries.yearly_totals(runtime.engine)["years"]
    assert [y["total"] for y in yearly] == [3, 54, 297, 252]

    assert "SHA" not in page + html  # no hash shown to the user

    again = client.post("/admin/import/forhandsgranska", **_form(data, "kopia.csv"))
    refused = again.get_data(as_text=True)
    assert again.status_code == 409
    assert (f"Samma fil importerades redan {runtime.app.today().isoformat()} av utvecklare "
            "och räknas fortfarande") in refused
    assert "SHA" not in refused


def test_a_file_with_problems_shows_them_and_offers_no_confirm(
    client_for: Callable[[str], Any], runtime: Runtime
) -> None:
    client = client_for("admin")
    data = csv_bytes(COUNTS_HEADER, [[2016, 14, "IFO", "samverkan", "", -1, ""]])
    response = client.post("/admin/import/forhandsgranska", **_form(data, "fel.csv"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Filen har 2 fel; inget har importerats" in html
    assert "Månaden 14 ligger utanför 1–12." in html and "antal (F)" in html
    assert "Bekräfta och importera" not in html
    missing = client.post("/admin/import/forhandsgranska", data={"kind": "counts"},
                          content_type="multipart/form-data")
    assert missing.status_code == 400 and "Välj en fil" in missing.get_data(as_text=True)
    tampered = client.post("/admin/import/spara", data={
        "kind": "counts", "file_name": "x.csv", "sha256": "0" * 64,
        "payload": "MjAxNjsxO0lGTzs=",
    })
    assert tampered.status_code == 400
    catch_up(runtime)
    assert queries.imports(runtime.engine) == []


def test_the_templates_have_header_codes_and_an_example_that_imports(
    client_for: Callable[[str], Any], api: Callable[..., Any]
) -> None:
    client = client_for("utvecklare")
    for kind in ("counts", "rows"):
        workbook = client.get(f"/admin/import/mall/{kind}.xlsx")
        assert workbook.status_code == 200
        book = load_workbook(io.BytesIO(workbook.data))
        assert book.sheetnames[1] == "Koder"
        sheet = list(book.worksheets[0].iter_rows(values_only=True))
        assert len(sheet) == 2  # the header row and one example
        codes = {row[1] for row in book["Koder"].iter_rows(values_only=True)}
        assert {"IFO", "HVB", "handlaggning", "forhandsbedomning", "utredning"} <= codes
        text = client.get(f"/admin/import/mall/{kind}.csv").data
        assert text.startswith(b"\xef\xbb\xbf") and text.count(b"\r\n") == 2
        for data, name in ((workbook.data, "mall.xlsx"), (text, "mall.csv")):
            response = api("utvecklare", "POST", f"/api/v1/imports?kind={kind}",
                           data={"file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
            assert response.status_code == 200, response.get_json()
            assert response.get_json()["preview"]["rows_read"] == 1
    codes_csv = client.get("/admin/import/koder.csv").data.decode("utf-8-sig")
    assert "Förhandsbedömning överskridit 14 dagar" in codes_csv


def test_only_admin_and_quality_developer_see_the_import(
    client_for: Callable[[str], Any]
) -> None:
    admin = client_for("admin")
    assert 'href="/admin/import/"' in admin.get("/admin/").get_data(as_text=True)
    assert admin.get("/admin/import/").status_code == 200
    for user in ("rapportor", "chef", "forste", "lexsarah"):
        client = client_for(user)
        assert client.get("/admin/import/").status_code == 403, user
        assert 'href="/admin/import/"' not in client.get("/").get_data(as_text=True)


def test_an_undo_asks_first_saying_what_goes_and_the_file_may_then_come_again(
    client_for: Callable[[str], Any], runtime: Runtime
) -> None:
    client = client_for("utvecklare")
    rows = [[2016, month, "IFO", "samverkan", "", 2, ""] for month in (1, 2, 3)]
    rows.append([2015, "", "HVB", "genomforande", "", 7, ""])
    data = csv_bytes(COUNTS_HEADER, rows)
    preview = client.post("/admin/import/forhandsgranska", **_form(data, "tidigare.csv"))
    client.post("/admin/import/spara", data=_hidden(preview.get_data(as_text=True)))
    catch_up(runtime)
    import_id = queries.imports(runtime.engine)[0]["id"]
    index = client.get("/admin/import/").get_data(as_text=True)
    assert f'href="/admin/import/{import_id}/angra"' in index  # a link to the question
    assert f'action="/admin/import/{import_id}/angra"' not in index  # not a one-click undo

    asked = client.get(f"/admin/import/{import_id}/angra")
    html = re.sub(r"\s+", " ", asked.get_data(as_text=True))
    assert asked.status_code == 200
    assert "Ångra importen av tidigare.csv?" in html
    assert f"{runtime.app.today().isoformat()} av utvecklare" in re.sub(r"<[^>]+>", "", html)
    assert "Antal för 13 avvikelser ur rapporterna" in html
    assert "hela 2015, januari–mars 2016" in html
    assert "Ja, ångra importen" in html
    cancel = re.search(r'<a href="([^"]+)">Avbryt</a>', html)
    assert cancel and cancel.group(1) == f"/admin/import/#import-{import_id}"
    catch_up(runtime)
    assert runtime.app.get_import(import_id).undone_at is None  # asking changed nothing
    assert [y["total"] for y in queries.yearly_totals(runtime.engine)["years"]] == [7, 6]

    undone = client.post(f"/admin/import/{import_id}/angra", follow_redirects=True)
    page = undone.get_data(as_text=True)
    assert "Importen av tidigare.csv är ångrad" in page and "Ångrad" in page
    catch_up(runtime)
    assert queries.yearly_totals(runtime.engine)["years"] == []
    again = client.get(f"/admin/import/{import_id}/angra").get_data(as_text=True)
    assert "Importen ångrades redan" in again and "Ja, ångra importen" not in again

    # The same file once more: a new import, counted again, beside the undone one.
    preview = client.post("/admin/import/forhandsgranska", **_form(data, "tidigare.csv"))
    assert preview.status_code == 200, preview.get_data(as_text=True)
    stored = client.post("/admin/import/spara", data=_hidden(preview.get_data(as_text=True)),
                         follow_redirects=True)
    assert "Importen av tidigare.csv är sparad" in stored.get_data(as_text=True)
    catch_up(runtime)
    listed = queries.imports(runtime.engine)
    assert len(listed) == 2 and listed[0]["id"] != import_id
    assert [y["total"] for y in queries.yearly_totals(runtime.engine)["years"]] == [7, 6]
