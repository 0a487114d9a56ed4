"""Imported deviations are reported by the system source `import`, not by the person who
imported them: importing never makes anyone a reporter who may open the cases (the admin,
who reads no case, imports too). Who imported is in the import's own record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from import_sheets import ROWS_HEADER, csv_bytes, deviations_2016, upload

from tracker.application.history_imports import IMPORT_ACTOR


def test_the_admin_who_imports_cannot_open_the_imported_cases(
    api: Callable[..., Any]
) -> None:
    stored = api("admin", "POST", "/api/v1/imports?kind=rows&dry_run=false",
                 **upload(csv_bytes(ROWS_HEADER, deviations_2016(4)), "rader.csv"))
    assert stored.status_code == 201, stored.get_json()
    assert stored.get_json()["import"]["imported_by"] == "admin"

    listed = api("utvecklare", "GET", "/api/v1/deviations?year=2016").get_json()["items"]
    assert len(listed) == 4
    assert {item["reporter"] for item in listed} == {IMPORT_ACTOR} == {"import"}
    for item in listed:
        assert api("admin", "GET", f"/api/v1/deviations/{item['id']}").status_code == 403
        assert api("utvecklare", "GET", f"/api/v1/deviations/{item['id']}").status_code == 200
    assert api("admin", "GET", "/api/v1/deviations?year=2016").get_json()["items"] == []
