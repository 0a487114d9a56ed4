"""Risk assessment of a deviation (SOSFS 2011:9, riskanalys): probability 1-4 x consequence
1-4, the score their product; a score at or above the municipality's threshold suggests a
Lex Sarah investigation, beside the recurrence rule (projections.queries.reports)."""

from __future__ import annotations

from events.errors import ValidationFailed

SCALE = range(1, 5)  # 1 = lowest, 4 = highest, for probability and consequence alike
MAX_SCORE = max(SCALE) * max(SCALE)
HIGH_RISK = 12  # the matrix's top band (its red cells), as the committee report names it


def check_level(field: str, level: int) -> int:
    if isinstance(level, bool) or not isinstance(level, int) or level not in SCALE:
        raise ValidationFailed(field, "Choose a value from 1 to 4.")
    return level


def risk_score(probability: int, consequence: int) -> int:
    return probability * consequence


def suggests_lex_sarah(score: int | None, threshold: int) -> bool:
    """The risk rule: an assessed score at or above the threshold."""
    return score is not None and score >= threshold
