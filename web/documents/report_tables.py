"""The report pages' tables, built from the read side's counts: one row per taxonomy leaf
(zeros included, so months compare at a glance) and the cause table beside them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask import url_for

from events.taxonomy import Operation
from projections.queries import casework
from projections.queries.coverage import MISSING
from web.display import OPERATION_NAMES, category_name
from web.documents.xlsx_export import Sheet
from web.runtime import runtime


def leaf_rows(report_rows: Iterable[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """Every (category, subcategory) a deviation can be counted in, in taxonomy order,
    then any code found in the data that the taxonomy no longer lists."""
    return runtime().organisation.taxonomy().counted_leaves(
        (row["category"], row["subcategory"]) for row in report_rows
    )


def cause_table(year: int, month: int | None, period: str) -> dict[str, Any]:
    """Deviations per cause (from their cause analyses) and operation: every active cause
    of the cause list, zeros included, then codes only the data still has."""
    table = casework.cause_table(runtime().engine, runtime().organisation.causes(), year, month)
    if month is None:
        links = {"csv": url_for("reports.annual_causes_csv", year=year),
                 "xlsx": url_for("reports.annual_causes_xlsx", year=year)}
    else:
        links = {"csv": url_for("reports.monthly_causes_csv", year=year, month=month),
                 "xlsx": url_for("reports.monthly_causes_xlsx", year=year, month=month)}
    return {**table, "period": period, "links": links}


CAUSE_HEADER = ["Orsak (enligt orsaksanalyserna)", "IFO", "HVB", "Totalt"]


def cause_sheet(causes: dict[str, Any], has_data: bool) -> Sheet:
    """The cause table for a download: beside the report (a second sheet in Excel, a second
    block in CSV), with how many deviations name causes; "uppgift saknas" without data."""
    rows: list[Sequence[Any]] = [
        (row["name"], row["ifo"], row["hvb"], row["total"]) if has_data
        else (row["name"], MISSING, MISSING, MISSING)
        for row in causes["rows"]
    ]
    if has_data:
        rows.append((f"{causes['analysed']} av avvikelserna under {causes['period']} har en "
                     "orsaksanalys med angivna orsaker. En avvikelse kan ha flera orsaker.",))
    return Sheet("Orsaker", CAUSE_HEADER, rows)


def monthly_tables(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One table (and chart) per operation, every category row shown, zeros included, so
    months compare at a glance."""
    leaves = leaf_rows(report["rows"])
    tables = []
    for operation in Operation:
        counts = {
            (r["category"], r["subcategory"]): r["count"]
            for r in report["rows"]
            if r["operation"] == operation.value
        }
        rows = [
            {"category": cat, "subcategory": sub, "name": category_name(cat, sub),
             # the chart's axis has room for the most specific name only
             "short": category_name(cat, sub).split(" – ", 1)[-1],
             "count": counts.get((cat, sub), 0)}
            for cat, sub in leaves
        ]
        tables.append(
            {
                "operation": operation.value,
                "name": OPERATION_NAMES[operation.value],
                "total": report["by_operation"].get(operation.value, 0),
                "rows": rows,
            }
        )
    return tables
