"""Bevakning, the deadline board: every open clock, banded in words, filtered, and scoped
to the enhetschef's own units."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from events.child_report import PreliminaryDecision
from tracker.runtime import Runtime


def _board_rows(html: str) -> list[tuple[str, str, str, str]]:
    """(band text, days, clock, report number) per board row, top to bottom."""
    body = re.split(r'<table class="board[^"]*">', html, maxsplit=1)[1].split("</table>", 1)[0]
    rows = []
    for row in re.findall(r"<tr class=\"row-[a-z_]+\">(.*?)</tr>", body, re.S):
        found = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in found]
        rows.append((cells[0], cells[1], cells[3], cells[4]))
    return rows


@pytest.fixture
def reports(users: Any, child_report: Callable[..., UUID], runtime: Runtime) -> dict[str, UUID]:
    made = {
        "late": child_report("utredning", days_ago=16, case_reference="A"),
        "today": child_report("utredning", days_ago=14, case_reference="B"),
        "soon": child_report("hvb-notgarden", days_ago=12, case_reference="C"),
        "later": child_report("utredning", days_ago=1, case_reference="D"),
    }
    app = runtime.app
    for report_id in made.values():
        report = app.get_child_report(report_id)
        app.assess_protection(report_id, actor="forste", assessed_at=report.received_at,
                              immediate_protection_needed=False)
    app.assign_handler(made["soon"], actor="forste", handler="chef_hvb")
    return made


def test_board_lists_open_clocks_by_days_left_in_words(
    client_for: Callable[[str], Any], reports: dict[str, UUID], runtime: Runtime
) -> None:
    html = client_for("forste").get("/bevakning/").get_data(as_text=True)
    rows = _board_rows(html)
    numbers = {runtime.app.get_child_report(i).number: key for key, i in reports.items()}
    assert [numbers[r[3]] for r in rows] == ["late", "today", "soon", "later"]
    assert [r[0] for r in rows] == [
        "Försenad", "Sista dag i dag", "3 dagar eller mindre", "Senare"]
    assert rows[0][1] == "2 dagar försenad"
    # The same words as Att göra, the case page and the mails (events.clocks.days_text).
    assert rows[1][1] == "sista dag i dag"
    assert rows[2][1] == "2 dagar kvar"
    assert {r[2] for r in rows} == {"Förhandsbedömning"}
    for report_id in reports.values():
        assert f'href="/anmalningar/{report_id}"' in html
    # the summary counts each band
    assert re.search(r"Försenad</span>: 1", html)


def test_board_shows_unassessed_protection_and_running_investigations(
    client_for: Callable[[str], Any], users: Any, child_report: Callable[..., UUID],
    runtime: Runtime,
) -> None:
    report_id = child_report("utredning", days_ago=3)
    app = runtime.app
    app.decide_preliminary_assessment(
        report_id, actor="forste", decision=PreliminaryDecision.OPEN_INVESTIGATION
    )
    rows = _board_rows(client_for("utvecklare").get("/bevakning/").get_data(as_text=True))
    assert [(r[0], r[2]) for r in rows] == [
        ("Försenad", "Skyddsbedömning"), ("Senare", "Utredning")]


def test_board_filters_and_unit_scope(
    client_for: Callable[[str], Any], reports: dict[str, UUID], runtime: Runtime
) -> None:
    number = {key: runtime.app.get_child_report(i).number for key, i in reports.items()}
    client = client_for("utvecklare")
    by_unit = _board_rows(client.get("/bevakning/?unit=hvb-notgarden").get_data(as_text=True))
    assert [r[3] for r in by_unit] == [number["soon"]]
    by_handler = _board_rows(client.get("/bevakning/?handler=chef_hvb").get_data(as_text=True))
    assert [r[3] for r in by_handler] == [number["soon"]]
    own = _board_rows(client_for("chef").get("/bevakning/").get_data(as_text=True))
    assert [r[3] for r in own] == [number["late"], number["today"], number["later"]]
    # asking for another unit's board gives nothing from it
    other = client_for("chef").get("/bevakning/?unit=hvb-notgarden").get_data(as_text=True)
    assert "Inga öppna tidsfrister." in other
    assert client.get("/bevakning/?unit=" + "x" * 65).status_code == 422
