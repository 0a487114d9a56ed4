"""Retention rules (gallringsregler) as organisation data: per kind of record, how long its
content is kept, counted from a stated point of the case, or that it is kept for ever
(bevaras). Versioned like the taxonomy: each change is a new version of the whole set
(table retention_rule_versions), the newest in force; each rule also counts its own
versions, so an erasure names the rule it was made under ("R1 v2").

The municipality's dokumenthanteringsplan decides the periods. The defaults below are
proposals for its archivist ("Förslag – arkivarien beslutar"), marked as such until someone
sets the rule; they claim no law."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from events.errors import ValidationFailed
from events.retention import ContentKind


class Point(StrEnum):
    """What a period is counted from."""

    CLOSED = "closed"  # the case was closed (a deviation also when withdrawn)
    DECIDED = "decided"  # the decision (Lex Sarah: the grade; child report: förhandsbedömning)
    RECEIVED = "received"  # the case came in (reported, received, opened; a läslogg entry made)


class Unit(StrEnum):
    YEARS = "years"
    MONTHS = "months"


# The label of each kind's rule, fixed: erasures and the plan name them.
LABELS: dict[ContentKind, str] = {
    ContentKind.DEVIATION: "R1",
    ContentKind.COMPLAINT: "R2",
    ContentKind.LEX_SARAH: "R3",
    ContentKind.CHILD_REPORT: "R4",
    ContentKind.ATTACHMENT: "R5",
    ContentKind.CONVERSATION: "R6",
    ContentKind.ACCESS_LOG: "R7",
}

# Which points each kind has a date for. A deviation and a complaint have no decision; an
# attachment or a conversation is counted from its case's dates, which may be either kind;
# a läslogg entry has only the moment it was written.
POINTS: dict[ContentKind, tuple[Point, ...]] = {
    ContentKind.DEVIATION: (Point.CLOSED, Point.RECEIVED),
    ContentKind.COMPLAINT: (Point.CLOSED, Point.RECEIVED),
    ContentKind.LEX_SARAH: (Point.CLOSED, Point.DECIDED, Point.RECEIVED),
    ContentKind.CHILD_REPORT: (Point.CLOSED, Point.DECIDED, Point.RECEIVED),
    ContentKind.ATTACHMENT: (Point.CLOSED, Point.RECEIVED),
    ContentKind.CONVERSATION: (Point.CLOSED, Point.RECEIVED),
    ContentKind.ACCESS_LOG: (Point.RECEIVED,),
}
MAX_AMOUNT = {Unit.YEARS: 100, Unit.MONTHS: 1200}


@dataclass(frozen=True)
class Rule:
    kind: ContentKind
    version: int  # this rule's own version: 1 as proposed, +1 at each change
    keep: bool = False  # bevaras: never gallrad
    amount: int = 0
    unit: Unit = Unit.YEARS
    point: Point = Point.CLOSED
    # Proposed by the tracker, not yet set by the municipality.
    proposal: bool = False
    # The läslogg's proposal: the period TRACKER_ACCESS_LOG_DAYS already gives it.
    follows_setting: bool = False

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def name(self) -> str:
        """The rule as an erasure names it: "R1 v2"."""
        return f"{self.label} v{self.version}"

    def due(self, start: date | None, *, setting_days: int | None = None) -> date | None:
        """The day content counted from `start` becomes due, or None (kept, or no start yet)."""
        if self.keep or start is None:
            return None
        if self.follows_setting:
            return start + timedelta(days=setting_days or 0) if setting_days else None
        months = self.amount * 12 if self.unit is Unit.YEARS else self.amount
        return add_months(start, months)


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class RetentionRules:
    version: int  # of the whole set
    rules: dict[ContentKind, Rule]

    def rule(self, kind: ContentKind) -> Rule:
        return self.rules[kind]

    def __iter__(self) -> Any:
        return iter(self.rules[kind] for kind in ContentKind)


DEFAULT_RETENTION_RULES = RetentionRules(
    version=1,
    rules={
        ContentKind.DEVIATION: Rule(ContentKind.DEVIATION, 1, amount=5, point=Point.CLOSED,
                                    proposal=True),
        ContentKind.COMPLAINT: Rule(ContentKind.COMPLAINT, 1, amount=5, point=Point.CLOSED,
                                    proposal=True),
        ContentKind.LEX_SARAH: Rule(ContentKind.LEX_SARAH, 1, keep=True, proposal=True),
        ContentKind.CHILD_REPORT: Rule(ContentKind.CHILD_REPORT, 1, amount=5,
                                       point=Point.RECEIVED, proposal=True),
        ContentKind.ATTACHMENT: Rule(ContentKind.ATTACHMENT, 1, amount=5, point=Point.CLOSED,
                                     proposal=True),
        ContentKind.CONVERSATION: Rule(ContentKind.CONVERSATION, 1, amount=5,
                                       point=Point.CLOSED, proposal=True),
        ContentKind.ACCESS_LOG: Rule(ContentKind.ACCESS_LOG, 1, point=Point.RECEIVED,
                                     proposal=True, follows_setting=True),
    },
)


def rule_to_document(rule: Rule) -> dict[str, Any]:
    return {
        "kind": rule.kind.value, "version": rule.version, "keep": rule.keep,
        "amount": rule.amount, "unit": rule.unit.value, "point": rule.point.value,
        "proposal": rule.proposal, "follows_setting": rule.follows_setting,
    }


def to_document(rules: RetentionRules) -> dict[str, Any]:
    return {"rules": [rule_to_document(rule) for rule in rules]}


def from_document(version: int, document: dict[str, Any]) -> RetentionRules:
    found = {
        ContentKind(r["kind"]): Rule(
            ContentKind(r["kind"]), int(r["version"]), bool(r["keep"]), int(r["amount"]),
            Unit(r["unit"]), Point(r["point"]), bool(r.get("proposal", False)),
            bool(r.get("follows_setting", False)),
        )
        for r in document["rules"]
    }
    # A kind added after the document was written starts as its default proposal.
    rules = {kind: found.get(kind, DEFAULT_RETENTION_RULES.rules[kind]) for kind in ContentKind}
    return RetentionRules(version, rules)


def checked_rule(
    current: Rule, *, keep: bool, amount: int | None, unit: Unit | None, point: Point | None
) -> Rule:
    """The rule as set by someone (no longer a proposal), its version one up; refused
    when nothing would change."""
    if keep:
        new = replace(current, keep=True, amount=0, unit=Unit.YEARS, follows_setting=False,
                      proposal=False)
    else:
        if unit is None or amount is None:
            raise ValidationFailed("amount", "Give a period in years or months, or keep.")
        if not 1 <= amount <= MAX_AMOUNT[unit]:
            if unit is Unit.YEARS:
                raise ValidationFailed("amount", "The period must be 1-100 years.")
            raise ValidationFailed("amount", "The period must be 1-1200 months.")
        point = point or (POINTS[current.kind][0] if len(POINTS[current.kind]) == 1 else None)
        if point is None:
            raise ValidationFailed("point", "Say what the period is counted from.")
        if point not in POINTS[current.kind]:
            raise ValidationFailed(
                "point", "This kind of record has no such date to count from."
            )
        new = replace(current, keep=False, amount=amount, unit=unit, point=point,
                      follows_setting=False, proposal=False)
    if replace(new, version=current.version) == current:
        raise ValidationFailed("amount", "The rule is already so.")
    return replace(new, version=current.version + 1)
