"""Names an admin gives units, categories and subcategories (pages and command line) are
one line of text without control characters (a NUL broke the Word and Excel exports) and
without a personnummer; a refusal names the field, and nothing is stored or logged."""

from __future__ import annotations

from typing import Any

import pytest
from support import Clients, TrackerRunner, summary_links

from tracker.admin import change_log
from tracker.people.accounts import Account
from tracker.runtime import Runtime

CONTROL = "Texten innehåller ett styrtecken; bara radbrytningar och tabbar är tillåtna."
PERSONNUMMER = "Det här ser ut som ett personnummer; ett namn får inte innehålla något."


def _organisation(runtime: Runtime) -> tuple[Any, ...]:
    changes, _ = change_log.changes(runtime.engine, limit=1000)
    return (runtime.organisation.units(include_inactive=True),
            runtime.organisation.taxonomy().version, len(changes))


@pytest.mark.parametrize(("name", "message"), [
    ("Enhet \x00 Y", CONTROL), ("Enhet \x1b[31m", CONTROL), ("Enhet\x7f", CONTROL),
    ("Enhet 900101-1239", PERSONNUMMER), ("Enhet 900101\u20131239", PERSONNUMMER),
])
@pytest.mark.parametrize(("path", "fields", "field"), [
    ("/admin/enheter", {"code": "nyenhet", "operation": "IFO"}, "name"),
    ("/admin/enheter/utredning", {"operation": "IFO"}, "name"),
    ("/admin/kategorier", {"category_code": "nytt"}, "category_name"),
    ("/admin/underkategorier", {"sub_category": "handlaggning", "sub_code": "nyunder"},
     "sub_name"),
    ("/admin/kategorier/samverkan", {}, "name"),
])
def test_a_bad_name_is_refused_at_its_field_on_the_pages(
    client_for: Clients, runtime: Runtime, users: dict[str, Account],
    path: str, fields: dict[str, str], field: str, name: str, message: str,
) -> None:
    before = _organisation(runtime)
    response = client_for("admin").post(path, data=fields | {field: name})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert summary_links(html) == [field]
    assert message in html
    assert _organisation(runtime) == before


@pytest.mark.parametrize("args", [
    ["unit", "add", "nyenhet", "Enhet \x01", "--operation", "IFO"],
    ["unit", "rename", "utredning", "Enhet 19900101-1239"],
    ["taxonomy", "add-category", "nytt", "Kategori \x00"],
    ["taxonomy", "add-subcategory", "handlaggning", "nyunder", "Under 900101 1239"],
    ["taxonomy", "rename", "samverkan", "Samverkan\x00"],
])
def test_a_bad_name_is_refused_on_the_command_line(
    runner: TrackerRunner, runtime: Runtime, args: list[str]
) -> None:
    before = _organisation(runtime)
    result = runner.invoke(args)
    assert result.exit_code == 1, result.output
    assert "control character" in result.output or "personal identity number" in result.output
    assert _organisation(runtime) == before


def test_line_breaks_in_a_name_still_fold_to_one_line(
    client_for: Clients, runtime: Runtime, users: dict[str, Account]
) -> None:
    response = client_for("admin").post("/admin/enheter", data={
        "code": "nyenhet", "name": "Mottagnings-\r\nenheten\tsyd", "operation": "IFO"})
    assert response.status_code == 302
    assert runtime.organisation.any_unit("nyenhet").name == "Mottagnings- enheten syd"
