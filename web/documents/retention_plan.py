"""The gallring plan and rules in Swedish words, for the admin page, its CSV and Excel
downloads and `tracker retention plan --csv/--xlsx` (the same table everywhere)."""

from __future__ import annotations

from collections.abc import Sequence

from events.retention import ContentKind
from tracker.admin.retention_rules import Point, Rule, Unit
from tracker.retention.plan import LEX_SARAH_OPEN, Plan, PlanRow

PROPOSAL = "Förslag – arkivarien beslutar"
KIND_NAMES: dict[ContentKind, str] = {
    ContentKind.DEVIATION: "Avvikelser",
    ContentKind.COMPLAINT: "Klagomål och synpunkter",
    ContentKind.LEX_SARAH: "Lex Sarah-utredningar",
    ContentKind.CHILD_REPORT: "Anmälningar om barn",
    ContentKind.ATTACHMENT: "Bilagor",
    ContentKind.CONVERSATION: "Frågor och svar med rapportören",
    ContentKind.ACCESS_LOG: "Läslogg",
}
# A case's kind (its own content is the content kind of the same name).
CASE_KIND_NAMES: dict[str, str] = {
    "deviation": "Avvikelse", "complaint": "Klagomål eller synpunkt",
    "lex_sarah": "Lex Sarah-utredning", "child_report": "Anmälan om barn",
}
POINT_NAMES: dict[Point, str] = {
    Point.CLOSED: "avslut", Point.DECIDED: "beslut", Point.RECEIVED: "inkom",
}
POINT_LONG: dict[Point, str] = {
    Point.CLOSED: "efter att ärendet avslutats",
    Point.DECIDED: "efter beslutet",
    Point.RECEIVED: "efter att det kom in",
}
HELD_NAMES = {"hold": "spärrat", LEX_SARAH_OPEN: "lex Sarah-utredning pågår"}
PLAN_HEADER = ["Ärende", "Slag", "Innehåll", "Regel", "Räknas från", "Från", "Gallras",
               "Förfallen", "Spärr"]


def period(rule: Rule, setting_days: int) -> str:
    """"5 år efter att ärendet avslutats", "bevaras"."""
    if rule.keep:
        return "bevaras"
    if rule.follows_setting:
        return f"{setting_days} dagar (TRACKER_ACCESS_LOG_DAYS)"
    unit = ("år" if rule.unit is Unit.YEARS
            else "månad" if rule.amount == 1 else "månader")
    if rule.kind is ContentKind.ACCESS_LOG:
        return f"{rule.amount} {unit}"
    return f"{rule.amount} {unit} {POINT_LONG[rule.point]}"


def plan_row(row: PlanRow) -> list[object]:
    return [
        row.number, CASE_KIND_NAMES[row.case_kind], KIND_NAMES[row.content], row.rule,
        POINT_NAMES[row.point], row.start, row.due_on, row.due,
        HELD_NAMES.get(row.held or "", ""),
    ]


def plan_rows(plan: Plan) -> Sequence[list[object]]:
    return [plan_row(row) for row in plan.rows]
