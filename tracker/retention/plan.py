"""The gallring plan: for each case and each kind of its content, the rule in force, the day
it becomes due, and whether it is due now or held. Worked out from the views' dates
(projections.queries.case_dates), the rules (tracker/admin/retention_rules.py) and each
case's retention record (holds, what was erased already). A dry run: nothing changes.

`tracker retention plan` prints it, the admin page shows it, `tracker retention apply` (and
the scheduler's daily job) erases what it says is due."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

import sqlalchemy as sa

from events.retention import ContentKind
from projections.queries.case_dates import CaseDates, case_dates
from projections.queries.retention import CaseRetention, retention_records
from tracker.admin.retention_rules import Point, RetentionRules, Rule, add_months

# The hold that needs no one to place it: the case, or the Lex Sarah case it led to, is
# still being investigated.
LEX_SARAH_OPEN = "lex_sarah_open"


@dataclass(frozen=True)
class PlanRow:
    case_id: UUID
    number: str
    case_kind: str
    content: ContentKind
    rule: str  # "R1 v2": as the erasure will name it
    point: Point
    start: date
    due_on: date
    due: bool  # on or after due_on, today
    held: str | None  # None, "hold" (placed by a person) or LEX_SARAH_OPEN


@dataclass
class Plan:
    today: date
    rules: RetentionRules
    rows: list[PlanRow] = field(default_factory=list)
    # Per kind of content: "due", "held", "later", "waiting" (no date yet: still open),
    # "kept" (bevaras), "erased".
    counts: Counter[tuple[ContentKind, str]] = field(default_factory=Counter)
    numbers: dict[UUID, str] = field(default_factory=dict)  # every case's number, by id

    @property
    def due(self) -> list[PlanRow]:
        """What an apply run erases: due and not held."""
        return [row for row in self.rows if row.due and row.held is None]

    def count(self, content: ContentKind, state: str) -> int:
        return self.counts[(content, state)]


def _start(case: CaseDates, point: Point) -> date | None:
    return {Point.RECEIVED: case.received_on, Point.DECIDED: case.decided_on,
            Point.CLOSED: case.closed_on}[point]


def _contents(case: CaseDates) -> list[ContentKind]:
    kinds = [ContentKind(case.kind)]
    if case.has_case_file:
        kinds.append(ContentKind.CONVERSATION)
    if case.attachments:
        kinds.append(ContentKind.ATTACHMENT)
    return kinds


def make_plan(
    cases: Iterable[CaseDates],
    rules: RetentionRules,
    records: Mapping[UUID, CaseRetention],
    today: date,
) -> Plan:
    plan = Plan(today, rules)
    for case in cases:
        plan.numbers[case.id] = case.number
        record = records.get(case.id)
        erased = record.erased_kinds if record is not None else frozenset()
        for content in _contents(case):
            rule: Rule = rules.rule(content)
            if content.value in erased:
                plan.counts[(content, "erased")] += 1
                continue
            if rule.keep:
                plan.counts[(content, "kept")] += 1
                continue
            start = _start(case, rule.point)
            due_on = rule.due(start)
            if start is None or due_on is None:
                plan.counts[(content, "waiting")] += 1
                continue
            held = ("hold" if record is not None and record.on_hold
                    else LEX_SARAH_OPEN if case.lex_sarah_open else None)
            due = due_on <= today
            plan.counts[(content, "held" if due and held else "due" if due else "later")] += 1
            plan.rows.append(PlanRow(case.id, case.number, case.kind, content, rule.name,
                                     rule.point, start, due_on, due, held))
    plan.rows.sort(key=lambda row: (row.due_on, row.number, row.content.value))
    return plan


def access_log_cutoff(rules: RetentionRules, setting_days: int, today: date) -> int | None:
    """How many days the läslogg keeps entries under its rule (None: kept for ever). Its
    proposal follows TRACKER_ACCESS_LOG_DAYS, the period `tracker access-log prune` used."""
    rule = rules.rule(ContentKind.ACCESS_LOG)
    if rule.keep:
        return None
    if rule.follows_setting:
        return setting_days
    months = rule.amount * 12 if rule.unit.value == "years" else rule.amount
    return (today - add_months(today, -months)).days or 1


def find_case(engine: sa.Engine, number: str) -> CaseDates | None:
    """The case with that number (any kind), as the plan sees it."""
    with engine.connect() as connection:
        return next(case_dates(connection, number=number.strip()), None)


def plan_for(engine: sa.Engine, rules: RetentionRules, today: date) -> Plan:
    with engine.connect() as connection:
        cases = list(case_dates(connection))
    return make_plan(cases, rules, retention_records(engine), today)
