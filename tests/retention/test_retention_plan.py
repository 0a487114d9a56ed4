"""The gallring plan on the demo data: every case whose content is due under the rules, with
the rule as an erasure will name it and the day it becomes due; a dry run (nothing changes);
the same as CSV and Excel for the archivist."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import load_workbook

from events.retention import ContentKind
from projections import queries
from projections.runner import catch_up
from tests.support import TrackerRunner
from tracker.admin.retention_rules import add_months
from tracker.demo import seed_demo
from tracker.retention.plan import LEX_SARAH_OPEN, plan_for
from tracker.runtime import Runtime


def test_the_plan_on_the_demo_data_lists_cases_with_rule_and_date(
    runtime: Runtime, runner: TrackerRunner, tmp_path: Path,
) -> None:
    seed_demo(runtime, lambda _: None)
    assert catch_up(runtime, timeout=60)
    today = runtime.app.today()
    # Under the proposals nothing of a year's data is due yet (five years from closing).
    proposed = plan_for(runtime.engine, runtime.organisation.retention_rules(), today)
    assert proposed.rows and not proposed.due
    assert result_ok(runner.invoke(["retention", "rules", "--kind", "deviation", "--months", "2",
                                    "--from", "received"]))
    result = runner.invoke(["retention", "plan", "--csv", str(tmp_path / "plan.csv"),
                            "--xlsx", str(tmp_path / "plan.xlsx")])
    assert result.exit_code == 0, result.output

    plan = plan_for(runtime.engine, runtime.organisation.retention_rules(), today)
    deviations = {d["number"]: d for d in
                  queries.list_deviations(runtime.engine, per_page=1000).items}
    rows = [row for row in plan.rows if row.content is ContentKind.DEVIATION]
    assert {row.number for row in rows} == set(deviations)
    for row in rows:
        assert row.rule == "R1 v2"
        assert row.due_on == add_months(deviations[row.number]["reported_on"], 2)
        assert row.due == (row.due_on <= today)
        # A deviation whose Lex Sarah investigation is open waits for it.
        assert row.held in (None, LEX_SARAH_OPEN)
    due = [row for row in rows if row.due and not row.held]
    assert 50 < len(due) < len(rows)
    assert any(row.held == LEX_SARAH_OPEN for row in rows)
    for row in due[:5] + rows[-5:]:
        assert f"{row.number:14} deviation     R1 v2   received {row.start}  due {row.due_on}" \
            in result.output
    assert f"{len(plan.due)} due now" in result.output

    # The files hold the same rows, the header in Swedish.
    text = (tmp_path / "plan.csv").read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert table[0][:4] == ["Ärende", "Slag", "Innehåll", "Regel"]
    assert len(table) == len(plan.rows) + 1
    sheet = load_workbook(tmp_path / "plan.xlsx").active
    assert sheet is not None and sheet.max_row == len(plan.rows) + 1
    # A dry run: every deviation is still there, with its text.
    assert len(queries.list_deviations(runtime.engine, per_page=1000).items) == len(deviations)


def result_ok(result: object) -> bool:
    assert getattr(result, "exit_code", 1) == 0, getattr(result, "output", "")
    return True
