"""The admin's Gallring page: the rules (edited there, each change a new version), the plan
as on the command line, with its CSV and Excel downloads; refused input keeps the rule."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook

from events.retention import ContentKind
from projections.queries.retention import retention_records
from projections.runner import catch_up
from tests.support import TrackerRunner, file_deviation, log_in
from tracker.admin.changes import Administration
from tracker.admin.retention_rules import DEFAULT_RETENTION_RULES, Point, Unit
from tracker.demo import DEMO_USERS, seed_demo
from tracker.retention.apply import apply_plan
from tracker.retention.plan import plan_for
from tracker.runtime import Runtime


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def _table(page: str, table_id: str) -> list[list[str]]:
    body = page.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    body = body.split("<tbody>", 1)[1]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip()
         for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_the_page_shows_the_rules_and_the_same_plan_as_the_command(
    runtime: Runtime, runner: TrackerRunner, app: Flask, quick_password_hashing: None,
) -> None:
    seed_demo(runtime, lambda _: None)
    assert catch_up(runtime, timeout=60)
    client = app.test_client()
    log_in(client, "admin", next(p for u, _, _, p in DEMO_USERS if u == "admin"))
    page = client.get("/admin/gallring/").get_data(as_text=True)
    rules = _table(page, "rules")
    assert [r[0] for r in rules] == [f"R{n} v1" for n in range(1, 8)]
    assert all(r[3] == "Förslag – arkivarien beslutar" for r in rules)
    assert rules[0][1:3] == ["Avvikelser", "5 år efter att ärendet avslutats"]
    assert rules[2][2] == "bevaras"

    edit = client.get("/admin/gallring/regler/deviation").get_data(as_text=True)
    answer = client.post("/admin/gallring/regler/deviation", data={
        "csrf_token": _csrf(edit), "keep": "period", "amount": "2", "unit": "months",
        "point": "received",
    })
    assert answer.status_code == 302
    page = client.get("/admin/gallring/").get_data(as_text=True)
    assert _table(page, "rules")[0][:4] == ["R1 v2", "Avvikelser", "2 månader efter att det kom in",
                                            "Beslutad"]
    plan = plan_for(runtime.engine, runtime.organisation.retention_rules(), runtime.app.today())
    due = _table(page, "plan-due")
    assert [row[0] for row in due] == [row.number for row in plan.rows if row.due]
    assert any(row[2] == "R1 v2" for row in due)
    result = runner.invoke(["retention", "plan"])
    for row in due:
        assert re.search(rf"{row[0]} +\w+ +{row[2]} ", result.output)

    downloaded = client.get("/admin/gallring/plan.csv")
    assert downloaded.status_code == 200
    table = list(csv.reader(io.StringIO(downloaded.get_data(as_text=True).lstrip("\ufeff")),
                           delimiter=";"))
    assert [row[0] for row in table[1:]] == [row.number for row in plan.rows]
    workbook = load_workbook(io.BytesIO(client.get("/admin/gallring/plan.xlsx").data))
    assert workbook.active is not None and workbook.active.max_row == len(plan.rows) + 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"keep": "period", "amount": "", "unit": "years", "point": "closed"}, "amount"),
        ({"keep": "period", "amount": "x" * 5000, "unit": "years", "point": "closed"},
         "amount"),
        ({"keep": "period", "amount": "101", "unit": "years", "point": "closed"}, "amount"),
        ({"keep": "period", "amount": "-3", "unit": "months", "point": "closed"}, "amount"),
        ({"keep": "period", "amount": "19800101-1239", "unit": "years", "point": "closed"},
         "amount"),
        ({"keep": "period", "amount": "5", "unit": "weeks", "point": "closed"}, "unit"),
        ({"keep": "period", "amount": "5", "unit": "years", "point": "decided"}, "point"),
        ({"keep": "maybe"}, "keep"),
        ({}, "keep"),
    ],
)
def test_a_refused_rule_says_why_in_swedish_and_stores_nothing(
    runtime: Runtime, users: Any, client_for: Callable[[str], Any], data: dict[str, str],
    field: str,
) -> None:
    client = client_for("admin")
    edit = client.get("/admin/gallring/regler/deviation").get_data(as_text=True)
    answer = client.post("/admin/gallring/regler/deviation",
                         data={"csrf_token": _csrf(edit), **data})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Det finns problem" in page and f'href="#{field}"' in page
    assert runtime.organisation.retention_rules() == DEFAULT_RETENTION_RULES


def test_an_unknown_kind_is_not_found(users: Any, client_for: Callable[[str], Any]) -> None:
    client = client_for("admin")
    assert client.get("/admin/gallring/regler/nothing").status_code == 404
    assert client.get(f"/admin/gallring/regler/{ContentKind.ACCESS_LOG.value}").status_code == 200


def test_the_admin_places_and_releases_a_hold_and_sees_the_history(
    runtime: Runtime, users: Any, client_for: Callable[[str], Any],
) -> None:
    day = runtime.app.today() - timedelta(days=60)
    held, other = (file_deviation(runtime, actor="utvecklare", reported_on=day,
                                  occurred_on=day).number for _ in range(2))
    Administration.of(runtime, actor="admin", source="web").set_retention_rule(
        ContentKind.DEVIATION, amount=1, unit=Unit.MONTHS, point=Point.RECEIVED)
    assert catch_up(runtime, timeout=30)
    client = client_for("admin")
    answer = client.post("/admin/gallring/sparr", data={
        "number": held.lower(), "reason": "Begärd av JO, dnr 1234-2026"})
    assert answer.status_code == 302
    page = client.get("/admin/gallring/").get_data(as_text=True)
    holds = _table(page, "holds")
    assert [row[:3] for row in holds] == [[held, "1", "Begärd av JO, dnr 1234-2026"]]
    assert "admin" in holds[0][3]
    assert [row[0] for row in _table(page, "plan-due")] == sorted([held, other])
    assert [row[5] for row in _table(page, "plan-due") if row[0] == held] == ["spärrat"]

    assert apply_plan(runtime, actor="scheduler").count == 1
    assert catch_up(runtime, timeout=30)
    page = client.get("/admin/gallring/").get_data(as_text=True)
    erased = _table(page, "erased")
    assert [row[0] for row in erased] == [other]
    assert erased[0][1:] == ["Avvikelser", "R1 v2", runtime.app.today().isoformat(),
                             "scheduler"]

    release = re.search(r'action="(/admin/gallring/sparr/[^"]+/1/hav)"', page)
    assert release
    assert client.post(release.group(1)).status_code == 302
    assert client.post(release.group(1)).status_code == 404  # released already
    assert catch_up(runtime, timeout=30)
    page = client.get("/admin/gallring/").get_data(as_text=True)
    assert _table(page, "holds") == [["Inga."]]
    assert apply_plan(runtime, actor="scheduler").count == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"number": "AV-1999-9999", "reason": "JO"}, "number"),
        ({"number": "", "reason": "JO"}, "number"),
        ({"number": "x" * 5000, "reason": "JO"}, "number"),
        ({"number": "{number}", "reason": ""}, "reason"),
        ({"number": "{number}", "reason": "x" * 5000}, "reason"),
        ({"number": "{number}", "reason": "Gäller 19800101-1239"}, "reason"),
        ({"number": "{number}", "reason": "Gäller 811218 9876"}, "reason"),
        ({"number": "198001011239", "reason": "JO"}, "number"),
    ],
)
def test_a_refused_hold_says_why_and_holds_nothing(
    runtime: Runtime, users: Any, client_for: Callable[[str], Any], data: dict[str, str],
    field: str,
) -> None:
    number = file_deviation(runtime).number
    assert catch_up(runtime, timeout=30)
    client = client_for("admin")
    answer = client.post("/admin/gallring/sparr", data={
        key: value.replace("{number}", number) for key, value in data.items()})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Det finns problem" in page and f'href="#{field}"' in page
    assert retention_records(runtime.engine) == {}
