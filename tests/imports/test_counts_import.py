"""Counts from earlier years: Tabell 32 of 2017 and the yearly totals 2014-2016 through the
command line, then read back by the reports exactly as DOMAIN.md prints them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from import_sheets import (
    COUNTS_HEADER,
    TABLE_31,
    TABLE_32,
    TABLE_32_TOTAL,
    csv_bytes,
    table_32_rows,
    xlsx_bytes,
)

from projections import queries
from projections.queries.coverage import months_with_data
from projections.runner import catch_up
from tracker.runtime import Runtime


def annual_as_table(report: dict[str, Any]) -> dict[tuple[str, str | None], tuple[int, ...]]:
    return {
        (r["category"], r["subcategory"]): (r["ifo"], r["hvb"], r["total"], r["lex_sarah"])
        for r in report["rows"]
    }


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_table_32_imported_on_the_command_line_is_the_annual_report(
    runtime: Runtime, runner: Any, tmp_path: Path
) -> None:
    path = write(tmp_path, "tabell32.csv", csv_bytes(COUNTS_HEADER, table_32_rows(), bom=True))

    dry = runner.invoke(["import", "counts", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Rader lästa: 16" in dry.output
    assert "2017: 252 avvikelser (HVB 50, IFO 202); varav Lex Sarah 5" in dry.output
    assert "inget har sparats" in dry.output
    catch_up(runtime)
    assert queries.yearly_totals(runtime.engine)["years"] == []

    stored = runner.invoke(["import", "counts", str(path), "--by", "utvecklare"])
    assert stored.exit_code == 0, stored.output
    catch_up(runtime)
    report = queries.annual_report(runtime.engine, 2017, organisation=runtime.organisation)
    assert annual_as_table(report) == TABLE_32
    total = report["total"]
    assert (total["ifo"], total["hvb"], total["total"], total["lex_sarah"]) == TABLE_32_TOTAL
    years = queries.yearly_totals(runtime.engine)["years"]
    assert {y["year"]: y["total"] for y in years} == TABLE_31
    # Whole-year figures: the years have data, their months none ("uppgift saknas").
    coverage = months_with_data(runtime.engine, runtime.app.today())
    assert all(coverage.has_year(year) for year in TABLE_31)
    assert not coverage.has(2017, 1)
    assert coverage.footnote([2016, 2017]) == (
        "Från importerade uppgifter: 2016 (helår); 2017 (helår)."
    )

    again = runner.invoke(["import", "counts", str(path)])
    assert again.exit_code == 1
    today = runtime.app.today().isoformat()
    assert f"samma fil importerades redan {today} av utvecklare" in again.output
    assert "SHA" not in again.output + dry.output + stored.output
    listing = runner.invoke(["import", "list"])
    assert listing.output.count("tabell32.csv") == 1
    assert "(utvecklare)" in listing.output


def test_monthly_counts_fill_their_months_and_undo_restores_the_reports(
    runtime: Runtime, runner: Any, tmp_path: Path
) -> None:
    app = runtime.app
    app.file_deviation(
        actor="rapportor", unit="utredning", category="samverkan", subcategory=None,
        occurred_on=app.today(), description="Samverkan med skolan brast.",
    )
    catch_up(runtime)
    before = (
        queries.yearly_totals(runtime.engine),
        queries.monthly_series(runtime.engine, [2016, app.today().year]),
        months_with_data(runtime.engine, app.today()),
    )
    rows = [[2016, month, "IFO", "Handläggning och dokumentation", "Registrering och arkiv",
             month, 1 if month == 3 else ""] for month in range(1, 13)]
    rows.append([2016, 5, "HVB", "genomforande", "", 4, ""])
    path = write(tmp_path, "2016.xlsx", xlsx_bytes(COUNTS_HEADER, rows))
    result = runner.invoke(["import", "counts", str(path)])
    assert result.exit_code == 0, result.output
    catch_up(runtime)

    series = queries.monthly_series(runtime.engine, [2016])[2016]
    assert series == [1, 2, 3, 4, 9, 6, 7, 8, 9, 10, 11, 12]
    may = queries.monthly_report(runtime.engine, 2016, 5, organisation=runtime.organisation)
    assert may["by_operation"] == {"IFO": 5, "HVB": 4}
    coverage = months_with_data(runtime.engine, app.today())
    assert coverage.has(2016, 1) and coverage.is_imported(2016, 12)
    assert not coverage.has(2017, 6)  # between the import and the tracker: no data
    assert coverage.footnote([2016]) == "Från importerade uppgifter: 2016 januari–december."
    annual = queries.annual_report(runtime.engine, 2016, organisation=runtime.organisation)
    assert annual_as_table(annual)[("handlaggning", "registrering")] == (78, 0, 78, 1)

    import_id = next(i["id"] for i in queries.imports(runtime.engine))
    declined = runner.invoke(["import", "undo", str(import_id), "--by", "admin"], input="n\n")
    assert declined.exit_code == 1 and "Inget ändrat" in declined.output
    assert "Tas bort: antal för 82 avvikelser" in declined.output
    assert "Perioder: januari–december 2016" in declined.output
    assert app.get_import(import_id).undone_at is None
    undone = runner.invoke(["import", "undo", str(import_id), "--by", "admin", "--yes"])
    assert undone.exit_code == 0, undone.output
    catch_up(runtime)
    after = (
        queries.yearly_totals(runtime.engine),
        queries.monthly_series(runtime.engine, [2016, app.today().year]),
        months_with_data(runtime.engine, app.today()),
    )
    assert after == before
    history = [entry.type for entry in app.history(import_id)]
    assert history == ["Imported", "Undone"]
    listing = runner.invoke(["import", "list"])
    assert "ångrad" in listing.output

    # The same file again after the undo: a new import, counted again.
    again = runner.invoke(["import", "counts", str(path)])
    assert again.exit_code == 0, again.output
    catch_up(runtime)
    assert queries.monthly_series(runtime.engine, [2016])[2016] == series
    assert len(queries.imports(runtime.engine)) == 2


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8"])
def test_a_swedish_excel_csv_imports_in_either_encoding(
    runtime: Runtime, runner: Any, tmp_path: Path, encoding: str
) -> None:
    rows = [[2015, "", "HVB", "Genomförande av insats", "", 54, ""]]
    data = csv_bytes(COUNTS_HEADER, rows, encoding=encoding)
    assert "Genomförande".encode(encoding) in data
    result = runner.invoke(["import", "counts", str(write(tmp_path, "f.csv", data))])
    assert result.exit_code == 0, result.output
    catch_up(runtime)
    report = queries.annual_report(runtime.engine, 2015, organisation=runtime.organisation)
    assert annual_as_table(report)[("genomforande", None)] == (0, 54, 54, 0)
