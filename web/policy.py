"""Who may do what: the one place the web pages and the JSON API ask. Roles as in
DOMAIN.md; an enhetschef is limited to their own units. The domain decides whether an
action is allowed in the case's state; this module only decides who may ask."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from tracker.access import SEES_ALL_DEVIATIONS, in_scope, opens_deviation
from tracker.accounts import Account, Role

EVERY_ROLE: frozenset[Role] = frozenset(Role)
# Reviewers handle deviations (the inbox); the Lex Sarah role reads them for its investigations.
REVIEWERS: frozenset[Role] = frozenset({Role.ENHETSCHEF, Role.VERKSAMHETSUTVECKLARE})
# Who may set `reported_on` (paper reports, importing earlier years).
BACKDATES_REPORTS: frozenset[Role] = frozenset({Role.VERKSAMHETSUTVECKLARE, Role.ADMIN})

# Deviation actions (web.deviations.ACTIONS) -> roles allowed to ask for them (an
# enhetschef only in their units).
DEVIATION_ACTIONS: dict[str, frozenset[Role]] = {
    "reclassify": frozenset({Role.VERKSAMHETSUTVECKLARE}),
    "analyse_cause": REVIEWERS,
    "add_measure": REVIEWERS,
    "record_no_measures_needed": REVIEWERS,
    "complete_measure": REVIEWERS,
    "give_feedback": REVIEWERS,
    "record_feedback_impossible": REVIEWERS,
    "escalate": frozenset({Role.VERKSAMHETSUTVECKLARE}),
    "close": REVIEWERS,
    "reopen": REVIEWERS,
    "withdraw": REVIEWERS,
}


class HasUnit(Protocol):
    unit: str
    reporter: str


def unit_scope(account: Account) -> Collection[str] | None:
    """Units the account's list views are limited to; None = every unit."""
    if account.role in SEES_ALL_DEVIATIONS:
        return None
    if account.role is Role.ENHETSCHEF:
        return account.units
    return frozenset()


def can_view_deviation(account: Account, deviation: HasUnit) -> bool:
    return opens_deviation(account, deviation.unit, deviation.reporter)


def can_act(account: Account, action: str, deviation: HasUnit) -> bool:
    return account.role in DEVIATION_ACTIONS[action] and in_scope(account, deviation.unit)


def allowed_actions(account: Account, deviation: HasUnit) -> set[str]:
    return {action for action in DEVIATION_ACTIONS if can_act(account, action, deviation)}
