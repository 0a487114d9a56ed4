"""The inbox marks what needs action with its age in days and the next step, lists those
first and oldest first by default, and keeps the filters when the order changes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from support import close_deviation

from tracker.runtime import Runtime


def file(runtime: Runtime, days_ago: int, unit: str = "utredning") -> Any:
    app = runtime.app
    day = app.today() - timedelta(days=days_ago)
    return app.file_deviation(
        actor="utvecklare", unit=unit, category="samverkan", subcategory=None,
        occurred_on=day, reported_on=day, description="Polisen fick inte veta i tid.",
    )


def rows(html: str) -> list[tuple[str, str]]:
    """(number, the "Behöver åtgärd" cell as text) per row."""
    found = re.findall(r'<td data-label="Nummer"><a href="[^"]+"><span class="nowrap">([^<]+)'
                       r'</span></a>.*?'
                       r'<td data-label="Behöver åtgärd">(.*?)</td>', html, re.S)
    return [(number, " ".join(re.sub(r"<[^>]+>", "", cell).split())) for number, cell in found]


def test_oldest_needing_action_first_with_age_and_next_step(
    client_for: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    app = runtime.app
    newest = file(runtime, 1)
    oldest = file(runtime, 30)
    middle = file(runtime, 12)
    done = file(runtime, 40)
    close_deviation(runtime, done.id, actor="utvecklare")
    app.analyse_cause(middle.id, actor="chef", analysis="Ingen ringde polisen.",
                      causes=["kommunikation"])
    other_unit = file(runtime, 50, unit="hvb-notgarden")

    chef = client_for("chef")  # enhetschef for utredning
    listed = rows(chef.get("/inkorg").get_data(as_text=True))
    assert [number for number, _ in listed] == [
        oldest.number, middle.number, newest.number, done.number]
    cells = dict(listed)
    assert cells[oldest.number] == "Behöver åtgärd, 30 dagar: orsaksanalys"
    assert cells[middle.number] == "Behöver åtgärd, 12 dagar: åtgärder"
    assert cells[newest.number] == "Behöver åtgärd, 1 dag: orsaksanalys"
    assert cells[done.number] == "–"
    assert other_unit.number not in cells

    newest_first = rows(chef.get("/inkorg?sortering=nyast").get_data(as_text=True))
    assert [number for number, _ in newest_first] == [
        newest.number, middle.number, oldest.number, done.number]
    # The filters stay when the order changes.
    filtered = chef.get("/inkorg?status=open").get_data(as_text=True)
    assert [number for number, _ in rows(filtered)] == [
        oldest.number, middle.number, newest.number]
    assert re.search(r'href="/inkorg\?[^"]*sortering=nyast[^"]*"', filtered)
    assert re.search(r'href="/inkorg\?[^"]*status=open[^"]*sortering=nyast|'
                     r'href="/inkorg\?[^"]*sortering=nyast[^"]*status=open', filtered)
